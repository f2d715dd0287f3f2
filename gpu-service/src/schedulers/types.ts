/** Anything that draws standard normals the way `torch.randn(length, generator=g)` does. */
export interface NoiseSource {
  randn(length: number): Float32Array;
}

/**
 * Classifier-free guidance's two predictions for a batch, as the 2B model output holds them (unconditional
 * half first). A step combines them as ε_u + s·(ε_c − ε_u) element by element inside its own pass over the
 * latents, instead of a separate pass (and buffer) first.
 */
export interface GuidedPrediction {
  stacked: Float32Array;
  scale: number;
}

/** What a step consumes: the model's prediction, or a guided pair of them. */
export type ModelOutput = Float32Array | GuidedPrediction;

/**
 * A diffusion sampler with diffusers' semantics. Samples are whole batches (NCHW, flattened);
 * one timestep is shared by the batch. Instances are stateful (step counter, multistep history):
 * create one per image run.
 */
export interface Scheduler {
  /** After setTimesteps: the full schedule, in the order the UNet is called. */
  readonly timesteps: readonly number[];
  /** Standard deviation of the initial latent noise (multiply `randn` by it). */
  readonly initNoiseSigma: number;
  /** UNet calls per entry of `timesteps` (1 for every sampler here, as in diffusers). */
  readonly order: number;
  setTimesteps(numInferenceSteps: number): void;
  /** Scales the UNet input (Euler divides by sqrt(σ²+1)); a fresh copy is returned or the input itself. */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  /**
   * One denoising step: writes the sample at the previous (less noisy) timestep into `out` and returns it.
   * `out` defaults to a new array; passing `sample` itself updates the latents in place, which every
   * sampler supports (each element depends only on the same element of its inputs and of the history).
   * No reference to `modelOutput` or `sample` is kept, so the caller may reuse both buffers. A guided
   * `modelOutput` is combined as it is read, giving the same float32 values as a combined array would.
   */
  step(modelOutput: ModelOutput, timestep: number, sample: Float32Array, noise?: NoiseSource, out?: Float32Array): Float32Array;
  /** Forward process q(x_t | x_0) at `timestep` (Euler: x0 + σ·noise). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
  /** img2img/SDEdit: the timesteps to run for a given strength, as diffusers' img2img pipelines slice them. */
  timestepsForStrength(numInferenceSteps: number, strength: number): readonly number[];
  /**
   * Only where diffusers supports it (LCM): run exactly these descending training timesteps, e.g.
   * the ones a student was distilled on, instead of a spaced schedule.
   */
  setCustomTimesteps?(timesteps: readonly number[]): void;
}

export type SamplerName = "ddim" | "dpmsolver++" | "euler" | "lcm";
export const SAMPLER_NAMES: readonly SamplerName[] = ["ddim", "dpmsolver++", "euler", "lcm"];
