import type { FloatTensor } from "../models/onnx-model.js";
import type { GuidedPrediction } from "../schedulers/index.js";

/** diffusers' rule: classifier-free guidance runs only for a scale above 1 (credits count it as 2 evaluations). */
export function usesClassifierFreeGuidance(scale: number | null): scale is number {
  return scale !== null && scale > 1;
}

/** [x; x]: the latents for one UNet call of 2B, unconditional half first as diffusers orders it. */
export function duplicateForGuidance(latents: FloatTensor): FloatTensor {
  const data = new Float32Array(latents.data.length * 2);
  data.set(latents.data, 0);
  data.set(latents.data, latents.data.length);
  const [batch = 1, ...rest] = latents.dims;
  return { data, dims: [2 * batch, ...rest] };
}

/**
 * ε = ε_uncond + s · (ε_cond − ε_uncond) for a 2B model output (unconditional half first), left for the
 * scheduler's step to combine element by element in its own pass over the latents.
 */
export function guidedPrediction(output: Float32Array, scale: number): GuidedPrediction {
  return { stacked: output, scale };
}

/**
 * The guidance embedding an LCM UNet takes as `timestep_cond` (diffusers'
 * LatentConsistencyModelPipeline.get_guidance_scale_embedding): a sinusoidal embedding of w·1000, sines
 * then cosines, zero-padded to an odd width. LCM's pipeline passes w = guidance_scale − 1.
 */
export function guidanceScaleEmbedding(guidanceScale: number, dim: number, batch: number): FloatTensor {
  // Every intermediate is rounded to float32, as torch computes it.
  const f = Math.fround;
  const w = f(f(guidanceScale - 1) * 1000);
  const half = Math.floor(dim / 2);
  const row = new Float32Array(dim);
  const step = f(f(Math.log(10000)) / (half - 1));
  for (let i = 0; i < half; i++) {
    const angle = f(w * f(Math.exp(f(i * -step))));
    row[i] = Math.sin(angle);
    row[half + i] = Math.cos(angle);
  }
  const data = new Float32Array(dim * batch);
  for (let b = 0; b < batch; b++) data.set(row, b * dim);
  return { data, dims: [batch, dim] };
}
