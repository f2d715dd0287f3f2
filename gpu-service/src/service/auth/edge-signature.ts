import { createHmac } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { ApiError, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature, type SignatureVerdict } from "@understudy/shared";
import type { ReplayMemory } from "./replay-memory.js";

export interface EdgeSignatureOptions {
  secret: string;
  windowSeconds: number;
  replay: ReplayMemory;
  nowSeconds?: () => number;
}

const WHY: Record<Exclude<SignatureVerdict, { ok: true }>["reason"], string> = {
  missing: `missing ${SIGNATURE_HEADER} or ${TIMESTAMP_HEADER}: only the edge may call the gpu-service, signing each request with GPU_SERVICE_SECRET`,
  malformed: `${TIMESTAMP_HEADER} must be Unix seconds and ${SIGNATURE_HEADER} 64 hex digits`,
  stale: `${TIMESTAMP_HEADER} is outside the replay window; check the edge's clock`,
  mismatch: "signature does not match; the edge and the gpu-service must share the same GPU_SERVICE_SECRET",
};

/**
 * Node's HMAC, synchronous: Web Crypto's `subtle.sign` (the shared default, which the edge's runtime needs) runs
 * each signature as a thread-pool job, about half a millisecond of the service's main thread per request here
 * against a few microseconds for this.
 */
export const nodeHmacSha256Hex = (secret: string, data: Uint8Array) => createHmac("sha256", secret).update(data).digest("hex");

function unauthorized(reason: string): ApiError {
  return new ApiError("unauthorized", `Unauthorized: ${reason}.`);
}

/**
 * Only the edge may call the service: HMAC-SHA256 over timestamp, method, path and raw body, within a replay
 * window, and each signature accepted once. Runs before the body is parsed, so a refused request costs nothing.
 */
export function edgeSignature(options: EdgeSignatureOptions): MiddlewareHandler {
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  return async (c, next) => {
    const signature = c.req.header(SIGNATURE_HEADER) ?? null;
    const timestamp = c.req.header(TIMESTAMP_HEADER) ?? null;
    const url = new URL(c.req.url);
    const now = nowSeconds();
    const verdict = await verifySignature(
      options.secret,
      { method: c.req.method, path: url.pathname + url.search, body: new Uint8Array(await c.req.arrayBuffer()), timestamp, signature },
      { nowSeconds: now, windowSeconds: options.windowSeconds, hmac: nodeHmacSha256Hex },
    );
    if (!verdict.ok) throw unauthorized(WHY[verdict.reason]);
    const memory = options.replay.remember(signature!, Number(timestamp), now);
    if (memory === "replayed") throw unauthorized("this exact request was already accepted (replay); sign every request afresh");
    if (memory === "full") throw new ApiError("overloaded", "Too many signed requests inside the replay window; retry shortly.", { retryAfterSeconds: 1 });
    await next();
  };
}
