import { describe, expect, it } from "vitest";
import { BatchTimeModel, LatencyEstimate } from "./latency-estimate.js";

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

describe("BatchTimeModel", () => {
  it("predicts a batch as a lone job plus what each further job was measured to add", () => {
    const model = new BatchTimeModel({ loneMs: 10 });
    // Until a larger batch is measured, each job is assumed to cost a lone job.
    expect(model.predict(4)).toBe(40);
    model.observe(5, 30); // each of the 4 extra jobs added 5 ms
    expect(model.predict(1)).toBe(10);
    expect(model.predict(8)).toBe(45);
  });

  it("learns the lone time from lone batches only, and is undefined before anything is known", () => {
    const model = new BatchTimeModel();
    expect(model.predict(2)).toBeUndefined();
    model.observe(3, 90); // nothing to split a batch against yet
    expect(model.predict(1)).toBeUndefined();
    model.observe(1, 20);
    expect(model.loneMs).toBe(20);
    expect(model.predict(3)).toBe(60);
  });
});
