/* global AbortSignal */
// Shared by `npm start`, `npm run keys` and the edge benchmark: where the local stack keeps its dev
// credentials, how to start its two processes, and how to wait for them.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** wrangler dev's local KV, R2 and Durable Objects live here (git-ignored), and so do the dev credentials. */
export const STATE_DIR = join(ROOT, ".wrangler", "state");
const CREDENTIALS = join(STATE_DIR, "understudy-dev.json");

export const EDGE_PORT = Number(process.env.EDGE_PORT ?? 8787);
export const GPU_PORT = Number(process.env.GPU_PORT ?? 8788);
export const EDGE_URL = `http://127.0.0.1:${EDGE_PORT}`;
export const GPU_URL = `http://127.0.0.1:${GPU_PORT}`;

/** The local stack's secrets: made on first start, kept with the local state so keys survive restarts. */
export function devCredentials() {
  mkdirSync(STATE_DIR, { recursive: true });
  if (!existsSync(CREDENTIALS)) {
    const fresh = { gpu_secret: randomBytes(32).toString("hex"), admin_token: randomBytes(24).toString("base64url"), dev_key: null };
    writeFileSync(CREDENTIALS, JSON.stringify(fresh, null, 2), { mode: 0o600 });
  }
  return JSON.parse(readFileSync(CREDENTIALS, "utf8"));
}

export function saveDevCredentials(credentials) {
  writeFileSync(CREDENTIALS, JSON.stringify(credentials, null, 2), { mode: 0o600 });
}

/** Secrets reach wrangler dev through an env file, so they never show up in process listings or logs. */
function writeEnvFile(credentials, gpuUrl, dir) {
  const lines = [`GPU_SERVICE_SECRET=${credentials.gpu_secret}`, `ADMIN_TOKEN=${credentials.admin_token}`, `GPU_SERVICE_URLS=${gpuUrl}`];
  const file = join(dir, "understudy-dev.env");
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, lines.join("\n") + "\n", { mode: 0o600 });
  return file;
}

function prefixed(child, label) {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk) => {
      for (const line of chunk.split("\n")) if (line.trim()) process.stderr.write(`[${label}] ${line}\n`);
    });
  }
  return child;
}

/** Each child leads its own process group, so stopping it also stops what it spawned (workerd, workers). */
function launch(command, args, env, label, quiet) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  return quiet ? child : prefixed(child, label);
}

export function stop(child, signal = "SIGTERM") {
  if (child && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export function startGpuService(credentials, { port = GPU_PORT, quiet = false, extraEnv = {} } = {}) {
  const pkg = JSON.parse(readFileSync(join(ROOT, "gpu-service", "package.json"), "utf8"));
  const env = { GPU_SERVICE_SECRET: credentials.gpu_secret, HOST: "127.0.0.1", PORT: String(port), ...extraEnv };
  // `npm start -w gpu-service` once it has a start script; the same entry point directly until then.
  const [command, args] = pkg.scripts?.start
    ? ["npm", ["start", "-w", "gpu-service", "--silent"]]
    : [process.execPath, ["--import", "tsx", "gpu-service/src/service/main.ts"]];
  return launch(command, args, env, "gpu-service", quiet);
}

export function startEdge(credentials, { port = EDGE_PORT, gpuUrl = GPU_URL, quiet = false, persistTo = STATE_DIR } = {}) {
  const envFile = writeEnvFile(credentials, gpuUrl, persistTo);
  const wrangler = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  const args = [wrangler, "dev", "--config", "wrangler.toml", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--env-file", envFile, "--show-interactive-dev-session=false", "--log-level", "warn"];
  // Local only: no metrics, and no fetch of Cloudflare's `Request.cf` sample (miniflare's placeholder will do).
  const env = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
  return launch(process.execPath, args, env, "edge", quiet);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 200, the child dies, or `timeoutMs` passes. */
export async function waitFor(url, { child, timeoutMs = 120_000, what = url } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited (code ${child.exitCode}) before it was ready`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Error(`${what} was not ready within ${Math.round(timeoutMs / 1000)} s (${url})`);
}

export async function isUp(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/** One admin call against an edge (local or deployed). Throws with the API's own message on failure. */
export async function admin(endpoint, token, method, path, body) {
  const response = await fetch(new URL(path, endpoint), {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(payload?.error?.message ?? `${method} ${path}: HTTP ${response.status}`);
  return payload;
}

/** Returns a working dev key for the local stack, creating the `dev` tenant (tier pro) on first start. */
export async function ensureDevKey(credentials, endpoint = EDGE_URL) {
  if (credentials.dev_key) {
    const check = await fetch(new URL("/v1/usage", endpoint), { headers: { Authorization: `Bearer ${credentials.dev_key.key}` } });
    if (check.ok) return { ...credentials.dev_key, created: false };
  }
  const created = await admin(endpoint, credentials.admin_token, "POST", "/admin/tenants/dev/keys", { tier: "pro" });
  credentials.dev_key = { tenant: created.tenant, tier: created.tier, key: created.key };
  saveDevCredentials(credentials);
  return { ...credentials.dev_key, created: true };
}
