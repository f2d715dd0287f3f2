import { OpenAPIHono } from "@hono/zod-openapi";
import { ErrorBody, apiErrorFromZod } from "@understudy/shared";
import type { AppEnv } from "../env.js";

/**
 * A router whose validation failures become OpenAI-shaped 400s naming the field (never Hono's default). The hook
 * hands on the input it validated, so a field that is there but wrong is not reported as missing.
 */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      // @hono/zod-validator passes the input as `data` on failure too; zod-openapi's hook type leaves it out.
      if (!result.success) throw apiErrorFromZod(result.error, "data" in result ? result.data : undefined);
    },
  });
}

/** An error answer in the OpenAPI document: OpenAI's error body, with what it means here. */
export const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });

/** The error answers every authenticated route can give, documented once. */
export const commonErrors = {
  400: errorResponse("Invalid input; `error.param` names the field and `error.message` says what to change."),
  401: errorResponse("Missing, unknown or revoked API key."),
  429: errorResponse("Rate limit of the tier exceeded; see `Retry-After`."),
} as const;

export const generationErrors = {
  ...commonErrors,
  402: errorResponse("Not enough credits left this month for the request's worst case."),
  403: errorResponse("The tier does not include the requested mode, strategy, n or steps."),
  409: errorResponse("The Idempotency-Key was used with a different request, or that request is still running."),
  413: errorResponse("The body (or the uploaded image) is too large."),
  415: errorResponse("Wrong Content-Type."),
  503: errorResponse("The image service is unavailable or at capacity; see `Retry-After`. Nothing was charged."),
  504: errorResponse("The image service did not answer in time. Nothing was charged."),
} as const;

export const bearer = [{ bearer: [] as string[] }];
