import { BaseScheduler, checkSameLength, indexForTimestep } from "./base.js";
import type { ResolvedSchedulerConfig } from "./config.js";
import { f32, interpOnIndexGrid } from "./numeric.js";
import { lambdaOf, sigmaToAlphaSigma, trainingSigmas } from "./sigmas.js";
import { dpmTimesteps } from "./spacing.js";
import { predictionAt, predictionReader, type PredictionReader } from "./model-output.js";
import type { ModelOutput, NoiseSource } from "./types.js";

/**
 * DPM-Solver++ (Lu et al. 2022, arXiv:2211.01095) in its multistep form, diffusers'
 * DPMSolverMultistepScheduler with algorithm_type "dpmsolver++": order 2 ("2M") by default,
 * first order on the first step and, with lower_order_final, on the last steps of short runs.
 * It works on data predictions x̂0, so every model output is converted to x̂0 first.
 */
export class DpmSolverScheduler extends BaseScheduler {
  private readonly trainSigmas: Float64Array;
  /** Per schedule entry, plus a final one (0 or σ_min) after the last step. */
  private sigmas: number[] = [];
  /**
   * The two most recent x̂0 (older first), the multistep history. The buffers are the scheduler's own:
   * never the caller's model output, which the caller may overwrite before the next step.
   */
  private history: [Float32Array | null, Float32Array | null] = [null, null];
  private lowerOrderNums = 0;

  constructor(config: ResolvedSchedulerConfig) {
    super(config);
    this.trainSigmas = trainingSigmas(this.alphasCumprod);
  }

  get initNoiseSigma(): number {
    return 1;
  }

  protected buildTimesteps(n: number): number[] {
    const timesteps = dpmTimesteps(n, this.lastTimestep(), this.config);
    const sigmaLast = this.config.final_sigmas_type === "sigma_min" ? this.trainSigmas[0]! : 0;
    this.sigmas = [...timesteps.map((t) => f32(interpOnIndexGrid(t, this.trainSigmas))), sigmaLast];
    return timesteps;
  }

  /**
   * lambda_min_clipped: the schedule stops before timesteps whose λ is below the clip (diffusers'
   * searchsorted over the flipped λ table). With the default −∞ every training timestep stays.
   */
  private lastTimestep(): number {
    const T = this.config.num_train_timesteps;
    const clip = this.config.lambda_min_clipped;
    if (clip === Number.NEGATIVE_INFINITY) return T;
    let below = 0;
    for (let t = T - 1; t >= 0; t--) {
      const a = this.alphasCumprod[t]!;
      const lambda = f32(f32(Math.log(f32(Math.sqrt(a)))) - f32(Math.log(f32(Math.sqrt(f32(1 - a))))));
      if (lambda < clip) below++;
      else break;
    }
    return T - below;
  }

  protected override resetHistory(): void {
    this.history = [null, null];
    this.lowerOrderNums = 0;
  }

  step(modelOutput: ModelOutput, timestep: number, sample: Float32Array, _noise?: NoiseSource, out: Float32Array = new Float32Array(sample.length)): Float32Array {
    const prediction = predictionReader(modelOutput, sample.length, "dpm-solver step");
    const index = this.indexForStep(timestep);
    // The oldest x̂0 is no longer needed once this step's joins the history: its buffer takes the new one.
    const oldest = this.history[0];
    const x0 = this.dataPrediction(prediction, sample, this.sigmas[index]!, oldest?.length === sample.length ? oldest : new Float32Array(sample.length));
    this.history = [this.history[1], x0];
    const prev = this.useFirstOrder(index) ? this.firstOrder(index, x0, sample, out) : this.secondOrder(index, sample, out);
    this.lowerOrderNums = Math.min(this.lowerOrderNums + 1, this.config.solver_order);
    this.stepIndex = index + 1;
    return prev;
  }

  /** First step, solver_order 1, or the final step under lower_order_final / euler_at_final / σ_last = 0. */
  private useFirstOrder(index: number): boolean {
    const c = this.config;
    const n = this.schedule.length;
    const lowerOrderFinal =
      index === n - 1 && (c.euler_at_final || (c.lower_order_final && n < 15) || c.final_sigmas_type === "zero");
    // diffusers' lower_order_second only matters for third order, which is not supported here.
    return c.solver_order === 1 || this.lowerOrderNums < 1 || lowerOrderFinal;
  }

  /** convert_model_output for dpmsolver++: the model's x̂0, written into `out`. */
  private dataPrediction({ values, conditional, scale }: PredictionReader, sample: Float32Array, sigma: number, out: Float32Array): Float32Array {
    const { alpha, sigma: sigmaT } = sigmaToAlphaSigma(sigma);
    const n = sample.length;
    switch (this.config.prediction_type) {
      case "epsilon":
        for (let i = 0; i < n; i++) out[i] = f32(sample[i]! - f32(sigmaT * predictionAt(values, conditional, scale, i))) / alpha;
        return out;
      case "sample":
        // A copy: the history outlives this call, the caller's buffer may not.
        for (let i = 0; i < n; i++) out[i] = predictionAt(values, conditional, scale, i);
        return out;
      case "v_prediction":
        for (let i = 0; i < n; i++) out[i] = f32(alpha * sample[i]!) - f32(sigmaT * predictionAt(values, conditional, scale, i));
        return out;
    }
  }

  /** DPM-Solver++(1), i.e. DDIM in λ: x_t = (σ_t/σ_s)·x − α_t(e^{−h} − 1)·x̂0. */
  private firstOrder(index: number, x0: Float32Array, sample: Float32Array, out: Float32Array): Float32Array {
    const { ratio, alphaExpm1 } = this.coefficients(index);
    for (let i = 0; i < out.length; i++) out[i] = f32(ratio * sample[i]!) - f32(alphaExpm1 * x0[i]!);
    return out;
  }

  /**
   * DPM-Solver++(2M): D0 = x̂0_s0, D1 = (x̂0_s0 − x̂0_s1)/r0 with r0 = h_prev/h; the midpoint
   * variant adds −½·α_t(e^{−h} − 1)·D1, heun adds α_t((e^{−h} − 1)/h + 1)·D1.
   */
  private secondOrder(index: number, sample: Float32Array, out: Float32Array): Float32Array {
    const [m1, m0] = this.history as [Float32Array, Float32Array];
    const { ratio, alphaExpm1, h, alphaT } = this.coefficients(index);
    const h0 = f32(lambdaOf(this.sigmas[index]!) - lambdaOf(this.sigmas[index - 1]!));
    const invR0 = f32(1 / f32(h0 / h));
    const d1Coeff =
      this.config.solver_type === "midpoint"
        ? f32(-0.5 * alphaExpm1)
        : f32(alphaT * f32(f32(f32(f32(Math.exp(-h)) - 1) / h) + 1));
    for (let i = 0; i < out.length; i++) {
      const d1 = f32(invR0 * f32(m0[i]! - m1[i]!));
      out[i] = f32(f32(ratio * sample[i]!) - f32(alphaExpm1 * m0[i]!)) + f32(d1Coeff * d1);
    }
    return out;
  }

  /** Scalars of the step from sigmas[index] (s) to sigmas[index + 1] (t), in float32. */
  private coefficients(index: number): { ratio: number; alphaExpm1: number; h: number; alphaT: number } {
    const sigmaS = this.sigmas[index]!;
    const sigmaT = this.sigmas[index + 1]!;
    const t = sigmaToAlphaSigma(sigmaT);
    const s = sigmaToAlphaSigma(sigmaS);
    const h = f32(lambdaOf(sigmaT) - lambdaOf(sigmaS));
    return {
      ratio: f32(t.sigma / s.sigma),
      alphaExpm1: f32(t.alpha * f32(f32(Math.exp(-h)) - 1)),
      h,
      alphaT: t.alpha,
    };
  }

  /**
   * diffusers' DPM add_noise: α_t·x0 + σ_t·ε at the schedule's σ for `timestep` (the begin index
   * after timestepsForStrength). A timestep outside the schedule uses √ᾱ_t directly where
   * diffusers would fall back to the last σ.
   */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    checkSameLength(original, noise, "addNoise");
    const index = this.noiseIndex(timestep);
    const sigma = index >= 0 ? this.sigmas[index]! : this.sigmaAt(timestep);
    const { alpha, sigma: sigmaT } = sigmaToAlphaSigma(sigma);
    const out = new Float32Array(original.length);
    for (let i = 0; i < out.length; i++) out[i] = f32(alpha * original[i]!) + f32(sigmaT * noise[i]!);
    return out;
  }

  private noiseIndex(timestep: number): number {
    if (this.beginIndex === null) return indexForTimestep(this.schedule, timestep);
    return this.stepIndex ?? this.beginIndex;
  }

  private sigmaAt(timestep: number): number {
    this.alphaProd(timestep);
    return this.trainSigmas[timestep]!;
  }
}
