import type { Context } from "hono";
import { ApiError } from "@understudy/shared";

/** Anything thrown while handling a request, as the ApiError it should be presented as. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError("internal_error", "The gpu-service failed unexpectedly; the cause is in its log. Retry the request.");
}

/** Renders every error in OpenAI's shape with its code's status, and `Retry-After` when the error carries one. */
export function renderError(error: unknown, c: Context): Response {
  const apiError = toApiError(error);
  if (!(error instanceof ApiError)) console.error(`${c.req.method} ${c.req.path} failed:`, error);
  if (apiError.retryAfterSeconds !== undefined) c.header("Retry-After", String(apiError.retryAfterSeconds));
  return c.json(apiError.toBody(), apiError.status as 400);
}

export function renderNotFound(c: Context): Response {
  return renderError(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}; the internal API lives under /internal/v1/.`), c);
}
