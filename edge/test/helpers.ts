import { SELF, env } from "cloudflare:test";
import { vi } from "vitest";
import type { ErrorBody, TierName, UsageResponse } from "@understudy/shared";
import { resetBreakers } from "../src/gpu/breaker.js";
import { forgetBundle } from "../src/gpu/bundle.js";
import { hot } from "../src/cache/imageCache.js";
import { budgetOf } from "../src/tenants/directory.js";
import { StandinGpuService } from "./standin.js";

export const ADMIN_TOKEN = "test-admin-token";
export const standin = new StandinGpuService("test-gpu-secret");

/** Routes the worker's outbound fetches to the gpu origins into the stand-in; fresh breakers and bundle per test. */
export function installStandin(): void {
  standin.reset();
  resetBreakers();
  forgetBundle();
  hot.clear();
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (/^http:\/\/gpu-[ab]\.test\//.test(request.url)) return standin.handle(request);
    return realFetch(input, init);
  });
}

let tenantCounter = 0;

/** A fresh tenant (unique name, so tests never share budgets) and one API key for it. */
export async function newTenant(tier: TierName, monthlyCredits: number | null = null): Promise<{ tenant: string; key: string; prefix: string }> {
  const tenant = `t${Date.now().toString(36)}-${tenantCounter++}`;
  const response = await SELF.fetch(`https://edge.test/admin/tenants/${tenant}/keys`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ tier, monthly_credits: monthlyCredits }),
  });
  if (response.status !== 201) throw new Error(`creating a tenant failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { tenant: string; key: string; prefix: string };
}

export function generate(key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch("https://edge.test/v1/images/generations", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function get(path: string, key?: string): Promise<Response> {
  return SELF.fetch(`https://edge.test${path}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
}

export function budget(tenant: string) {
  return budgetOf(env, tenant);
}

export async function usage(key: string) {
  return (await (await get("/v1/usage", key)).json()) as UsageResponse;
}

export function edit(key: string, fields: Record<string, string>, image?: Blob, headers: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (image) form.append("image", image, "input.png");
  return SELF.fetch("https://edge.test/v1/images/edits", { method: "POST", headers: { Authorization: `Bearer ${key}`, ...headers }, body: form });
}

export async function errorOf(response: Response) {
  return ((await response.json()) as ErrorBody).error;
}
