import { evaluationsPerStep } from "@understudy/shared";
import { deriveSeed, TorchGenerator } from "../noise/index.js";
import { toUnitRange } from "../image/processing.js";
import { encodePng } from "../image/png.js";
import type { FloatTensor } from "../models/onnx-model.js";
import type { Scheduler } from "../schedulers/index.js";
import type { PipelineComponents } from "./components.js";
import { encodeConditioning } from "./conditioning.js";
import { denoise } from "./denoise.js";
import { usesClassifierFreeGuidance } from "./guidance.js";
import type { ImageJob } from "./jobs.js";
import { batchLatentDims, noiseTo, startingPoint, type StartingPoint } from "./latents.js";
import { StageTimer } from "./timings.js";

export interface TeacherResult {
  png: Uint8Array;
  teacherEvaluations: number;
  timingsMs: Record<string, number>;
}

/** Runs the teacher (guided, one 2B call per step) from a starting point, then decodes to PNG. */
async function runTeacher(
  components: PipelineComponents,
  job: ImageJob,
  scheduler: Scheduler,
  start: (timer: StageTimer) => Promise<StartingPoint>,
): Promise<TeacherResult> {
  const { teacher, vaeDecoder } = components;
  const timer = new StageTimer();
  const conditioning = await encodeConditioning(components, [job], usesClassifierFreeGuidance(job.guidance), timer);
  const { latents, timesteps } = await start(timer);
  const sampled = await denoise({
    unet: teacher.unet, scheduler, timesteps, latents, context: conditioning.context, guidance: job.guidance,
    // Deterministic samplers ignore it; a stochastic one gets noise of its own, still fixed by the seed.
    noise: new TorchGenerator(deriveSeed(job.seed, "teacher")),
  });
  timer.add("teacher_unet", sampled.unetMs.reduce((a, b) => a + b, 0));
  const pixels = toUnitRange(await timer.time("vae_decode", () => vaeDecoder.decode(sampled.latents)));
  const png = await timer.time("png", () => encodePng(pixels));
  return { png, teacherEvaluations: timesteps.length * evaluationsPerStep(job.guidance), timingsMs: timer.ms };
}

/**
 * Refinement: noise the student's latents back to σ with noise of its own (seeded from the job's seed
 * with purpose "refine") and let the teacher run the remaining part of its schedule.
 */
export function refineWithTeacher(components: PipelineComponents, job: ImageJob, studentLatents: Float32Array): Promise<TeacherResult> {
  const scheduler = components.teacher.newScheduler();
  return runTeacher(components, job, scheduler, async () => {
    const timesteps = scheduler.timestepsForStrength(job.teacherSteps, job.strength);
    const latents: FloatTensor = { data: studentLatents, dims: batchLatentDims(components, [job]) };
    const noise = new TorchGenerator(deriveSeed(job.seed, "refine")).randn(studentLatents.length);
    return { latents: noiseTo(scheduler, latents, noise, timesteps), timesteps };
  });
}

/** Regeneration and teacher-only mode: the teacher from the job's own initial noise (SDEdit for edits). */
export function sampleWithTeacher(components: PipelineComponents, job: ImageJob): Promise<TeacherResult> {
  const scheduler = components.teacher.newScheduler();
  return runTeacher(components, job, scheduler, (timer) => {
    const size = batchLatentDims(components, [job]).reduce((a, b) => a * b, 1);
    return startingPoint(components, scheduler, job.teacherSteps, [job], new TorchGenerator(job.seed).randn(size), timer);
  });
}
