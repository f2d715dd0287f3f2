import { f32 } from "./numeric.js";
import type { ModelOutput } from "./types.js";

/**
 * A step's model output as its loops read it: `values[i]` is the prediction, or, guided, the unconditional
 * one, with the conditional one at `values[conditional + i]`.
 */
export interface PredictionReader {
  values: Float32Array;
  /** Where the conditional half starts; null without guidance. */
  conditional: number | null;
  scale: number;
}

/** The reader for a model output over `length` latents; a length mismatch names the step (`what`). */
export function predictionReader(output: ModelOutput, length: number, what: string): PredictionReader {
  const guided = !(output instanceof Float32Array);
  const values = guided ? output.stacked : output;
  const expected = guided ? 2 * length : length;
  if (values.length !== expected) throw new RangeError(`${what}: model output length ${values.length} ≠ ${expected}`);
  return guided ? { values, conditional: length, scale: output.scale } : { values, conditional: null, scale: 0 };
}

/**
 * Element i of the prediction. Guided, ε_u + s·(ε_c − ε_u) rounded to float32: the value a pipeline that
 * combined the halves into a Float32Array first would have read, so fusing the combination changes no bit.
 */
export function predictionAt(values: Float32Array, conditional: number | null, scale: number, i: number): number {
  const unconditional = values[i]!;
  return conditional === null ? unconditional : f32(unconditional + scale * (values[conditional + i]! - unconditional));
}
