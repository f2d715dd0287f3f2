import { resolveSchedulerConfig, type ResolvedSchedulerConfig } from "./config.js";
import { f32, torchLinspaceF32 } from "./numeric.js";
import type { SamplerName } from "./types.js";

/**
 * The training noise schedule. diffusers keeps betas and alphas_cumprod as float32 tensors; every
 * value here is float32-rounded the same way (held in a Float64Array for convenient math).
 */
export function betas(config: ResolvedSchedulerConfig): Float64Array {
  const n = config.num_train_timesteps;
  if (config.trained_betas) return Float64Array.from(config.trained_betas, f32);
  switch (config.beta_schedule) {
    case "linear":
      return torchLinspaceF32(config.beta_start, config.beta_end, n);
    case "scaled_linear":
      return torchLinspaceF32(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), n).map((b) => f32(b * b));
    case "squaredcos_cap_v2":
      return cosineBetas(n);
  }
}

/**
 * Nichol & Dhariwal's cosine schedule (`betas_for_alpha_bar`): β_i = 1 − ᾱ((i+1)/n)/ᾱ(i/n) capped at
 * 0.999, computed in float64 and stored as float32.
 */
function cosineBetas(n: number, maxBeta = 0.999): Float64Array {
  // Same operation order as diffusers' Python, so the float64 values round identically.
  const alphaBar = (t: number) => Math.cos((((t + 0.008) / 1.008) * Math.PI) / 2) ** 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f32(Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), maxBeta));
  return out;
}

/** ᾱ_t = Π(1 − β): torch's float32 cumprod accumulates in double and rounds each output to float32. */
export function alphasCumprodOf(config: ResolvedSchedulerConfig): Float64Array {
  const b = betas(config);
  const out = new Float64Array(b.length);
  let acc = 1;
  for (let i = 0; i < b.length; i++) {
    acc *= f32(1 - b[i]!);
    out[i] = f32(acc);
  }
  return out;
}

/**
 * ᾱ for a raw diffusers config (parsed and defaulted as `sampler` would read it; the beta
 * defaults are the same for ddim, dpmsolver++ and euler, LCM's are SD's scaled_linear ones).
 */
export function alphasCumprod(config: unknown, sampler: SamplerName = "ddim"): Float64Array {
  return alphasCumprodOf(resolveSchedulerConfig(sampler, config));
}
