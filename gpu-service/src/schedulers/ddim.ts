import { BaseScheduler } from "./base.js";
import type { ResolvedSchedulerConfig } from "./config.js";
import { addNoiseVp, epsilonFromOriginal, epsilonFromV, originalFromEpsilon, originalFromV, vpScalings } from "./prediction.js";
import { ddimTimesteps } from "./spacing.js";
import { f32 } from "./numeric.js";
import { predictionAt, predictionReader } from "./model-output.js";
import type { ModelOutput, NoiseSource } from "./types.js";

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
  step(modelOutput: ModelOutput, timestep: number, sample: Float32Array, _noise?: NoiseSource, out: Float32Array = new Float32Array(sample.length)): Float32Array {
    this.requireSchedule();
    const { values, conditional, scale } = predictionReader(modelOutput, sample.length, "ddim step");
    const prevTimestep = timestep - Math.floor(this.config.num_train_timesteps / this.numInferenceSteps);
    const alphaProdPrev = prevTimestep >= 0 ? this.alphaProd(prevTimestep) : this.finalAlphaCumprod;
    const { sqrtAlpha: a, sqrtBeta: b } = vpScalings(this.alphaProd(timestep));
    const range = this.config.clip_sample ? this.config.clip_sample_range : null;
    const sqrtPrev = f32(Math.sqrt(alphaProdPrev));
    const sqrtOneMinusPrev = f32(Math.sqrt(f32(1 - alphaProdPrev)));
    // One pass per prediction type, x̂0 and ε̂ computed on the way (the same float32 operations as separate passes).
    const n = sample.length;
    switch (this.config.prediction_type) {
      case "epsilon":
        for (let i = 0; i < n; i++) {
          const epsilon = predictionAt(values, conditional, scale, i);
          out[i] = ddimUpdate(originalFromEpsilon(sample[i]!, epsilon, a, b), epsilon, sqrtPrev, sqrtOneMinusPrev, range);
        }
        break;
      case "sample":
        for (let i = 0; i < n; i++) {
          const original = predictionAt(values, conditional, scale, i);
          out[i] = ddimUpdate(original, epsilonFromOriginal(sample[i]!, original, a, b), sqrtPrev, sqrtOneMinusPrev, range);
        }
        break;
      case "v_prediction":
        for (let i = 0; i < n; i++) {
          const x = sample[i]!;
          const v = predictionAt(values, conditional, scale, i);
          out[i] = ddimUpdate(originalFromV(x, v, a, b), epsilonFromV(x, v, a, b), sqrtPrev, sqrtOneMinusPrev, range);
        }
        break;
    }
    return out;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseVp(original, noise, this.alphaProd(timestep));
  }
}

/** One element of the step: √ᾱ_prev·x̂0 + √(1−ᾱ_prev)·ε̂, x̂0 clipped to ±range under clip_sample (range not null). */
function ddimUpdate(original: number, epsilon: number, sqrtPrev: number, sqrtOneMinusPrev: number, range: number | null): number {
  const x0 = range === null ? original : Math.min(Math.max(original, -range), range);
  return f32(sqrtPrev * x0) + f32(sqrtOneMinusPrev * epsilon);
}
