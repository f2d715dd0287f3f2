import { createRoute, z } from "@hono/zod-openapi";
import { edgeConfig } from "../config.js";
import { breakerFor } from "../gpu/breaker.js";
import { router } from "./openapi.js";

const Health = z.object({
  status: z.literal("ok"),
  origins: z.array(z.object({ origin: z.string(), circuit: z.enum(["closed", "open", "half-open"]) })),
});

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness of the edge, and what it thinks of each gpu-service origin",
  responses: { 200: { description: "The edge is up.", content: { "application/json": { schema: Health } } } },
});

export const health = router().openapi(healthRoute, (c) =>
  c.json({ status: "ok" as const, origins: edgeConfig(c.env).origins.map((origin) => ({ origin, circuit: breakerFor(origin).state })) }, 200),
);
