import {
  INTERNAL_API_VERSION,
  refineSteps,
  type BundleInfo,
  type BundleManifest,
  type DegradedReason,
  type InternalImage,
  type InternalImagesResponse,
  type StageEvent,
} from "@understudy/shared";
import type { SessionSettings } from "../bundle/session.js";
import { encodePng } from "../image/png.js";
import { loadComponents, withTeacherSampler, type PipelineComponents } from "./components.js";
import type { SamplerName } from "../schedulers/index.js";
import type { ImageJob, RoutedOutcome, StudentOutcome } from "./jobs.js";
import { internalImage, reportedThreshold } from "./results.js";
import { calibratedK, resolveJobs, type ImagesRequest } from "./resolve.js";
import { sampleStudent, studentBatchKey } from "./student.js";
import { refineWithTeacher, sampleWithTeacher, teacherBatchKey, type TeacherResult } from "./teacher.js";
import { mergeTimings } from "./timings.js";

export interface PipelineOptions {
  /** Threads per operator (onnxruntime's intraOpNumThreads); defaults to all cores. */
  intraOpThreads?: number;
  /** Execution provider, e.g. "cuda"; defaults to "cpu". */
  executionProvider?: string;
  /** The teacher's sampler when not the manifest's (e.g. "dpmsolver++", the paper's fast baseline). */
  teacherSampler?: SamplerName;
  /** Load the evaluation-only judge as well. */
  withJudge?: boolean;
}

function bundleInfo(manifest: BundleManifest): BundleInfo {
  return {
    id: manifest.id,
    version: manifest.version,
    native_size: manifest.native_size,
    teacher_steps: manifest.teacher.steps,
    student_steps: manifest.student.steps,
    teacher_guidance: manifest.teacher.guidance,
    student_guidance: manifest.student.guidance,
    refine_strength: manifest.defaults.refine_strength,
    edit_strength: manifest.defaults.edit_strength,
    calibrated_k: calibratedK(manifest),
  };
}

/** Groups items by key, keeping first-seen order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

/**
 * The adaptive teacher-student pipeline ("Your Student is Better Than Expected", Algorithm 1): the
 * student answers, the oracle scores its image, and the teacher refines or regenerates only the images
 * scoring below τ. Exposed as stages so a service can batch the student stage across requests and
 * schedule teacher work separately; `generate` composes them for one request.
 */
export class AdaptivePipeline {
  readonly info: BundleInfo;

  private constructor(readonly components: PipelineComponents) {
    this.info = bundleInfo(components.bundle.manifest);
  }

  static async load(bundleDir: string, options: PipelineOptions = {}): Promise<AdaptivePipeline> {
    const settings: SessionSettings = {
      ...(options.intraOpThreads !== undefined ? { intraOpThreads: options.intraOpThreads } : {}),
      ...(options.executionProvider !== undefined ? { executionProvider: options.executionProvider } : {}),
    };
    const pipeline = new AdaptivePipeline(await loadComponents(bundleDir, settings, { judge: options.withJudge ?? false }));
    return options.teacherSampler ? pipeline.withTeacherSampler(options.teacherSampler) : pipeline;
  }

  /** This pipeline with the teacher sampling by `sampler`; the loaded sessions are shared. */
  withTeacherSampler(sampler: SamplerName): AdaptivePipeline {
    return new AdaptivePipeline(withTeacherSampler(this.components, sampler));
  }

  get manifest(): BundleManifest {
    return this.components.bundle.manifest;
  }

  async resolveJobs(request: ImagesRequest): Promise<ImageJob[]> {
    return resolveJobs(this.manifest, request);
  }

  /** Student → decode → oracle → decision, batching compatible jobs into one UNet call per step. */
  async runStudentStage(jobs: ImageJob[]): Promise<StudentOutcome[]> {
    const outcomes = new Map<ImageJob, StudentOutcome>();
    for (const batch of groupBy(jobs, studentBatchKey)) {
      for (const outcome of await sampleStudent(this.components, batch)) outcomes.set(outcome.job, outcome);
    }
    return jobs.map((job) => outcomes.get(job)!);
  }

  /** The teacher's half for an outcome the oracle scored below τ: refine or regenerate as decided. */
  async runTeacherStage(outcome: RoutedOutcome): Promise<InternalImage> {
    return (await this.runTeacherStages([outcome]))[0]!;
  }

  /**
   * The teacher's half for many outcomes the oracle sent to it (refine or regenerate) at once: compatible ones
   * (same decision, schedule, strength, guidance) share one UNet call of 2B per step.
   */
  async runTeacherStages(outcomes: RoutedOutcome[]): Promise<InternalImage[]> {
    const images = new Map<RoutedOutcome, InternalImage>();
    const kept = outcomes.find((outcome) => outcome.decision === "keep");
    if (kept) throw new Error(`the oracle kept job ${kept.job.index}'s student image: it has no teacher stage`);
    for (const batch of groupBy(outcomes, (outcome) => `${outcome.decision}|${teacherBatchKey(outcome.job)}`)) {
      const jobs = batch.map((outcome) => outcome.job);
      const refine = batch[0]!.decision === "refine";
      const results = refine ? await refineWithTeacher(this.components, jobs, batch.map((o) => o.latents)) : await sampleWithTeacher(this.components, jobs);
      batch.forEach((outcome, i) => images.set(outcome, this.teacherImage(outcome, results[i]!)));
    }
    return outcomes.map((outcome) => images.get(outcome)!);
  }

  private teacherImage(outcome: RoutedOutcome, teacher: TeacherResult): InternalImage {
    return internalImage(outcome.job, {
      png: teacher.png,
      route: outcome.decision === "refine" ? "refined" : "regenerated",
      oracleScore: outcome.oracleScore,
      studentEvaluations: outcome.studentEvaluations,
      teacherEvaluations: teacher.teacherEvaluations,
      timingsMs: mergeTimings(outcome.timingsMs, teacher.timingsMs),
      degradedReason: null,
    });
  }

  /** Mode `teacher`: the teacher alone, from the job's initial noise (or SDEdit of the input image). */
  async runTeacherOnly(job: ImageJob): Promise<InternalImage> {
    return (await this.runTeacherOnlyBatch([job]))[0]!;
  }

  /** Mode `teacher` for many jobs, compatible ones batched into one UNet call of 2B per step. */
  async runTeacherOnlyBatch(jobs: ImageJob[]): Promise<InternalImage[]> {
    const images = new Map<ImageJob, InternalImage>();
    for (const batch of groupBy(jobs, teacherBatchKey)) {
      const results = await sampleWithTeacher(this.components, batch);
      batch.forEach((job, i) => {
        const teacher = results[i]!;
        images.set(job, internalImage(job, {
          png: teacher.png, route: "teacher", oracleScore: null, studentEvaluations: 0,
          teacherEvaluations: teacher.teacherEvaluations, timingsMs: teacher.timingsMs, degradedReason: null,
        }));
      });
    }
    return jobs.map((job) => images.get(job)!);
  }

  /** Serves the student's image: because the oracle liked it, or (degraded) because the teacher cannot run. */
  keepStudent(outcome: StudentOutcome, degradedReason: DegradedReason | null): InternalImage {
    const { job } = outcome;
    const start = performance.now();
    const png = encodePng({ data: outcome.pixels, dims: [1, 3, job.height, job.width] });
    return internalImage(job, {
      png,
      route: "student",
      oracleScore: outcome.oracleScore,
      studentEvaluations: outcome.studentEvaluations,
      teacherEvaluations: 0,
      timingsMs: mergeTimings(outcome.timingsMs, { png: performance.now() - start }),
      degradedReason,
    });
  }

  /** Mean milliseconds of one teacher UNet call so far (0 before the first), for deadline decisions. */
  private teacherCallMs(): number {
    const { stats } = this.components.teacher.unet.model;
    return stats.calls === 0 ? 0 : stats.totalMs / stats.calls;
  }

  /** Whether the teacher's run for this outcome would end after the request's deadline. */
  private missesDeadline(outcome: StudentOutcome, deadlineMs: number | undefined): boolean {
    if (deadlineMs === undefined) return false;
    const { job, decision } = outcome;
    // Refinement and edits run the tail of the schedule, as the credits count it.
    const steps = decision === "refine" || job.initImage ? refineSteps(job.teacherSteps, job.strength) : job.teacherSteps;
    return Date.now() + steps * this.teacherCallMs() > deadlineMs;
  }

  /** Algorithm 1 for one request, emitting the stage events a streamed response sends. */
  async generate(request: ImagesRequest, onEvent?: (event: StageEvent) => void): Promise<InternalImagesResponse> {
    const jobs = await this.resolveJobs(request);
    const images = jobs[0]?.mode === "teacher" ? await this.teacherOnly(jobs, onEvent) : await this.adaptive(jobs, request.deadline_ms, onEvent);
    const response: InternalImagesResponse = {
      version: INTERNAL_API_VERSION,
      request_id: request.request_id,
      bundle: { id: this.info.id, version: this.info.version },
      images,
    };
    onEvent?.({ event: "done", response });
    return response;
  }

  private async teacherOnly(jobs: ImageJob[], onEvent?: (event: StageEvent) => void): Promise<InternalImage[]> {
    const images = await this.runTeacherOnlyBatch(jobs);
    images.forEach((image, i) => onEvent?.({ event: "final", index: jobs[i]!.index, image }));
    return images;
  }

  /** Student for all images, then their verdicts, then the teacher for the ones that need it (batched). */
  private async adaptive(jobs: ImageJob[], deadlineMs: number | undefined, onEvent?: (event: StageEvent) => void): Promise<InternalImage[]> {
    const outcomes = await this.runStudentStage(jobs);
    const images = new Map<StudentOutcome, InternalImage>();
    const final = (outcome: StudentOutcome, image: InternalImage) => {
      images.set(outcome, image);
      onEvent?.({ event: "final", index: outcome.job.index, image });
    };
    const teacherWork: StudentOutcome[] = [];
    for (const outcome of outcomes) {
      const degraded = outcome.decision !== "keep" && this.missesDeadline(outcome, deadlineMs);
      if (onEvent) this.emitVerdict(outcome, degraded, onEvent);
      if (outcome.decision === "keep" || degraded) final(outcome, this.keepStudent(outcome, degraded ? "deadline" : null));
      else teacherWork.push(outcome);
    }
    const teacherImages = await this.runTeacherStages(teacherWork);
    teacherWork.forEach((outcome, i) => final(outcome, teacherImages[i]!));
    return outcomes.map((outcome) => images.get(outcome)!);
  }

  private emitVerdict(outcome: StudentOutcome, degraded: boolean, onEvent: (event: StageEvent) => void): void {
    const { job } = outcome;
    const preview = encodePng({ data: outcome.pixels, dims: [1, 3, job.height, job.width] });
    onEvent({ event: "preview", index: job.index, seed: job.seed, png_b64: Buffer.from(preview).toString("base64") });
    onEvent({ event: "verdict", index: job.index, oracle_score: outcome.oracleScore, threshold: reportedThreshold(job), decision: degraded ? "degraded" : outcome.decision });
  }
}
