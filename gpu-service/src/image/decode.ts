import { convertIndexedToRgb, decode as decodePngBytes, hasPngSignature } from "fast-png";
import jpeg from "jpeg-js";
import { ApiError } from "@understudy/shared";
import type { FloatTensor } from "../models/onnx-model.js";

/** Pixels as a decoder hands them over: interleaved, `channels` per pixel, values up to `maxValue`. */
interface RasterImage {
  width: number;
  height: number;
  channels: number;
  data: ArrayLike<number>;
  maxValue: number;
}

const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
/** Refuse images whose decoded size alone would be absurd for this service (guards jpeg-js's allocation). */
const MAX_DECODED_MEGAPIXELS = 16;

function invalidImage(problem: string): ApiError {
  return new ApiError("invalid_value", `image: ${problem}`, { param: "image" });
}

function decodePng(bytes: Uint8Array): RasterImage {
  const png = decodePngBytes(bytes);
  if (png.palette) {
    const data = convertIndexedToRgb(png);
    return { width: png.width, height: png.height, channels: data.length / (png.width * png.height), data, maxValue: 255 };
  }
  return { width: png.width, height: png.height, channels: png.channels, data: png.data, maxValue: 2 ** png.depth - 1 };
}

function decodeJpeg(bytes: Uint8Array): RasterImage {
  const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_DECODED_MEGAPIXELS });
  return { width: image.width, height: image.height, channels: 3, data: image.data, maxValue: 255 };
}

/** Interleaved pixels → NCHW [1,3,H,W] in [-1,1]. Gray is repeated to RGB; alpha is dropped. */
function toSignedNchw(image: RasterImage): FloatTensor {
  const { width, height, channels, data, maxValue } = image;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  const colour = channels >= 3;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (data[i * channels + (colour ? c : 0)]! / maxValue) * 2 - 1;
  }
  return { data: out, dims: [1, 3, height, width] };
}

/** Decodes a PNG or JPEG upload; anything else is the client's mistake and answered as such. */
export function decodeImage(bytes: Uint8Array): FloatTensor {
  const isJpeg = JPEG_SIGNATURE.every((byte, i) => bytes[i] === byte);
  if (!hasPngSignature(bytes) && !isJpeg) throw invalidImage("must be a PNG or JPEG file.");
  try {
    return toSignedNchw(isJpeg ? decodeJpeg(bytes) : decodePng(bytes));
  } catch (error) {
    throw invalidImage(`could not be decoded (${(error as Error).message}); send an uncorrupted PNG or JPEG.`);
  }
}
