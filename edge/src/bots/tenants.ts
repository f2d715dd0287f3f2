import { TIERS } from "@understudy/shared";
import type { Caller, Env } from "../env.js";
import { budgetOf } from "../tenants/directory.js";

/**
 * Which tenant a Discord guild or a Slack workspace draws on. KV holds `bot:<platform>:<id>` → tenant,
 * written by the admin API; the tenant's Durable Object stays the authority on its tier and budget.
 */
export type Platform = "discord" | "slack";

const linkKey = (platform: Platform, workspace: string) => `bot:${platform}:${workspace}`;

export async function linkWorkspace(env: Env, platform: Platform, workspace: string, tenant: string): Promise<void> {
  await env.KEYS.put(linkKey(platform, workspace), tenant);
}

export async function unlinkWorkspace(env: Env, platform: Platform, workspace: string): Promise<boolean> {
  const existed = (await env.KEYS.get(linkKey(platform, workspace))) !== null;
  await env.KEYS.delete(linkKey(platform, workspace));
  return existed;
}

/** The tenant as an API caller would be, so the generation flow and its budget apply unchanged. */
export async function callerOf(env: Env, tenant: string): Promise<Caller | null> {
  const budget = budgetOf(env, tenant);
  const record = await budget.tenant();
  if (!record) return null;
  return { tenant: record.name, tierName: record.tier, tier: TIERS[record.tier], budget };
}

export async function callerForWorkspace(env: Env, platform: Platform, workspace: string): Promise<Caller | null> {
  const tenant = await env.KEYS.get(linkKey(platform, workspace), { cacheTtl: 60 });
  return tenant === null ? null : callerOf(env, tenant);
}
