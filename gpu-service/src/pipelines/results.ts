import type { DegradedReason, InternalImage, Route } from "@understudy/shared";
import type { ImageJob } from "./jobs.js";

/** τ as the contract carries it: the infinite thresholds of k = 0 and k = 100 have no JSON form. */
export function reportedThreshold(job: ImageJob): number | null {
  return job.threshold !== null && Number.isFinite(job.threshold) ? job.threshold : null;
}

export interface ImageFacts {
  png: Uint8Array;
  route: Route;
  oracleScore: number | null;
  studentEvaluations: number;
  teacherEvaluations: number;
  timingsMs: Record<string, number>;
  degradedReason: DegradedReason | null;
}

/** One image of the response, with the explanation of how it was made and what it cost. */
export function internalImage(job: ImageJob, facts: ImageFacts): InternalImage {
  const adaptive = job.mode === "adaptive";
  return {
    png_b64: Buffer.from(facts.png).toString("base64"),
    seed: job.seed,
    route: facts.route,
    oracle_score: facts.oracleScore,
    threshold: adaptive ? reportedThreshold(job) : null,
    k: adaptive ? job.k : null,
    unet_evaluations: { student: facts.studentEvaluations, teacher: facts.teacherEvaluations },
    timings_ms: facts.timingsMs,
    degraded: facts.degradedReason !== null,
    degraded_reason: facts.degradedReason,
  };
}
