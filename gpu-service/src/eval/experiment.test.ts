import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readConfig } from "../bundle/bundle.js";
import { TINY_BUNDLE } from "../../test/helpers.js";
import { AdaptivePipeline } from "../pipelines/adaptive.js";
import { configurations, runExperiment, studentVersusTeacher, type ExperimentPlan } from "./experiment.js";
import { readEvalSet } from "./prompt-set.js";
import { accuracyPlot, markdownTable } from "./report.js";
import { JudgeConfig } from "./verdicts.js";

const plan: ExperimentPlan = { ddimSteps: [2, 10], dpmSteps: [4], ks: [10, 90], shortRegenerateSteps: 2, batchSize: 2 };

describe("the eval experiment", async () => {
  const pipeline = await AdaptivePipeline.load(TINY_BUNDLE, { intraOpThreads: 1, withJudge: true });
  const config = await readConfig(TINY_BUNDLE, join("judge", "config.json"), JudgeConfig);
  const rows = await readEvalSet(join(TINY_BUNDLE, "eval", "prompts.jsonl"));
  const results = await runExperiment(pipeline, pipeline.components.judge!, config, rows, plan);
  const configs = configurations(pipeline, results, plan);
  const byName = Object.fromEntries(configs.map((c) => [c.name, c]));

  it("builds every configuration of the plan from one pass", () => {
    expect(results).toHaveLength(3);
    expect(configs.map((c) => c.name)).toEqual([
      "student (LCM)", "teacher DDIM 2", "teacher DDIM 10", "teacher DPM-Solver++ 4", "refine always",
      "adaptive refine k=10", "adaptive refine k=90", "adaptive regenerate k=10", "adaptive regenerate k=90",
      "adaptive regenerate (teacher DDIM 2) k=10", "adaptive regenerate (teacher DDIM 2) k=90",
      "random refine, share of k=10", "random refine, share of k=90",
    ]);
  });

  it("counts UNet evaluations as the credits do", () => {
    const { student, teacher, defaults } = pipeline.manifest;
    expect(byName["student (LCM)"]!.meanEvaluations).toBe(student.steps);
    expect(byName["teacher DDIM 10"]!.meanEvaluations).toBe(20);
    expect(byName["refine always"]!.meanEvaluations).toBe(student.steps + 2 * Math.floor(teacher.steps * defaults.refine_strength));
  });

  it("sends to the teacher exactly the prompts scored below τ(k)", () => {
    const tau = pipeline.manifest.calibration.thresholds["90"]!;
    const share = results.filter((r) => r.oracleScore < tau).length / results.length;
    expect(byName["adaptive refine k=90"]!.teacherShare).toBe(share);
    const regenerate = byName["adaptive regenerate k=90"]!;
    expect(regenerate.meanEvaluations).toBeCloseTo(2 + share * 20, 10);
    // The same prompts regenerated on the 2-step schedule: 2 guided steps, 4 evaluations each.
    const short = byName["adaptive regenerate (teacher DDIM 2) k=90"]!;
    expect(short.teacherShare).toBe(share);
    expect(short.meanEvaluations).toBeCloseTo(2 + share * 4, 10);
  });

  it("puts random refinement of the same share at the same cost as adaptive refinement", () => {
    const adaptive = byName["adaptive refine k=90"]!;
    const random = byName["random refine, share of k=90"]!;
    expect(random.meanEvaluations).toBeCloseTo(adaptive.meanEvaluations, 10);
    expect(random.teacherShare).toBe(adaptive.teacherShare);
  });

  it("reports a table and a plot", () => {
    const report = { bundle: { id: "tiny-fixture", version: "fixture-1" }, prompts: rows.length, configs, studentVersusTeacher: studentVersusTeacher(pipeline, results) };
    expect(markdownTable(report)).toContain("| adaptive refine k=90 |");
    expect(accuracyPlot(report)).toMatch(/^<svg[\s\S]*<\/svg>$/);
  });
});
