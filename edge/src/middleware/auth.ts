import { createMiddleware } from "hono/factory";
import { endTime, startTime } from "hono/timing";
import { ApiError, TIERS } from "@understudy/shared";
import type { AppEnv } from "../env.js";
import { bearerToken, hashApiKey, looksLikeApiKey } from "../tenants/keys.js";
import { budgetOf, tenantForKeyHash } from "../tenants/directory.js";

const unauthorized = () =>
  new ApiError("unauthorized", "Authorization: send `Authorization: Bearer <api key>` with a valid, unrevoked key.", { param: "Authorization" });

/**
 * Bearer API keys. The key is hashed at once; KV maps the hash to a tenant and the tenant's Durable
 * Object confirms it (so revocation is immediate even while KV still caches the mapping). The same call
 * takes the request's rate-limit token, which the rateLimit middleware then enforces: one round trip, not two.
 */
export const auth = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearerToken(c.req.header("Authorization"));
  if (!key || !looksLikeApiKey(key)) throw unauthorized();
  startTime(c, "auth", "API key and rate-limit token: KV lookup, then the tenant's Durable Object");
  const hash = await hashApiKey(key);
  const tenant = await tenantForKeyHash(c.env, hash);
  if (!tenant) throw unauthorized();
  const budget = budgetOf(c.env, tenant);
  const admitted = await budget.admit(hash);
  endTime(c, "auth");
  if (!admitted) throw unauthorized();
  const { tenant: record, token } = admitted;
  c.set("caller", { tenant: record.name, tierName: record.tier, tier: TIERS[record.tier], budget });
  c.set("token", token);
  await next();
});
