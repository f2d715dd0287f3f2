import { checkSameLength } from "./base.js";
import type { ResolvedSchedulerConfig } from "./config.js";
import { f32 } from "./numeric.js";

/**
 * Variance-preserving parameterisations shared by DDIM and LCM: from the model output at ᾱ_t,
 * recover x̂0 (and, for DDIM, ε̂). Intermediates are float32-rounded in diffusers' operation order.
 *
 *   epsilon:      x̂0 = (x − √(1−ᾱ)·ε) / √ᾱ
 *   sample:       x̂0 = model output,  ε̂ = (x − √ᾱ·x̂0) / √(1−ᾱ)
 *   v_prediction: x̂0 = √ᾱ·x − √(1−ᾱ)·v, ε̂ = √ᾱ·v + √(1−ᾱ)·x
 */
export function predictOriginal(
  config: ResolvedSchedulerConfig,
  modelOutput: Float32Array,
  sample: Float32Array,
  alphaProd: number,
  withEpsilon: boolean,
): { original: Float32Array; epsilon: Float32Array | null } {
  const sqrtAlpha = f32(Math.sqrt(alphaProd));
  const sqrtBeta = f32(Math.sqrt(f32(1 - alphaProd)));
  const n = sample.length;
  switch (config.prediction_type) {
    case "epsilon": {
      const original = new Float32Array(n);
      for (let i = 0; i < n; i++) original[i] = f32(sample[i]! - f32(sqrtBeta * modelOutput[i]!)) / sqrtAlpha;
      return { original, epsilon: modelOutput };
    }
    case "sample": {
      if (!withEpsilon) return { original: modelOutput, epsilon: null };
      const epsilon = new Float32Array(n);
      for (let i = 0; i < n; i++) epsilon[i] = f32(sample[i]! - f32(sqrtAlpha * modelOutput[i]!)) / sqrtBeta;
      return { original: modelOutput, epsilon };
    }
    case "v_prediction": {
      const original = new Float32Array(n);
      const epsilon = withEpsilon ? new Float32Array(n) : null;
      for (let i = 0; i < n; i++) {
        const x = sample[i]!;
        const v = modelOutput[i]!;
        original[i] = f32(sqrtAlpha * x) - f32(sqrtBeta * v);
        if (epsilon) epsilon[i] = f32(sqrtAlpha * v) + f32(sqrtBeta * x);
      }
      return { original, epsilon };
    }
  }
}

/** q(x_t | x_0) = √ᾱ·x0 + √(1−ᾱ)·ε (DDPMScheduler.add_noise, used by DDIM and LCM). */
export function addNoiseVp(original: Float32Array, noise: Float32Array, alphaProd: number): Float32Array {
  checkSameLength(original, noise, "addNoise");
  const sqrtAlpha = f32(Math.sqrt(alphaProd));
  const sqrtBeta = f32(Math.sqrt(f32(1 - alphaProd)));
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = f32(sqrtAlpha * original[i]!) + f32(sqrtBeta * noise[i]!);
  return out;
}
