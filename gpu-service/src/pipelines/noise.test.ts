import { describe, expect, it } from "vitest";
import { TorchGenerator } from "../noise/index.js";
import { BatchNoise } from "./noise.js";

describe("BatchNoise", () => {
  it("draws each job's share from the job's own generator, draw after draw", () => {
    const batch = BatchNoise.forSeeds([7, 8]);
    const first = batch.randn(2048);
    const second = batch.randn(2048);
    const alone = new TorchGenerator(8);
    expect(first.subarray(1024)).toEqual(alone.randn(1024));
    expect(second.subarray(1024)).toEqual(alone.randn(1024));
    expect(first.subarray(0, 1024)).toEqual(new TorchGenerator(7).randn(1024));
  });

  it("refuses a draw that does not split evenly", () => {
    expect(() => BatchNoise.forSeeds([1, 2, 3]).randn(1024)).toThrow(RangeError);
  });
});
