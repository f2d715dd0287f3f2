import type { z } from "zod";
import { ApiError, ErrorBody, signatureHeaders } from "@understudy/shared";
import type { EdgeConfig } from "../config.js";
import { breakerFor } from "./breaker.js";
import { backoffMs, sleep } from "./backoff.js";

export interface GpuCall {
  method: "GET" | "POST";
  path: string;
  body?: string;
  requestId: string;
  /** Absolute deadline (epoch ms) for the whole call, retries included. */
  deadlineAt: number;
}

export interface GpuAnswer<T> {
  value: T;
  origin: string;
  /** Round trip of the attempt that answered, for `Server-Timing`. */
  elapsedMs: number;
}

/** The service serves another bundle than the one the request was planned for: replan after a refresh. */
export class BundleMismatch extends ApiError {
  constructor() {
    super("upstream_unavailable", "The image service just switched models; retry now (nothing was charged).", { retryAfterSeconds: 1 });
  }
}

/** Why an attempt failed, deciding whether another origin may help. */
type AttemptFailure = { retryable: true; error: ApiError } | { retryable: false; error: ApiError };

const unavailable = (retryAfterSeconds: number) =>
  new ApiError("upstream_unavailable", "The image service is unreachable right now; retry shortly (nothing was charged).", { retryAfterSeconds });
const overloaded = (retryAfterSeconds: number) =>
  new ApiError("overloaded", "The image service is at capacity; retry shortly (nothing was charged).", { retryAfterSeconds });
const timedOut = () =>
  new ApiError("upstream_timeout", "The image service did not answer in time; retry shortly (nothing was charged).", { retryAfterSeconds: 2 });

/** The next origin to try: rotating from `offset` so load spreads, skipping origins whose circuit is open. */
function pickOrigin(origins: string[], attempt: number, offset: number): string | undefined {
  for (let i = 0; i < origins.length; i++) {
    const origin = origins[(offset + attempt + i) % origins.length]!;
    if (breakerFor(origin).allow()) return origin;
  }
  return undefined;
}

let rotation = 0;

/** How an accepted answer's body becomes the value; null when it is not what the contract promises. */
export type Receive<T> = (response: Response) => Promise<T | null>;

/** A JSON body, validated against the contract's schema. */
export const receiveJson =
  <T>(schema: z.ZodType<T>): Receive<T> =>
  async (response) => {
    const parsed = schema.safeParse(await response.json().catch(() => null));
    return parsed.success ? parsed.data : null;
  };

/**
 * A `stream: true` answer: the open body, for the caller to read as the stage events arrive. The call's
 * deadline keeps running while it is read (the fetch's abort signal covers the body too).
 */
export const receiveEventStream: Receive<ReadableStream<Uint8Array>> = async (response) => {
  if (response.body && response.headers.get("Content-Type")?.startsWith("text/event-stream")) return response.body;
  await response.body?.cancel();
  return null;
};

/**
 * A refusal from the gpu-service. The edge validated the request already, so a 400/413 means input only the
 * model can judge (an image it cannot decode): the caller's to fix, passed on as a 4xx with the service's
 * message. Anything else (a bad signature, say) is ours: a 500 that says nothing was charged.
 */
async function upstreamError(response: Response): Promise<ApiError> {
  const parsed = ErrorBody.safeParse(await response.json().catch(() => null));
  const error = parsed.success ? parsed.data.error : null;
  if (response.status === 404 && error?.code === "unknown_bundle") return new BundleMismatch();
  if (response.status === 400 || response.status === 413) {
    const code = response.status === 413 ? "payload_too_large" : "invalid_value";
    return new ApiError(code, error?.message ?? "The image service could not use this input.", { param: error?.param ?? null });
  }
  return new ApiError("internal_error", `The image service refused the request (${error?.message ?? `status ${response.status}`}); nothing was charged.`);
}

async function attempt<T>(origin: string, call: GpuCall, secret: string, receive: Receive<T>): Promise<GpuAnswer<T> | AttemptFailure> {
  const breaker = breakerFor(origin);
  const headers = {
    ...(await signatureHeaders(secret, { method: call.method, path: call.path, body: call.body ?? "" })),
    "Content-Type": "application/json",
    "X-Request-Id": call.requestId,
  };
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(origin + call.path, { method: call.method, headers, body: call.body, signal: AbortSignal.timeout(Math.max(1, call.deadlineAt - Date.now())) });
  } catch (error) {
    breaker.failed();
    const timeout = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return timeout ? { retryable: false, error: timedOut() } : { retryable: true, error: unavailable(1) };
  }
  if (response.status === 503 || response.status === 502) {
    breaker.failed();
    await response.body?.cancel();
    return { retryable: true, error: overloaded(Number(response.headers.get("Retry-After")) || 1) };
  }
  breaker.succeeded();
  if (!response.ok) return { retryable: false, error: await upstreamError(response) };
  const value = await receive(response);
  if (value === null) return { retryable: false, error: new ApiError("internal_error", "The image service answered in an unexpected shape; nothing was charged.") };
  return { value, origin, elapsedMs: performance.now() - started };
}

/**
 * One signed call to the gpu-service: bounded attempts across origins with jittered backoff on connection
 * errors and 503s, circuit breakers skipping dead origins, and one deadline over all of it.
 */
export function callGpu<T>(config: EdgeConfig, secret: string, call: GpuCall, schema: z.ZodType<T>): Promise<GpuAnswer<T>> {
  return callGpuWith(config, secret, call, receiveJson(schema));
}

/** `callGpu` with the body read by `receive`: retries and failover happen only before the answer is accepted. */
export async function callGpuWith<T>(config: EdgeConfig, secret: string, call: GpuCall, receive: Receive<T>): Promise<GpuAnswer<T>> {
  if (config.origins.length === 0) throw unavailable(30);
  const offset = rotation++;
  // Made only when an attempt fails: an ApiError captures a stack trace, which every call would pay for.
  let lastError: ApiError | null = null;
  for (let i = 0; i < config.maxAttempts; i++) {
    const origin = pickOrigin(config.origins, i, offset);
    if (!origin) {
      const waitMs = Math.min(...config.origins.map((o) => breakerFor(o).retryInMs()));
      throw lastError?.code === "overloaded" ? lastError : unavailable(Math.max(1, Math.ceil(waitMs / 1000)));
    }
    if (Date.now() >= call.deadlineAt) throw timedOut();
    const outcome = await attempt(origin, call, secret, receive);
    if ("value" in outcome) return outcome;
    if (!outcome.retryable) throw outcome.error;
    lastError = outcome.error;
    const pause = backoffMs(i);
    if (i + 1 < config.maxAttempts && Date.now() + pause < call.deadlineAt) await sleep(pause);
  }
  throw lastError ?? unavailable(1);
}
