import { ApiError, UINT32_MAX, type BundleManifest, type InternalEditRequest, type InternalGenerateRequest } from "@understudy/shared";
import { decodeImage } from "../image/decode.js";
import { resizeImages } from "../image/resize.js";
import type { ImageJob } from "./jobs.js";

export type ImagesRequest = InternalGenerateRequest | InternalEditRequest;

export function isEdit(request: ImagesRequest): request is InternalEditRequest {
  return "image_b64" in request;
}

/**
 * The k values a request may name: the calibrated percentiles, plus the two that need no calibration
 * (k = 0: the teacher never runs; k = 100: it always does).
 */
export function calibratedK(manifest: BundleManifest): number[] {
  const table = Object.keys(manifest.calibration.thresholds).map(Number);
  return [...new Set([0, ...table, 100])].sort((a, b) => a - b);
}

/** τ for a teacher share of k percent: the k-th percentile of the student's oracle scores. */
export function thresholdForK(manifest: BundleManifest, k: number): number {
  if (k === 0) return Number.NEGATIVE_INFINITY;
  if (k === 100) return Number.POSITIVE_INFINITY;
  const tau = manifest.calibration.thresholds[String(k)];
  if (tau === undefined) {
    throw new ApiError("invalid_value", `k: ${k} is not calibrated for bundle ${manifest.id}; use one of ${calibratedK(manifest).join(", ")}.`, { param: "k" });
  }
  return tau;
}

function checkBundleAndSize(manifest: BundleManifest, request: ImagesRequest): void {
  if (request.bundle !== undefined && request.bundle !== manifest.id) {
    throw new ApiError("unknown_bundle", `bundle: this service serves "${manifest.id}", not "${request.bundle}".`, { param: "bundle" });
  }
  const { width, height } = manifest.native_size;
  if ((request.width ?? width) !== width || (request.height ?? height) !== height) {
    throw new ApiError("invalid_value", `size: bundle ${manifest.id} serves only ${width}x${height} images.`, { param: "size" });
  }
}

/** Mode, k and τ: a fixed τ wins over k; outside adaptive mode neither applies. */
function resolveSelection(manifest: BundleManifest, selection: ImagesRequest["selection"]): Pick<ImageJob, "mode" | "strategy" | "k" | "threshold"> {
  const { mode, strategy } = selection;
  if (mode !== "adaptive") return { mode, strategy, k: null, threshold: null };
  if (selection.threshold !== undefined) return { mode, strategy, k: null, threshold: selection.threshold };
  const k = selection.k ?? manifest.defaults.k;
  return { mode, strategy, k, threshold: thresholdForK(manifest, k) };
}

/** The input image at the bundle's native size, NCHW in [-1,1]. */
function initImageOf(manifest: BundleManifest, imageB64: string): Float32Array {
  const { width, height } = manifest.native_size;
  const decoded = decodeImage(new Uint8Array(Buffer.from(imageB64, "base64")));
  return resizeImages(decoded, height, width).data;
}

/** Splits a request into one fully resolved job per image; 4xx-worthy problems throw ApiError naming the field. */
export function resolveJobs(manifest: BundleManifest, request: ImagesRequest): ImageJob[] {
  checkBundleAndSize(manifest, request);
  const selection = resolveSelection(manifest, request.selection);
  const edit = isEdit(request);
  const initImage = edit ? initImageOf(manifest, request.image_b64) : undefined;
  const { teacher, student, defaults, native_size } = manifest;
  return Array.from({ length: request.n }, (_, index) => ({
    requestId: request.request_id,
    index,
    // Image i of a request uses seed + i (mod 2^32), so n=2 at seed s shares its second image with n=1 at s+1.
    seed: (request.seed + index) % (UINT32_MAX + 1),
    prompt: request.prompt,
    negativePrompt: request.negative_prompt ?? "",
    width: native_size.width,
    height: native_size.height,
    ...selection,
    studentSteps: request.student_steps ?? student.steps,
    teacherSteps: request.steps ?? teacher.steps,
    // A guidance-free teacher config (null) means unguided sampling, which scale 1 expresses.
    guidance: request.guidance ?? teacher.guidance ?? 1,
    strength: request.strength ?? (edit ? defaults.edit_strength : defaults.refine_strength),
    ...(initImage ? { initImage } : {}),
  }));
}
