import { createMiddleware } from "hono/factory";
import { ApiError, constantTimeEqual } from "@understudy/shared";
import type { AppEnv } from "../env.js";
import { bearerToken } from "../tenants/keys.js";

/** Operators only: `Authorization: Bearer $ADMIN_TOKEN`. Without ADMIN_TOKEN configured the routes do not exist. */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) throw new ApiError("not_found", "Admin routes are disabled on this deployment (ADMIN_TOKEN is not set).");
  const token = bearerToken(c.req.header("Authorization"));
  if (!token || !constantTimeEqual(token, expected)) {
    throw new ApiError("unauthorized", "Authorization: admin routes need `Authorization: Bearer <ADMIN_TOKEN>`.", { param: "Authorization" });
  }
  await next();
});
