import type { Mode, Strategy } from "./images.js";

/**
 * Credits are UNet evaluations. A classifier-free-guided step runs the UNet on the conditional and the
 * unconditional batch at once (one call of 2B), and counts as 2 evaluations; an unguided step counts 1.
 * The gpu-service reports what it spent in the same unit, and the edge settles to that number.
 */
export function evaluationsPerStep(guidance: number | null): number {
  return guidance !== null && guidance > 1 ? 2 : 1;
}

/** Teacher steps that refinement runs at strength σ (diffusers' img2img slicing). */
export function refineSteps(steps: number, strength: number): number {
  return Math.min(Math.floor(steps * strength), steps);
}

export interface EvaluationPlan {
  mode: Mode;
  strategy: Strategy;
  n: number;
  teacherSteps: number;
  studentSteps: number;
  /** Teacher CFG scale. */
  guidance: number | null;
  /** Student CFG scale; null when guidance is distilled into the student. */
  studentGuidance: number | null;
  /** σ for refine (or SDEdit strength for edits). */
  strength: number;
  kind?: "generate" | "edit";
}

function studentEvaluations(plan: EvaluationPlan): number {
  return plan.studentSteps * evaluationsPerStep(plan.studentGuidance);
}

function teacherEvaluations(plan: EvaluationPlan): number {
  const perStep = evaluationsPerStep(plan.guidance);
  const fullRun = plan.kind === "edit" || plan.strategy === "refine" ? refineSteps(plan.teacherSteps, plan.strength) : plan.teacherSteps;
  return fullRun * perStep;
}

/** The most a request can spend: what the edge reserves before calling the gpu-service. */
export function worstCaseEvaluations(plan: EvaluationPlan): number {
  const perImage =
    plan.mode === "student"
      ? studentEvaluations(plan)
      : plan.mode === "teacher"
        ? (plan.kind === "edit" ? refineSteps(plan.teacherSteps, plan.strength) : plan.teacherSteps) * evaluationsPerStep(plan.guidance)
        : studentEvaluations(plan) + teacherEvaluations(plan);
  return perImage * plan.n;
}
