import { evaluationsPerStep } from "@understudy/shared";
import type { FloatTensor } from "../models/onnx-model.js";
import { ownBatchItem, toUnitRange } from "../image/processing.js";
import type { PipelineComponents } from "./components.js";
import { encodeConditioning } from "./conditioning.js";
import { denoise } from "./denoise.js";
import { guidanceScaleEmbedding, usesClassifierFreeGuidance } from "./guidance.js";
import { decide, type ImageJob, type StudentOutcome } from "./jobs.js";
import { batchLatentDims, startingPoint } from "./latents.js";
import { BatchNoise } from "./noise.js";
import { StageTimer } from "./timings.js";

/** LCM students take their guidance scale as an embedding instead of a second, unconditional batch. */
function studentTimestepCond(components: PipelineComponents, batch: number): FloatTensor | undefined {
  const { entry, guidanceEmbeddingDim } = components.student;
  if (guidanceEmbeddingDim === null || !entry.embedded_guidance) return undefined;
  return guidanceScaleEmbedding(entry.embedded_guidance.scale, guidanceEmbeddingDim, batch);
}

/**
 * Algorithm 1, first half, for a batch of compatible jobs (same size, student steps and edit strength):
 * sample with the student (one UNet call per step for the whole batch), decode, and score with the oracle.
 * Each job's noise comes from its own seed, so batching never changes an image.
 */
export async function sampleStudent(components: PipelineComponents, jobs: readonly ImageJob[]): Promise<StudentOutcome[]> {
  const { student, vaeDecoder, oracle } = components;
  const timer = new StageTimer();
  const guidance = student.entry.guidance;
  const conditioning = await encodeConditioning(components, jobs, usesClassifierFreeGuidance(guidance), timer);
  // The first draw of each job's generator is its initial noise; later draws are LCM's per-step noise.
  const noise = BatchNoise.forSeeds(jobs.map((job) => job.seed));
  const dims = batchLatentDims(components, jobs);
  const scheduler = student.newScheduler();
  const initialNoise = noise.randn(dims.reduce((a, b) => a * b, 1));
  const start = await startingPoint(components, scheduler, jobs[0]!.studentSteps, jobs, initialNoise, timer, student.entry.timesteps);
  const timestepCond = studentTimestepCond(components, jobs.length);
  const sampled = await denoise({
    unet: student.unet, scheduler, timesteps: start.timesteps, latents: start.latents, context: conditioning.context, guidance, noise,
    ...(timestepCond ? { timestepCond } : {}),
  });
  timer.add("student_unet", sampled.unetMs);
  const pixels = toUnitRange(await timer.time("vae_decode", () => vaeDecoder.decode(sampled.latents)));
  const scores = await timer.time("oracle", () => oracle.score(pixels, conditioning.promptTokens));
  const evaluations = start.timesteps.length * evaluationsPerStep(guidance);
  return jobs.map((job, i) => ({
    job,
    // Each outcome owns its buffers: a batch of one keeps the batch's own, a larger batch copies its share.
    latents: ownBatchItem(sampled.latents, i),
    pixels: ownBatchItem(pixels, i),
    oracleScore: scores[i]!,
    decision: decide(job, scores[i]!),
    studentEvaluations: evaluations,
    // Batched stages took this long for every image of the batch.
    timingsMs: { ...timer.ms },
  }));
}

/** Jobs that can share one student batch: same size, steps, and (for edits) strength. */
export function studentBatchKey(job: ImageJob): string {
  return [job.width, job.height, job.studentSteps, job.initImage ? `edit@${job.strength}` : "generate"].join("|");
}
