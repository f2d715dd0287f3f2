import type { MiddlewareHandler } from "hono";
import { ApiError } from "@understudy/shared";

/** During a graceful shutdown new requests are refused at once: the edge retries another replica. */
export function refuseWhileDraining(isDraining: () => boolean): MiddlewareHandler {
  return async (_c, next) => {
    if (!isDraining()) return next();
    throw new ApiError("overloaded", "The gpu-service is shutting down; retry on another replica.", { retryAfterSeconds: 1 });
  };
}
