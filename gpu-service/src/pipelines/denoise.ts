import type { FloatTensor } from "../models/onnx-model.js";
import type { Unet } from "../models/unet.js";
import type { NoiseSource, Scheduler } from "../schedulers/index.js";
import { combineGuidance, duplicateForGuidance, usesClassifierFreeGuidance } from "./guidance.js";

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
  /** Milliseconds of each UNet call, in order. */
  unetMs: number[];
}

/** The sampling loop every pipeline shares: scale the input, predict (guided in one 2B call), step. */
export async function denoise(run: DenoiseRun): Promise<DenoiseResult> {
  const { unet, scheduler, guidance } = run;
  const guided = usesClassifierFreeGuidance(guidance);
  let sample = run.latents.data;
  const unetMs: number[] = [];
  for (const timestep of run.timesteps) {
    const input = { data: scheduler.scaleModelInput(sample, timestep), dims: run.latents.dims };
    const start = performance.now();
    const output = await unet.predict({
      sample: guided ? duplicateForGuidance(input) : input,
      timestep,
      encoderHiddenStates: run.context,
      ...(run.timestepCond ? { timestepCond: guided ? duplicateForGuidance(run.timestepCond) : run.timestepCond } : {}),
    });
    unetMs.push(performance.now() - start);
    sample = scheduler.step(guided ? combineGuidance(output, guidance) : output, timestep, sample, run.noise);
  }
  return { latents: { data: sample, dims: run.latents.dims }, unetMs };
}
