import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  BundleInfo,
  ErrorBody,
  InternalImagesResponse,
  InternalPaths,
  SIGNATURE_HEADER,
  StageEvent,
  TIMESTAMP_HEADER,
  signatureHeaders,
  type InternalGenerateRequestInput,
} from "@understudy/shared";
import { encode } from "fast-png";
import { parseSse, startTestService, TEST_SECRET, until, type TestService } from "./testing.js";

/**
 * The service end to end on a loopback port: real worker threads running the real pipeline, requests signed
 * as the edge signs them. Work that must overlap is lined up behind a long teacher run that holds the single worker.
 */

vi.setConfig({ testTimeout: 60_000, hookTimeout: 180_000 });

const PROMPT = "a large red star at the center on a blue background";
const MAX_BODY_BYTES = 256 * 1024;

let requests = 0;

/** A generation with a fresh request id: as with the edge, identical signed requests in one second are replays. */
function generation(overrides: Partial<InternalGenerateRequestInput> = {}): InternalGenerateRequestInput {
  return { version: "v1", request_id: `req-${++requests}`, prompt: PROMPT, seed: 7, selection: { mode: "adaptive", k: 50 }, ...overrides };
}

const HOLD_MS = 1500;

let service: TestService;

beforeAll(async () => {
  service = await startTestService({
    UNDERSTUDY_MAX_BATCH: "4",
    UNDERSTUDY_STUDENT_QUEUE: "4",
    UNDERSTUDY_TEACHER_QUEUE: "2",
    UNDERSTUDY_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  });
});

afterAll(async () => {
  await service?.shutdown();
});

/** A 2048×2048 gradient: small as PNG, but decoding and resizing it takes its worker a good while. */
function largePngB64(): string {
  const side = 2048;
  const data = new Uint8Array(side * side * 3);
  for (let i = 0; i < side * side; i++) data.fill(i % 251, i * 3, i * 3 + 3);
  return Buffer.from(encode({ width: side, height: side, data, channels: 3, depth: 8 })).toString("base64");
}

async function errorOf(response: Response) {
  return ErrorBody.parse(await response.json()).error;
}

async function counter(metric: { get(): Promise<{ values: Array<{ value: number; labels: object; metricName?: string }> }> }, labels: object = {}, name?: string) {
  const { values } = await metric.get();
  return values
    .filter((v) => (name === undefined || v.metricName === name) && Object.entries(labels).every(([key, value]) => (v.labels as Record<string, unknown>)[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

const batchesRun = () => counter(service.metrics.batchSize, {}, "understudy_student_batch_size_count");

describe("generate", () => {
  it("answers a signed generation with images that follow the contract", async () => {
    const request = generation({ n: 2 });
    const response = await service.call("POST", InternalPaths.generate, request);
    expect(response.status).toBe(200);
    const body = InternalImagesResponse.parse(await response.json());
    expect(body.request_id).toBe(request.request_id);
    expect(body.bundle.id).toBe(service.scheduler.info.id);
    expect(body.images.map((image) => image.seed)).toEqual([7, 8]);
    expect(response.headers.get("server-timing")).toMatch(/^pipeline;dur=\d+\.\d\d$/);
    for (const image of body.images) {
      expect(["student", "refined"]).toContain(image.route);
      expect(image.k).toBe(50);
      expect(image.unet_evaluations.student).toBeGreaterThan(0);
    }
  });

  it("streams preview, verdict, final and done as server-sent events", async () => {
    const response = await service.call("POST", InternalPaths.generate, generation({ stream: true }));
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = parseSse(await response.text()).map((event) => StageEvent.parse(event));
    expect(events.map((event) => event.event)).toEqual(["preview", "verdict", "final", "done"]);
    const [preview, verdict, final, done] = events as [
      Extract<StageEvent, { event: "preview" }>,
      Extract<StageEvent, { event: "verdict" }>,
      Extract<StageEvent, { event: "final" }>,
      Extract<StageEvent, { event: "done" }>,
    ];
    expect(verdict.oracle_score).toBe(final.image.oracle_score);
    if (verdict.decision === "keep") expect(final.image.png_b64).toBe(preview.png_b64);
    expect(done.response.images).toEqual([final.image]);
  });

  it("serves mode teacher from the teacher alone", async () => {
    const response = await service.call("POST", InternalPaths.generate, generation({ selection: { mode: "teacher" } }));
    const [image] = InternalImagesResponse.parse(await response.json()).images;
    expect(image).toMatchObject({ route: "teacher", oracle_score: null, unet_evaluations: { student: 0 } });
  });

  it("edits an uploaded image", async () => {
    const generated = InternalImagesResponse.parse(await (await service.call("POST", InternalPaths.generate, generation({ selection: { mode: "student" } }))).json());
    const response = await service.call("POST", InternalPaths.edit, { ...generation({ selection: { mode: "student" } }), image_b64: generated.images[0]!.png_b64, strength: 0.5 });
    expect(response.status).toBe(200);
    const [image] = InternalImagesResponse.parse(await response.json()).images;
    expect(image).toMatchObject({ route: "student", degraded: false });
  });

  it("describes the served bundle", async () => {
    const response = await service.call("GET", InternalPaths.bundle);
    expect(BundleInfo.parse(await response.json())).toEqual(service.scheduler.info);
  });
});

describe("edge signatures", () => {
  it("refuses unsigned, wrongly signed and stale requests with 401 before any work", async () => {
    const before = await batchesRun();
    const body = JSON.stringify(generation());
    const unsigned = await fetch(`${service.url}${InternalPaths.generate}`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(unsigned.status).toBe(401);
    expect(await errorOf(unsigned)).toMatchObject({ code: "unauthorized", message: expect.stringContaining(SIGNATURE_HEADER) });

    const wrongSecret = await service.call("POST", InternalPaths.generate, body, { secret: "another-secret-0123456789" });
    expect(await errorOf(wrongSecret)).toMatchObject({ code: "unauthorized", message: expect.stringContaining("GPU_SERVICE_SECRET") });

    const stale = await signatureHeaders(TEST_SECRET, { method: "POST", path: InternalPaths.generate, body }, Math.floor(Date.now() / 1000) - 3600);
    const staleResponse = await fetch(`${service.url}${InternalPaths.generate}`, { method: "POST", headers: { "content-type": "application/json", ...stale }, body });
    expect(await errorOf(staleResponse)).toMatchObject({ code: "unauthorized", message: expect.stringContaining("replay window") });

    // A signature over another body does not carry over to this one.
    const otherBody = await signatureHeaders(TEST_SECRET, { method: "POST", path: InternalPaths.generate, body: "{}" });
    const tampered = await fetch(`${service.url}${InternalPaths.generate}`, { method: "POST", headers: { "content-type": "application/json", ...otherBody }, body });
    expect(tampered.status).toBe(401);
    expect(await batchesRun()).toBe(before);
  });

  it("accepts a signed request once and refuses its exact replay inside the window", async () => {
    const body = JSON.stringify(generation({ selection: { mode: "student" } }));
    const headers = { "content-type": "application/json", ...(await signatureHeaders(TEST_SECRET, { method: "POST", path: InternalPaths.generate, body })) };
    const first = await fetch(`${service.url}${InternalPaths.generate}`, { method: "POST", headers, body });
    expect(first.status).toBe(200);
    const replay = await fetch(`${service.url}${InternalPaths.generate}`, { method: "POST", headers, body });
    expect(replay.status).toBe(401);
    expect(await errorOf(replay)).toMatchObject({ code: "unauthorized", message: expect.stringContaining("replay") });
    expect(headers[TIMESTAMP_HEADER]).toMatch(/^\d+$/);
  });
});

describe("bad input is a 4xx naming the field", () => {
  it.each([
    ["malformed JSON", "{\"prompt\": ", 400, "invalid_json", null],
    ["an unknown field", { ...generation(), colour: "red" }, 400, "unknown_field", "colour"],
    ["a missing prompt", { ...generation(), prompt: undefined }, 400, "missing_field", "prompt"],
    ["an uncalibrated k", generation({ selection: { mode: "adaptive", k: 33 } }), 400, "invalid_value", "k"],
    ["a size the bundle does not serve", generation({ width: 48, height: 48 }), 400, "invalid_value", "size"],
    ["an unknown bundle", generation({ bundle: "someone-elses-bundle" }), 404, "unknown_bundle", "bundle"],
  ])("%s", async (_, body, status, code, param) => {
    const response = await service.call("POST", InternalPaths.generate, body);
    expect(response.status).toBe(status);
    expect(await errorOf(response)).toMatchObject({ code, param });
  });

  it("an edit whose image is not an image", async () => {
    const response = await service.call("POST", InternalPaths.edit, { ...generation(), image_b64: Buffer.from("not a png").toString("base64") });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: "invalid_value", param: "image" });
  });

  it("a body that is not JSON, or too large", async () => {
    const text = await service.call("POST", InternalPaths.generate, JSON.stringify(generation()), { headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(415);
    const huge = await service.call("POST", InternalPaths.edit, { ...generation(), image_b64: "A".repeat(MAX_BODY_BYTES) });
    expect(huge.status).toBe(413);
    expect(await errorOf(huge)).toMatchObject({ code: "payload_too_large" });
  });

  it("an unknown route", async () => {
    const response = await service.call("GET", "/internal/v2/generate");
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: "not_found" });
  });
});

describe("scheduling", () => {
  it("batches student requests that wait together into shared student stages", async () => {
    const held = service.holdWorker(HOLD_MS);
    const batchesBefore = await batchesRun();
    const requests = [1, 2, 3, 4].map((seed) => service.call("POST", InternalPaths.generate, generation({ seed, selection: { mode: "student" } })));
    await until(() => service.scheduler.load().studentBacklog === 4, "all four wait for the worker");
    await held;
    for (const response of await Promise.all(requests)) expect(response.status).toBe(200);
    expect(await batchesRun()).toBe(batchesBefore + 1);
  });

  it("refuses at once with 503 and Retry-After when the student queue is full, and serves what it admitted", async () => {
    const held = service.holdWorker(HOLD_MS);
    const admitted = service.call("POST", InternalPaths.generate, generation({ n: 4, selection: { mode: "student" } }));
    await until(() => service.scheduler.load().studentBacklog === 4, "the first request fills the queue");
    const shedBefore = await counter(service.metrics.shed, { reason: "student_queue_full" });
    const refused = await service.call("POST", InternalPaths.generate, generation());
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await errorOf(refused)).toMatchObject({ code: "overloaded", message: expect.stringContaining("student queue is full") });
    expect(await counter(service.metrics.shed, { reason: "student_queue_full" })).toBe(shedBefore + 1);
    await held;
    expect((await admitted).status).toBe(200);
  });

  it("serves the student's image marked degraded when the teacher cannot meet the deadline", async () => {
    // k = 100 sends every sample to the teacher. The deadline leaves room for the student's image (a deadline
    // that could not fit even that is refused at admission) but not for a refinement, which runs half the teacher.
    const load = service.scheduler.load();
    const room = 4 * load.studentFinishMs(1);
    expect(room).toBeLessThan(0.5 * (load.teacherJobMs ?? Number.POSITIVE_INFINITY));
    const response = await service.call("POST", InternalPaths.generate, generation({ selection: { mode: "adaptive", k: 100 }, deadline_ms: Math.round(Date.now() + room), stream: true }));
    expect(response.status, JSON.stringify(load)).toBe(200);
    const events = parseSse(await response.text()).map((event) => StageEvent.parse(event));
    expect(events.find((event) => event.event === "verdict")).toMatchObject({ decision: "degraded" });
    expect(events.find((event) => event.event === "final")).toMatchObject({
      image: { route: "student", degraded: true, degraded_reason: "deadline", unet_evaluations: { teacher: 0 } },
    });
  });

  it("degrades for load when the teacher queue is full, and the live teacher share shows it", async () => {
    const loadBefore = await counter(service.metrics.degraded, { reason: "load" });
    // One student batch of four all wanting the teacher: one runs at once, two fill the queue, one degrades.
    const response = await service.call("POST", InternalPaths.generate, generation({ n: 4, selection: { mode: "adaptive", k: 100 } }));
    const { images } = InternalImagesResponse.parse(await response.json());
    const routes = images.map((image) => (image.degraded ? `student/${image.degraded_reason}` : image.route));
    expect(routes.toSorted()).toEqual(["refined", "refined", "refined", "student/load"]);
    expect(await counter(service.metrics.degraded, { reason: "load" })).toBe(loadBefore + 1);
    const share = await service.metrics.registry.getSingleMetricAsString("understudy_teacher_share");
    expect(share).toMatch(/understudy_teacher_share\{k="100",kind="wanted"\} 1\n/);
    expect(share).toMatch(/understudy_teacher_share\{k="100",kind="served"\} 0\.\d+/);
  });
});

describe("faults", () => {
  it("answers /healthz from the HTTP thread while a teacher run occupies the worker", async () => {
    const held = service.holdWorker(HOLD_MS);
    const health = await fetch(`${service.url}/healthz`);
    expect(health.status).toBe(200);
    expect(service.pool.busyWorkers()).toHaveLength(1);
    await held;
  });

  it("fails only the request whose worker died, with a clean 500, and serves later requests on a replacement", async () => {
    const restartsBefore = await counter(service.metrics.workerRestarts);
    // An edit of a large image: its worker spends a while decoding it, in JavaScript. (A worker cut off inside
    // an onnxruntime run would take the whole process down with it: onnxruntime-node finishes runs from a
    // native thread, so no thread-level fault can be survived there.)
    const running = service.call("POST", InternalPaths.edit, { ...generation(), image_b64: largePngB64() });
    await until(() => service.pool.busyWorkers().length === 1, "the edit's image is being decoded");
    await service.pool.busyWorkers()[0]!.terminate();
    const failed = await running;
    expect(failed.status).toBe(500);
    expect(await errorOf(failed)).toMatchObject({ code: "internal_error", message: expect.stringContaining("worker exited") });
    expect(await counter(service.metrics.workerRestarts)).toBe(restartsBefore + 1);

    // The request sent while the replacement loads waits for it rather than failing.
    const later = await service.call("POST", InternalPaths.generate, generation());
    expect(later.status).toBe(200);
    expect(service.pool.ready).toBe(1);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });
});

describe("metrics", () => {
  it("exports queue depths, batch sizes, stage latencies, routes, oracle scores, τ and shed counts in Prometheus format", async () => {
    const response = await fetch(`${service.url}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    for (const name of [
      'understudy_queue_depth{queue="student"}',
      "understudy_student_batch_size_bucket",
      'understudy_stage_duration_seconds_bucket{le="0.001",stage="student"}',
      'understudy_images_total{route="student"}',
      "understudy_oracle_score_bucket",
      'understudy_oracle_threshold{k="50",source="calibrated"}',
      'understudy_oracle_threshold{k="50",source="live"}',
      'understudy_teacher_share{k="50",kind="requested"} 0.5',
      'understudy_shed_requests_total{reason="student_queue_full"}',
      "understudy_http_request_duration_seconds_bucket",
      "process_resident_memory_bytes",
    ]) {
      expect(text).toContain(name);
    }
  });
});
