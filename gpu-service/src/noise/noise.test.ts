import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TorchGenerator, deriveSeed, randn } from "./index.js";

/** Vectors written by training/export_reference.py from torch.randn on CPU. */
interface Summary {
  values?: number[];
  head?: number[];
  tail?: number[];
  sum?: number;
  sumsq?: number;
}
interface RandnReference {
  torch: string;
  single: (Summary & { seed: number; shape: number[] })[];
  sequences: { seed: number; draws: (Summary & { length: number })[] }[];
  wideSeeds: { seed: string; values: number[] }[];
}
const load = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../../training/reference/${name}`, import.meta.url), "utf8")) as T;
const reference = load<RandnReference>("randn.json");
const derived = load<{ cases: { seed: number; purpose: string; derived: number }[] }>("derive_seed.json");

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Below 16 elements torch's scalar path is computed in double and must match bit for bit; the
 * vectorised path uses float32 log/sin/cos (SLEEF on AVX2), so it agrees to a few float32 ulp.
 */
function expectClose(actual: ArrayLike<number>, expected: number[], exact: boolean): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    // The JSON holds the shortest decimal that round-trips to the float32 value.
    const want = Math.fround(expected[i]!);
    const err = Math.abs(actual[i]! - want) / Math.max(1, Math.abs(want));
    worst = Math.max(worst, err);
  }
  expect(worst).toBeLessThanOrEqual(exact ? 0 : 1e-6);
}

function expectSummary(actual: Float32Array, summary: Summary): void {
  const exact = actual.length < 16;
  if (summary.values) return expectClose(actual, summary.values, exact);
  const edge = summary.head!.length;
  expectClose(actual.subarray(0, edge), summary.head!, false);
  expectClose(actual.subarray(actual.length - edge), summary.tail!, false);
  let sum = 0;
  let sumsq = 0;
  for (const v of actual) {
    sum += v;
    sumsq += v * v;
  }
  // Each element is within ~2 ulp of torch's, so the totals agree to well under 1e-7 per element.
  expect(Math.abs(sum - summary.sum!)).toBeLessThan(1e-7 * actual.length);
  expect(Math.abs(sumsq - summary.sumsq!)).toBeLessThan(1e-6 * actual.length);
}

describe("randn matches torch.manual_seed(s); torch.randn(shape)", () => {
  for (const c of reference.single) {
    it(`seed ${c.seed}, shape [${c.shape.join(",")}]`, () => {
      expectSummary(randn(c.seed, numel(c.shape)), c);
    });
  }
});

describe("successive draws from one generator", () => {
  for (const s of reference.sequences) {
    it(`seed ${s.seed}: ${s.draws.map((d) => d.length).join(", ")}`, () => {
      const g = new TorchGenerator(s.seed);
      for (const d of s.draws) expectSummary(g.randn(d.length), d);
    });
  }
});

describe("seeds beyond 32 bits keep torch's low 32 bits", () => {
  for (const w of reference.wideSeeds) {
    it(`seed ${w.seed}`, () => {
      expectClose(new TorchGenerator(BigInt(w.seed)).randn(20), w.values, false);
    });
  }
  it("accepts safe-integer numbers and bigints alike", () => {
    expect(new TorchGenerator(2 ** 40 + 7).randn(5)).toEqual(new TorchGenerator(2n ** 40n + 7n).randn(5));
    expect(new TorchGenerator(-1).randn(5)).toEqual(new TorchGenerator(2 ** 32 - 1).randn(5));
  });
  it("rejects seeds torch would reject", () => {
    expect(() => new TorchGenerator(1.5)).toThrow(RangeError);
    expect(() => new TorchGenerator(2n ** 64n)).toThrow(RangeError);
  });
});

describe("randn edge cases", () => {
  it("returns an empty array for length 0 without advancing the generator", () => {
    const g = new TorchGenerator(3);
    expect(g.randn(0)).toHaveLength(0);
    expect(g.randn(4)).toEqual(randn(3, 4));
  });
  it("rejects invalid lengths", () => {
    expect(() => randn(0, -1)).toThrow(RangeError);
    expect(() => randn(0, 2.5)).toThrow(RangeError);
  });
  it("draws SD-sized latents quickly", () => {
    randn(1, 4 * 64 * 64); // warm-up (JIT)
    const t0 = performance.now();
    const big = randn(7, 4 * 4 * 128 * 128);
    const ms = performance.now() - t0;
    expect(big).toHaveLength(262144);
    // Generous bound for slow CI machines; typically a few ms.
    expect(ms).toBeLessThan(100);
  });
});

describe("deriveSeed", () => {
  for (const c of derived.cases) {
    it(`(${c.seed}, ${JSON.stringify(c.purpose)}) → ${c.derived}`, () => {
      expect(deriveSeed(c.seed, c.purpose)).toBe(c.derived);
    });
  }
  it("is a uint32 and separates purposes", () => {
    const a = deriveSeed(7, "refine");
    expect(Number.isInteger(a) && a >= 0 && a <= 0xffffffff).toBe(true);
    expect(deriveSeed(7, "regenerate")).not.toBe(a);
    expect(deriveSeed(8, "refine")).not.toBe(a);
  });
  it("rejects non-uint32 seeds", () => {
    expect(() => deriveSeed(-1, "refine")).toThrow(RangeError);
    expect(() => deriveSeed(2 ** 32, "refine")).toThrow(RangeError);
  });
});
