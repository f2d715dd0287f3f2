import { createMiddleware } from "hono/factory";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError, sha256Hex } from "@understudy/shared";
import type { AppEnv } from "../env.js";

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key`: the first successful answer under a key is stored in the tenant's Durable Object and
 * replayed for the same request; the same key with a different request is a 409. Failures release the key,
 * so a retry after a 503 really runs again (and was never charged).
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("Idempotency-Key");
  if (key === undefined || c.req.method !== "POST") return next();
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError("invalid_value", "Idempotency-Key: use 1 to 255 visible ASCII characters.", { param: "Idempotency-Key" });
  }
  const { budget } = c.get("caller");
  const body = new Uint8Array(await c.req.arrayBuffer());
  const fingerprint = await sha256Hex(`${c.req.method} ${c.req.path}\n${c.req.header("Content-Type") ?? ""}\n${await sha256Hex(body)}`);
  const verdict = await budget.beginIdempotent(key, fingerprint);
  if (verdict.state === "conflict") {
    throw new ApiError("idempotency_conflict", "Idempotency-Key: this key was already used with a different request; use a new key.", { param: "Idempotency-Key" });
  }
  if (verdict.state === "in_progress") {
    throw new ApiError("idempotency_conflict", "Idempotency-Key: a request with this key is still running; retry shortly.", { param: "Idempotency-Key", retryAfterSeconds: 1 });
  }
  if (verdict.state === "replay") {
    // Through the context, so the replay carries this request's id and the secure headers like any answer.
    return c.body(verdict.body, verdict.status as ContentfulStatusCode, { "Content-Type": "application/json", "Idempotent-Replayed": "true" });
  }
  try {
    await next();
  } finally {
    // c.res is the error response when a handler threw (Hono's compose runs onError before returning here).
    if (c.res.ok) await budget.completeIdempotent(key, c.res.status, await c.res.clone().text());
    else await budget.releaseIdempotent(key);
  }
});
