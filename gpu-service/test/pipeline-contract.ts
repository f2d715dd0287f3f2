import { beforeAll, describe, expect, it } from "vitest";
import { refineSteps, StageEvent, type InternalImage } from "@understudy/shared";
import { AdaptivePipeline } from "../src/pipelines/adaptive.js";
import { decode } from "fast-png";
import { encodePng } from "../src/image/png.js";
import { latentDims } from "../src/pipelines/components.js";
import { routedOutcome } from "../src/pipelines/jobs.js";
import { editRequest, generateRequest } from "./helpers.js";

/**
 * What every bundle must do through the adaptive pipeline: the fixture bundle runs it in unit tests,
 * the real bundle in the integration tests. Nothing here depends on what the images look like.
 */
export function pipelineContract(name: string, bundleDir: () => string): void {
  // Real bundles run a 50-step teacher on a shared CPU: give each test room.
  describe(`AdaptivePipeline on ${name}`, { timeout: 120_000 }, () => {
    let pipeline: AdaptivePipeline;
    beforeAll(async () => {
      pipeline = await AdaptivePipeline.load(bundleDir(), { intraOpThreads: 1 });
    });
    const studentScores = async (n: number) => (await pipeline.generate(generateRequest({ n, selection: { mode: "student" } }))).images.map((i) => i.oracle_score!);
    const pngOf = (image: InternalImage | undefined) => image!.png_b64;

    it("loads and reports the bundle", async () => {
      const { info, manifest } = pipeline;
      expect(info.id).toBe(manifest.id);
      expect(info.calibrated_k).toContain(manifest.defaults.k);
      // Serving never loads the evaluation-only judge.
      expect(pipeline.components.judge).toBeNull();
    });

    it("produces latents, pixels and PNGs of the bundle's shapes", async () => {
      const { width, height } = pipeline.manifest.native_size;
      const [outcome] = await pipeline.runStudentStage(await pipeline.resolveJobs(generateRequest({ selection: { mode: "student" } })));
      const [, channels, latentHeight, latentWidth] = latentDims(pipeline.components, width, height);
      expect(outcome!.latents).toHaveLength(channels! * latentHeight! * latentWidth!);
      expect(outcome!.pixels).toHaveLength(3 * width * height);
      expect(Math.min(...outcome!.pixels)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...outcome!.pixels)).toBeLessThanOrEqual(1);
      expect(Number.isFinite(outcome!.oracleScore)).toBe(true);
      const png = decode(Buffer.from(pipeline.keepStudent(outcome!, null).png_b64, "base64"));
      expect([png.width, png.height, png.channels]).toEqual([width, height, 3]);
    });

    it("keeps the student when τ is below every score", async () => {
      const scores = await studentScores(2);
      const response = await pipeline.generate(generateRequest({ n: 2, selection: { mode: "adaptive", threshold: Math.min(...scores) - 1 } }));
      for (const image of response.images) {
        expect(image.route).toBe("student");
        expect(image.unet_evaluations.teacher).toBe(0);
        expect(image.threshold).toBe(Math.min(...scores) - 1);
      }
    });

    it("refines when τ is above every score, spending ⌊steps·σ⌋ guided teacher steps", async () => {
      const scores = await studentScores(1);
      const [image] = (await pipeline.generate(generateRequest({ selection: { mode: "adaptive", threshold: scores[0]! + 1 } }))).images;
      const { teacher, defaults } = pipeline.manifest;
      expect(image!.route).toBe("refined");
      expect(image!.oracle_score).toBe(scores[0]);
      expect(image!.unet_evaluations.teacher).toBe(refineSteps(teacher.steps, defaults.refine_strength) * (teacher.guidance! > 1 ? 2 : 1));
      expect(image!.timings_ms["teacher_unet"]).toBeGreaterThan(0);
    });

    it("regenerates from the same initial noise as teacher-only mode", async () => {
      const scores = await studentScores(1);
      const [regenerated] = (await pipeline.generate(generateRequest({ selection: { mode: "adaptive", threshold: scores[0]! + 1, strategy: "regenerate" } }))).images;
      const [teacherOnly] = (await pipeline.generate(generateRequest({ selection: { mode: "teacher" } }))).images;
      expect(regenerated!.route).toBe("regenerated");
      expect(teacherOnly!.route).toBe("teacher");
      expect(teacherOnly!.unet_evaluations.student).toBe(0);
      expect(pngOf(regenerated)).toBe(pngOf(teacherOnly));
    });

    it("samples the teacher with DPM-Solver++ or Euler when asked, at the same cost", async () => {
      const request = generateRequest({ selection: { mode: "teacher" } });
      const [ddim] = (await pipeline.generate(request)).images;
      for (const sampler of ["dpmsolver++", "euler"] as const) {
        const other = pipeline.withTeacherSampler(sampler);
        expect(other.components.teacher.newScheduler().constructor).not.toBe(pipeline.components.teacher.newScheduler().constructor);
        expect((await other.generate(request)).images[0]!.unet_evaluations).toEqual(ddim!.unet_evaluations);
      }
      expect(pipeline.components.teacher.entry.sampler).toBe(pipeline.manifest.teacher.sampler);
    });

    it("gives byte-identical PNGs for the same seed, and the same image inside a batch", async () => {
      const request = { selection: { mode: "adaptive" as const, k: pipeline.manifest.defaults.k } };
      const alone = (await pipeline.generate(generateRequest({ ...request, seed: 8 }))).images[0];
      const again = (await pipeline.generate(generateRequest({ ...request, seed: 8 }))).images[0];
      const batched = (await pipeline.generate(generateRequest({ ...request, seed: 7, n: 3 }))).images[1];
      expect(pngOf(again)).toBe(pngOf(alone));
      expect(batched!.seed).toBe(8);
      expect(batched!.route).toBe(alone!.route);
      // onnxruntime's kernels block their arithmetic by batch size, so a job computed beside others can differ
      // from the same job alone in the last float bits (measured: 7e-7 in the student's latents), which after
      // 25 guided teacher steps may move a rare pixel by one 8-bit level. Each job's noise is its own, so more
      // than that would mean batching leaked one job into another.
      const pixels = (image: InternalImage | undefined) => decode(Buffer.from(pngOf(image), "base64")).data;
      const [a, b] = [pixels(alone), pixels(batched)];
      let largest = 0;
      let differing = 0;
      for (let i = 0; i < a.length; i++) {
        const difference = Math.abs(a[i]! - b[i]!);
        largest = Math.max(largest, difference);
        if (difference > 0) differing++;
      }
      expect(largest).toBeLessThanOrEqual(1);
      expect(differing / a.length).toBeLessThan(0.001);
      const other = (await pipeline.generate(generateRequest({ ...request, seed: 9 }))).images[0];
      expect(pngOf(other)).not.toBe(pngOf(alone));
    });

    it("streams preview, verdict and final per image, then done", async () => {
      for (const threshold of [-1e9, 1e9]) {
        const events: StageEvent[] = [];
        await pipeline.generate(generateRequest({ n: 2, selection: { mode: "adaptive", threshold } }), (event) => events.push(StageEvent.parse(event)));
        for (const index of [0, 1]) {
          const own = events.filter((e) => "index" in e && e.index === index).map((e) => e.event);
          expect(own).toEqual(["preview", "verdict", "final"]);
        }
        expect(events).toHaveLength(7);
        expect(events.at(-1)!.event).toBe("done");
      }
    });

    it("batches teacher work without changing any image", async () => {
      const request = generateRequest({ n: 2, selection: { mode: "adaptive", threshold: 1e9 } });
      const together = (await pipeline.generate(request)).images;
      // As the service's workers hand them over: without the student's decoded pixels.
      const outcomes = (await pipeline.runStudentStage(await pipeline.resolveJobs(request))).map(routedOutcome);
      expect(outcomes[0]).not.toHaveProperty("pixels");
      const apart = [await pipeline.runTeacherStage(outcomes[0]!), await pipeline.runTeacherStage(outcomes[1]!)];
      expect(apart.map(pngOf)).toEqual(together.map(pngOf));
      await expect(pipeline.runTeacherStage({ ...outcomes[0]!, decision: "keep" })).rejects.toThrow(/no teacher stage/);
      const teacherOnly = await pipeline.runTeacherOnlyBatch(await pipeline.resolveJobs(generateRequest({ n: 2, selection: { mode: "teacher" } })));
      expect(pngOf(teacherOnly[1])).toBe(pngOf((await pipeline.generate(generateRequest({ seed: 8, selection: { mode: "teacher" } }))).images[0]));
    });

    it("edits: encodes the image, lets the student denoise it, refines below τ", async () => {
      const { width, height } = pipeline.manifest.native_size;
      const gray = Buffer.from(encodePng({ data: new Float32Array(3 * width * height).fill(0.5), dims: [1, 3, height, width] })).toString("base64");
      const [kept] = (await pipeline.generate(editRequest(gray, { selection: { mode: "adaptive", threshold: -1e9 } }))).images;
      const [refined] = (await pipeline.generate(editRequest(gray, { selection: { mode: "adaptive", threshold: 1e9 } }))).images;
      expect(kept!.route).toBe("student");
      expect(kept!.timings_ms["vae_encode"]).toBeGreaterThan(0);
      expect(refined!.route).toBe("refined");
      const { teacher, defaults } = pipeline.manifest;
      expect(refined!.unet_evaluations.teacher).toBe(refineSteps(teacher.steps, defaults.edit_strength) * (teacher.guidance! > 1 ? 2 : 1));
      // Noising at strength < 1 keeps part of the input: a different input image gives a different result.
      const white = Buffer.from(encodePng({ data: new Float32Array(3 * width * height).fill(1), dims: [1, 3, height, width] })).toString("base64");
      const [fromWhite] = (await pipeline.generate(editRequest(white, { selection: { mode: "adaptive", threshold: -1e9 } }))).images;
      expect(pngOf(fromWhite)).not.toBe(pngOf(kept));
    });

    it("marks the teacher's work skipped when the deadline has passed", async () => {
      const [image] = (await pipeline.generate(generateRequest({ selection: { mode: "adaptive", threshold: 1e9 }, deadline_ms: Date.now() - 1 }))).images;
      expect(image).toMatchObject({ route: "student", degraded: true, degraded_reason: "deadline" });
    });
  });
}
