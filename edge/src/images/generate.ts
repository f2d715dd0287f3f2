import {
  ApiError,
  InternalImagesResponse,
  InternalPaths,
  type BundleInfo,
  type DegradedReason,
  type ImageExplanation,
  type InternalImage,
} from "@understudy/shared";
import type { Caller, Env } from "../env.js";
import { edgeConfig } from "../config.js";
import { BundleMismatch, callGpuWith, receiveJson, type GpuAnswer, type Receive } from "../gpu/client.js";
import { currentBundle, forgetBundle } from "../gpu/bundle.js";
import { readCached, writeCached, type CachedImage } from "../cache/imageCache.js";
import { SingleFlight } from "../cache/singleflight.js";
import { chargeFor, type Settlement } from "../budget/settlement.js";
import { planImages, studentOnly, type ImageJob, type ImagePlan } from "./plan.js";
import { Png } from "./png.js";
import { afterThisAnswer } from "../afterAnswer.js";

/** What a request needs from its surroundings; the route builds it from the Hono context. */
export interface JobContext {
  env: Env;
  caller: Caller;
  requestId: string;
  waitUntil: (promise: Promise<unknown>) => void;
  /** Measures a step for Server-Timing, so the edge's own share of a response is visible per request. */
  time: <T>(name: string, work: () => Promise<T>) => Promise<T>;
}

export interface ProducedImage {
  png: Png;
  explanation: ImageExplanation;
}

export interface Outcome {
  plan: ImagePlan;
  images: ProducedImage[];
  bundle: { id: string; version: string };
  charged: number;
  /** The gpu-service round trip, when it was called (for Server-Timing and the edge-overhead benchmark). */
  gpuMs: number | null;
}

/** Identical misses in flight in this isolate, by their cache keys. */
const flights = new SingleFlight<Outcome>();

const insufficientCredits = (remaining: number, needed: number) =>
  new ApiError("insufficient_credits", `Your credits for this month are used up: this request needs up to ${needed}, ${remaining} remain. Ask for fewer images, fewer steps or a faster quality, or wait for next month.`);

export function explain(image: InternalImage, imposed: DegradedReason | null): ImageExplanation {
  const degraded = image.degraded || imposed !== null;
  return {
    seed: image.seed,
    route: image.route,
    oracle_score: image.oracle_score,
    threshold: image.threshold,
    k: image.k,
    unet_evaluations: image.unet_evaluations,
    timings_ms: image.timings_ms,
    cache: "miss",
    degraded,
    degraded_reason: image.degraded_reason ?? (degraded ? imposed : null),
  };
}

function settlementOf(images: ProducedImage[]): Settlement {
  return {
    evaluations: images.reduce((sum, { explanation: e }) => sum + e.unet_evaluations.student + e.unet_evaluations.teacher, 0),
    images: images.length,
    teacherImages: images.filter(({ explanation }) => explanation.route !== "student").length,
    degradedImages: images.filter(({ explanation }) => explanation.degraded).length,
  };
}

/** How the service's answer is read: one JSON body, or (stream: true) its stage events. */
export type Answer<T> = { stream: boolean; receive: Receive<T> };
const jsonAnswer: Answer<InternalImagesResponse> = { stream: false, receive: receiveJson(InternalImagesResponse) };

async function callService<T>(ctx: JobContext, plan: ImagePlan, answer: Answer<T>): Promise<GpuAnswer<T>> {
  const config = edgeConfig(ctx.env);
  const deadlineAt = Date.now() + config.deadlineMs;
  // The service gets most of the deadline, so it can skip the teacher (degraded) before the edge gives up.
  const body = JSON.stringify({ ...plan.internal, stream: answer.stream, request_id: ctx.requestId, deadline_ms: deadlineAt - 250 });
  const path = plan.kind === "edit" ? InternalPaths.edit : InternalPaths.generate;
  try {
    return await callGpuWith(config, ctx.env.GPU_SERVICE_SECRET, { method: "POST", path, body, requestId: ctx.requestId, deadlineAt }, answer.receive);
  } catch (error) {
    if (error instanceof BundleMismatch) forgetBundle();
    throw error;
  }
}

/** Calls the service; when the teacher's side is overloaded, falls back to the student's image, marked degraded. */
export async function callWithFallback<T>(ctx: JobContext, plan: ImagePlan, bundle: BundleInfo, answer: Answer<T>) {
  try {
    return { answer: await callService(ctx, plan, answer), reason: null };
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "overloaded" || plan.mode === "student") throw error;
    return { answer: await callService(ctx, studentOnly(plan, bundle), answer), reason: "teacher_unavailable" as const };
  }
}

/** Reserves the worst case; a tier that degrades on low credits gets a student-only plan rather than a 402. */
export async function reserve(ctx: JobContext, plan: ImagePlan, bundle: BundleInfo) {
  const { budget, tier } = ctx.caller;
  const first = await budget.reserve(ctx.requestId, plan.worstCase);
  if (first.ok) return { plan, reservation: first.reservation, reason: null };
  if (tier.on_low_credits === "degrade" && plan.mode !== "student") {
    const fallback = studentOnly(plan, bundle);
    const second = await budget.reserve(ctx.requestId, fallback.worstCase);
    if (second.ok) return { plan: fallback, reservation: second.reservation, reason: "budget" as const };
    throw insufficientCredits(second.remaining, fallback.worstCase);
  }
  throw insufficientCredits(first.remaining, plan.worstCase);
}

/** Caches what may be cached: in the isolate at once, in R2 in the background. */
function cacheImages(ctx: JobContext, plan: ImagePlan, outcome: Pick<Outcome, "images" | "bundle">): void {
  // A different bundle version answered than the keys were made for: its images belong under other keys.
  if (outcome.bundle.version !== plan.bundle.version) return;
  outcome.images.forEach((image, i) => ctx.waitUntil(writeCached(ctx.env.IMAGES, plan.cacheKeys[i]!, image)));
}

export type Reserved = Awaited<ReturnType<typeof reserve>>;

/** Runs `work`; if it fails, the whole reservation goes back before the error does. */
export async function refundOnFailure<T>(ctx: JobContext, reserved: Reserved, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await ctx.caller.budget.refund(reserved.reservation);
    throw error;
  }
}

/**
 * The service's complete answer: settle to what was spent, cache it, report the charge. The settlement is
 * sent after the answer and not awaited: until it lands the reservation still holds the (larger) worst case,
 * so nothing can overspend meanwhile, and the charge is the same rule the object applies (what was spent,
 * never more than was reserved).
 */
export function settle(ctx: JobContext, plan: ImagePlan, reserved: Reserved, answer: InternalImagesResponse, imposed: DegradedReason | null, gpuMs: number | null): Outcome {
  const images = answer.images.map((image) => ({ png: Png.fromBase64(image.png_b64), explanation: explain(image, imposed) }));
  const settlement = settlementOf(images);
  ctx.waitUntil(afterThisAnswer().then(() => ctx.caller.budget.settle(reserved.reservation, settlement)));
  const outcome = { plan, images, bundle: answer.bundle, gpuMs };
  cacheImages(ctx, plan, outcome);
  return { ...outcome, charged: chargeFor(settlement, reserved.plan.worstCase) };
}

/** A miss: reserve the worst case, call, settle to what was spent, refund everything if the call fails. */
async function compute(ctx: JobContext, plan: ImagePlan, bundle: BundleInfo): Promise<Outcome> {
  const reserved = await ctx.time("reserve", () => reserve(ctx, plan, bundle));
  return refundOnFailure(ctx, reserved, async () => {
    const { answer, reason } = await callWithFallback(ctx, reserved.plan, bundle, jsonAnswer);
    return settle(ctx, plan, reserved, answer.value, reserved.reason ?? reason, answer.elapsedMs);
  });
}

function fromCache(ctx: JobContext, plan: ImagePlan, images: CachedImage[]): Outcome {
  ctx.waitUntil(afterThisAnswer().then(() => ctx.caller.budget.recordCacheHit(images.length)));
  return {
    plan,
    images: images.map(({ png, explanation }) => ({ png, explanation: { ...explanation, cache: "hit" } })),
    bundle: plan.bundle,
    charged: 0,
    gpuMs: null,
  };
}

/** A request the cache could not answer: what to compute, and the single-flight key to compute it under. */
export interface Miss {
  plan: ImagePlan;
  bundle: BundleInfo;
  /** Null when it must not be shared: unseeded, or a retry after the shared computation failed. */
  flightKey: string | null;
}

/**
 * Plans a request against the tier and the bundle; answers seeded requests from the cache when every image
 * is there, or from an identical request already in flight; otherwise says what to compute.
 */
export async function lookUp(ctx: JobContext, job: ImageJob): Promise<{ outcome: Outcome } | { miss: Miss }> {
  const bundle = await ctx.time("bundle", () => currentBundle(ctx.env, ctx.requestId, ctx.waitUntil));
  const plan = await planImages(ctx.caller.tier, bundle, job);
  if (!plan.seeded) return { miss: { plan, bundle, flightKey: null } };
  const cached = await ctx.time("cache", () => readCached(ctx.env.IMAGES, plan.cacheKeys));
  if (cached) return { outcome: fromCache(ctx, plan, cached) };
  const flightKey = plan.cacheKeys.join(",");
  const running = flights.running(flightKey);
  if (!running) return { miss: { plan, bundle, flightKey } };
  // Someone is computing exactly this: share their images as a free hit. If they failed (perhaps for a
  // reason of their own tenant, like credits) or got degraded images, compute ours separately.
  const shared = await running.catch(() => null);
  if (shared && shared.images.every(({ explanation }) => !explanation.degraded)) return { outcome: fromCache(ctx, plan, shared.images) };
  return { miss: { plan, bundle, flightKey: null } };
}

/** Computes a miss, as the one computation identical requests in this isolate join when it may be shared. */
export function inFlight(miss: Miss, work: () => Promise<Outcome>): Promise<Outcome> {
  return miss.flightKey === null ? work() : flights.run(miss.flightKey, work);
}

/** The life of a plain (not streamed) image request. */
export async function produceImages(ctx: JobContext, job: ImageJob): Promise<Outcome> {
  const found = await lookUp(ctx, job);
  if ("outcome" in found) return found.outcome;
  return inFlight(found.miss, () => compute(ctx, found.miss.plan, found.miss.bundle));
}
