import type { Env } from "./env.js";

/** Runtime settings read from vars, with the defaults that make `wrangler dev` work out of the box. */
export interface EdgeConfig {
  origins: string[];
  deadlineMs: number;
  maxAttempts: number;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

export function edgeConfig(env: Env): EdgeConfig {
  const origins = (env.GPU_SERVICE_URLS ?? "")
    .split(",")
    .map((origin) => origin.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  return {
    origins,
    deadlineMs: positiveInt(env.GPU_DEADLINE_MS, 60_000),
    maxAttempts: positiveInt(env.GPU_MAX_ATTEMPTS, 3),
  };
}

/** JSON bodies are small; edits carry one image plus form fields. */
export const JSON_BODY_LIMIT = 64 * 1024;
export const MULTIPART_OVERHEAD = 64 * 1024;
