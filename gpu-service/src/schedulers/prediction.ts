import { checkSameLength } from "./base.js";
import { f32 } from "./numeric.js";

/** √ᾱ and √(1−ᾱ) in float32: the signal and noise scalings of the variance-preserving process at ᾱ. */
export function vpScalings(alphaProd: number): { sqrtAlpha: number; sqrtBeta: number } {
  return { sqrtAlpha: f32(Math.sqrt(alphaProd)), sqrtBeta: f32(Math.sqrt(f32(1 - alphaProd))) };
}

/*
 * Variance-preserving parameterisations shared by DDIM and LCM, for one element with noisy value x and model
 * output m at ᾱ_t: x̂0 and ε̂. One element at a time so that a sampler computes them inside its own update, in
 * one pass over the latents per step. They work in float64 and the sampler rounds once, when it stores the
 * update into the float32 latents. diffusers rounds every float32 operation; matching that with Math.fround
 * at each one more than doubled the cost of a step (~25 against ~11 µs for the teacher's guided 2×1024
 * latents, 50 times per image) for differences of an ulp, well inside the reference tests' tolerance. The
 * guided combination is still rounded (predictionAt), so a fused step equals one on a combined array.
 *
 *   epsilon:      x̂0 = (x − √(1−ᾱ)·ε) / √ᾱ
 *   sample:       x̂0 = m,  ε̂ = (x − √ᾱ·x̂0) / √(1−ᾱ)
 *   v_prediction: x̂0 = √ᾱ·x − √(1−ᾱ)·v, ε̂ = √ᾱ·v + √(1−ᾱ)·x
 */

export function originalFromEpsilon(x: number, epsilon: number, sqrtAlpha: number, sqrtBeta: number): number {
  return (x - sqrtBeta * epsilon) / sqrtAlpha;
}

export function epsilonFromOriginal(x: number, original: number, sqrtAlpha: number, sqrtBeta: number): number {
  return (x - sqrtAlpha * original) / sqrtBeta;
}

export function originalFromV(x: number, v: number, sqrtAlpha: number, sqrtBeta: number): number {
  return sqrtAlpha * x - sqrtBeta * v;
}

export function epsilonFromV(x: number, v: number, sqrtAlpha: number, sqrtBeta: number): number {
  return sqrtAlpha * v + sqrtBeta * x;
}

/** q(x_t | x_0) = √ᾱ·x0 + √(1−ᾱ)·ε (DDPMScheduler.add_noise, used by DDIM and LCM), into `out`. */
export function addNoiseVp(original: Float32Array, noise: Float32Array, alphaProd: number, out: Float32Array = new Float32Array(original.length)): Float32Array {
  checkSameLength(original, noise, "addNoise");
  const { sqrtAlpha, sqrtBeta } = vpScalings(alphaProd);
  for (let i = 0; i < out.length; i++) out[i] = f32(sqrtAlpha * original[i]!) + f32(sqrtBeta * noise[i]!);
  return out;
}
