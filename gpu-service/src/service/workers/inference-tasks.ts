import type { BundleInfo, InternalImage } from "@understudy/shared";
import type { ImageJob, ImagesRequest, RoutedOutcome } from "../../pipelines/index.js";

/** The student stage's answer for one job: the outcome, and the student's image ready to serve. */
export interface StudentResult {
  outcome: RoutedOutcome;
  /** `keepStudent(outcome, null)`: the preview, and the image served when the teacher is not needed or skipped. */
  image: InternalImage;
}

/** What an inference worker does, one pipeline stage per task. */
export type InferenceTasks = {
  /** Edits only: decoding the uploaded image is real work, so it stays off the HTTP thread. */
  resolve: { input: ImagesRequest; output: ImageJob[] };
  student: { input: ImageJob[]; output: StudentResult[] };
  /** Outcomes the oracle sent to the teacher; compatible ones share the teacher's UNet calls. */
  teacher: { input: RoutedOutcome[]; output: InternalImage[] };
  teacherOnly: { input: ImageJob[]; output: InternalImage[] };
};

export interface InferenceWorkerData {
  bundleDir: string;
  intraOpThreads?: number;
  executionProvider?: string;
  /** Largest batches the scheduler will send; warm-up runs them so the first real ones are not slow. */
  maxBatch: number;
  maxTeacherBatch: number;
}

/** Sent once the bundle is loaded and warmed up; the measured times seed the scheduler's estimates. */
export interface InferenceWorkerReady {
  info: BundleInfo;
  warmup: { studentJobMs: number; refineMs: number };
}
