import type { FloatTensor } from "../models/onnx-model.js";

/**
 * Bilinear resize of an NCHW batch with half-pixel centres (torch's `interpolate(..., mode="bilinear",
 * align_corners=False)`). When shrinking by an integer factor it averages each block instead (torch's
 * `area` mode), so thin strokes are not skipped over.
 */
export function resizeImages(images: FloatTensor, height: number, width: number): FloatTensor {
  const [batch = 1, channels = 1, inH = 1, inW = 1] = images.dims;
  if (inH === height && inW === width) return images;
  const out = new Float32Array(batch * channels * height * width);
  const planes = batch * channels;
  const shrink = inH % height === 0 && inW % width === 0;
  for (let p = 0; p < planes; p++) {
    const src = images.data.subarray(p * inH * inW, (p + 1) * inH * inW);
    const dst = out.subarray(p * height * width, (p + 1) * height * width);
    if (shrink) areaPlane(src, inH, inW, dst, height, width);
    else bilinearPlane(src, inH, inW, dst, height, width);
  }
  return { data: out, dims: [batch, channels, height, width] };
}

function areaPlane(src: Float32Array, inH: number, inW: number, dst: Float32Array, height: number, width: number): void {
  const fy = inH / height;
  const fx = inW / width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = 0; dy < fy; dy++) for (let dx = 0; dx < fx; dx++) sum += src[(y * fy + dy) * inW + x * fx + dx]!;
      dst[y * width + x] = sum / (fy * fx);
    }
  }
}

function bilinearPlane(src: Float32Array, inH: number, inW: number, dst: Float32Array, height: number, width: number): void {
  const sy = inH / height;
  const sx = inW / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(Math.floor(fy), inH - 1);
    const y1 = Math.min(y0 + 1, inH - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(Math.floor(fx), inW - 1);
      const x1 = Math.min(x0 + 1, inW - 1);
      const wx = fx - x0;
      const top = src[y0 * inW + x0]! * (1 - wx) + src[y0 * inW + x1]! * wx;
      const bottom = src[y1 * inW + x0]! * (1 - wx) + src[y1 * inW + x1]! * wx;
      dst[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
}
