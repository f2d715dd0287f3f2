import { z } from "zod";

/**
 * The understudy manifest (`understudy.json`) that sits beside a Stable-Diffusion-layout ONNX bundle
 * (`model_index.json`, `scheduler/`, `tokenizer/`, `text_encoder/`, `unet/`, `vae_encoder/`, `vae_decoder/`).
 * It names which UNet is the teacher and which the student, where the oracle and judge live, the defaults the
 * pipelines use, and the calibrated thresholds τ(k). Paths are relative to the bundle folder.
 */

/** A percentile key "5", "10", ..., "95" → the oracle score at that percentile of student samples. */
export const ThresholdTable = z.record(z.string().regex(/^\d{1,2}$/), z.number());

export const DiffusionModelEntry = z.object({
  /** Folder holding `model.onnx` and `config.json`, e.g. "unet" or "student_unet". */
  unet: z.string().min(1),
  /** Folder holding `scheduler_config.json` in diffusers' format. */
  scheduler: z.string().min(1),
  /** Which sampler to configure from that scheduler config. */
  sampler: z.enum(["ddim", "dpmsolver++", "euler", "lcm"]),
  /** Default number of denoising steps. */
  steps: z.number().int().min(1).max(1000),
  /** Classifier-free guidance scale; null when guidance is built into the model (a guidance-distilled student). */
  guidance: z.number().min(0).nullable(),
  /**
   * For guidance-distilled (LCM-style) students: the guidance scale w fed through `timestep_cond`
   * as a sinusoidal embedding of dimension `timestep_cond_dim`. Absent when the UNet has no such input.
   */
  embedded_guidance: z
    .object({ scale: z.number(), timestep_cond_dim: z.number().int().positive() })
    .optional(),
  /** LCM/consistency samplers: the explicit training timesteps the student was distilled on (descending). */
  timesteps: z.array(z.number().int().min(0)).optional(),
});
export type DiffusionModelEntry = z.infer<typeof DiffusionModelEntry>;

export const ScorerEntry = z.object({
  /** Path of the ONNX file, e.g. "oracle/model.onnx". */
  model: z.string().min(1),
  /** Input image resolution the scorer expects (images are resized by the caller when they differ). */
  image_size: z.number().int().positive(),
  /** Pixel range the `pixel_values` input expects. */
  pixel_range: z.enum(["0_1", "-1_1"]),
  /** What the score measures, for people reading the bundle (e.g. "deficit"); serving only compares it with τ. */
  score: z.string().max(64).optional(),
});
export type ScorerEntry = z.infer<typeof ScorerEntry>;

export const BundleManifest = z.object({
  format: z.literal("understudy-bundle/1"),
  /** Stable identifier of the model family, e.g. "shapes-world". */
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  /** Changes whenever any weight or default changes; part of every cache key. */
  version: z.string().min(1).max(64),
  description: z.string().optional(),
  /** The resolution the models were trained at; the only size the bundle serves. */
  native_size: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  teacher: DiffusionModelEntry,
  student: DiffusionModelEntry,
  /** Serving-time quality model (the paper's ImageReward role). */
  oracle: ScorerEntry,
  /** Evaluation-only model; never used for serving decisions. */
  judge: ScorerEntry.optional(),
  defaults: z.object({
    /** σ for refinement: how far the student's sample is noised back before the teacher takes over. */
    refine_strength: z.number().gt(0).lte(1),
    /** SDEdit strength for edits when the request names none. */
    edit_strength: z.number().gt(0).lte(1),
    /** k used when neither k nor τ is given. */
    k: z.number().min(0).max(100),
  }),
  calibration: z.object({
    /** Prompt file the thresholds were computed on (one prompt per line), relative to the bundle. */
    prompts: z.string(),
    seed: z.number().int().min(0),
    student_steps: z.number().int().positive(),
    /** τ(k): the k-th percentile of oracle scores of student samples. */
    thresholds: ThresholdTable,
  }),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

export const MANIFEST_FILE = "understudy.json";
