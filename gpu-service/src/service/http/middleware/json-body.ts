import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import { ApiError, apiErrorFromZod } from "@understudy/shared";

export type JsonBodyEnv<S extends z.ZodType> = { Variables: { body: z.infer<S> } };

/** Parses the JSON body against a contract schema; the route reads the typed result as `c.var.body`. */
export function jsonBody<S extends z.ZodType>(schema: S): MiddlewareHandler<JsonBodyEnv<S>> {
  return async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\b/i.test(type)) {
      throw new ApiError("unsupported_media_type", `content-type: expected application/json, got ${type ? `"${type}"` : "none"}.`, { param: "content-type" });
    }
    let input: unknown;
    try {
      input = JSON.parse(await c.req.text());
    } catch (error) {
      throw new ApiError("invalid_json", `body: not valid JSON (${(error as Error).message}).`);
    }
    const parsed = schema.safeParse(input);
    if (!parsed.success) throw apiErrorFromZod(parsed.error, input);
    c.set("body", parsed.data);
    await next();
  };
}
