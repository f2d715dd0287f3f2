import { createMiddleware } from "hono/factory";
import { endTime, startTime } from "hono/timing";
import { ApiError } from "@understudy/shared";
import type { AppEnv } from "../env.js";

/** The tier's token bucket, kept in the tenant's Durable Object so every isolate shares one count. */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { budget, tier } = c.get("caller");
  startTime(c, "ratelimit");
  const verdict = await budget.takeToken();
  endTime(c, "ratelimit");
  if (!verdict.ok) {
    throw new ApiError("rate_limited", `Your tier allows ${tier.rate_limit.requests_per_minute} requests per minute (bursts of ${tier.rate_limit.burst}); retry in ${verdict.retryAfterSeconds} s.`, {
      retryAfterSeconds: verdict.retryAfterSeconds,
    });
  }
  await next();
});
