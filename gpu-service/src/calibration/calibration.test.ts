import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyBundleCopy } from "../../test/helpers.js";
import { AdaptivePipeline } from "../pipelines/adaptive.js";
import { calibrate, calibrationPrompts, writeThresholds } from "./calibrate.js";
import { percentile } from "./percentile.js";

describe("percentile", () => {
  it("interpolates between order statistics like numpy", () => {
    // np.percentile([3, 1, 4, 1, 5], [0, 10, 50, 95, 100]) → 1, 1, 3, 4.8, 5
    expect([0, 10, 50, 95, 100].map((q) => percentile([3, 1, 4, 1, 5], q))).toEqual([1, 1, 3, 4.8, 5]);
  });

  it("refuses an empty sample", () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
});

describe("calibrate", () => {
  it("writes the percentiles of the student's oracle scores into the manifest and nothing else", async () => {
    const dir = await tinyBundleCopy();
    const before = JSON.parse(await readFile(join(dir, "understudy.json"), "utf8")) as Record<string, unknown>;
    const pipeline = await AdaptivePipeline.load(dir, { intraOpThreads: 1 });
    const prompts = await calibrationPrompts(dir, pipeline.manifest);
    const progress: number[] = [];
    const { thresholds, scores } = await calibrate(pipeline, prompts, { batchSize: 3, onProgress: (done) => progress.push(done) });
    expect(progress).toEqual([3, prompts.length]);
    expect(thresholds["50"]).toBe(percentile(scores, 50));
    expect(Object.keys(thresholds)).toHaveLength(19);
    await writeThresholds(dir, thresholds);
    const after = JSON.parse(await readFile(join(dir, "understudy.json"), "utf8")) as Record<string, unknown>;
    expect(after).toEqual({ ...before, calibration: { ...(before["calibration"] as object), thresholds } });
    // Seeded: calibrating twice gives the same scores.
    const again = await calibrate(pipeline, prompts);
    expect(again.scores).toEqual(scores);
  });
});
