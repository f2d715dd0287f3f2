import { BundleInfo, InternalPaths } from "@understudy/shared";
import type { Env } from "../env.js";
import { edgeConfig } from "../config.js";
import { callGpu } from "./client.js";

/**
 * What the gpu-service serves (its bundle's id, version and defaults). Every cache key and every
 * reservation needs it, so it is kept in the isolate and in KV as a last known value: cache hits keep working
 * while the gpu-service is down. Once it is older than FRESH_MS it is still used while one request refreshes it
 * in the background, so no request waits for that round trip except the isolate's first. A bundle that changed
 * meanwhile is caught by the gpu-service itself: it refuses a request planned for another version
 * (BundleMismatch), and the edge then forgets what it had.
 */
const FRESH_MS = 30_000;
/** Where the last bundle seen is kept in KV. */
export const LAST_BUNDLE_KV_KEY = "bundle:last";

let cached: { info: BundleInfo; fetchedAt: number } | null = null;
let refreshing: Promise<unknown> | null = null;

export function forgetBundle(): void {
  cached = null;
}

async function fetchBundle(env: Env, requestId: string): Promise<BundleInfo> {
  const config = edgeConfig(env);
  const deadlineAt = Date.now() + Math.min(config.deadlineMs, 5_000);
  const { value } = await callGpu(config, env.GPU_SERVICE_SECRET, { method: "GET", path: InternalPaths.bundle, requestId, deadlineAt }, BundleInfo);
  return value;
}

async function refresh(env: Env, requestId: string): Promise<BundleInfo> {
  const info = await fetchBundle(env, requestId);
  const changed = !cached || cached.info.version !== info.version || cached.info.id !== info.id;
  cached = { info, fetchedAt: Date.now() };
  if (changed) await env.KEYS.put(LAST_BUNDLE_KV_KEY, JSON.stringify(info));
  return info;
}

export async function currentBundle(env: Env, requestId: string, waitUntil: (p: Promise<unknown>) => void): Promise<BundleInfo> {
  if (cached) {
    if (Date.now() - cached.fetchedAt >= FRESH_MS && !refreshing) {
      // A failed refresh keeps the last value, and a later request tries again.
      refreshing = refresh(env, requestId).catch(() => undefined).finally(() => (refreshing = null));
      waitUntil(refreshing);
    }
    return cached.info;
  }
  try {
    return await refresh(env, requestId);
  } catch (error) {
    const stale = BundleInfo.safeParse(await env.KEYS.get(LAST_BUNDLE_KV_KEY, "json")).data;
    if (stale) return stale;
    throw error;
  }
}
