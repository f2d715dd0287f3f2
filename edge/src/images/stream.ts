import { ApiError, ErrorCode, StageEvent, type DegradedReason, type ImageData, type ImageStreamEvent } from "@understudy/shared";
import { receiveEventStream } from "../gpu/client.js";
import { callWithFallback, explain, inFlight, lookUp, refundOnFailure, reserve, settle, type Answer, type JobContext, type Miss, type Outcome, type Reserved } from "./generate.js";
import type { ImageJob, ImagePlan } from "./plan.js";
import { imageData, imagesEnvelope, imagesResponse } from "./respond.js";
import { Png } from "./png.js";

/**
 * Progressive delivery (`stream: true`): the service's stage events relayed as they arrive, in the public
 * shape (shared's ImageStreamEvent). Money and cache follow the plain path exactly: the worst case is
 * reserved and the call opened before the first byte (so a refusal is still a plain error status), `done`
 * settles and caches, and an `error` event or a stream that breaks off refunds everything.
 */

/** The headers of a streamed answer; the route sends them with the body (keeping the app's own headers). */
export const EVENT_STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // No proxy or browser may hold events back or rewrite them: their order and timing are the point.
  "Cache-Control": "no-cache, no-transform",
};

const streamAnswer: Answer<ReadableStream<Uint8Array>> = { stream: true, receive: receiveEventStream };

/** Public events → `event:`/`data:` blocks. The name is repeated in the JSON so a client may read either. */
export function sseEncoder(): TransformStream<ImageStreamEvent, Uint8Array> {
  const encoder = new TextEncoder();
  return new TransformStream({
    transform: (event, controller) => controller.enqueue(encoder.encode(`event: ${event.event}\ndata: ${JSON.stringify(event)}\n\n`)),
  });
}

const unexpectedShape = () => new ApiError("internal_error", "The image service sent a stage event in an unexpected shape; nothing was charged. Retry the request.");

/** One SSE block → its JSON data, or null for blocks without data (comments, keep-alives). */
function dataOf(block: string): unknown {
  const lines = block.split("\n").filter((line) => line.startsWith("data:"));
  if (lines.length === 0) return null;
  try {
    return JSON.parse(lines.map((line) => line.slice(5).replace(/^ /, "")).join("\n"));
  } catch {
    throw unexpectedShape();
  }
}

/** The gpu-service's `text/event-stream` (decoded text) → its stage events, each validated against the contract. */
export function stageEvents(): TransformStream<string, StageEvent> {
  let buffer = "";
  return new TransformStream({
    transform(text, controller) {
      buffer += text.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const data = dataOf(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (data === null) continue;
        const parsed = StageEvent.safeParse(data);
        if (!parsed.success) throw unexpectedShape();
        controller.enqueue(parsed.data);
      }
    },
  });
}

/** An `error` event from the service, in the public vocabulary (its codes are ours; anything else is internal). */
function upstreamFailure(event: Extract<StageEvent, { event: "error" }>): ApiError {
  const code = ErrorCode.safeParse(event.code);
  return new ApiError(code.success ? code.data : "internal_error", `${event.message} Nothing was charged.`);
}

/** The body ended, or could not be read, before `done`: the deadline ran out or the connection broke. */
function brokenOff(cause?: unknown): ApiError {
  const timeout = cause instanceof Error && (cause.name === "TimeoutError" || cause.name === "AbortError");
  return timeout
    ? new ApiError("upstream_timeout", "The image service did not finish in time; nothing was charged. Retry the request.")
    : new ApiError("upstream_unavailable", "The image service's stream broke off before the final image; nothing was charged. Retry the request.");
}

/** Maps one request's stage events to public ones, shaping each final image once (a `url` image is stored once). */
class Relay {
  private readonly data: ImageData[] = [];

  constructor(
    private readonly ctx: JobContext,
    private readonly plan: ImagePlan,
    private readonly reserved: Reserved,
    private readonly imposed: DegradedReason | null,
    private readonly origin: string,
    private readonly gpuMs: number,
  ) {}

  /** The public event for `event`; `done` settles and caches and resolves the outcome; `error` throws. */
  async map(event: StageEvent): Promise<{ event: ImageStreamEvent; outcome?: Outcome }> {
    switch (event.event) {
      case "preview":
        return { event: { event: "preview", index: event.index, seed: event.seed, b64_json: event.png_b64 } };
      case "verdict":
        return { event };
      case "final": {
        const produced = { png: Png.fromBase64(event.image.png_b64), explanation: explain(event.image, this.imposed) };
        const image = await imageData(this.ctx, produced, this.plan.responseFormat, this.origin);
        this.data[event.index] = image;
        return { event: { event: "final", index: event.index, image } };
      }
      case "done": {
        const outcome = settle(this.ctx, this.plan, this.reserved, event.response, this.imposed, this.gpuMs);
        return { event: { event: "done", response: imagesEnvelope(this.ctx, outcome, this.data) }, outcome };
      }
      case "error":
        throw upstreamFailure(event);
    }
  }
}

/**
 * Reads the service's events to the end and writes the public ones. Writes are not awaited: a client that
 * reads slowly or leaves must not stall the relay, because the work it asked for is being done and is
 * settled (and cached, so a seeded retry is free) either way. Resolves at `done`; on anything else refunds,
 * tells the client with an `error` event, and rejects.
 */
async function relayAll(events: ReadableStream<StageEvent>, relay: Relay, out: WritableStream<ImageStreamEvent>, refund: () => Promise<unknown>): Promise<Outcome> {
  const writer = out.getWriter();
  const send = (event: ImageStreamEvent) => void writer.write(event).catch(() => undefined);
  const reader = events.getReader();
  try {
    for (;;) {
      const next = await reader.read().catch((cause: unknown) => Promise.reject(cause instanceof ApiError ? cause : brokenOff(cause)));
      if (next.done) throw brokenOff();
      const { event, outcome } = await relay.map(next.value);
      send(event);
      if (outcome) return outcome;
    }
  } catch (cause) {
    const error = cause instanceof ApiError ? cause : new ApiError("internal_error", "The stream failed on the edge; nothing was charged. Retry the request.");
    // A refund that fails now is not lost: the object releases reservations whose request vanished.
    await refund().catch(() => undefined);
    send({ event: "error", code: error.code, message: error.message });
    throw error;
  } finally {
    // Whatever the service still had to say after `done` or a failure is of no use; free its connection.
    void reader.cancel().catch(() => undefined);
    void writer.close().catch(() => undefined);
  }
}

/** A miss: reserve, open the service's stream, hand the public stream to `open`, then relay until `done`. */
async function computeStreamed(ctx: JobContext, { plan, bundle }: Miss, origin: string, open: (body: ReadableStream<Uint8Array>) => void): Promise<Outcome> {
  const reserved = await ctx.time("reserve", () => reserve(ctx, plan, bundle));
  const { answer, reason } = await refundOnFailure(ctx, reserved, () => callWithFallback(ctx, reserved.plan, bundle, streamAnswer));
  const relay = new Relay(ctx, plan, reserved, reserved.reason ?? reason, origin, answer.elapsedMs);
  const { readable, writable } = sseEncoder();
  open(readable);
  const events = answer.value.pipeThrough(new TextDecoderStream()).pipeThrough(stageEvents());
  return relayAll(events, relay, writable, () => ctx.caller.budget.refund(reserved.reservation));
}

/**
 * Answers as soon as the stream is open; failures before that (credits, an unreachable service) reject
 * and leave as plain JSON errors. The relay runs to its end under waitUntil, whether or not anyone listens,
 * as the one computation identical requests in this isolate join.
 */
function streamMiss(ctx: JobContext, miss: Miss, origin: string): Promise<ReadableStream<Uint8Array>> {
  return new Promise((resolve, reject) => {
    const outcome = inFlight(miss, () => computeStreamed(ctx, miss, origin, resolve));
    // After the response is out, this reject is a no-op: the client was told by an `error` event.
    ctx.waitUntil(outcome.catch(reject));
  });
}

/** An answer that needs no gpu-service (cache hit, or an identical request's images): final images, then done. */
async function shortStream(ctx: JobContext, outcome: Outcome, origin: string): Promise<ReadableStream<Uint8Array>> {
  const response = await imagesResponse(ctx, outcome, origin);
  const events: ImageStreamEvent[] = [...response.data.map((image, index) => ({ event: "final" as const, index, image })), { event: "done", response }];
  const body = new ReadableStream<ImageStreamEvent>({
    start(controller) {
      events.forEach((event) => controller.enqueue(event));
      controller.close();
    },
  });
  return body.pipeThrough(sseEncoder());
}

/** `stream: true`: the same life as a plain request (cache, single flight, reserve, settle), told as it happens. */
export async function streamImages(ctx: JobContext, job: ImageJob, origin: string): Promise<ReadableStream<Uint8Array>> {
  const found = await lookUp(ctx, job);
  if ("outcome" in found) return shortStream(ctx, found.outcome, origin);
  return streamMiss(ctx, found.miss, origin);
}
