import { describe, expect, it } from "vitest";
import { fromHalf, toHalf } from "./float16.js";

describe("float16", () => {
  it("encodes known values bit for bit", () => {
    // numpy: np.float16([1, -2, 0.5, 65504, 6.1035156e-05, 5.9604645e-08, 0.1]).view(np.uint16)
    expect([1, -2, 0.5, 65504, 6.1035156e-5, 5.9604645e-8, 0.1].map(toHalf)).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0400, 0x0001, 0x2e66]);
  });

  it("rounds half to even and saturates to infinity", () => {
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // exactly halfway between 1 and its successor: even wins
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalf(70000)).toBe(0x7c00);
  });

  it("decodes exactly what it encodes", () => {
    for (const bits of [0x0000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0x3555, 0x7bff, 0xbc00]) expect(toHalf(fromHalf(bits))).toBe(bits);
  });
});
