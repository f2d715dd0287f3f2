import { describe, expect, it } from "vitest";
import type { ApiError } from "./errors.js";
import { Tier, TIERS, planForTier } from "./tiers.js";

describe("tiers", () => {
  it("ships free, standard and pro as the issue describes", () => {
    expect(TIERS.free.max_k).toBe(0);
    expect(TIERS.free.max_n).toBe(1);
    expect(TIERS.standard.quality.balanced).toEqual({ mode: "adaptive", k: 30 });
    expect(TIERS.standard.quality.fast.mode).toBe("student");
    expect(TIERS.pro.max_k).toBe(70);
    expect(TIERS.pro.allowed_strategies).toContain("regenerate");
    expect(TIERS.pro.allowed_modes).toContain("teacher");
  });

  it("maps quality words to k", () => {
    expect(planForTier(TIERS.standard, { quality: "balanced", n: 1 })).toEqual({ mode: "adaptive", k: 30, strategy: "refine" });
    expect(planForTier(TIERS.standard, { quality: "fast", n: 1 })).toEqual({ mode: "student", k: 0, strategy: "refine" });
    expect(planForTier(TIERS.pro, { quality: "best", n: 1, strategy: "regenerate" })).toEqual({ mode: "adaptive", k: 70, strategy: "regenerate" });
  });

  it("refuses what the tier does not include, naming the field", () => {
    const attempt = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error as ApiError;
      }
      throw new Error("expected a refusal");
    };
    expect(attempt(() => planForTier(TIERS.free, { quality: "best", mode: "teacher", n: 1 }))).toMatchObject({ status: 403, param: "mode" });
    expect(attempt(() => planForTier(TIERS.standard, { quality: "best", strategy: "regenerate", n: 1 }))).toMatchObject({ status: 403, param: "strategy" });
    expect(attempt(() => planForTier(TIERS.free, { quality: "fast", n: 2 }))).toMatchObject({ status: 403, param: "n" });
    expect(attempt(() => planForTier(TIERS.standard, { quality: "fast", n: 1, steps: 80 }))).toMatchObject({ status: 403, param: "steps" });
  });

  it("rejects a tier whose quality map breaks its own limits", () => {
    const broken = { ...TIERS.free, quality: { ...TIERS.free.quality, best: { mode: "adaptive", k: 50 } } };
    const result = Tier.safeParse(broken);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["quality.best.mode", "quality.best.k"]));
  });
});
