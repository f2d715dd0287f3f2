import { createRoute, z } from "@hono/zod-openapi";
import { ApiError, TierName } from "@understudy/shared";
import { TENANT_NAME, createKey, listKeys, listTenants, revokeKey } from "../tenants/directory.js";
import { router } from "./openapi.js";

/** Tenant and key management for `npm run keys`; hidden from the public API document. */
const Tenant = z.object({ tenant: z.string().regex(TENANT_NAME, { message: "use lowercase letters, digits, '.', '_' or '-'" }) });
const CreateKey = z
  .object({
    tier: TierName,
    /** Overrides the tier's monthly allowance (UNet evaluations); null restores the tier's; absent keeps it. */
    monthly_credits: z.number().int().min(0).nullable().optional(),
  })
  .strict();

const create = createRoute({
  method: "post",
  path: "/admin/tenants/{tenant}/keys",
  hide: true,
  request: { params: Tenant, body: { required: true, content: { "application/json": { schema: CreateKey } } } },
  responses: { 201: { description: "The new key, shown only this once." } },
});

const list = createRoute({
  method: "get",
  path: "/admin/tenants/{tenant}/keys",
  hide: true,
  request: { params: Tenant },
  responses: { 200: { description: "The tenant's tier and keys (prefixes only)." } },
});

const revoke = createRoute({
  method: "delete",
  path: "/admin/tenants/{tenant}/keys/{prefix}",
  hide: true,
  request: { params: Tenant.extend({ prefix: z.string().min(6).max(128) }) },
  responses: { 200: { description: "How many keys were revoked." } },
});

const tenants = createRoute({ method: "get", path: "/admin/tenants", hide: true, responses: { 200: { description: "Every tenant and its tier." } } });

export const admin = router()
  .openapi(create, async (c) => {
    const { tenant } = c.req.valid("param");
    const { tier, monthly_credits } = c.req.valid("json");
    return c.json(await createKey(c.env, tenant, tier, monthly_credits), 201);
  })
  .openapi(list, async (c) => {
    const { tenant } = c.req.valid("param");
    const found = await listKeys(c.env, tenant);
    if (!found.tenant) throw new ApiError("not_found", `tenant: no tenant named "${tenant}".`, { param: "tenant" });
    return c.json({ tenant, tier: found.tenant.tier, monthly_credits: found.tenant.monthlyCredits, keys: found.keys }, 200);
  })
  .openapi(revoke, async (c) => {
    const { tenant, prefix } = c.req.valid("param");
    const revoked = await revokeKey(c.env, tenant, prefix);
    if (revoked === 0) throw new ApiError("not_found", `prefix: no active key of "${tenant}" starts with "${prefix}".`, { param: "prefix" });
    return c.json({ tenant, revoked }, 200);
  })
  .openapi(tenants, async (c) => c.json({ tenants: await listTenants(c.env) }, 200));
