import type { FloatTensor } from "../models/onnx-model.js";
import type { Scheduler } from "../schedulers/index.js";
import { stackBatch } from "../image/processing.js";
import type { PipelineComponents } from "./components.js";
import { latentDims } from "./components.js";
import type { ImageJob } from "./jobs.js";
import type { StageTimer } from "./timings.js";

export interface StartingPoint {
  latents: FloatTensor;
  /** The timesteps left to run from there. */
  timesteps: readonly number[];
}

/** Latent dims of a batch of jobs of one size. */
export function batchLatentDims(components: PipelineComponents, jobs: readonly ImageJob[]): number[] {
  const [, ...perImage] = latentDims(components, jobs[0]!.width, jobs[0]!.height);
  return [jobs.length, ...perImage];
}

/**
 * Where sampling starts. Text-to-image: the initial noise scaled by the scheduler's σ_max, full schedule.
 * SDEdit (jobs carry an input image): the image's latents noised to `strength`, and the schedule's tail.
 */
export async function startingPoint(
  components: PipelineComponents,
  scheduler: Scheduler,
  steps: number,
  jobs: readonly ImageJob[],
  noise: Float32Array,
  timer: StageTimer,
  distilledTimesteps?: readonly number[],
): Promise<StartingPoint> {
  const dims = batchLatentDims(components, jobs);
  const first = jobs[0]!;
  if (!first.initImage) {
    setSchedule(scheduler, steps, distilledTimesteps);
    return { latents: { data: scaledBy(noise, scheduler.initNoiseSigma), dims }, timesteps: scheduler.timesteps };
  }
  const timesteps = scheduler.timestepsForStrength(steps, first.strength);
  const images = stackBatch(jobs.map((job) => ({ data: job.initImage!, dims: [1, 3, job.height, job.width] })));
  const encoded = await timer.time("vae_encode", () => components.vaeEncoder.encode(images));
  return { latents: noiseTo(scheduler, encoded, noise, timesteps), timesteps };
}

function scaledBy(noise: Float32Array, sigma: number): Float32Array {
  const scaled = new Float32Array(noise.length);
  for (let i = 0; i < scaled.length; i++) scaled[i] = noise[i]! * sigma;
  return scaled;
}

/** A sampler that accepts an explicit schedule (diffusers' `set_timesteps(timesteps=...)`), as LCM's does. */
function acceptsCustomTimesteps(scheduler: Scheduler): scheduler is Scheduler & { setCustomTimesteps(timesteps: readonly number[]): void } {
  return typeof (scheduler as { setCustomTimesteps?: unknown }).setCustomTimesteps === "function";
}

/**
 * The n-step schedule: the timesteps a student was distilled on when the manifest lists them for this n
 * (a consistency model is only trained at those), else the sampler's own spacing.
 */
export function setSchedule(scheduler: Scheduler, steps: number, distilledTimesteps?: readonly number[]): void {
  if (distilledTimesteps?.length === steps && acceptsCustomTimesteps(scheduler)) scheduler.setCustomTimesteps(distilledTimesteps);
  else scheduler.setTimesteps(steps);
}

/** q(x_t | x_0) at the first timestep to run; nothing to run means nothing to noise. */
export function noiseTo(scheduler: Scheduler, latents: FloatTensor, noise: Float32Array, timesteps: readonly number[]): FloatTensor {
  const start = timesteps[0];
  return start === undefined ? latents : { data: scheduler.addNoise(latents.data, noise, start), dims: latents.dims };
}
