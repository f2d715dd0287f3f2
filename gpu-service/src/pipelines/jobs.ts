import type { Mode, Strategy } from "@understudy/shared";

/** One image of a request, every default resolved from the bundle manifest. */
export interface ImageJob {
  requestId: string;
  index: number;
  seed: number;
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  mode: Mode;
  strategy: Strategy;
  /** Teacher share in percent; null when a fixed τ was given or outside adaptive mode. */
  k: number | null;
  /** τ resolved from k via the calibration table (−∞ for k = 0, +∞ for k = 100); null outside adaptive mode. */
  threshold: number | null;
  studentSteps: number;
  teacherSteps: number;
  /** The teacher's classifier-free guidance scale. */
  guidance: number;
  /** σ for refinement, or the SDEdit strength for edits (which then also applies to the teacher's run). */
  strength: number;
  /** Edits: the decoded input image, NCHW [1,3,H,W] in [-1,1]. */
  initImage?: Float32Array;
}

export type Decision = "keep" | "refine" | "regenerate";

/**
 * What the teacher stage needs of a student outcome: the job, its latents and the verdict. The decoded pixels
 * (48 KB for 64x64) stay where the student's PNG was made, so they do not cross worker_threads twice per image.
 */
export type RoutedOutcome = Omit<StudentOutcome, "pixels">;

/** The outcome without its pixels (see RoutedOutcome). */
export function routedOutcome({ pixels: _pixels, ...rest }: StudentOutcome): RoutedOutcome {
  return rest;
}

/** The student's result for one job: plain data (typed arrays) so it can cross worker_threads via postMessage. */
export interface StudentOutcome {
  job: ImageJob;
  latents: Float32Array;
  /** [1,3,H,W] in [0,1]. */
  pixels: Float32Array;
  oracleScore: number;
  decision: Decision;
  studentEvaluations: number;
  timingsMs: Record<string, number>;
}

/** Algorithm 1's test: the teacher takes over when the oracle scores the student's image below τ. */
export function decide(job: ImageJob, oracleScore: number): Decision {
  if (job.mode !== "adaptive" || job.threshold === null) return "keep";
  return oracleScore < job.threshold ? job.strategy : "keep";
}
