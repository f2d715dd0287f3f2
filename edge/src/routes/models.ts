import { createRoute, z } from "@hono/zod-openapi";
import { ApiError, ModelList, ModelObject, modelObject } from "@understudy/shared";
import type { Context } from "hono";
import type { AppEnv } from "../env.js";
import { currentBundle } from "../gpu/bundle.js";
import { bearer, commonErrors, errorResponse, router } from "./openapi.js";

const unavailable = errorResponse("The image service is unavailable and no bundle was seen before; see `Retry-After`.");

const listRoute = createRoute({
  method: "get",
  path: "/v1/models",
  summary: "The model this deployment serves, as OpenAI's model list",
  security: bearer,
  responses: { 200: { description: "One entry: the served bundle.", content: { "application/json": { schema: ModelList } } }, ...commonErrors, 503: unavailable },
});

const retrieveRoute = createRoute({
  method: "get",
  path: "/v1/models/{model}",
  summary: "One model by id",
  security: bearer,
  request: { params: z.object({ model: z.string().max(128) }) },
  responses: {
    200: { description: "The served bundle.", content: { "application/json": { schema: ModelObject } } },
    404: errorResponse("Not the model this deployment serves."),
    ...commonErrors,
    503: unavailable,
  },
});

/** The served bundle, from the isolate's copy when it has one (see gpu/bundle.ts). */
function served(c: Context<AppEnv>) {
  return currentBundle(c.env, c.get("requestId"), (p) => c.executionCtx.waitUntil(p));
}

export const models = router()
  .openapi(listRoute, async (c) => c.json({ object: "list" as const, data: [modelObject(await served(c))] }, 200))
  .openapi(retrieveRoute, async (c) => {
    const { model } = c.req.valid("param");
    const bundle = await served(c);
    if (model !== bundle.id) throw new ApiError("not_found", `model: "${model}" is not served here; this deployment serves "${bundle.id}".`, { param: "model" });
    return c.json(modelObject(bundle), 200);
  });
