import { BaseScheduler, checkSameLength, indexForTimestep } from "./base.js";
import type { ResolvedSchedulerConfig } from "./config.js";
import { f32, interpOnIndexGrid } from "./numeric.js";
import { trainingSigmas } from "./sigmas.js";
import { eulerTimesteps } from "./spacing.js";
import { predictionAt, predictionReader } from "./model-output.js";
import type { ModelOutput, NoiseSource } from "./types.js";

/**
 * Euler's method on the probability-flow ODE in σ (Karras et al. 2022, Algorithm 2 with no
 * churn): diffusers' EulerDiscreteScheduler. Latents live at scale σ (x = x0 + σ·ε), so the UNet
 * input is divided by √(σ²+1) and the initial noise is scaled by initNoiseSigma.
 */
export class EulerScheduler extends BaseScheduler {
  private readonly trainSigmas: Float64Array;
  /** Per schedule entry plus the final σ (0 or σ_min). */
  private sigmas: number[] = [];

  constructor(config: ResolvedSchedulerConfig) {
    super(config);
    this.trainSigmas = trainingSigmas(this.alphasCumprod);
  }

  /** max σ for linspace/trailing spacing, √(max σ² + 1) for leading (diffusers' convention). */
  get initNoiseSigma(): number {
    const sigmas = this.sigmas.length > 0 ? this.sigmas : Array.from(this.trainSigmas);
    const max = sigmas.reduce((m, s) => Math.max(m, s), 0);
    if (this.config.timestep_spacing !== "leading") return max;
    return f32(Math.sqrt(f32(f32(max * max) + 1)));
  }

  protected buildTimesteps(n: number): number[] {
    const timesteps = eulerTimesteps(n, this.config);
    const sigmaLast = this.config.final_sigmas_type === "sigma_min" ? this.trainSigmas[0]! : 0;
    this.sigmas = [...timesteps.map((t) => f32(interpOnIndexGrid(t, this.trainSigmas))), sigmaLast];
    return timesteps;
  }

  override scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmas[this.indexForStep(timestep)]!;
    const scale = f32(Math.sqrt(f32(f32(sigma * sigma) + 1)));
    const scaled = new Float32Array(sample.length);
    for (let i = 0; i < scaled.length; i++) scaled[i] = sample[i]! / scale;
    return scaled;
  }

  /**
   * x_next = x + (x − x̂0)/σ · (σ_next − σ). With epsilon prediction x̂0 = x − σ·ε; with v,
   * x̂0 = −σ/√(σ²+1)·v + x/(σ²+1) (the UNet saw x/√(σ²+1)).
   */
  step(modelOutput: ModelOutput, timestep: number, sample: Float32Array, _noise?: NoiseSource, out: Float32Array = new Float32Array(sample.length)): Float32Array {
    const { values, conditional, scale } = predictionReader(modelOutput, sample.length, "euler step");
    const index = this.indexForStep(timestep);
    const sigma = this.sigmas[index]!;
    const dt = f32(this.sigmas[index + 1]! - sigma);
    // One pass per prediction type, x̂0 computed on the way (the same float32 operations as a separate pass).
    const n = sample.length;
    switch (this.config.prediction_type) {
      case "sample":
        for (let i = 0; i < n; i++) out[i] = eulerUpdate(sample[i]!, predictionAt(values, conditional, scale, i), sigma, dt);
        break;
      case "epsilon":
        for (let i = 0; i < n; i++) {
          const x = sample[i]!;
          out[i] = eulerUpdate(x, f32(x - f32(sigma * predictionAt(values, conditional, scale, i))), sigma, dt);
        }
        break;
      case "v_prediction": {
        const sigmaSqPlusOne = f32(f32(sigma * sigma) + 1);
        const cOut = f32(-sigma / f32(Math.sqrt(sigmaSqPlusOne)));
        for (let i = 0; i < n; i++) {
          const x = sample[i]!;
          out[i] = eulerUpdate(x, f32(f32(predictionAt(values, conditional, scale, i) * cOut) + f32(x / sigmaSqPlusOne)), sigma, dt);
        }
        break;
      }
    }
    this.stepIndex = index + 1;
    return out;
  }

  /**
   * x0 + σ·noise at the schedule's σ for `timestep` (the begin index after timestepsForStrength,
   * as in diffusers). The timestep must be one of the schedule's.
   */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    checkSameLength(original, noise, "addNoise");
    this.requireSchedule();
    const index = this.beginIndex === null ? indexForTimestep(this.schedule, timestep) : (this.stepIndex ?? this.beginIndex);
    if (index < 0) throw new RangeError(`timestep ${timestep} is not in the schedule`);
    const sigma = this.sigmas[index]!;
    const out = new Float32Array(original.length);
    for (let i = 0; i < out.length; i++) out[i] = original[i]! + f32(noise[i]! * sigma);
    return out;
  }
}

/** One element of the step: x + (x − x̂0)/σ · dt. */
function eulerUpdate(x: number, original: number, sigma: number, dt: number): number {
  return x + f32(f32(f32(x - original) / sigma) * dt);
}
