import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BundleManifest, InternalGenerateRequest, MANIFEST_FILE } from "@understudy/shared";
import type { AdaptivePipeline } from "../pipelines/adaptive.js";
import type { ImageJob } from "../pipelines/jobs.js";
import { CALIBRATED_PERCENTILES, percentile } from "./percentile.js";

export interface CalibrationResult {
  /** τ(k) for k = 5..95: the k-th percentile of the oracle's scores of student samples. */
  thresholds: Record<string, number>;
  scores: number[];
}

export interface CalibrationOptions {
  /** Student batch size; larger batches amortise per-call overhead. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The calibration prompts file named by the manifest, one prompt per non-empty line. */
export async function calibrationPrompts(bundleDir: string, manifest: BundleManifest): Promise<string[]> {
  const text = await readFile(join(bundleDir, manifest.calibration.prompts), "utf8");
  return text.split("\n").map((line) => line.trim()).filter((line) => line.length > 0);
}

/** Student-only jobs for the calibration prompts: seed = calibration.seed + i, at the calibrated step count. */
async function calibrationJobs(pipeline: AdaptivePipeline, prompts: readonly string[]): Promise<ImageJob[]> {
  const { calibration } = pipeline.manifest;
  const jobs = await Promise.all(
    prompts.map((prompt, i) =>
      pipeline.resolveJobs(
        InternalGenerateRequest.parse({
          version: "v1", request_id: `calibration-${i}`, prompt, seed: (calibration.seed + i) % 2 ** 32,
          selection: { mode: "student" }, student_steps: calibration.student_steps,
        }),
      ),
    ),
  );
  return jobs.flat();
}

/** Runs the student and the oracle over the bundle's calibration prompts and returns τ(k). */
export async function calibrate(pipeline: AdaptivePipeline, prompts: readonly string[], options: CalibrationOptions = {}): Promise<CalibrationResult> {
  const jobs = await calibrationJobs(pipeline, prompts);
  const batchSize = options.batchSize ?? 8;
  const scores: number[] = [];
  for (let start = 0; start < jobs.length; start += batchSize) {
    const outcomes = await pipeline.runStudentStage(jobs.slice(start, start + batchSize));
    scores.push(...outcomes.map((outcome) => outcome.oracleScore));
    options.onProgress?.(scores.length, jobs.length);
  }
  const thresholds = Object.fromEntries(CALIBRATED_PERCENTILES.map((k) => [String(k), percentile(scores, k)]));
  return { thresholds, scores };
}

/** Writes τ(k) into the manifest's calibration.thresholds, leaving every other field as it was. */
export async function writeThresholds(bundleDir: string, thresholds: Record<string, number>): Promise<void> {
  const path = join(bundleDir, MANIFEST_FILE);
  const manifest = JSON.parse(await readFile(path, "utf8")) as { calibration: { thresholds: Record<string, number> } };
  manifest.calibration.thresholds = thresholds;
  BundleManifest.parse(manifest);
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
}
