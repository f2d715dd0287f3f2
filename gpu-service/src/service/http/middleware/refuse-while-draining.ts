import type { MiddlewareHandler } from "hono";
import { ApiError } from "@understudy/shared";

/**
 * During a graceful shutdown new requests are refused at once (the edge retries another replica) and the
 * connection is closed, so keep-alive sockets do not hold the shutdown open.
 */
export function refuseWhileDraining(isDraining: () => boolean): MiddlewareHandler {
  return async (c, next) => {
    if (!isDraining()) return next();
    c.header("Connection", "close");
    throw new ApiError("overloaded", "The gpu-service is shutting down; retry on another replica.", { retryAfterSeconds: 1 });
  };
}
