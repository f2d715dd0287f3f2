import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { decode, encode } from "fast-png";
import jpeg from "jpeg-js";
import { decodeImage } from "./decode.js";
import { encodePng } from "./png.js";
import { resizeImages } from "./resize.js";
import { ownBatchItem, toUnitRange } from "./processing.js";

/** SHA-256 of the noisy 64x64 test image's PNG (Sub filter, Huffman-only deflate): changes only when the encoding does. */
const PINNED_SHA256 = "c349dd4349f33774c0dbf6139c324dad0e286bc098d7b0ee7b1131a07796db66";

const gradient = { data: Float32Array.from({ length: 3 * 4 * 4 }, (_, i) => (i % 16) / 15), dims: [1, 3, 4, 4] };

describe("encodePng", () => {
  it("writes 8-bit RGB with diffusers' rounding, the same bytes every time", () => {
    const png = encodePng(gradient);
    expect(encodePng(gradient)).toEqual(png);
    const decoded = decode(png);
    expect([decoded.width, decoded.height, decoded.channels, decoded.depth]).toEqual([4, 4, 3, 8]);
    // Pixel 5, green channel: value 5/15 → round(85) = 85.
    expect(decoded.data[5 * 3 + 1]).toBe(85);
  });

  it("decodes to exactly the rounded pixels, for noisy and grayscale images too", () => {
    // A noisy image (long deflate searches) and a grayscale one, against their rounding decoded by fast-png.
    const noisy = { data: Float32Array.from({ length: 3 * 48 * 40 }, (_, i) => (Math.sin(i * 0.37) * Math.cos(i * 0.011) + 1) / 2), dims: [1, 3, 40, 48] };
    const gray = { data: Float32Array.from({ length: 33 * 17 }, (_, i) => (i % 17) / 16), dims: [1, 1, 33, 17] };
    for (const image of [gradient, noisy, gray]) {
      // (No exact halves in these images, where numpy's half-to-even rounding and Math.round differ: see below.)
      const [, channels = 3, height = 0, width = 0] = image.dims;
      const plane = height * width;
      const rgb = Uint8Array.from({ length: plane * 3 }, (_, i) => Math.round(Math.min(1, Math.max(0, image.data[((i % 3) % channels) * plane + Math.floor(i / 3)]!)) * 255));
      expect(decode(encodePng(image)).data).toEqual(rgb);
    }
  });

  it("keeps its bytes: the compression is pinned, so a seed's cached image never changes under it", () => {
    const noisy = { data: Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => (Math.sin(i * 0.37) * Math.cos(i * 0.011) + 1) / 2), dims: [1, 3, 64, 64] };
    expect(createHash("sha256").update(encodePng(noisy)).digest("hex")).toBe(PINNED_SHA256);
  });

  it("rounds x·255 in float32, half to even, as numpy does in diffusers' numpy_to_pil", () => {
    // float32(k/255)·255 is exactly k in float32 but slightly above it in float64, where Math.round would round up.
    const halves = [2.5, 3.5, 100.5, 101.5].map((k) => Math.fround(k / 255));
    expect([...decode(encodePng({ data: Float32Array.from(halves), dims: [1, 1, 1, 4] })).data.filter((_, i) => i % 3 === 0)]).toEqual([2, 4, 100, 102]);
  });

  it("encodes a decoder's [-1,1] image to the same bytes as its toUnitRange copy, overshoot and halves included", () => {
    const signed = { data: Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => 1.1 * Math.sin(i * 0.37) * Math.cos(i * 0.011)), dims: [1, 3, 64, 64] };
    // Values whose unit form is an exact k + ½ after ·255, where rounding half to even must hold through the mapping.
    signed.data.set([2.5, 3.5, 100.5, 101.5].map((k) => Math.fround(k / 255) * 2 - 1));
    expect(encodePng(signed, "signed")).toEqual(encodePng(toUnitRange(signed)));
  });

  it("clamps values the decoder overshot", () => {
    const png = encodePng({ data: new Float32Array([1.2, -0.3, 0.5]), dims: [1, 3, 1, 1] });
    expect([...decode(png).data]).toEqual([255, 0, 128]);
  });
});

describe("decodeImage", () => {
  it("round-trips a PNG to [-1,1] NCHW", () => {
    const restored = toUnitRange(decodeImage(encodePng(gradient)));
    expect(restored.dims).toEqual([1, 3, 4, 4]);
    restored.data.forEach((v, i) => expect(Math.abs(v - gradient.data[i]!)).toBeLessThanOrEqual(0.5 / 255 + 1e-6));
  });

  it("repeats a grayscale PNG's channel and drops alpha", () => {
    const png = encode({ width: 1, height: 1, data: new Uint8Array([255, 0]), channels: 2, depth: 8 });
    expect([...decodeImage(png).data]).toEqual([1, 1, 1]);
  });

  it("decodes JPEG", () => {
    const rgba = new Uint8Array(8 * 8 * 4).fill(200);
    const bytes = jpeg.encode({ data: rgba, width: 8, height: 8 }, 95).data;
    const image = decodeImage(new Uint8Array(bytes));
    expect(image.dims).toEqual([1, 3, 8, 8]);
    expect(Math.abs(image.data[0]! - (200 / 255) * 2 + 1)).toBeLessThan(0.03);
  });

  it("answers 400 naming the image for anything else", () => {
    expect(() => decodeImage(new TextEncoder().encode("GIF89a"))).toThrow(expect.objectContaining({ code: "invalid_value", param: "image" }));
    const truncated = encodePng(gradient).subarray(0, 30);
    expect(() => decodeImage(truncated)).toThrow(expect.objectContaining({ param: "image" }));
  });
});

describe("resizeImages", () => {
  it("averages blocks when shrinking by an integer factor", () => {
    const image = { data: new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]), dims: [1, 1, 4, 4] };
    expect([...resizeImages(image, 2, 2).data]).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it("interpolates with half-pixel centres when enlarging", () => {
    const image = { data: new Float32Array([0, 1]), dims: [1, 1, 1, 2] };
    // torch.nn.functional.interpolate([[0, 1]], size=4, mode="bilinear", align_corners=False) → 0, .25, .75, 1
    expect([...resizeImages(image, 1, 4).data]).toEqual([0, 0.25, 0.75, 1]);
  });
});

describe("ownBatchItem", () => {
  const batch = (n: number) => ({ data: Float32Array.from({ length: n * 3 }, (_, i) => i), dims: [n, 3] });

  it("hands a batch of one its own buffer, with no copy", () => {
    const one = batch(1);
    expect(ownBatchItem(one, 0)).toBe(one.data);
  });

  it("copies an item of a larger batch into a buffer of its own", () => {
    const two = batch(2);
    const second = ownBatchItem(two, 1);
    expect([...second]).toEqual([3, 4, 5]);
    // Its own buffer: posting it to another thread does not clone the whole batch.
    expect(second.buffer).not.toBe(two.data.buffer);
    expect(second.buffer.byteLength).toBe(3 * 4);
  });
});
