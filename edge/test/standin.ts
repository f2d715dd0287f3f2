import {
  InternalEditRequest,
  InternalGenerateRequest,
  InternalPaths,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  evaluationsPerStep,
  refineSteps,
  verifySignature,
  type BundleInfo,
  type InternalImage,
  type InternalImagesResponse,
  type StageEvent,
} from "@understudy/shared";

/**
 * A stand-in gpu-service that speaks the internal v1 contract (signatures checked, bodies validated) with
 * deterministic fake images, so worker tests and the edge benchmark isolate the edge. It is not the
 * inference service: the e2e tests in test/ use the real one.
 */
export const STANDIN_BUNDLE: BundleInfo = {
  id: "shapes-world",
  version: "standin-1",
  native_size: { width: 64, height: 64 },
  teacher_steps: 20,
  student_steps: 4,
  teacher_guidance: 3,
  student_guidance: null,
  refine_strength: 0.5,
  edit_strength: 0.6,
  calibrated_k: [5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95],
};

/** A valid 1×1 PNG; the edge never decodes pixels. */
export const TINY_PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

export type StandinBehaviour =
  | "ok"
  | "down"
  | "overloaded"
  | "teacher_overloaded"
  | "slow"
  | "rejects_image"
  /** Streams the preview and verdict, then an `error` event instead of the final image. */
  | "stream_error"
  /** Streams the preview and verdict, then ends the body without `done`. */
  | "stream_breaks";

export class StandinGpuService {
  behaviour: StandinBehaviour = "ok";
  /** Milliseconds each generation takes when behaviour is "slow". */
  slowMs = 200;
  /** Per-path count of requests that reached the service. */
  readonly calls = new Map<string, number>();
  /** Origins that refuse connections, to exercise failover between origins. */
  readonly downOrigins = new Set<string>();
  /** Signed requests rejected (should stay 0: the edge always signs). */
  rejected = 0;
  /** While set, a streamed answer waits on it after the verdict, so a test can see what arrived before the final image. */
  holdFinal: Promise<void> | null = null;
  /** While set, GET bundle waits on it: a slow bundle endpoint, so a test can see who waits for it. */
  holdBundle: Promise<void> | null = null;

  constructor(
    readonly secret: string,
    public bundle: BundleInfo = STANDIN_BUNDLE,
  ) {}

  reset(): void {
    this.behaviour = "ok";
    this.bundle = STANDIN_BUNDLE;
    this.downOrigins.clear();
    this.calls.clear();
    this.rejected = 0;
    this.holdFinal = null;
    this.holdBundle = null;
  }

  count(path: string): number {
    return this.calls.get(path) ?? 0;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (this.behaviour === "down" || this.downOrigins.has(url.origin)) throw new TypeError("fetch failed: connection refused (stand-in is down)");
    const body = request.method === "GET" ? "" : await request.text();
    const verdict = await verifySignature(this.secret, {
      method: request.method,
      path: url.pathname + url.search,
      body,
      timestamp: request.headers.get(TIMESTAMP_HEADER),
      signature: request.headers.get(SIGNATURE_HEADER),
    });
    if (!verdict.ok) {
      this.rejected += 1;
      return Response.json({ error: { message: `signature ${verdict.reason}`, type: "authentication_error", param: null, code: "unauthorized" } }, { status: 401 });
    }
    this.calls.set(url.pathname, this.count(url.pathname) + 1);
    if (url.pathname === InternalPaths.bundle) {
      if (this.holdBundle) await this.holdBundle;
      return Response.json(this.bundle);
    }
    if (url.pathname === InternalPaths.generate || url.pathname === InternalPaths.edit) return this.generate(url.pathname, body);
    return new Response("not found", { status: 404 });
  }

  private async generate(path: string, body: string): Promise<Response> {
    const schema = path === InternalPaths.edit ? InternalEditRequest : InternalGenerateRequest;
    const parsed = schema.safeParse(JSON.parse(body));
    if (!parsed.success) return Response.json({ error: { message: parsed.error.message, type: "invalid_request_error", param: null, code: "invalid_value" } }, { status: 400 });
    const request = parsed.data;
    if (this.behaviour === "rejects_image") {
      return Response.json({ error: { message: "image: could not be decoded as PNG or JPEG.", type: "invalid_request_error", param: "image", code: "invalid_value" } }, { status: 400 });
    }
    if (request.bundle !== undefined && request.bundle !== this.bundle.id) {
      return Response.json({ error: { message: `serving ${this.bundle.id}`, type: "not_found_error", param: null, code: "unknown_bundle" } }, { status: 404 });
    }
    const usesTeacher = request.selection.mode !== "student";
    if (this.behaviour === "overloaded" || (this.behaviour === "teacher_overloaded" && usesTeacher)) {
      return Response.json({ error: { message: "queue full", type: "server_error", param: null, code: "overloaded" } }, { status: 503, headers: { "Retry-After": "1" } });
    }
    if (this.behaviour === "slow") await new Promise((resolve) => setTimeout(resolve, this.slowMs));
    const answer: InternalImagesResponse = {
      version: "v1",
      request_id: request.request_id,
      bundle: { id: this.bundle.id, version: this.bundle.version },
      images: Array.from({ length: request.n }, (_, i) => this.image(request, (request.seed + i) % 2 ** 32, path === InternalPaths.edit)),
    };
    return request.stream ? this.stageEvents(answer) : Response.json(answer);
  }

  /** The service's SSE framing (hono's writeSSE): `event: <name>` and the whole event as JSON in `data:`. */
  private stageEvents(answer: InternalImagesResponse): Response {
    const { readable, writable } = new TransformStream<string, string>();
    const writer = writable.getWriter();
    const send = (event: StageEvent) => writer.write(`event: ${event.event}\ndata: ${JSON.stringify(event)}\n\n`);
    const play = async () => {
      for (const [index, image] of answer.images.entries()) {
        await send({ event: "preview", index, png_b64: image.png_b64, seed: image.seed });
        const decision = image.route === "student" ? "keep" : image.route === "regenerated" ? "regenerate" : "refine";
        if (image.oracle_score !== null) await send({ event: "verdict", index, oracle_score: image.oracle_score, threshold: image.threshold, decision });
        if (this.behaviour === "stream_error") return send({ event: "error", code: "internal_error", message: "The teacher failed." });
        if (this.behaviour === "stream_breaks") return;
        await this.holdFinal;
        await send({ event: "final", index, image });
      }
      await send({ event: "done", response: answer });
    };
    void play().finally(() => writer.close());
    return new Response(readable.pipeThrough(new TextEncoderStream()), { headers: { "Content-Type": "text/event-stream" } });
  }

  /** Deterministic oracle score in [0, 1) from prompt and seed, so adaptive routing is reproducible. */
  static score(prompt: string, seed: number): number {
    let hash = seed >>> 0;
    for (const char of prompt) hash = Math.imul(hash ^ char.charCodeAt(0), 2654435761) >>> 0;
    return (hash % 10_000) / 10_000;
  }

  private image(request: InternalGenerateRequest, seed: number, edit: boolean): InternalImage {
    const { mode, k = 0, strategy } = request.selection;
    const steps = request.steps ?? this.bundle.teacher_steps;
    const studentSteps = request.student_steps ?? this.bundle.student_steps;
    const strength = request.strength ?? (edit ? this.bundle.edit_strength : this.bundle.refine_strength);
    const perStep = evaluationsPerStep(request.guidance ?? this.bundle.teacher_guidance);
    const teacherRun = (edit || strategy === "refine" ? refineSteps(steps, strength) : steps) * perStep;
    const score = StandinGpuService.score(request.prompt, seed);
    const threshold = mode === "adaptive" ? k / 100 : null;
    const route = mode === "teacher" ? "teacher" : mode === "adaptive" && score < k / 100 ? (strategy === "refine" ? "refined" : "regenerated") : "student";
    const student = mode === "teacher" ? 0 : studentSteps;
    const teacher = route === "student" ? 0 : mode === "teacher" ? (edit ? refineSteps(steps, strength) : steps) * perStep : teacherRun;
    return {
      png_b64: TINY_PNG_B64,
      seed,
      route,
      oracle_score: mode === "teacher" ? null : score,
      threshold,
      k: mode === "adaptive" ? k : null,
      unet_evaluations: { student, teacher },
      timings_ms: { student_unet: 1, oracle: 0.2, ...(teacher > 0 ? { teacher_unet: 5 } : {}) },
      degraded: false,
      degraded_reason: null,
    };
  }
}
