import { z } from "zod";
import { ErrorCode } from "./errors.js";
import { ImageData, ImagesResponse, Seed } from "./images.js";
import { VerdictEvent } from "./internal.js";

/**
 * The public server-sent events of `stream: true` (`text/event-stream`, one `event: <name>` and one JSON
 * `data:` line per event, the name repeated in the data). Per image: `preview` (the student's PNG, inline
 * whatever `response_format` says: it is transient), `verdict` (the oracle's score against τ), `final` (the
 * image in the public shape with its explanation); then one `done` carrying exactly the body a plain request
 * would have answered, credits charged included. `error` ends a stream that failed after it started; nothing
 * is charged for it.
 */
export const ImageStreamEvent = z.discriminatedUnion("event", [
  z.object({ event: z.literal("preview"), index: z.number().int(), seed: Seed, b64_json: z.string() }),
  VerdictEvent,
  z.object({ event: z.literal("final"), index: z.number().int(), image: ImageData }),
  z.object({ event: z.literal("done"), response: ImagesResponse }),
  z.object({ event: z.literal("error"), code: ErrorCode, message: z.string() }),
]);
export type ImageStreamEvent = z.infer<typeof ImageStreamEvent>;
