import type { MiddlewareHandler } from "hono";

/**
 * During a graceful shutdown every response asks the client to close its connection (`Connection: close`),
 * so Node ends each socket once that response is flushed and the server can close after the last one.
 * Cutting idle-looking sockets ourselves could drop a response still in the socket's buffer.
 */
export function closeConnectionsWhileDraining(isDraining: () => boolean): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (isDraining()) c.res.headers.set("Connection", "close");
  };
}
