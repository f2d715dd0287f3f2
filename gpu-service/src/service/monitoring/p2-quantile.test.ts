import { describe, expect, it } from "vitest";
import { P2Quantile } from "./p2-quantile.js";

/** A small deterministic generator so the streams are reproducible. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function exactQuantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  return sorted[low]! + (rank - low) * (sorted[Math.min(low + 1, sorted.length - 1)]! - sorted[low]!);
}

describe("P2Quantile", () => {
  it.each([0.05, 0.25, 0.5, 0.9])("tracks the %s quantile of a skewed stream within 1%% of its range", (p) => {
    const random = lcg(7);
    // Squared uniforms: skewed toward zero, like oracle scores of a mostly-good student.
    const values = Array.from({ length: 20_000 }, () => random() ** 2);
    const estimator = new P2Quantile(p);
    for (const value of values) estimator.add(value);
    expect(Math.abs(estimator.value() - exactQuantile(values, p))).toBeLessThan(0.01);
    expect(estimator.count).toBe(20_000);
  });

  it("follows a shift in the stream (drift between calibration prompts and live traffic)", () => {
    const random = lcg(3);
    const estimator = new P2Quantile(0.5);
    for (let i = 0; i < 5_000; i++) estimator.add(random());
    const before = estimator.value();
    for (let i = 0; i < 50_000; i++) estimator.add(2 + random());
    expect(before).toBeCloseTo(0.5, 1);
    expect(estimator.value()).toBeGreaterThan(1.9);
  });

  it("is exact for fewer than five observations and NaN for none", () => {
    const estimator = new P2Quantile(0.5);
    expect(estimator.value()).toBeNaN();
    for (const value of [4, 1, 3]) estimator.add(value);
    expect(estimator.value()).toBe(3);
  });

  it("ignores non-finite scores instead of corrupting its markers", () => {
    const estimator = new P2Quantile(0.5);
    for (const value of [1, 2, Number.NaN, 3, Number.POSITIVE_INFINITY, 4, 5, 6]) estimator.add(value);
    expect(estimator.count).toBe(6);
    expect(estimator.value()).toBeGreaterThanOrEqual(3);
    expect(estimator.value()).toBeLessThanOrEqual(4);
  });

  it("rejects quantiles outside (0, 1)", () => {
    expect(() => new P2Quantile(1)).toThrow(RangeError);
  });
});
