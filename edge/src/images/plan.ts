import {
  ApiError,
  cacheKey,
  parseSize,
  planForTier,
  worstCaseEvaluations,
  type BundleInfo,
  type EditFields,
  type GenerationRequest,
  type InternalEditRequestInput,
  type InternalGenerateRequestInput,
  type Mode,
  type ResponseFormat,
  type Strategy,
  type Tier,
} from "@understudy/shared";

/** A validated request, generation or edit, before the tier and the bundle have been applied. */
export type ImageJob =
  | { kind: "generate"; request: GenerationRequest }
  | { kind: "edit"; request: EditFields; image: { b64: string; sha256: string } };

/** Everything the edge decided about a request: what to ask the gpu-service, what to key, what to reserve. */
export interface ImagePlan {
  kind: ImageJob["kind"];
  n: number;
  seed: number;
  /** Whether the caller chose the seed: only then may the cache answer. */
  seeded: boolean;
  mode: Mode;
  k: number;
  strategy: Strategy;
  responseFormat: ResponseFormat;
  bundle: { id: string; version: string };
  /** One per image (image i uses seed + i). */
  cacheKeys: string[];
  worstCase: number;
  /** The internal request minus request_id and deadline, which are per call. */
  internal: Omit<InternalGenerateRequestInput, "request_id" | "deadline_ms"> & { image_b64?: string };
}

const SEED_SPACE = 2 ** 32;
/** Names OpenAI clients send by default; they all mean "whatever this deployment serves". */
const OPENAI_MODEL_ALIASES = /^(dall-e-[23]|gpt-image-1(\.\d+)?(-mini)?)$/;

function drawSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

function checkModel(model: string | undefined, bundle: BundleInfo): void {
  if (model === undefined || model === bundle.id || OPENAI_MODEL_ALIASES.test(model)) return;
  throw new ApiError("invalid_value", `model: "${model}" is not served here; use "${bundle.id}" or leave it out.`, { param: "model" });
}

function resolveSize(size: string | undefined, bundle: BundleInfo): [number, number] {
  const native = bundle.native_size;
  if (size === undefined) return [native.width, native.height];
  const [width, height] = parseSize(size);
  if (width !== native.width || height !== native.height) {
    throw new ApiError("invalid_value", `size: this model draws ${native.width}x${native.height} only; send that or leave size out.`, { param: "size" });
  }
  return [width, height];
}

/** Applies the caller's tier and the bundle's defaults, so every field that changes the image is explicit. */
export async function planImages(tier: Tier, bundle: BundleInfo, job: ImageJob): Promise<ImagePlan> {
  const request = job.request;
  checkModel(request.model, bundle);
  const [width, height] = resolveSize(request.size, bundle);
  const { mode, k, strategy } = planForTier(tier, { quality: request.quality, mode: request.mode, strategy: request.strategy, n: request.n, steps: request.steps });
  const seed = request.seed ?? drawSeed();
  const steps = request.steps ?? bundle.teacher_steps;
  const studentSteps = request.student_steps ?? bundle.student_steps;
  const guidance = request.guidance ?? bundle.teacher_guidance;
  const strength = request.strength ?? (job.kind === "edit" ? bundle.edit_strength : bundle.refine_strength);
  const negativePrompt = request.negative_prompt ?? "";
  const keyFor = (i: number) =>
    cacheKey({
      bundle: { id: bundle.id, version: bundle.version },
      kind: job.kind,
      prompt: request.prompt,
      negative_prompt: negativePrompt,
      seed: (seed + i) % SEED_SPACE,
      width,
      height,
      mode,
      k: mode === "adaptive" ? k : null,
      threshold: null,
      strategy,
      strength,
      steps,
      student_steps: studentSteps,
      guidance: guidance ?? 0,
      image_sha256: job.kind === "edit" ? job.image.sha256 : null,
    });
  return {
    kind: job.kind,
    n: request.n,
    seed,
    seeded: request.seed !== undefined,
    mode,
    k,
    strategy,
    responseFormat: request.response_format,
    bundle: { id: bundle.id, version: bundle.version },
    cacheKeys: await Promise.all(Array.from({ length: request.n }, (_, i) => keyFor(i))),
    worstCase: worstCaseEvaluations({
      mode, strategy, n: request.n, teacherSteps: steps, studentSteps, guidance, studentGuidance: bundle.student_guidance, strength, kind: job.kind,
    }),
    internal: {
      version: "v1",
      bundle: bundle.id,
      prompt: request.prompt,
      negative_prompt: negativePrompt,
      seed,
      n: request.n,
      width,
      height,
      selection: mode === "adaptive" ? { mode, k, strategy } : { mode, strategy },
      strength,
      steps,
      student_steps: studentSteps,
      ...(guidance === null ? {} : { guidance }),
      stream: false,
      ...(job.kind === "edit" ? { image_b64: job.image.b64 } : {}),
    },
  };
}

/** The same request with the teacher left out: what a tenant low on credits, or an overloaded teacher, still gets. */
export function studentOnly(plan: ImagePlan, bundle: BundleInfo): ImagePlan {
  const studentSteps = plan.internal.student_steps ?? bundle.student_steps;
  return {
    ...plan,
    mode: "student",
    k: 0,
    worstCase: worstCaseEvaluations({
      mode: "student", strategy: "refine", n: plan.n, teacherSteps: 0, studentSteps, guidance: null, studentGuidance: bundle.student_guidance, strength: 1, kind: plan.kind,
    }),
    internal: { ...plan.internal, selection: { mode: "student", strategy: "refine" } },
  };
}

export type InternalBody = InternalGenerateRequestInput | InternalEditRequestInput;
