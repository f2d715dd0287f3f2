import { BaseScheduler, checkSameLength } from "./base.js";
import type { ResolvedSchedulerConfig } from "./config.js";
import { f32 } from "./numeric.js";
import { addNoiseVp, originalFromEpsilon, originalFromV, vpScalings } from "./prediction.js";
import { lcmTimesteps } from "./spacing.js";
import { predictionAt, predictionReader, type PredictionReader } from "./model-output.js";
import type { ModelOutput, NoiseSource } from "./types.js";

/** σ_data of the consistency-model boundary condition (diffusers hard-codes 0.5). */
const SIGMA_DATA = 0.5;

/**
 * Multistep latent-consistency sampling (Luo et al. 2023), diffusers' LCMScheduler. Each step maps
 * x_t to a clean estimate with the consistency parameterisation c_skip·x + c_out·x̂0, then, except
 * on the last step, re-noises it to the next timestep with fresh noise.
 */
export class LcmScheduler extends BaseScheduler {
  private readonly finalAlphaCumprod: number;
  /** The clean estimate of the latest step (equal to the returned sample on the last step); rewritten by the next step. */
  private lastDenoised: Float32Array | null = null;

  constructor(config: ResolvedSchedulerConfig) {
    super(config);
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  get initNoiseSigma(): number {
    return 1;
  }

  get denoised(): Float32Array | null {
    return this.lastDenoised;
  }

  protected buildTimesteps(n: number): number[] {
    return lcmTimesteps(n, this.config);
  }

  /**
   * LatentConsistencyModelImg2ImgPipeline: set_timesteps(n, strength) picks n steps from the first
   * `strength` share of the distillation grid and all of them run (no slicing, no begin index).
   */
  override timestepsForStrength(numInferenceSteps: number, strength: number): readonly number[] {
    if (!(strength > 0 && strength <= 1)) throw new RangeError(`strength must be in (0, 1], got ${strength}`);
    this.setSchedule(lcmTimesteps(numInferenceSteps, this.config, strength));
    return this.schedule.slice();
  }

  /**
   * An explicit descending list of training timesteps (diffusers' `set_timesteps(timesteps=...)`),
   * e.g. the ones a student was distilled on.
   */
  setCustomTimesteps(timesteps: readonly number[]): void {
    const T = this.config.num_train_timesteps;
    timesteps.forEach((t, i) => {
      if (!Number.isInteger(t) || t < 0 || t >= T) throw new RangeError(`custom timestep ${t} outside [0, ${T})`);
      if (i > 0 && t >= timesteps[i - 1]!) throw new RangeError("custom timesteps must be strictly descending");
    });
    if (timesteps.length === 0) throw new RangeError("custom timesteps must not be empty");
    this.setSchedule([...timesteps]);
  }

  private setSchedule(timesteps: number[]): void {
    this.schedule = timesteps;
    this.numInferenceSteps = timesteps.length;
    this.stepIndex = null;
    this.beginIndex = null;
    this.lastDenoised = null;
  }

  /** c_skip = σd²/((s·t)² + σd²), c_out = s·t/√((s·t)² + σd²) with s = timestep_scaling. */
  private boundaryScalings(timestep: number): { cSkip: number; cOut: number } {
    const scaled = f32(timestep * f32(this.config.timestep_scaling));
    const denominator = f32(f32(scaled * scaled) + SIGMA_DATA ** 2);
    return { cSkip: f32(SIGMA_DATA ** 2 / denominator), cOut: f32(scaled / f32(Math.sqrt(denominator))) };
  }

  step(modelOutput: ModelOutput, timestep: number, sample: Float32Array, noise?: NoiseSource, out: Float32Array = new Float32Array(sample.length)): Float32Array {
    const prediction = predictionReader(modelOutput, sample.length, "lcm step");
    const index = this.indexForStep(timestep);
    // The previous estimate's buffer is reused: the step's own, never handed out except through `denoised`.
    const buffer = this.lastDenoised?.length === sample.length ? this.lastDenoised : new Float32Array(sample.length);
    const denoised = this.denoise(prediction, timestep, sample, buffer);
    this.lastDenoised = denoised;
    this.stepIndex = index + 1;
    if (index === this.numInferenceSteps - 1) {
      out.set(denoised);
      return out;
    }
    if (!noise) throw new Error("LCM needs a noise source for every step but the last");
    const prevTimestep = this.schedule[index + 1]!;
    return this.renoise(denoised, prevTimestep, noise.randn(sample.length), out);
  }

  /** c_skip·x + c_out·x̂0, in one pass per prediction type. */
  private denoise({ values, conditional, scale }: PredictionReader, timestep: number, sample: Float32Array, out: Float32Array): Float32Array {
    const { sqrtAlpha: a, sqrtBeta: b } = vpScalings(this.alphaProd(timestep));
    const range = this.config.clip_sample ? this.config.clip_sample_range : Infinity;
    const { cSkip, cOut } = this.boundaryScalings(timestep);
    const n = sample.length;
    switch (this.config.prediction_type) {
      case "epsilon":
        for (let i = 0; i < n; i++) {
          const original = originalFromEpsilon(sample[i]!, predictionAt(values, conditional, scale, i), a, b);
          out[i] = consistencyUpdate(original, sample[i]!, cOut, cSkip, range);
        }
        break;
      case "sample":
        for (let i = 0; i < n; i++) out[i] = consistencyUpdate(predictionAt(values, conditional, scale, i), sample[i]!, cOut, cSkip, range);
        break;
      case "v_prediction":
        for (let i = 0; i < n; i++) {
          const original = originalFromV(sample[i]!, predictionAt(values, conditional, scale, i), a, b);
          out[i] = consistencyUpdate(original, sample[i]!, cOut, cSkip, range);
        }
        break;
    }
    return out;
  }

  /** x_prev = √ᾱ_prev·denoised + √(1−ᾱ_prev)·z, z fresh standard normal noise. */
  private renoise(denoised: Float32Array, prevTimestep: number, z: Float32Array, out: Float32Array): Float32Array {
    checkSameLength(denoised, z, "lcm noise");
    const alphaPrev = prevTimestep >= 0 ? this.alphaProd(prevTimestep) : this.finalAlphaCumprod;
    return addNoiseVp(denoised, z, alphaPrev, out);
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseVp(original, noise, this.alphaProd(timestep));
  }
}

/** One element of the clean estimate: c_out·x̂0 + c_skip·x with x̂0 clipped to ±range. */
function consistencyUpdate(original: number, x: number, cOut: number, cSkip: number, range: number): number {
  return cOut * Math.min(Math.max(original, -range), range) + cSkip * x;
}
