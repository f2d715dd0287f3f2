import { createRoute } from "@hono/zod-openapi";
import { UsageResponse } from "@understudy/shared";
import { bearer, commonErrors, router } from "./openapi.js";

const usageRoute = createRoute({
  method: "get",
  path: "/v1/usage",
  summary: "Your tier, credits left and teacher share this month",
  security: bearer,
  responses: { 200: { description: "Usage for the current calendar month (UTC).", content: { "application/json": { schema: UsageResponse } } }, ...commonErrors },
});

export const usage = router().openapi(usageRoute, async (c) => c.json(await c.get("caller").budget.usage(), 200));
