import { BaseScheduler } from "./base.js";
import type { ResolvedSchedulerConfig } from "./config.js";
import { addNoiseVp, epsilonFromOriginal, epsilonFromV, originalFromEpsilon, originalFromV, vpScalings } from "./prediction.js";
import { ddimTimesteps } from "./spacing.js";
import { f32 } from "./numeric.js";
import { predictionAt, predictionReader } from "./model-output.js";
import type { ModelOutput, NoiseSource } from "./types.js";

type PredictionType = ResolvedSchedulerConfig["prediction_type"];

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
    const sqrtPrev = f32(Math.sqrt(alphaProdPrev));
    const sqrtOneMinusPrev = f32(Math.sqrt(f32(1 - alphaProdPrev)));
    const n = sample.length;
    if (this.config.clip_sample) {
      const range = this.config.clip_sample_range;
      for (let i = 0; i < n; i++) {
        const x = sample[i]!;
        const { original, epsilon } = estimates(this.config.prediction_type, x, predictionAt(values, conditional, scale, i), a, b);
        out[i] = sqrtPrev * Math.min(Math.max(original, -range), range) + sqrtOneMinusPrev * epsilon;
      }
      return out;
    }
    // Unclipped, the update is linear in the sample and the model output: one multiply-add per element.
    const { fromSample, fromOutput } = linearUpdate(this.config.prediction_type, a, b, sqrtPrev, sqrtOneMinusPrev);
    for (let i = 0; i < n; i++) out[i] = fromSample * sample[i]! + fromOutput * predictionAt(values, conditional, scale, i);
    return out;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseVp(original, noise, this.alphaProd(timestep));
  }
}

/** x̂0 and ε̂ of one element from its sample x and model output m. */
function estimates(type: PredictionType, x: number, m: number, a: number, b: number): { original: number; epsilon: number } {
  switch (type) {
    case "epsilon":
      return { original: originalFromEpsilon(x, m, a, b), epsilon: m };
    case "sample":
      return { original: m, epsilon: epsilonFromOriginal(x, m, a, b) };
    case "v_prediction":
      return { original: originalFromV(x, m, a, b), epsilon: epsilonFromV(x, m, a, b) };
  }
}

/**
 * √ᾱ_prev·x̂0 + √(1−ᾱ_prev)·ε̂ written as fromSample·x + fromOutput·m, substituting the prediction type's x̂0
 * and ε̂ (a = √ᾱ_t, b = √(1−ᾱ_t)). In float64 this differs from the two-stage form by far less than a float32 ulp.
 */
function linearUpdate(type: PredictionType, a: number, b: number, sqrtPrev: number, sqrtOneMinusPrev: number): { fromSample: number; fromOutput: number } {
  switch (type) {
    case "epsilon": // x̂0 = (x − b·ε)/a, ε̂ = ε
      return { fromSample: sqrtPrev / a, fromOutput: sqrtOneMinusPrev - (sqrtPrev * b) / a };
    case "sample": // x̂0 = m, ε̂ = (x − a·m)/b
      return { fromSample: sqrtOneMinusPrev / b, fromOutput: sqrtPrev - (sqrtOneMinusPrev * a) / b };
    case "v_prediction": // x̂0 = a·x − b·v, ε̂ = a·v + b·x
      return { fromSample: sqrtPrev * a + sqrtOneMinusPrev * b, fromOutput: sqrtOneMinusPrev * a - sqrtPrev * b };
  }
}
