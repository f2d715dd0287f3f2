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
  /** linearTable() for the current schedule, looked up on its first step. */
  private linear: Float64Array | null = null;

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
    if (this.config.clip_sample) return this.clippedStep(values, conditional, scale, timestep, sample, out);
    // Unclipped, the update is linear in the sample and the model output: one multiply-add per element, with
    // coefficients from a table. The table and the loops written out per case (the guided one combining the
    // halves with predictionAt's float32 rounding) are for speed: this runs after every teacher UNet call with
    // the caches cold, where each lookup, call or object left in it cost microseconds per step (measured
    // against the bare loop: a lookup of the table by config and step count alone was ~5 µs).
    const table = (this.linear ??= this.linearTable());
    const fromSample = table[2 * timestep];
    const fromOutput = table[2 * timestep + 1];
    if (!Number.isInteger(timestep) || fromSample === undefined || fromOutput === undefined) {
      throw new RangeError(`timestep ${timestep} is not an integer in [0, ${this.alphasCumprod.length})`);
    }
    const n = sample.length;
    if (conditional === null) {
      for (let i = 0; i < n; i++) out[i] = fromSample * sample[i]! + fromOutput * values[i]!;
      return out;
    }
    for (let i = 0; i < n; i++) {
      const unconditional = values[i]!;
      out[i] = fromSample * sample[i]! + fromOutput * f32(unconditional + scale * (values[conditional + i]! - unconditional));
    }
    return out;
  }

  /** clip_sample: x̂0 clamped to ±clip_sample_range, so the update is no longer linear. */
  private clippedStep(values: Float32Array, conditional: number | null, scale: number, timestep: number, sample: Float32Array, out: Float32Array): Float32Array {
    const { a, b, sqrtPrev, sqrtOneMinusPrev } = this.scalings(timestep);
    const range = this.config.clip_sample_range;
    for (let i = 0; i < sample.length; i++) {
      const { original, epsilon } = estimates(this.config.prediction_type, sample[i]!, predictionAt(values, conditional, scale, i), a, b);
      out[i] = sqrtPrev * Math.min(Math.max(original, -range), range) + sqrtOneMinusPrev * epsilon;
    }
    return out;
  }

  /**
   * fromSample and fromOutput of the unclipped update for every training timestep t (at 2t and 2t + 1), for
   * this config and number of steps: the same for every run, so computed once and shared.
   */
  private linearTable(): Float64Array {
    let byStepCount = linearTables.get(this.config);
    if (!byStepCount) linearTables.set(this.config, (byStepCount = new Map()));
    let table = byStepCount.get(this.numInferenceSteps);
    if (!table) {
      table = new Float64Array(2 * this.alphasCumprod.length);
      for (let t = 0; t < this.alphasCumprod.length; t++) {
        const { a, b, sqrtPrev, sqrtOneMinusPrev } = this.scalings(t);
        const { fromSample, fromOutput } = linearUpdate(this.config.prediction_type, a, b, sqrtPrev, sqrtOneMinusPrev);
        table[2 * t] = fromSample;
        table[2 * t + 1] = fromOutput;
      }
      byStepCount.set(this.numInferenceSteps, table);
    }
    return table;
  }

  protected override resetHistory(): void {
    this.linear = null;
  }

  /** √ᾱ_t, √(1−ᾱ_t) and the same at the previous timestep t − Δ (Δ = T // n, as diffusers has it), in float32. */
  private scalings(timestep: number): { a: number; b: number; sqrtPrev: number; sqrtOneMinusPrev: number } {
    const prevTimestep = timestep - Math.floor(this.config.num_train_timesteps / this.numInferenceSteps);
    const alphaProdPrev = prevTimestep >= 0 ? this.alphaProd(prevTimestep) : this.finalAlphaCumprod;
    const { sqrtAlpha: a, sqrtBeta: b } = vpScalings(this.alphaProd(timestep));
    return { a, b, sqrtPrev: f32(Math.sqrt(alphaProdPrev)), sqrtOneMinusPrev: f32(Math.sqrt(f32(1 - alphaProdPrev))) };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseVp(original, noise, this.alphaProd(timestep));
  }
}

/** linearTable()s by resolved config (one object per bundle), then number of inference steps. */
const linearTables = new WeakMap<ResolvedSchedulerConfig, Map<number, Float64Array>>();

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

interface LinearUpdate {
  fromSample: number;
  fromOutput: number;
}

/**
 * √ᾱ_prev·x̂0 + √(1−ᾱ_prev)·ε̂ written as fromSample·x + fromOutput·m, substituting the prediction type's x̂0
 * and ε̂ (a = √ᾱ_t, b = √(1−ᾱ_t)). In float64 this differs from the two-stage form by far less than a float32 ulp.
 */
function linearUpdate(type: PredictionType, a: number, b: number, sqrtPrev: number, sqrtOneMinusPrev: number): LinearUpdate {
  switch (type) {
    case "epsilon": // x̂0 = (x − b·ε)/a, ε̂ = ε
      return { fromSample: sqrtPrev / a, fromOutput: sqrtOneMinusPrev - (sqrtPrev * b) / a };
    case "sample": // x̂0 = m, ε̂ = (x − a·m)/b
      return { fromSample: sqrtOneMinusPrev / b, fromOutput: sqrtPrev - (sqrtOneMinusPrev * a) / b };
    case "v_prediction": // x̂0 = a·x − b·v, ε̂ = a·v + b·x
      return { fromSample: sqrtPrev * a + sqrtOneMinusPrev * b, fromOutput: sqrtOneMinusPrev * a - sqrtPrev * b };
  }
}
