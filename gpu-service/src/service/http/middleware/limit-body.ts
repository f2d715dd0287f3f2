import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "@understudy/shared";

/** Hono's body limit (declared length and streamed bytes), answering in our error shape and closing the connection. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      // The unread rest of the body makes the connection unusable for another request.
      c.header("Connection", "close");
      throw new ApiError("payload_too_large", `body: larger than ${maxBytes} bytes; send a smaller image (at most 4 MiB before base64).`);
    },
  });
}
