import { describe, expect, it } from "vitest";
import { type EvaluationPlan, evaluationsPerStep, refineSteps, worstCaseEvaluations } from "./credits.js";

const plan: EvaluationPlan = { mode: "adaptive", strategy: "refine", n: 1, teacherSteps: 50, studentSteps: 2, guidance: 4, studentGuidance: null, strength: 0.5 };

describe("credits", () => {
  it("counts a guided step as two evaluations", () => {
    expect(evaluationsPerStep(4)).toBe(2);
    expect(evaluationsPerStep(1)).toBe(1);
    expect(evaluationsPerStep(null)).toBe(1);
  });

  it("slices refinement steps as img2img does", () => {
    expect(refineSteps(50, 0.5)).toBe(25);
    expect(refineSteps(50, 0.33)).toBe(16);
    expect(refineSteps(50, 1)).toBe(50);
  });

  it("reserves student plus the teacher's worst case", () => {
    expect(worstCaseEvaluations(plan)).toBe(2 + 25 * 2);
    expect(worstCaseEvaluations({ ...plan, strategy: "regenerate" })).toBe(2 + 50 * 2);
    expect(worstCaseEvaluations({ ...plan, mode: "student", n: 3 })).toBe(6);
    expect(worstCaseEvaluations({ ...plan, mode: "teacher" })).toBe(100);
    expect(worstCaseEvaluations({ ...plan, n: 4 })).toBe(4 * 52);
  });
});
