import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../../test/helpers.js";
import { createScheduler } from "../schedulers/index.js";
import { duplicateForGuidance, guidanceScaleEmbedding, guidedPrediction, usesClassifierFreeGuidance } from "./guidance.js";

const reference = JSON.parse(await readFile(join(FIXTURES, "guidance-embedding.json"), "utf8")) as { guidance_scale: number; dim: number; embedding: number[] }[];

describe("classifier-free guidance", () => {
  it("applies only above a scale of 1, as diffusers and the credits do", () => {
    expect([null, 0, 1, 1.5].map(usesClassifierFreeGuidance)).toEqual([false, false, false, true]);
  });

  it("puts the unconditional half first and extrapolates from it", () => {
    const doubled = duplicateForGuidance({ data: new Float32Array([1, 2]), dims: [1, 2] });
    expect(doubled.dims).toEqual([2, 2]);
    expect([...doubled.data]).toEqual([1, 2, 1, 2]);
    const guided = guidedPrediction(new Float32Array([1, 2, 3, 1]), 7.5);
    // The step combines the halves: one DDIM step from x̂0-predictions at ᾱ_prev = 1 returns ε_u + s·(ε_c − ε_u).
    const ddim = createScheduler("ddim", { prediction_type: "sample", clip_sample: false, set_alpha_to_one: true });
    ddim.setTimesteps(1);
    expect([...ddim.step(guided, ddim.timesteps[0]!, new Float32Array(2))]).toEqual([1 + 7.5 * 2, 2 - 7.5]);
  });
});

describe("guidanceScaleEmbedding", () => {
  it.each(reference)("matches diffusers' get_guidance_scale_embedding (scale $guidance_scale, dim $dim)", ({ guidance_scale, dim, embedding }) => {
    const ours = guidanceScaleEmbedding(guidance_scale, dim, 2);
    expect(ours.dims).toEqual([2, dim]);
    embedding.forEach((v, i) => {
      // Angles reach w·1000 = 3000, where one float32 ulp of the angle is 2.4e-4: agreement is to that, not to 1e-6.
      expect(Math.abs(ours.data[i]! - v)).toBeLessThan(5e-4);
      expect(ours.data[dim + i]).toBe(ours.data[i]);
    });
  });
});
