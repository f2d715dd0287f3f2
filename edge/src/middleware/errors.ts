import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "@understudy/shared";
import type { AppEnv } from "../env.js";

/** Hono's own exceptions (bad JSON, wrong content type, body too large) in the API's error vocabulary. */
function fromHttpException(error: HTTPException): ApiError {
  switch (error.status) {
    case 400:
      return new ApiError("invalid_json", "body: the request body is not valid JSON.", { param: "body" });
    case 413:
      return new ApiError("payload_too_large", "body: the request body is too large.", { param: "body" });
    case 415:
      return new ApiError("unsupported_media_type", "Content-Type: send application/json for generations and multipart/form-data for edits.", { param: "Content-Type" });
    default:
      return new ApiError(error.status < 500 ? "invalid_value" : "internal_error", error.message);
  }
}

export function errorResponse(c: Context, error: ApiError): Response {
  if (error.retryAfterSeconds !== undefined) c.header("Retry-After", String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  return c.json(error.toBody(), error.status as 400);
}

/** Every failure leaves as OpenAI's error shape; anything unexpected is a 500 that names the request id. */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  if (error instanceof ApiError) return errorResponse(c, error);
  if (error instanceof HTTPException) return errorResponse(c, fromHttpException(error));
  const requestId = c.get("requestId");
  console.error(JSON.stringify({ level: "error", request_id: requestId, message: String(error), stack: error instanceof Error ? error.stack : undefined }));
  return errorResponse(c, new ApiError("internal_error", `Something went wrong on our side; quote request id ${requestId} if it persists.`));
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, new ApiError("not_found", `${c.req.method} ${new URL(c.req.url).pathname}: no such route; see /docs.`));
