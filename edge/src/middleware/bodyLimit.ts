import { bodyLimit } from "hono/body-limit";
import { ApiError } from "@understudy/shared";

/** Refuses bodies over `maxBytes` before anything reads them, counting streamed bodies too. */
export const limitBody = (maxBytes: number) =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("payload_too_large", `body: the request body exceeds ${Math.floor(maxBytes / 1024)} KiB.`, { param: "body" });
    },
  });
