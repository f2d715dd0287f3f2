import { evaluationsPerStep } from "@understudy/shared";
import { deriveSeed } from "../noise/index.js";
import { batchItem, stackBatch } from "../image/processing.js";
import { encodePng } from "../image/png.js";
import type { Scheduler } from "../schedulers/index.js";
import type { PipelineComponents } from "./components.js";
import { encodeConditioning } from "./conditioning.js";
import { denoise } from "./denoise.js";
import { usesClassifierFreeGuidance } from "./guidance.js";
import type { ImageJob } from "./jobs.js";
import { batchLatentDims, noiseTo, startingPoint, type StartingPoint } from "./latents.js";
import { BatchNoise } from "./noise.js";
import { StageTimer } from "./timings.js";

export interface TeacherResult {
  png: Uint8Array;
  teacherEvaluations: number;
  timingsMs: Record<string, number>;
}

/** Per-job noise for a batch: each job's generator for `purpose` (or its own seed), `size` normals each. */
function jobNoise(jobs: readonly ImageJob[], size: number, purpose?: string): Float32Array {
  return BatchNoise.forSeeds(jobs.map((job) => (purpose ? deriveSeed(job.seed, purpose) : job.seed))).randn(size * jobs.length);
}

/**
 * Runs the teacher (guided: one 2B call per step) for a batch of compatible jobs from a starting point,
 * then decodes each image to PNG.
 */
async function runTeacher(
  components: PipelineComponents,
  jobs: readonly ImageJob[],
  scheduler: Scheduler,
  start: (timer: StageTimer) => Promise<StartingPoint>,
): Promise<TeacherResult[]> {
  const { teacher, vaeDecoder } = components;
  const { guidance } = jobs[0]!;
  const timer = new StageTimer();
  const conditioning = await encodeConditioning(components, jobs, usesClassifierFreeGuidance(guidance), timer);
  const { latents, timesteps } = await start(timer);
  const sampled = await denoise({
    unet: teacher.unet, scheduler, timesteps, latents, context: conditioning.context, guidance,
    // Deterministic samplers ignore it; a stochastic one gets noise of its own, still fixed by each job's seed.
    noise: BatchNoise.forSeeds(jobs.map((job) => deriveSeed(job.seed, "teacher"))),
  });
  timer.add("teacher_unet", sampled.unetMs);
  // Decoded in [-1,1]: the PNG encoder maps to [0,1] as it writes, where a toUnitRange copy would cost a pass.
  const decoded = await timer.time("vae_decode", () => vaeDecoder.decode(sampled.latents));
  const evaluations = timesteps.length * evaluationsPerStep(guidance);
  return jobs.map((_, i) => {
    const started = performance.now();
    const png = encodePng(batchItem(decoded, i), "signed");
    // Batched stages took this long for every image of the batch; its PNG is its own.
    return { png, teacherEvaluations: evaluations, timingsMs: { ...timer.ms, png: performance.now() - started } };
  });
}

/**
 * Refinement: noise each student latent back to σ with noise of its own (seeded from the job's seed with
 * purpose "refine") and let the teacher run the remaining part of its schedule.
 */
export function refineWithTeacher(components: PipelineComponents, jobs: readonly ImageJob[], studentLatents: readonly Float32Array[]): Promise<TeacherResult[]> {
  const scheduler = components.teacher.newScheduler();
  const { teacherSteps, strength } = jobs[0]!;
  return runTeacher(components, jobs, scheduler, async () => {
    const timesteps = scheduler.timestepsForStrength(teacherSteps, strength);
    const dims = batchLatentDims(components, jobs);
    const latents = stackBatch(studentLatents.map((data) => ({ data, dims: [1, ...dims.slice(1)] })));
    return { latents: noiseTo(scheduler, latents, jobNoise(jobs, studentLatents[0]!.length, "refine"), timesteps), timesteps };
  });
}

/** Regeneration and teacher-only mode: the teacher from each job's own initial noise (SDEdit for edits). */
export function sampleWithTeacher(components: PipelineComponents, jobs: readonly ImageJob[]): Promise<TeacherResult[]> {
  const scheduler = components.teacher.newScheduler();
  return runTeacher(components, jobs, scheduler, (timer) => {
    const [, ...perImage] = batchLatentDims(components, jobs);
    const noise = jobNoise(jobs, perImage.reduce((a, b) => a * b, 1));
    return startingPoint(components, scheduler, jobs[0]!.teacherSteps, jobs, noise, timer);
  });
}

/** Jobs the teacher can run as one batch: same size, schedule, strength and guidance scale. */
export function teacherBatchKey(job: ImageJob): string {
  return [job.width, job.height, job.teacherSteps, job.strength, job.guidance, job.initImage ? "edit" : "generate"].join("|");
}
