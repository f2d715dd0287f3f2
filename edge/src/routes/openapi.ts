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

const error = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });

/** The error answers every authenticated route can give, documented once. */
export const commonErrors = {
  400: error("Invalid input; `error.param` names the field and `error.message` says what to change."),
  401: error("Missing, unknown or revoked API key."),
  429: error("Rate limit of the tier exceeded; see `Retry-After`."),
} as const;

export const generationErrors = {
  ...commonErrors,
  402: error("Not enough credits left this month for the request's worst case."),
  403: error("The tier does not include the requested mode, strategy, n or steps."),
  409: error("The Idempotency-Key was used with a different request, or that request is still running."),
  413: error("The body (or the uploaded image) is too large."),
  415: error("Wrong Content-Type."),
  503: error("The image service is unavailable or at capacity; see `Retry-After`. Nothing was charged."),
  504: error("The image service did not answer in time. Nothing was charged."),
} as const;

export const bearer = [{ bearer: [] as string[] }];
