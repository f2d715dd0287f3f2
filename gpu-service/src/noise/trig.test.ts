import { describe, expect, it } from "vitest";
import { cosSin } from "./trig.js";

describe("cosSin", () => {
  it("agrees with Math.cos and Math.sin to ~1e-15 over [0, 2π] and beyond", () => {
    const out = new Float64Array(2);
    let worst = 0;
    for (let i = 0; i <= 200_000; i++) {
      const theta = (i / 200_000) * 8;
      cosSin(theta, out);
      worst = Math.max(worst, Math.abs(out[0]! - Math.cos(theta)), Math.abs(out[1]! - Math.sin(theta)));
    }
    expect(worst).toBeLessThan(1e-15);
  });

  it("is exact at the quadrant boundaries' neighbourhoods in float32", () => {
    const out = new Float64Array(2);
    for (const theta of [0, Math.fround(Math.PI / 2), Math.fround(Math.PI), Math.fround((3 * Math.PI) / 2), Math.fround(2 * Math.PI)]) {
      cosSin(theta, out);
      expect(Math.fround(out[0]!)).toBe(Math.fround(Math.cos(theta)));
      expect(Math.fround(out[1]!)).toBe(Math.fround(Math.sin(theta)));
    }
  });
});
