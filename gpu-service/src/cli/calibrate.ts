import { parseArgs } from "node:util";
import { AdaptivePipeline } from "../pipelines/adaptive.js";
import { calibrate, calibrationPrompts, writeThresholds } from "../calibration/calibrate.js";
import { bundleDir } from "./bundle-path.js";

export const CALIBRATE_USAGE = `understudy calibrate [--bundle DIR] [--batch N] [--threads N] [--dry-run]
  Runs the student and the oracle over the manifest's calibration prompts (seed = calibration.seed + i) and
  writes τ(k), the k-th percentile of the scores for k = 5..95, into understudy.json (--dry-run: print only).`;

export async function calibrateCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { bundle: { type: "string" }, batch: { type: "string", default: "8" }, threads: { type: "string" }, "dry-run": { type: "boolean", default: false } },
  });
  const dir = bundleDir(values.bundle);
  const pipeline = await AdaptivePipeline.load(dir, values.threads !== undefined ? { intraOpThreads: Number(values.threads) } : {});
  const prompts = await calibrationPrompts(dir, pipeline.manifest);
  const started = performance.now();
  const { thresholds } = await calibrate(pipeline, prompts, {
    batchSize: Number(values.batch),
    onProgress: (done, total) => process.stderr.write(`\rcalibrating: ${done}/${total} student samples scored`),
  });
  process.stderr.write(`\n${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  for (const [k, tau] of Object.entries(thresholds)) console.log(`k=${k.padStart(2)}  τ=${tau.toFixed(6)}`);
  if (!values["dry-run"]) {
    await writeThresholds(dir, thresholds);
    console.log(`wrote calibration.thresholds to ${dir}/understudy.json`);
  }
}
