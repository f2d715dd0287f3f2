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

/**
 * The sampling loop every pipeline shares: scale the input, predict (guided: the latents twice in one 2B
 * call, unconditional half first), step. The conditioning is bound to the UNet once per run.
 */
export async function denoise(run: DenoiseRun): Promise<DenoiseResult> {
  const { scheduler, guidance } = run;
  const guided = usesClassifierFreeGuidance(guidance);
  const timestepCond = run.timestepCond && guided ? duplicateForGuidance(run.timestepCond) : run.timestepCond;
  const predict = run.unet.conditionedOn({ encoderHiddenStates: run.context, ...(timestepCond ? { timestepCond } : {}) });
  const [batch = 1, ...perImage] = run.latents.dims;
  // One input buffer for the whole run: session.run has consumed it before the next step writes it.
  const input = { data: new Float32Array(run.latents.data.length * (guided ? 2 : 1)), dims: [batch * (guided ? 2 : 1), ...perImage] };
  let sample = run.latents.data;
  const unetMs: number[] = [];
  for (const timestep of run.timesteps) {
    const scaled = scheduler.scaleModelInput(sample, timestep);
    input.data.set(scaled, 0);
    if (guided) input.data.set(scaled, scaled.length);
    const start = performance.now();
    const output = await predict(input, timestep);
    unetMs.push(performance.now() - start);
    sample = scheduler.step(guided ? combineGuidance(output, guidance) : output, timestep, sample, run.noise);
  }
  return { latents: { data: sample, dims: run.latents.dims }, unetMs };
}
