import type { TierName } from "@understudy/shared";
import type { Env } from "../env.js";
import type { KeyRecord, TenantRecord } from "../budget/TenantBudget.js";
import { displayPrefix, generateApiKey, hashApiKey } from "./keys.js";

/**
 * The tenant directory. KV maps `key:<sha256>` → tenant (the fast lookup) and `tenant:<name>` → tier (for
 * listing); the tenant's Durable Object is the authority on both, so KV lagging behind can never let a
 * revoked key in.
 */
export const TENANT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function budgetOf(env: Env, tenant: string) {
  return env.BUDGETS.get(env.BUDGETS.idFromName(tenant));
}

/** Key hash → tenant, remembered briefly in the isolate. Safe: the tenant's object still checks every call. */
const knownTenants = new Map<string, { tenant: string; until: number }>();
const KNOWN_TTL_MS = 60_000;

export async function tenantForKeyHash(env: Env, hash: string): Promise<string | null> {
  const known = knownTenants.get(hash);
  if (known && known.until > Date.now()) return known.tenant;
  const tenant = await env.KEYS.get(`key:${hash}`, { cacheTtl: 60 });
  if (tenant) {
    if (knownTenants.size > 10_000) knownTenants.clear();
    knownTenants.set(hash, { tenant, until: Date.now() + KNOWN_TTL_MS });
  }
  return tenant;
}

export interface CreatedKey {
  tenant: string;
  tier: TierName;
  key: string;
  prefix: string;
}

/** Creates the tenant when new (or updates its tier), then issues a fresh key for it. */
export async function createKey(env: Env, tenant: string, tier: TierName, monthlyCredits: number | null | undefined): Promise<CreatedKey> {
  const budget = budgetOf(env, tenant);
  await budget.configure({ name: tenant, tier, monthlyCredits });
  const key = generateApiKey();
  const hash = await hashApiKey(key);
  await budget.addKey(hash, displayPrefix(key));
  await env.KEYS.put(`key:${hash}`, tenant);
  await env.KEYS.put(`tenant:${tenant}`, JSON.stringify({ tier }));
  return { tenant, tier, key, prefix: displayPrefix(key) };
}

export async function revokeKey(env: Env, tenant: string, prefix: string): Promise<number> {
  const hashes = await budgetOf(env, tenant).revokeKey(prefix);
  await Promise.all(hashes.map((hash) => env.KEYS.delete(`key:${hash}`)));
  return hashes.length;
}

export async function listKeys(env: Env, tenant: string): Promise<{ tenant: TenantRecord | null; keys: KeyRecord[] }> {
  const budget = budgetOf(env, tenant);
  const [record, keys] = await Promise.all([budget.tenant(), budget.listKeys()]);
  return { tenant: record, keys };
}

export async function listTenants(env: Env): Promise<{ tenant: string; tier: string }[]> {
  const listed = await env.KEYS.list({ prefix: "tenant:" });
  return Promise.all(
    listed.keys.map(async ({ name }) => {
      const value = await env.KEYS.get<{ tier: string }>(name, "json");
      return { tenant: name.slice("tenant:".length), tier: value?.tier ?? "unknown" };
    }),
  );
}
