import { InternalGenerateRequest, type InternalImage } from "@understudy/shared";
import { decodeImage } from "../image/decode.js";
import { toUnitRange, stackBatch } from "../image/processing.js";
import type { AdaptivePipeline } from "../pipelines/adaptive.js";
import type { ImageJob, StudentOutcome } from "../pipelines/jobs.js";
import { thresholdForK } from "../pipelines/resolve.js";
import type { Judge } from "../models/scorer.js";
import type { EvalRow } from "./prompt-set.js";
import { readingOf, verdicts, type JudgeConfig } from "./verdicts.js";

/** One served image of the eval, judged. */
export interface JudgedImage {
  evaluations: number;
  /** Every attribute the prompt states is right (the judge's "all right"). */
  correct: boolean;
  /** How many of the prompt's attributes are right. */
  attributesRight: number;
  attributes: number;
}

/** Everything generated for one prompt; each adaptive configuration picks from these. */
export interface PromptResults {
  oracleScore: number;
  student: JudgedImage;
  refined: JudgedImage;
  /** Teacher-only images by "<sampler>@<steps>"; "ddim@<teacher steps>" doubles as the regenerated image. */
  teacher: Record<string, JudgedImage>;
}

export interface ConfigResult {
  name: string;
  family: "student" | "teacher-ddim" | "teacher-dpmsolver++" | "refine-always" | "random-refine" | "adaptive-refine" | "adaptive-regenerate" | "adaptive-regenerate-short";
  k: number | null;
  meanEvaluations: number;
  accuracy: number;
  attributeAccuracy: number;
  teacherShare: number;
}

export interface ExperimentPlan {
  ddimSteps: readonly number[];
  dpmSteps: readonly number[];
  ks: readonly number[];
  /**
   * Also regenerate with the teacher on this shorter DDIM schedule (one of ddimSteps, so its images are already
   * made, and ignored otherwise): the paper pairs the student with cheaper teacher configurations too, and a
   * request can ask for it (`steps`). Null: only the bundle's default schedule.
   */
  shortRegenerateSteps: number | null;
  batchSize: number;
}

export const PAPER_PLAN: ExperimentPlan = { ddimSteps: [5, 10, 25, 50], dpmSteps: [10, 25], ks: [10, 30, 50, 70, 90], shortRegenerateSteps: 25, batchSize: 16 };

const evaluationsOf = (image: InternalImage) => image.unet_evaluations.student + image.unet_evaluations.teacher;

/** Judges served PNGs exactly as a client receives them (8-bit, decoded again). */
async function judgeImages(judge: Judge, config: JudgeConfig, images: readonly InternalImage[], rows: readonly EvalRow[]): Promise<JudgedImage[]> {
  const pixels = stackBatch(images.map((image) => toUnitRange(decodeImage(Buffer.from(image.png_b64, "base64")))));
  const outputs = await judge.judge(pixels);
  return images.map((image, i) => {
    const verdict = Object.values(verdicts(config, readingOf(outputs, i), rows[i]!));
    const right = verdict.filter(Boolean).length;
    return { evaluations: evaluationsOf(image), correct: right === verdict.length, attributesRight: right, attributes: verdict.length };
  });
}

/** Adaptive jobs at k = 100, so every student outcome is marked for the teacher and all branches can be built. */
async function jobsFor(pipeline: AdaptivePipeline, rows: readonly EvalRow[]): Promise<ImageJob[]> {
  const requests = rows.map((row, i) =>
    InternalGenerateRequest.parse({ version: "v1", request_id: `eval-${i}`, prompt: row.prompt, seed: row.seed, selection: { mode: "adaptive", k: 100 } }),
  );
  return (await Promise.all(requests.map((request) => pipeline.resolveJobs(request)))).flat();
}

/** Generates and judges every image one batch of prompts needs. */
async function runBatch(pipeline: AdaptivePipeline, judge: Judge, config: JudgeConfig, plan: ExperimentPlan, rows: readonly EvalRow[]): Promise<PromptResults[]> {
  const jobs = await jobsFor(pipeline, rows);
  const outcomes: StudentOutcome[] = await pipeline.runStudentStage(jobs);
  const student = await judgeImages(judge, config, outcomes.map((o) => pipeline.keepStudent(o, null)), rows);
  const refined = await judgeImages(judge, config, await pipeline.runTeacherStages(outcomes.map((o) => ({ ...o, decision: "refine" }))), rows);
  const teacher: Record<string, JudgedImage[]> = {};
  const samplers = [...plan.ddimSteps.map((steps) => ["ddim", steps] as const), ...plan.dpmSteps.map((steps) => ["dpmsolver++", steps] as const)];
  for (const [sampler, steps] of samplers) {
    const teacherPipeline = sampler === "ddim" ? pipeline : pipeline.withTeacherSampler(sampler);
    const images = await teacherPipeline.runTeacherOnlyBatch(jobs.map((job) => ({ ...job, mode: "teacher", teacherSteps: steps })));
    teacher[`${sampler}@${steps}`] = await judgeImages(judge, config, images, rows);
  }
  return outcomes.map((outcome, i) => ({
    oracleScore: outcome.oracleScore,
    student: student[i]!,
    refined: refined[i]!,
    teacher: Object.fromEntries(Object.entries(teacher).map(([key, judged]) => [key, judged[i]!])),
  }));
}

export async function runExperiment(
  pipeline: AdaptivePipeline,
  judge: Judge,
  config: JudgeConfig,
  rows: readonly EvalRow[],
  plan: ExperimentPlan,
  /** Called after every batch with the results so far (a long run can be reported before it ends). */
  onProgress?: (done: number, total: number, results: readonly PromptResults[]) => void | Promise<void>,
): Promise<PromptResults[]> {
  const results: PromptResults[] = [];
  for (let start = 0; start < rows.length; start += plan.batchSize) {
    results.push(...(await runBatch(pipeline, judge, config, plan, rows.slice(start, start + plan.batchSize))));
    await onProgress?.(results.length, rows.length, results);
  }
  return results;
}

/** An adaptive family: its name in the table, and the image it serves for a prompt sent to the teacher. */
type AdaptiveFamily = [family: ConfigResult["family"], label: string, teacherImage: (r: PromptResults) => JudgedImage];

function summarise(name: string, family: ConfigResult["family"], k: number | null, picks: readonly { image: JudgedImage; teacher: boolean }[]): ConfigResult {
  const mean = (f: (p: { image: JudgedImage; teacher: boolean }) => number) => picks.reduce((sum, p) => sum + f(p), 0) / picks.length;
  return {
    name, family, k,
    meanEvaluations: mean((p) => p.image.evaluations),
    accuracy: mean((p) => (p.image.correct ? 1 : 0)),
    attributeAccuracy: mean((p) => p.image.attributesRight / p.image.attributes),
    teacherShare: mean((p) => (p.teacher ? 1 : 0)),
  };
}

/**
 * Every configuration of the paper's comparison, composed from the per-prompt images: adaptive at k serves
 * the teacher's image exactly for the prompts whose oracle score is below τ(k) from the bundle's calibration.
 */
export function configurations(pipeline: AdaptivePipeline, results: readonly PromptResults[], plan: ExperimentPlan): ConfigResult[] {
  // Regeneration is the teacher from the same initial noise, after the student ran and was scored: its cost adds up.
  const regeneratedWith = (steps: number) => (r: PromptResults): JudgedImage => {
    const teacher = r.teacher[`ddim@${steps}`]!;
    return { ...teacher, evaluations: teacher.evaluations + r.student.evaluations };
  };
  const configs = [
    summarise("student (LCM)", "student", null, results.map((r) => ({ image: r.student, teacher: false }))),
    ...plan.ddimSteps.map((n) => summarise(`teacher DDIM ${n}`, "teacher-ddim", null, results.map((r) => ({ image: r.teacher[`ddim@${n}`]!, teacher: true })))),
    ...plan.dpmSteps.map((n) => summarise(`teacher DPM-Solver++ ${n}`, "teacher-dpmsolver++", null, results.map((r) => ({ image: r.teacher[`dpmsolver++@${n}`]!, teacher: true })))),
    summarise("refine always", "refine-always", null, results.map((r) => ({ image: r.refined, teacher: true }))),
  ];
  const adaptiveFamilies: AdaptiveFamily[] = [
    ["adaptive-refine", "adaptive refine", (r) => r.refined],
    ["adaptive-regenerate", "adaptive regenerate", regeneratedWith(pipeline.manifest.teacher.steps)],
  ];
  const short = plan.shortRegenerateSteps;
  if (short !== null && plan.ddimSteps.includes(short)) {
    adaptiveFamilies.push(["adaptive-regenerate-short", `adaptive regenerate (teacher DDIM ${short})`, regeneratedWith(short)]);
  }
  for (const [family, label, pick] of adaptiveFamilies) {
    for (const k of plan.ks) {
      const tau = thresholdForK(pipeline.manifest, k);
      const picks = results.map((r) => (r.oracleScore < tau ? { image: pick(r), teacher: true } : { image: r.student, teacher: false }));
      configs.push(summarise(`${label} k=${k}`, family, k, picks));
    }
  }
  return [...configs, ...randomRefinement(configs)];
}

/**
 * Non-adaptive refinement at equal cost: refining a random share s of the images (the share adaptive
 * refinement chose at each k) has expected accuracy (1 − s)·student + s·refine-always, and the same mean
 * evaluations. Adaptive selection is worth something exactly when it beats this line.
 */
function randomRefinement(configs: readonly ConfigResult[]): ConfigResult[] {
  const student = configs.find((c) => c.family === "student")!;
  const always = configs.find((c) => c.family === "refine-always")!;
  const mix = (share: number, f: (c: ConfigResult) => number) => (1 - share) * f(student) + share * f(always);
  return configs
    .filter((c) => c.family === "adaptive-refine")
    .map((c) => ({
      name: `random refine, share of k=${c.k}`,
      family: "random-refine",
      k: c.k,
      meanEvaluations: mix(c.teacherShare, (x) => x.meanEvaluations),
      accuracy: mix(c.teacherShare, (x) => x.accuracy),
      attributeAccuracy: mix(c.teacherShare, (x) => x.attributeAccuracy),
      teacherShare: c.teacherShare,
    }));
}

/** The paper's headline: how often the student beats the teacher on the same initial noise. */
export function studentVersusTeacher(pipeline: AdaptivePipeline, results: readonly PromptResults[]) {
  const key = `ddim@${pipeline.manifest.teacher.steps}`;
  const share = (f: (r: PromptResults) => boolean) => results.filter(f).length / results.length;
  return {
    teacher: key,
    studentBetter: share((r) => r.student.attributesRight > r.teacher[key]!.attributesRight),
    teacherBetter: share((r) => r.student.attributesRight < r.teacher[key]!.attributesRight),
    studentCorrectTeacherWrong: share((r) => r.student.correct && !r.teacher[key]!.correct),
  };
}
