import type { FloatTensor } from "../models/onnx-model.js";
import type { Unet } from "../models/unet.js";
import type { NoiseSource, Scheduler } from "../schedulers/index.js";
import { duplicateForGuidance, guidedPrediction, usesClassifierFreeGuidance } from "./guidance.js";

export interface DenoiseRun {
  unet: Unet;
  scheduler: Scheduler;
  /** The part of the schedule to run (all of it, or the tail for img2img / refinement). */
  timesteps: readonly number[];
  latents: FloatTensor;
  /** Text conditioning: B rows, or 2B (negative prompts first) when guidance applies. */
  context: FloatTensor;
  guidance: number | null;
  /** LCM guidance embedding [B, dim], for UNets that take `timestep_cond`. */
  timestepCond?: FloatTensor;
  /** Per-step noise for stochastic samplers (LCM); seeded per job. */
  noise?: NoiseSource;
}

export interface DenoiseResult {
  latents: FloatTensor;
  /** Milliseconds spent in the UNet's calls, all together. */
  unetMs: number;
}

/**
 * The sampling loop every pipeline shares: scale the input, predict (guided: the latents twice in one 2B
 * call, unconditional half first), step. The loop allocates nothing per step: the conditioning and the
 * UNet's input tensor are bound once per run, and the scheduler updates the latents in place, combining
 * the guided halves in that same pass. Each step awaits onnxruntime's own promise (UnetRun's start/finish),
 * because every await layer costs microseconds per step once a UNet call has swept the caches.
 */
export async function denoise(run: DenoiseRun): Promise<DenoiseResult> {
  const { scheduler, guidance } = run;
  const guided = usesClassifierFreeGuidance(guidance);
  const timestepCond = run.timestepCond && guided ? duplicateForGuidance(run.timestepCond) : run.timestepCond;
  const [batch = 1, ...perImage] = run.latents.dims;
  const unet = run.unet.bind({ encoderHiddenStates: run.context, ...(timestepCond ? { timestepCond } : {}) }, [batch * (guided ? 2 : 1), ...perImage]);
  // A copy, so the caller's latents stay as they were.
  const latents = run.latents.data.slice();
  const { stats } = run.unet.model;
  let unetMs = 0;
  for (const timestep of run.timesteps) {
    const scaled = scheduler.scaleModelInput(latents, timestep);
    unet.sample.set(scaled, 0);
    if (guided) unet.sample.set(scaled, scaled.length);
    const output = unet.finish(await unet.start(timestep));
    unetMs += stats.lastMs;
    scheduler.step(guided ? guidedPrediction(output, guidance) : output, timestep, latents, run.noise, latents);
  }
  return { latents: { data: latents, dims: run.latents.dims }, unetMs };
}
