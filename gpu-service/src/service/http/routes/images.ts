import { Hono, type Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { InternalEditRequest, InternalGenerateRequest, InternalPaths, type StageEvent } from "@understudy/shared";
import type { ImagesRequest } from "../../../pipelines/index.js";
import type { Scheduler } from "../../scheduling/scheduler.js";
import { toApiError } from "../errors.js";
import { jsonBody } from "../middleware/json-body.js";

/** Generations and edits: the same two-stage path, an edit's jobs merely start from its image. */
export function imageRoutes(scheduler: () => Scheduler) {
  return new Hono()
    .post(InternalPaths.generate, jsonBody(InternalGenerateRequest), (c) => serveImages(c, scheduler(), c.var.body))
    .post(InternalPaths.edit, jsonBody(InternalEditRequest), (c) => serveImages(c, scheduler(), c.var.body));
}

/**
 * Admission happens before any byte of the answer: a refused or invalid request gets a plain error status.
 * After that, the answer is one JSON body, or (stream: true) the stage events as they happen.
 */
async function serveImages(c: Context, scheduler: Scheduler, request: ImagesRequest): Promise<Response> {
  const admitted = await scheduler.admit(request);
  if (!request.stream) {
    const { response, pipelineMs } = await admitted.run();
    // Standard Server-Timing: clients (and bench:service) can tell pipeline time from the service's own.
    c.header("Server-Timing", `pipeline;dur=${pipelineMs.toFixed(2)}`);
    return c.json(response);
  }
  return streamSSE(c, async (stream) => {
    const send = sequentialWriter(stream);
    try {
      await admitted.run(send);
    } catch (error) {
      const { code, message } = toApiError(error);
      send({ event: "error", code, message });
    }
    await send.flushed();
  });
}

/** Stage events arrive synchronously from the scheduler; SSE writes are async and must keep their order. */
function sequentialWriter(stream: SSEStreamingApi) {
  let chain = Promise.resolve();
  const send = (event: StageEvent) => {
    // A client that went away cannot be written to; its request still completes (and is counted) normally.
    chain = chain.then(() => stream.writeSSE({ event: event.event, data: JSON.stringify(event) })).catch(() => undefined);
  };
  return Object.assign(send, { flushed: () => chain });
}
