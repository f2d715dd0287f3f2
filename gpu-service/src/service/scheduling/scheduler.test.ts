import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiError, InternalGenerateRequest, type BundleInfo, type BundleManifest, type InternalGenerateRequestInput, type InternalImage } from "@understudy/shared";
import { readBundle } from "../../bundle/index.js";
import { decide, type ImageJob } from "../../pipelines/index.js";
import { LiveCalibration } from "../monitoring/live-calibration.js";
import { ServiceMetrics } from "../monitoring/metrics.js";
import { TEST_BUNDLE_DIR } from "../testing.js";
import type { InferenceTasks, StudentResult } from "../workers/inference-tasks.js";
import { Scheduler, type InferenceBackend } from "./scheduler.js";

/**
 * The scheduler's decisions in isolation: the worker pool is replaced by stage calls that the test completes
 * by hand, so "what runs next" is observed exactly. The service tests run the same scheduler on real workers.
 */

interface Call {
  kind: keyof InferenceTasks;
  input: unknown;
  done: boolean;
  resolve: (result: { value: unknown; serviceMs: number }) => void;
  reject: (error: unknown) => void;
}

class ManualBackend implements InferenceBackend {
  readonly calls: Call[] = [];
  readonly #listeners = new Set<() => void>();
  constructor(readonly ready = 1) {}

  available(): number {
    return this.ready - this.calls.filter((call) => !call.done).length;
  }

  onAvailable(listener: () => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  run<K extends keyof InferenceTasks>(kind: K, input: InferenceTasks[K]["input"]) {
    return new Promise<{ value: InferenceTasks[K]["output"]; serviceMs: number }>((resolve, reject) => {
      this.calls.push({ kind, input, done: false, resolve: resolve as Call["resolve"], reject });
    });
  }

  running(): Call {
    const call = this.calls.find((c) => !c.done);
    if (!call) throw new Error("nothing is running");
    return call;
  }

  /** Completes the running call like the pool does: settle the task, then tell listeners a worker is free. */
  async finish(output: (call: Call) => unknown, serviceMs = 10): Promise<void> {
    const call = this.running();
    call.done = true;
    call.resolve({ value: output(call), serviceMs });
    for (const listener of this.#listeners) listener();
    await flush();
  }

  async fail(error: unknown): Promise<void> {
    const call = this.running();
    call.done = true;
    call.reject(error);
    for (const listener of this.#listeners) listener();
    await flush();
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function image(job: ImageJob, route: InternalImage["route"]): InternalImage {
  return {
    png_b64: `${route}-${job.requestId}-${job.index}`,
    seed: job.seed,
    route,
    oracle_score: null,
    threshold: null,
    k: job.k,
    unet_evaluations: { student: 0, teacher: 0 },
    timings_ms: {},
    degraded: false,
    degraded_reason: null,
  };
}

/** Student results with a given oracle score; the pipeline's own `decide` picks keep/refine/regenerate. */
const studentResults = (score: number) => (call: Call) =>
  (call.input as ImageJob[]).map(
    (job): StudentResult => ({
      outcome: { job, latents: new Float32Array(1), oracleScore: score, decision: decide(job, score), studentEvaluations: 1, timingsMs: {} },
      image: { ...image(job, "student"), oracle_score: score },
    }),
  );

const teacherImages = (call: Call) => (call.input as Array<{ job: ImageJob }>).map(({ job }) => image(job, "refined"));
const batchSizes = (backend: ManualBackend) => backend.calls.filter((call) => call.kind === "student").map((call) => (call.input as ImageJob[]).length);

let manifest: BundleManifest;
let requestCount = 0;
beforeAll(async () => {
  manifest = (await readBundle(TEST_BUNDLE_DIR)).manifest;
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(options: { studentQueue?: number; teacherQueue?: number; maxBatch?: number; maxWaitMs?: number; now?: () => number; answerMarginMs?: number } = {}) {
  const backend = new ManualBackend();
  const calibration = new LiveCalibration({ percentiles: [50] });
  const metrics = new ServiceMetrics({ calibration, calibratedThresholds: manifest.calibration.thresholds });
  // The scheduler reads only these fields of the bundle info; the rest is the pipeline's business.
  const info = { id: manifest.id, version: manifest.version, refine_strength: manifest.defaults.refine_strength } as BundleInfo;
  const scheduler = new Scheduler(
    backend,
    {
      manifest,
      info,
      warmup: { studentJobMs: 10, refineMs: 100 },
      maxBatch: options.maxBatch ?? 8,
      maxTeacherBatch: 4,
      maxWaitMs: options.maxWaitMs ?? 5,
      studentQueue: options.studentQueue ?? 16,
      teacherQueue: options.teacherQueue ?? 4,
      ...(options.now ? { now: options.now } : {}),
      ...(options.answerMarginMs !== undefined ? { answerMarginMs: options.answerMarginMs } : {}),
    },
    { metrics, calibration },
  );
  const submit = async (overrides: Partial<InternalGenerateRequestInput> = {}) => {
    const request = InternalGenerateRequest.parse({ version: "v1", request_id: `r${++requestCount}`, prompt: "a star", seed: 1, selection: { mode: "student" }, ...overrides });
    return (await (await scheduler.admit(request)).run()).response;
  };
  /** Runs one student batch of `n` images that the worker reports as taking `serviceMs`. */
  const measureBatch = async (n: number, serviceMs: number) => {
    const done = submit({ n });
    await flush();
    await backend.finish(studentResults(0.9), serviceMs);
    await done;
  };
  return { backend, scheduler, submit, measureBatch, metrics, calibration };
}

describe("Scheduler", () => {
  it("sends a lone request at once, and batches the requests that arrived meanwhile into one student stage", async () => {
    const { backend, submit } = setup();
    const first = submit();
    await flush();
    expect(batchSizes(backend)).toEqual([1]);
    const waiting = [submit(), submit(), submit()];
    await flush();
    expect(batchSizes(backend)).toEqual([1]);
    await backend.finish(studentResults(0.9));
    expect(batchSizes(backend)).toEqual([1, 3]);
    await backend.finish(studentResults(0.9));
    expect((await first).images[0]!.route).toBe("student");
    expect(await Promise.all(waiting)).toHaveLength(3);
  });

  it("reports the worker time of the stages a request waited on, for Server-Timing", async () => {
    const { backend, scheduler } = setup();
    const request = InternalGenerateRequest.parse({ version: "v1", request_id: "timed", prompt: "a star", seed: 1, n: 2, selection: { mode: "adaptive", k: 100 } });
    const served = (await scheduler.admit(request)).run();
    await flush();
    await backend.finish(studentResults(0), 30);
    await backend.finish(teacherImages, 50);
    await backend.finish(teacherImages, 70);
    // The second image waited on the student batch (30) and its own teacher batch (70).
    expect((await served).pipelineMs).toBe(100);
  });

  it("keeps the images of one request together in one batch, up to maxBatch", async () => {
    const { backend, submit } = setup({ maxBatch: 3 });
    void submit({ n: 4 });
    await flush();
    expect(batchSizes(backend)).toEqual([3]);
  });

  it("after a batch that had company, waits up to maxWaitMs for the next one to fill", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { backend, submit } = setup({ maxWaitMs: 5, now: () => Date.now() });
    void submit({ n: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(batchSizes(backend)).toEqual([2]);
    backend.running().done = true;
    void submit();
    await vi.advanceTimersByTimeAsync(4);
    expect(batchSizes(backend)).toEqual([2]);
    void submit();
    await vi.advanceTimersByTimeAsync(1);
    expect(batchSizes(backend)).toEqual([2, 2]);
  });

  it("refuses with 503 overloaded and Retry-After when a request would overflow the student queue", async () => {
    const { submit, metrics } = setup({ studentQueue: 3 });
    void submit({ n: 2 });
    const refused = submit({ n: 2 });
    await expect(refused).rejects.toMatchObject({ status: 503, code: "overloaded", retryAfterSeconds: 1 });
    expect((await metrics.shed.get()).values).toEqual([expect.objectContaining({ labels: { reason: "student_queue_full" }, value: 1 })]);
  });

  it("refuses at admission a request that could not get even its student image before its deadline, and counts why", async () => {
    const now = 1_000_000;
    const { backend, submit, metrics } = setup({ now: () => now, maxWaitMs: 0 });
    // Warm-up measured 10 ms per student job; two are admitted ahead.
    void submit({ n: 2 });
    await expect(submit({ deadline_ms: now + 25 })).rejects.toMatchObject({ status: 503, code: "overloaded", message: expect.stringContaining("deadline") });
    expect((await metrics.shed.get()).values).toEqual([expect.objectContaining({ labels: { reason: "deadline" }, value: 1 })]);
    const inTime = submit({ deadline_ms: now + 30 });
    await flush();
    await backend.finish(studentResults(0.9));
    await flush();
    await backend.finish(studentResults(0.9));
    expect((await inTime).images[0]!.route).toBe("student");
  });

  it("predicts a job's finish as the running batch's remaining time plus its own batch, by batch size", async () => {
    const now = 1_000_000;
    const { backend, submit, measureBatch } = setup({ now: () => now, maxWaitMs: 0 });
    // A lone job costs 10 ms (warm-up); this batch of 4 took 16: each job beyond the first adds 2 ms.
    await measureBatch(4, 16);
    void submit({ n: 4 });
    await flush();
    // 16 ms for the running batch of 4, then 10 for a batch of its own: 26 ms (five jobs at the moving average per
    // job said 44, and refused it).
    await expect(submit({ deadline_ms: now + 25 })).rejects.toMatchObject({ status: 503, message: expect.stringContaining("about 26 ms of work") });
    const inTime = submit({ deadline_ms: now + 26 });
    await flush();
    await backend.finish(studentResults(0.9), 16);
    await backend.finish(studentResults(0.9));
    expect((await inTime).images[0]!.route).toBe("student");
  });

  it("runs a student batch only as large as its members' deadlines allow, and refuses a job that became too late", async () => {
    let now = 1_000_000;
    const { backend, submit, measureBatch, metrics } = setup({ now: () => now, maxWaitMs: 0 });
    await measureBatch(4, 16); // a batch costs 10 ms + 2 ms per job beyond the first
    const t0 = now;
    const blocker = submit();
    await flush();
    const [a, b, c] = [submit({ deadline_ms: t0 + 30 }), submit({ deadline_ms: t0 + 30 }), submit({ deadline_ms: t0 + 30 })];
    const refusal = c.then(() => null, (error: unknown) => error);
    await flush();
    now = t0 + 18;
    await backend.finish(studentResults(0.9));
    // At t0 + 18 a batch of two ends at t0 + 30, in time; a batch of three would end at t0 + 32.
    expect(batchSizes(backend)).toEqual([4, 1, 2]);
    now = t0 + 30;
    await backend.finish(studentResults(0.9), 12);
    await Promise.all([blocker, a, b]);
    expect(await refusal).toMatchObject({ status: 503, code: "overloaded", retryAfterSeconds: 1, message: expect.stringContaining("deadline") });
    expect(batchSizes(backend)).toEqual([4, 1, 2]);
    expect((await metrics.shed.get()).values).toEqual([expect.objectContaining({ labels: { reason: "deadline" }, value: 1 })]);
  });

  it("keeps the answer margin free before a deadline: the image must be ready that much earlier", async () => {
    const now = 1_000_000;
    const { backend, submit } = setup({ now: () => now, maxWaitMs: 0, answerMarginMs: 5 });
    // A lone student job takes 10 ms (warm-up): one running, then one of its own, is 20 ms.
    const running = submit();
    await flush();
    await expect(submit({ deadline_ms: now + 24 })).rejects.toMatchObject({ status: 503, message: expect.stringContaining("deadline is 19 ms away") });
    const inTime = submit({ deadline_ms: now + 25 });
    await flush();
    await backend.finish(studentResults(0.9));
    await backend.finish(studentResults(0.9));
    await running;
    expect((await inTime).images[0]!.route).toBe("student");
  });

  it("runs a job on an idle stage even when a slow spell inflated the estimate, so the estimate is measured again", async () => {
    const now = 1_000_000;
    const { backend, submit, measureBatch } = setup({ now: () => now, maxWaitMs: 0 });
    await measureBatch(1, 500); // the lone-job estimate rises from 10 to 108 ms
    const probe = submit({ deadline_ms: now + 50 });
    await flush();
    expect(batchSizes(backend)).toEqual([1, 1]);
    await backend.finish(studentResults(0.9));
    expect((await probe).images[0]!.route).toBe("student");
  });

  it("judges an idle queue by a lone job's time, not by the last (large, slow) batch", async () => {
    const now = 1_000_000;
    const { backend, scheduler, submit, measureBatch } = setup({ now: () => now, maxWaitMs: 0 });
    await measureBatch(4, 400);
    // 400 ms for the batch of 4; a lone job was measured at 10 ms in warm-up. (An idle stage would admit the
    // next job whatever the estimate, so the estimate itself is what shows it.)
    expect(scheduler.load().studentFinishMs(1)).toBe(10);
    const next = submit({ deadline_ms: now + 60 });
    await flush();
    await backend.finish(studentResults(0.9));
    expect((await next).images[0]!.route).toBe("student");
  });

  it("sends low scores to the teacher, and serves the student degraded for load once the teacher queue is full", async () => {
    const { backend, submit, calibration } = setup({ teacherQueue: 1 });
    const response = submit({ n: 3, selection: { mode: "adaptive", k: 100 } });
    await flush();
    await backend.finish(studentResults(0));
    // The first goes straight to the now idle worker, the second fills the queue of one, the third degrades.
    expect(backend.calls.map((call) => call.kind)).toEqual(["student", "teacher"]);
    await backend.finish(teacherImages);
    await backend.finish(teacherImages);
    const { images } = await response;
    expect(images.map((i) => [i.route, i.degraded_reason])).toEqual([
      ["refined", null],
      ["refined", null],
      ["student", "load"],
    ]);
    expect(calibration.teacherShares()).toEqual([{ k: 100, wanted: 1, served: 2 / 3, samples: 3 }]);
  });

  it("lets teacher work that waited together share one teacher run", async () => {
    const { backend, submit } = setup();
    const response = submit({ n: 3, selection: { mode: "adaptive", k: 100 } });
    await flush();
    await backend.finish(studentResults(0));
    await backend.finish(teacherImages);
    const teacherBatches = backend.calls.filter((call) => call.kind === "teacher").map((call) => (call.input as unknown[]).length);
    expect(teacherBatches).toEqual([1, 2]);
    await backend.finish(teacherImages);
    expect((await response).images.map((i) => i.route)).toEqual(["refined", "refined", "refined"]);
  });

  it("serves the student degraded when the teacher cannot finish before the deadline", async () => {
    const now = 1_000_000;
    const { backend, submit } = setup({ now: () => now });
    // Refinement is estimated at 100 ms (from warm-up): a deadline 50 ms away cannot be met.
    const hopeless = submit({ selection: { mode: "adaptive", k: 100 }, deadline_ms: now + 50 });
    await flush();
    await backend.finish(studentResults(0));
    expect((await hopeless).images[0]).toMatchObject({ route: "student", degraded: true, degraded_reason: "deadline" });
    expect(backend.calls.map((call) => call.kind)).toEqual(["student"]);
  });

  it("skips queued teacher work whose deadline passed while it waited", async () => {
    let now = 1_000_000;
    const { backend, submit } = setup({ now: () => now });
    const blocker = submit();
    await flush();
    const first = submit({ selection: { mode: "adaptive", k: 100 } });
    const second = submit({ selection: { mode: "adaptive", k: 100 }, seed: 2, deadline_ms: now + 500 });
    await flush();
    await backend.finish(studentResults(0.9));
    await blocker;
    await backend.finish(studentResults(0));
    // The first runs; the second fits its deadline when routed, then waits 450 ms behind the first.
    expect(backend.calls.map((call) => call.kind)).toEqual(["student", "student", "teacher"]);
    now += 450;
    await backend.finish(teacherImages);
    expect((await first).images[0]!.route).toBe("refined");
    expect((await second).images[0]).toMatchObject({ route: "student", degraded_reason: "deadline" });
    expect(backend.calls).toHaveLength(3);
  });

  it("alternates student batches and teacher work so neither starves", async () => {
    const { backend, submit } = setup({ maxWaitMs: 0 });
    void submit({ n: 2, selection: { mode: "adaptive", k: 100 } });
    await flush();
    await backend.finish(studentResults(0));
    void submit();
    await flush();
    // Teacher running; one teacher job and one student job wait.
    expect(backend.calls.map((call) => call.kind)).toEqual(["student", "teacher"]);
    await backend.finish(teacherImages);
    expect(backend.calls.at(-1)!.kind).toBe("student");
    await backend.finish(studentResults(0.9));
    expect(backend.calls.at(-1)!.kind).toBe("teacher");
  });

  it("fails every request of a batch whose worker failed, and frees their queue places", async () => {
    const { backend, submit } = setup({ studentQueue: 3, maxWaitMs: 0 });
    const blocker = submit();
    await flush();
    const requests = [submit(), submit()];
    await flush();
    await backend.finish(studentResults(0.9));
    await blocker;
    expect(batchSizes(backend)).toEqual([1, 2]);
    const settled = Promise.allSettled(requests);
    await backend.fail(new ApiError("internal_error", "The inference worker exited"));
    for (const result of await settled) expect(result).toMatchObject({ status: "rejected", reason: { status: 500, message: "The inference worker exited" } });
    const later = submit({ n: 3 });
    await flush();
    await backend.finish(studentResults(0.9));
    expect((await later).images).toHaveLength(3);
  });

  it("drains: refuses new requests, and `idle` resolves once the admitted ones are answered", async () => {
    const { backend, scheduler, submit } = setup();
    const admitted = submit();
    await flush();
    scheduler.beginDrain();
    await expect(submit()).rejects.toMatchObject({ status: 503, message: expect.stringContaining("shutting down") });
    let idle = false;
    void scheduler.idle().then(() => (idle = true));
    await flush();
    expect(idle).toBe(false);
    await backend.finish(studentResults(0.9));
    await admitted;
    await flush();
    expect(idle).toBe(true);
  });
});
