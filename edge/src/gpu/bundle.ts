import { BundleInfo, InternalPaths } from "@understudy/shared";
import type { Env } from "../env.js";
import { edgeConfig } from "../config.js";
import { callGpu } from "./client.js";

/**
 * What the gpu-service serves (its bundle's id, version and defaults). Every cache key and every
 * reservation needs it, so it is kept in the isolate for a short while and in KV as a last known value:
 * cache hits keep working while the gpu-service is down.
 */
const FRESH_MS = 30_000;
const KV_KEY = "bundle:last";

let cached: { info: BundleInfo; fetchedAt: number } | null = null;

export function forgetBundle(): void {
  cached = null;
}

async function fetchBundle(env: Env, requestId: string): Promise<BundleInfo> {
  const config = edgeConfig(env);
  const deadlineAt = Date.now() + Math.min(config.deadlineMs, 5_000);
  const { value } = await callGpu(config, env.GPU_SERVICE_SECRET, { method: "GET", path: InternalPaths.bundle, requestId, deadlineAt }, BundleInfo);
  return value;
}

export async function currentBundle(env: Env, requestId: string, waitUntil: (p: Promise<unknown>) => void): Promise<BundleInfo> {
  if (cached && Date.now() - cached.fetchedAt < FRESH_MS) return cached.info;
  try {
    const info = await fetchBundle(env, requestId);
    const changed = !cached || cached.info.version !== info.version || cached.info.id !== info.id;
    cached = { info, fetchedAt: Date.now() };
    if (changed) waitUntil(env.KEYS.put(KV_KEY, JSON.stringify(info)));
    return info;
  } catch (error) {
    const stale = cached?.info ?? BundleInfo.safeParse(await env.KEYS.get(KV_KEY, "json")).data;
    if (stale) return stale;
    throw error;
  }
}
