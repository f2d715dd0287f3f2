import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { endTime, setMetric, startTime } from "hono/timing";
import { ApiError, GenerationRequest, ImageStreamEvent, ImagesResponse } from "@understudy/shared";
import type { AppEnv } from "../env.js";
import { produceImages, type JobContext } from "../images/generate.js";
import type { ImageJob } from "../images/plan.js";
import { imagesResponse } from "../images/respond.js";
import { EVENT_STREAM_HEADERS, streamImages } from "../images/stream.js";
import { EditForm, editJob } from "../images/upload.js";
import { IMAGE_ID, loadImage } from "../cache/imageStore.js";
import { bearer, commonErrors, generationErrors, router } from "./openapi.js";

const imagesAnswer = {
  description: "The images, each with what it cost and why it looks as it does. With `stream: true`, server-sent events: `preview`, `verdict` and `final` per image, then `done` with this same body (or `error`, and nothing is charged).",
  content: { "application/json": { schema: ImagesResponse }, "text/event-stream": { schema: ImageStreamEvent } },
};

const generations = createRoute({
  method: "post",
  path: "/v1/images/generations",
  summary: "Create images from a prompt",
  description:
    "OpenAI-compatible. The student draws every image; the oracle scores it; the teacher refines the share k that your tier and `quality` buy. Seeded requests repeat exactly and are served free from the cache. Send `Idempotency-Key` to retry safely.",
  security: bearer,
  request: { body: { required: true, content: { "application/json": { schema: GenerationRequest } } } },
  responses: { 200: imagesAnswer, ...generationErrors },
});

const edits = createRoute({
  method: "post",
  path: "/v1/images/edits",
  summary: "Edit an image with a prompt (SDEdit)",
  description: "OpenAI-compatible multipart form: an `image` file (PNG or JPEG, at most 4 MiB) plus the same fields as generations.",
  security: bearer,
  request: { body: { required: true, content: { "multipart/form-data": { schema: EditForm } } } },
  responses: { 200: imagesAnswer, ...generationErrors },
});

const imageById = createRoute({
  method: "get",
  path: "/v1/images/{id}",
  summary: "Fetch an image returned as a `url`",
  description: "Only the tenant that created the image can fetch it.",
  security: bearer,
  request: { params: z.object({ id: z.string() }) },
  responses: {
    200: { description: "The PNG.", content: { "image/png": { schema: z.string() } } },
    ...commonErrors,
    404: { description: "No such image for this API key's tenant." },
  },
});

function jobContext(c: Context<AppEnv>): JobContext {
  return {
    env: c.env,
    caller: c.get("caller"),
    requestId: c.get("requestId"),
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    time: async (name, work) => {
      startTime(c, name);
      try {
        return await work();
      } finally {
        endTime(c, name);
      }
    },
  };
}

/**
 * Idempotency-Key replays the stored body of the first answer, and a stream has none to store (its events
 * are the answer as it happened). Refused rather than half-honoured; a seeded stream retried is free anyway.
 */
function refuseIdempotentStream(c: Context<AppEnv>): void {
  if (c.req.header("Idempotency-Key") === undefined) return;
  throw new ApiError(
    "invalid_value",
    "Idempotency-Key: not supported with stream: true (a stream cannot be replayed). Drop the header and retry with the same seed (a repeat is free from the cache), or send stream: false to keep the key.",
    { param: "Idempotency-Key" },
  );
}

async function answer(c: Context<AppEnv>, job: ImageJob) {
  const ctx = jobContext(c);
  const origin = new URL(c.req.url).origin;
  if (job.request.stream) {
    refuseIdempotentStream(c);
    return c.body(await streamImages(ctx, job, origin), 200, EVENT_STREAM_HEADERS);
  }
  const outcome = await produceImages(ctx, job);
  if (outcome.gpuMs !== null) setMetric(c, "gpu", outcome.gpuMs, "gpu-service round trip");
  return c.json(await imagesResponse(ctx, outcome, origin), 200);
}

export const images = router()
  .openapi(generations, async (c) => answer(c, { kind: "generate", request: c.req.valid("json") }))
  .openapi(edits, async (c) => answer(c, await editJob(c.req.valid("form"))))
  .openapi(imageById, async (c) => {
    const { id } = c.req.valid("param");
    const notFound = new ApiError("not_found", "id: no image with this id belongs to your tenant.", { param: "id" });
    if (!IMAGE_ID.test(id)) throw notFound;
    const image = await loadImage(c.env.IMAGES, c.get("caller").tenant, id, (p) => c.executionCtx.waitUntil(p));
    if (!image) throw notFound;
    return image;
  });
