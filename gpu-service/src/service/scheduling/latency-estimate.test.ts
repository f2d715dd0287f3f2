import { describe, expect, it } from "vitest";
import { LatencyEstimate } from "./latency-estimate.js";

describe("LatencyEstimate", () => {
  it("starts at the first measurement and moves a fraction alpha toward each new one", () => {
    const estimate = new LatencyEstimate({ alpha: 0.5 });
    expect(estimate.ms).toBeUndefined();
    estimate.observe(100);
    estimate.observe(200);
    expect(estimate.ms).toBe(150);
  });

  it("keeps a warm-up seed until measurements arrive and ignores nonsense", () => {
    const estimate = new LatencyEstimate({ initialMs: 40 });
    estimate.observe(Number.NaN);
    estimate.observe(-1);
    expect(estimate.ms).toBe(40);
  });
});
