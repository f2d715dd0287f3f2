import { encode } from "fast-png";
import type { FloatTensor } from "../models/onnx-model.js";

/**
 * Encodes one [1,3,H,W] image in [0,1] as an 8-bit RGB PNG. Rounding is `round(x·255)` as diffusers'
 * `numpy_to_pil` does, and fast-png writes no timestamps, so equal pixels always give equal bytes.
 */
export function encodePng(image: FloatTensor): Uint8Array {
  const [, channels = 3, height = 0, width = 0] = image.dims;
  const plane = height * width;
  const rgb = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    // Grayscale tensors repeat their only channel.
    const source = image.data.subarray((c % channels) * plane, ((c % channels) + 1) * plane);
    for (let i = 0; i < plane; i++) rgb[i * 3 + c] = Math.round(Math.min(1, Math.max(0, source[i]!)) * 255);
  }
  return encode({ width, height, data: rgb, channels: 3, depth: 8 });
}
