import { createMiddleware } from "hono/factory";
import { ApiError } from "@understudy/shared";
import type { AppEnv } from "../env.js";

/**
 * The tier's token bucket, kept in the tenant's Durable Object so every isolate shares one count. The token
 * was taken while the key was admitted (middleware/auth.ts); this refuses the request when there was none.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { tier } = c.get("caller");
  const verdict = c.get("token");
  if (!verdict.ok) {
    throw new ApiError("rate_limited", `Your tier allows ${tier.rate_limit.requests_per_minute} requests per minute (bursts of ${tier.rate_limit.burst}); retry in ${verdict.retryAfterSeconds} s.`, {
      retryAfterSeconds: verdict.retryAfterSeconds,
    });
  }
  await next();
});
