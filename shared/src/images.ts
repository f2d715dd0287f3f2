import { z } from "zod";

/**
 * The public images API: OpenAI's Images request and response shapes, plus understudy's own fields
 * (seed, quality → teacher share k, mode, strategy, σ) and, per image, an explanation of what was spent.
 */

export const MAX_PROMPT_CHARS = 1000;
export const MAX_IMAGES_PER_REQUEST = 4;
export const UINT32_MAX = 0xffff_ffff;

export const Quality = z.enum(["fast", "balanced", "best"]);
export type Quality = z.infer<typeof Quality>;

/** OpenAI's own quality words, accepted so unchanged OpenAI clients keep working. */
const OPENAI_QUALITY_ALIASES: Record<string, Quality> = {
  standard: "balanced",
  hd: "best",
  low: "fast",
  medium: "balanced",
  high: "best",
  auto: "balanced",
};

export const Mode = z.enum(["adaptive", "student", "teacher"]);
export type Mode = z.infer<typeof Mode>;

export const Strategy = z.enum(["refine", "regenerate"]);
export type Strategy = z.infer<typeof Strategy>;

export const Route = z.enum(["student", "refined", "regenerated", "teacher"]);
export type Route = z.infer<typeof Route>;

export const ResponseFormat = z.enum(["url", "b64_json"]);
export type ResponseFormat = z.infer<typeof ResponseFormat>;

export const DegradedReason = z.enum(["load", "budget", "deadline", "teacher_unavailable"]);
export type DegradedReason = z.infer<typeof DegradedReason>;

/** `WIDTHxHEIGHT`; which sizes a bundle actually serves is decided where the bundle is known. */
export const Size = z
  .string()
  .regex(/^\d{2,4}x\d{2,4}$/, { message: 'must look like "64x64" (width x height in pixels)' })
  .refine((value) => parseSize(value).every((side) => side >= 8 && side <= 2048 && side % 8 === 0), {
    message: "each side must be a multiple of 8 between 8 and 2048",
  });

export function parseSize(size: string): [width: number, height: number] {
  const [width = Number.NaN, height = Number.NaN] = size.split("x").map(Number);
  return [width, height];
}

export const Seed = z
  .number({ message: "must be an integer between 0 and 4294967295" })
  .int({ message: "must be an integer between 0 and 4294967295" })
  .min(0, { message: "must be an integer between 0 and 4294967295" })
  .max(UINT32_MAX, { message: "must be an integer between 0 and 4294967295" });

export const Prompt = z
  .string({ message: "must be a string" })
  .trim()
  .min(1, { message: "must not be empty" })
  .max(MAX_PROMPT_CHARS, { message: `must be at most ${MAX_PROMPT_CHARS} characters` });

const QualityInput = z.preprocess(
  (value) => (typeof value === "string" && value in OPENAI_QUALITY_ALIASES ? OPENAI_QUALITY_ALIASES[value] : value),
  Quality,
);

/** Fields shared by generations and edits. */
const commonImageFields = {
  prompt: Prompt.describe("What to draw."),
  negative_prompt: z.string().max(MAX_PROMPT_CHARS, { message: `must be at most ${MAX_PROMPT_CHARS} characters` }).optional().describe("What to steer away from."),
  n: z.number().int().min(1).max(MAX_IMAGES_PER_REQUEST).default(1).describe("How many images; image i uses seed + i."),
  size: Size.optional().describe("WIDTHxHEIGHT; the served model draws one size, which you get by leaving it out."),
  response_format: ResponseFormat.default("url").describe("`url` (fetch it with your key) or `b64_json` (inline PNG)."),
  user: z.string().max(256).optional().describe("Accepted for OpenAI compatibility; ignored."),
  /** Accepted for OpenAI compatibility; must name the served bundle when given. */
  model: z.string().max(128).optional().describe("Accepted for OpenAI compatibility; OpenAI's names mean the served model."),
  seed: Seed.optional().describe("Makes the image repeatable; repeated seeded requests are served free from the cache."),
  quality: QualityInput.default("balanced").describe("Buys a teacher share k per your tier (OpenAI's `standard`/`hd` map to balanced/best)."),
  mode: Mode.optional().describe("`adaptive` (student, oracle, teacher for the weakest k%), `student` only, or `teacher` only."),
  strategy: Strategy.optional().describe("How the teacher improves a weak image: `refine` it or `regenerate` it."),
  /** Teacher denoising steps (for `teacher`, `regenerate` and, scaled by σ, `refine`). */
  steps: z.number().int().min(1).max(100).optional().describe("Teacher denoising steps (default: the model's)."),
  /** Student sampling steps. */
  student_steps: z.number().int().min(1).max(8).optional().describe("Student sampling steps (default: the model's)."),
  /** Classifier-free guidance scale for the teacher. */
  guidance: z.number().min(0).max(20).optional().describe("Teacher classifier-free guidance scale."),
  /** Send server-sent events: the student's preview, the oracle's verdict, then the final image. */
  stream: z.boolean().default(false).describe("Server-sent events: preview, verdict, final image."),
};

export const GenerationRequest = z
  .object({
    ...commonImageFields,
    /** σ: how far refinement noises the student's sample back before the teacher denoises it. */
    strength: z.number().gt(0, { message: "must be greater than 0" }).max(1).optional().describe("σ: how far refinement noises the student's image back."),
    /** Accepted for OpenAI compatibility (dall-e-3); it does not change the image. */
    style: z.enum(["vivid", "natural"]).optional().describe("Accepted for OpenAI compatibility; ignored."),
  })
  .strict();
export type GenerationRequest = z.infer<typeof GenerationRequest>;
export type GenerationRequestInput = z.input<typeof GenerationRequest>;

/** Multipart form fields arrive as strings; these coerce them before the same rules apply. */
const formNumber = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v), schema);
const formBoolean = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());

export const MAX_EDIT_IMAGE_BYTES = 4 * 1024 * 1024;

/** `POST /v1/images/edits`, parsed from multipart form data. `image` is validated separately as a file. */
export const EditFields = z
  .object({
    ...commonImageFields,
    n: formNumber(z.number().int().min(1).max(MAX_IMAGES_PER_REQUEST)).default(1),
    seed: formNumber(Seed).optional(),
    steps: formNumber(z.number().int().min(1).max(100)).optional(),
    student_steps: formNumber(z.number().int().min(1).max(8)).optional(),
    guidance: formNumber(z.number().min(0).max(20)).optional(),
    /** SDEdit strength: how much of the input image is noised away before denoising. */
    strength: formNumber(z.number().gt(0, { message: "must be greater than 0" }).max(1)).optional(),
    stream: formBoolean.default(false),
  })
  .strict();
export type EditFields = z.infer<typeof EditFields>;

export const UnetEvaluations = z.object({
  student: z.number().int().min(0),
  teacher: z.number().int().min(0),
});
export type UnetEvaluations = z.infer<typeof UnetEvaluations>;

/** Milliseconds spent per pipeline stage, e.g. `{ "text_encoder": 0.7, "student_unet": 5.1, "oracle": 0.4 }`. */
export const StageTimings = z.record(z.string(), z.number().min(0));
export type StageTimings = z.infer<typeof StageTimings>;

/** Why an image looks the way it does and what it cost. */
export const ImageExplanation = z.object({
  seed: Seed,
  route: Route,
  /** The oracle's score of the student sample; null when the student did not run (mode `teacher`). */
  oracle_score: z.number().nullable(),
  /** τ the score was compared with; null outside adaptive mode. */
  threshold: z.number().nullable(),
  /** Requested teacher share in percent; null when a fixed τ or a non-adaptive mode was used. */
  k: z.number().min(0).max(100).nullable(),
  unet_evaluations: UnetEvaluations,
  timings_ms: StageTimings,
  cache: z.enum(["hit", "miss"]),
  degraded: z.boolean(),
  degraded_reason: DegradedReason.nullable(),
});
export type ImageExplanation = z.infer<typeof ImageExplanation>;

export const ImageData = z.object({
  url: z.string().optional(),
  b64_json: z.string().optional(),
  revised_prompt: z.string().optional(),
  understudy: ImageExplanation,
});
export type ImageData = z.infer<typeof ImageData>;

export const ImagesResponse = z.object({
  created: z.number().int(),
  data: z.array(ImageData),
  /** Request-level summary: what was charged and which bundle answered. */
  understudy: z.object({
    request_id: z.string(),
    bundle: z.object({ id: z.string(), version: z.string() }),
    credits_charged: z.number().int().min(0),
  }),
});
export type ImagesResponse = z.infer<typeof ImagesResponse>;
