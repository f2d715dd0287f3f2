import { f32 } from "./numeric.js";

/**
 * The VE view of the VP process used by DPM-Solver and Euler: σ_t = √((1−ᾱ_t)/ᾱ_t), so that
 * x_t/√ᾱ_t = x0 + σ_t·ε. Computed as diffusers does, in float32.
 */
export function trainingSigmas(alphasCumprod: Float64Array): Float64Array {
  return alphasCumprod.map((a) => f32(Math.sqrt(f32(f32(1 - a) / a))));
}

/** σ → (α_t, σ_t) of the VP process: α_t = 1/√(σ²+1), σ_t = σ·α_t (float32, diffusers' order). */
export function sigmaToAlphaSigma(sigma: number): { alpha: number; sigma: number } {
  const alpha = f32(1 / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
  return { alpha, sigma: f32(sigma * alpha) };
}

/** Half log-SNR λ = log α_t − log σ_t (+∞ at σ = 0, which makes the last step exact). */
export function lambdaOf(sigma: number): number {
  const { alpha, sigma: s } = sigmaToAlphaSigma(sigma);
  return f32(f32(Math.log(alpha)) - f32(Math.log(s)));
}
