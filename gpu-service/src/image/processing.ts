import type { FloatTensor } from "../models/onnx-model.js";

/**
 * Value-range conversions between the VAE's [-1, 1] and image [0, 1], as diffusers' VaeImageProcessor
 * does (`denormalize` clamps, because decoders overshoot slightly).
 *
 * The loops live in functions of their own that return the bare array: V8 compiles a long loop while it
 * runs (on-stack replacement), and building the result object after the loop, never run before that
 * compilation, deoptimized the compiled loop again on every later call (about half a millisecond per image).
 */
export function toUnitRange(images: FloatTensor): FloatTensor {
  return { data: unitRange(images.data), dims: images.dims };
}

export function toSignedRange(images: FloatTensor): FloatTensor {
  return { data: signedRange(images.data), dims: images.dims };
}

function unitRange(values: Float32Array): Float32Array {
  const data = new Float32Array(values.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, values[i]! / 2 + 0.5));
  return data;
}

function signedRange(values: Float32Array): Float32Array {
  const data = new Float32Array(values.length);
  for (let i = 0; i < data.length; i++) data[i] = values[i]! * 2 - 1;
  return data;
}

/**
 * Item `index` of a batch as a buffer of its own, for results that outlive the batch or cross worker_threads
 * (which clone a view's whole buffer): a copy, except for a batch of one, whose buffer is already only its own.
 */
export function ownBatchItem(batch: FloatTensor, index: number): Float32Array {
  const item = batchItem(batch, index).data;
  return item.length === batch.data.length ? batch.data : item.slice();
}

/** Image `index` of an NCHW batch, as its own [1,C,H,W] tensor (a view, no copy). */
export function batchItem(images: FloatTensor, index: number): FloatTensor {
  const [, ...rest] = images.dims;
  const size = rest.reduce((a, b) => a * b, 1);
  return { data: images.data.subarray(index * size, (index + 1) * size), dims: [1, ...rest] };
}

/** Stacks [1,...] tensors of one shape into a [B,...] batch. */
export function stackBatch(items: readonly FloatTensor[]): FloatTensor {
  const first = items[0];
  if (!first) throw new RangeError("cannot stack an empty batch");
  const size = first.data.length;
  const data = new Float32Array(size * items.length);
  items.forEach((item, i) => data.set(item.data, i * size));
  return { data, dims: [items.length, ...first.dims.slice(1)] };
}
