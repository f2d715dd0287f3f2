import { BaseScheduler, checkSameLength } from "./base.js";
import type { ResolvedSchedulerConfig } from "./config.js";
import { addNoiseVp, predictOriginal } from "./prediction.js";
import { ddimTimesteps } from "./spacing.js";
import { f32 } from "./numeric.js";

/**
 * DDIM (Song et al. 2020) with η = 0, i.e. the deterministic sampler; diffusers' DDIMScheduler.
 * The teacher's default.
 */
export class DdimScheduler extends BaseScheduler {
  /** ᾱ used for the step that lands past t = 0 (1 with set_alpha_to_one, else ᾱ_0). */
  private readonly finalAlphaCumprod: number;

  constructor(config: ResolvedSchedulerConfig) {
    super(config);
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  get initNoiseSigma(): number {
    return 1;
  }

  protected buildTimesteps(n: number): number[] {
    return ddimTimesteps(n, this.config);
  }

  /**
   * x_{t−Δ} = √ᾱ_prev · x̂0 + √(1 − ᾱ_prev) · ε̂. Like diffusers, Δ is always T // n whatever the
   * spacing, and only the timestep (not a counter) decides the step, so any entry may come first.
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    this.requireSchedule();
    checkSameLength(modelOutput, sample, "ddim step");
    const prevTimestep = timestep - Math.floor(this.config.num_train_timesteps / this.numInferenceSteps);
    const alphaProd = this.alphaProd(timestep);
    const alphaProdPrev = prevTimestep >= 0 ? this.alphaProd(prevTimestep) : this.finalAlphaCumprod;
    const { original, epsilon } = predictOriginal(this.config, modelOutput, sample, alphaProd, true);
    const range = this.config.clip_sample ? this.config.clip_sample_range : Infinity;
    const sqrtPrev = f32(Math.sqrt(alphaProdPrev));
    const sqrtOneMinusPrev = f32(Math.sqrt(f32(1 - alphaProdPrev)));
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) {
      const x0 = Math.min(Math.max(original[i]!, -range), range);
      out[i] = f32(sqrtPrev * x0) + f32(sqrtOneMinusPrev * epsilon![i]!);
    }
    return out;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseVp(original, noise, this.alphaProd(timestep));
  }
}
