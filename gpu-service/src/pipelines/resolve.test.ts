import { describe, expect, it } from "vitest";
import { readBundle } from "../bundle/bundle.js";
import { encodePng } from "../image/png.js";
import { TINY_BUNDLE, editRequest, generateRequest } from "../../test/helpers.js";
import { calibratedK, resolveJobs, thresholdForK } from "./resolve.js";

const { manifest } = await readBundle(TINY_BUNDLE);
const pngB64 = (size: number) => Buffer.from(encodePng({ data: new Float32Array(3 * size * size).fill(0.5), dims: [1, 3, size, size] })).toString("base64");

describe("resolveJobs", () => {
  it("fills every default from the manifest", () => {
    const [job] = resolveJobs(manifest, generateRequest());
    expect(job).toMatchObject({
      requestId: "req-1", index: 0, seed: 7, negativePrompt: "", width: 32, height: 32, mode: "adaptive", strategy: "refine",
      k: 50, threshold: manifest.calibration.thresholds["50"], studentSteps: 2, teacherSteps: 10, guidance: 7.5, strength: 0.5,
    });
  });

  it("gives image i the seed seed + i, wrapping at 2^32", () => {
    const jobs = resolveJobs(manifest, generateRequest({ n: 3, seed: 4294967295 }));
    expect(jobs.map((job) => job.seed)).toEqual([4294967295, 0, 1]);
  });

  it("prefers a fixed τ over k, and drops both outside adaptive mode", () => {
    expect(resolveJobs(manifest, generateRequest({ selection: { mode: "adaptive", k: 50, threshold: 0.25 } }))[0]).toMatchObject({ k: null, threshold: 0.25 });
    expect(resolveJobs(manifest, generateRequest({ selection: { mode: "student" } }))[0]).toMatchObject({ k: null, threshold: null });
  });

  it("refuses a size the bundle does not serve, naming size", () => {
    expect(() => resolveJobs(manifest, generateRequest({ width: 64, height: 64 }))).toThrow(expect.objectContaining({ code: "invalid_value", param: "size" }));
  });

  it("refuses a k without a calibrated τ, listing the ones there are", () => {
    expect(() => resolveJobs(manifest, generateRequest({ selection: { mode: "adaptive", k: 33 } }))).toThrow(
      expect.objectContaining({ param: "k", message: expect.stringContaining("0, 5, 10") }),
    );
  });

  it("refuses another bundle's id", () => {
    expect(() => resolveJobs(manifest, generateRequest({ bundle: "sdxl" }))).toThrow(expect.objectContaining({ code: "unknown_bundle", param: "bundle" }));
  });

  it("decodes an edit's image, resizes it to the native size, and uses the edit strength", () => {
    const [job] = resolveJobs(manifest, editRequest(pngB64(64)));
    expect(job!.initImage).toHaveLength(3 * 32 * 32);
    expect(job!.initImage![0]).toBeCloseTo(0.5 * 2 - 1 + 1 / 255, 2);
    expect(job!.strength).toBe(0.6);
  });

  it("answers a broken edit image with param image", () => {
    expect(() => resolveJobs(manifest, editRequest(Buffer.from("not an image").toString("base64")))).toThrow(expect.objectContaining({ param: "image" }));
  });
});

describe("thresholdForK", () => {
  it("needs no calibration at the extremes", () => {
    expect(thresholdForK(manifest, 0)).toBe(-Infinity);
    expect(thresholdForK(manifest, 100)).toBe(Infinity);
    expect(calibratedK(manifest)).toEqual([0, ...Array.from({ length: 19 }, (_, i) => 5 * (i + 1)), 100]);
  });
});
