import { z } from "zod";
import { DegradedReason, Mode, Prompt, Route, Seed, StageTimings, Strategy, UnetEvaluations } from "./images.js";

/**
 * The versioned contract between the edge and the gpu-service. The edge has already applied the tenant's
 * tier, so every field here is resolved: no quality words, only k (or a fixed τ) and explicit overrides.
 * Fields left out take the bundle's defaults on the gpu-service.
 */
export const INTERNAL_API_VERSION = "v1" as const;

export const InternalPaths = {
  generate: "/internal/v1/generate",
  edit: "/internal/v1/edit",
  bundle: "/internal/v1/bundle",
} as const;

const Selection = z
  .object({
    mode: Mode,
    /** Teacher share in percent, selecting τ from the bundle's calibration table. */
    k: z.number().min(0).max(100).optional(),
    /** A fixed τ instead of k. */
    threshold: z.number().optional(),
    strategy: Strategy.default("refine"),
  })
  .refine((s) => s.mode !== "adaptive" || s.k !== undefined || s.threshold !== undefined, {
    message: "adaptive mode needs k or threshold",
    path: ["k"],
  });

const commonInternalFields = {
  version: z.literal(INTERNAL_API_VERSION),
  request_id: z.string().min(1).max(128),
  /** Bundle id the edge expects; the service answers 404 `unknown_bundle` when it serves another. */
  bundle: z.string().optional(),
  prompt: Prompt,
  negative_prompt: z.string().max(1000).optional(),
  /** Seed of the first image; image i uses (seed + i) mod 2^32. */
  seed: Seed,
  n: z.number().int().min(1).max(4).default(1),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  selection: Selection,
  strength: z.number().gt(0).max(1).optional(),
  steps: z.number().int().min(1).max(100).optional(),
  student_steps: z.number().int().min(1).max(8).optional(),
  guidance: z.number().min(0).max(20).optional(),
  /** Absolute deadline (Unix epoch milliseconds): the teacher stage is skipped, marked degraded, if it cannot finish. */
  deadline_ms: z.number().int().positive().optional(),
  /** When set, the service answers with server-sent stage events instead of one JSON body. */
  stream: z.boolean().default(false),
};

export const InternalGenerateRequest = z.object(commonInternalFields).strict();
export type InternalGenerateRequest = z.infer<typeof InternalGenerateRequest>;
export type InternalGenerateRequestInput = z.input<typeof InternalGenerateRequest>;

export const InternalEditRequest = z
  .object({
    ...commonInternalFields,
    /** The input image as base64 PNG or JPEG. */
    image_b64: z.string().min(1),
  })
  .strict();
export type InternalEditRequest = z.infer<typeof InternalEditRequest>;
export type InternalEditRequestInput = z.input<typeof InternalEditRequest>;

export const InternalImage = z.object({
  png_b64: z.string(),
  seed: Seed,
  route: Route,
  oracle_score: z.number().nullable(),
  threshold: z.number().nullable(),
  k: z.number().nullable(),
  unet_evaluations: UnetEvaluations,
  timings_ms: StageTimings,
  degraded: z.boolean(),
  degraded_reason: DegradedReason.nullable(),
});
export type InternalImage = z.infer<typeof InternalImage>;

export const BundleInfo = z.object({
  id: z.string(),
  version: z.string(),
  native_size: z.object({ width: z.number().int(), height: z.number().int() }),
  teacher_steps: z.number().int(),
  student_steps: z.number().int(),
  teacher_guidance: z.number().nullable(),
  /** Student CFG scale; null when guidance is distilled into the student (one UNet evaluation per step). */
  student_guidance: z.number().nullable(),
  refine_strength: z.number(),
  edit_strength: z.number(),
  calibrated_k: z.array(z.number()),
});
export type BundleInfo = z.infer<typeof BundleInfo>;

export const InternalImagesResponse = z.object({
  version: z.literal(INTERNAL_API_VERSION),
  request_id: z.string(),
  bundle: z.object({ id: z.string(), version: z.string() }),
  images: z.array(InternalImage),
});
export type InternalImagesResponse = z.infer<typeof InternalImagesResponse>;

/** The oracle's verdict on one student image; the edge relays it to the public stream unchanged. */
export const VerdictEvent = z.object({
  event: z.literal("verdict"),
  index: z.number().int(),
  oracle_score: z.number(),
  threshold: z.number().nullable(),
  decision: z.enum(["keep", "refine", "regenerate", "degraded"]),
});
export type VerdictEvent = z.infer<typeof VerdictEvent>;

/** Server-sent stage events of a streamed request, in the order they are emitted per image. */
export const StageEvent = z.discriminatedUnion("event", [
  z.object({ event: z.literal("preview"), index: z.number().int(), png_b64: z.string(), seed: Seed }),
  VerdictEvent,
  z.object({ event: z.literal("final"), index: z.number().int(), image: InternalImage }),
  z.object({ event: z.literal("done"), response: InternalImagesResponse }),
  z.object({ event: z.literal("error"), code: z.string(), message: z.string() }),
]);
export type StageEvent = z.infer<typeof StageEvent>;
