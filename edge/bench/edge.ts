// `npm run bench:edge`: what the edge adds on top of the gpu-service, what a cache hit costs end to end,
// and the hit rate on a replayed request log with repeats. Loopback only, bounded in requests and time.
//
// The edge runs under `wrangler dev` (workerd, local KV/R2/Durable Objects in a throwaway state folder).
// The gpu-service is the real one when the bundle is present (models/, or UNDERSTUDY_BUNDLE_DIR), else the stand-in
// speaking the same contract; pass --standin to force it. Edge overhead = client round trip − the
// gpu-service round trip the edge measured (its Server-Timing `gpu` entry).
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import type { ImagesResponse } from "@understudy/shared";
import { ROOT, admin, startEdge, startGpuService, stop, waitFor, type DevCredentials } from "../../scripts/lib/stack.mjs";
import { serveStandin } from "./standin-server.js";

const { values } = parseArgs({
  options: { standin: { type: "boolean", default: false }, requests: { type: "string", default: "200" }, gap: { type: "string", default: "0" } },
});
const N = Math.min(1000, Number(values.requests));
/** Milliseconds between requests, so one request's background work (R2 write, settlement) is not the next one's queue. */
const GAP_MS = Math.min(1000, Number(values.gap));
const pause = () => (GAP_MS > 0 ? new Promise((resolve) => setTimeout(resolve, GAP_MS)) : Promise.resolve());
const EDGE_PORT = 18797;
const GPU_PORT = 18798;
const edgeUrl = `http://127.0.0.1:${EDGE_PORT}`;
const gpuUrl = `http://127.0.0.1:${GPU_PORT}`;
const persistTo = join(ROOT, ".wrangler", "bench-state");
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 8 });

const bundleDir = process.env.UNDERSTUDY_BUNDLE_DIR ?? join(ROOT, "models");
const useReal = !values.standin && existsSync(join(bundleDir, "understudy.json"));
const credentials: DevCredentials = { gpu_secret: randomBytes(32).toString("hex"), admin_token: randomBytes(24).toString("base64url"), dev_key: null };

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

/** Rotating over several tenants keeps the benchmark under each tier's rate limit without special keys. */
const keys: string[] = [];
let turn = 0;

async function generate(body: object): Promise<{ ms: number; gpuMs: number | null; handlerMs: number | null; json: ImagesResponse }> {
  const started = performance.now();
  const response = await request(`${edgeUrl}/v1/images/generations`, {
    method: "POST",
    dispatcher: agent,
    headers: { authorization: `Bearer ${keys[turn++ % keys.length]}`, "content-type": "application/json" },
    body: JSON.stringify({ response_format: "b64_json", ...body }),
    headersTimeout: 120_000,
  });
  const json = (await response.body.json()) as ImagesResponse;
  const ms = performance.now() - started;
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${JSON.stringify(json)}`);
  const timing = String(response.headers["server-timing"] ?? "");
  const gpu = /gpu;dur=([\d.]+)/.exec(timing);
  const total = /total;dur=([\d.]+)/.exec(timing);
  return { ms, gpuMs: gpu ? Number(gpu[1]) : null, handlerMs: total ? Number(total[1]) : null, json };
}

/** A Zipf-like request log: a few popular (prompt, seed) pairs and a long tail, like real traffic. */
function requestLog(length: number, distinct: number): { prompt: string; seed: number }[] {
  const weights = Array.from({ length: distinct }, (_, i) => 1 / (i + 1) ** 1.1);
  const total = weights.reduce((a, b) => a + b, 0);
  let state = 12345;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length }, () => {
    let r = random() * total;
    let i = 0;
    while (i < distinct - 1 && (r -= weights[i]!) > 0) i++;
    return { prompt: `shape number ${i} on a plain background`, seed: 1000 + i };
  });
}

async function main() {
  rmSync(persistTo, { recursive: true, force: true });
  const closeStandin = useReal ? null : await serveStandin(credentials.gpu_secret, GPU_PORT);
  const gpu = useReal ? startGpuService(credentials, { port: GPU_PORT, quiet: true }) : null;
  const edge = startEdge(credentials, { port: EDGE_PORT, gpuUrl, quiet: true, persistTo });
  try {
    await Promise.all([
      waitFor(`${gpuUrl}/readyz`, { ...(gpu ? { child: gpu } : {}), timeoutMs: 300_000, what: "the gpu-service" }),
      waitFor(`${edgeUrl}/healthz`, { child: edge, timeoutMs: 120_000, what: "wrangler dev" }),
    ]);
    for (let i = 0; i < 8; i++) keys.push((await admin(edgeUrl, credentials.admin_token, "POST", `/admin/tenants/bench-${i}/keys`, { tier: "pro", monthly_credits: 1e9 })).key);
    console.log(`edge benchmark — wrangler dev (workerd) on loopback, gpu-service: ${useReal ? `real, bundle ${bundleDir}` : "stand-in (no bundle or --standin)"}, ${N} requests per phase, ${GAP_MS} ms apart`);
    console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} at start (everything here shares those cores)`);

    for (let i = 0; i < 10; i++) await generate({ prompt: `warm-up ${i}`, mode: "student" });

    // The floor: an unauthenticated GET through wrangler dev's local proxy and the HTTP client.
    const floor: number[] = [];
    for (let i = 0; i < N; i++) {
      const started = performance.now();
      await (await request(`${edgeUrl}/healthz`, { dispatcher: agent })).body.arrayBuffer();
      floor.push(performance.now() - started);
    }

    const overhead: number[] = [];
    const handler: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < N; i++) {
      await pause();
      const { ms, gpuMs, handlerMs } = await generate({ prompt: `miss ${i}`, mode: "student" });
      totals.push(ms);
      if (gpuMs !== null) overhead.push(ms - gpuMs);
      if (gpuMs !== null && handlerMs !== null) handler.push(handlerMs - gpuMs);
    }

    await generate({ prompt: "the cached one", seed: 42 });
    const hits: number[] = [];
    const hitHandler: number[] = [];
    for (let i = 0; i < N; i++) {
      await pause();
      const { ms, handlerMs, json } = await generate({ prompt: "the cached one", seed: 42 });
      if (json.data[0]?.understudy.cache !== "hit") throw new Error("expected a cache hit");
      hits.push(ms);
      if (handlerMs !== null) hitHandler.push(handlerMs);
    }

    const log = requestLog(N * 2, Math.max(10, Math.floor(N / 4)));
    let served = 0;
    for (const entry of log) if ((await generate({ ...entry, mode: "student" })).json.data[0]?.understudy.cache === "hit") served++;
    const distinct = new Set(log.map((e) => `${e.prompt}|${e.seed}`)).size;

    console.log(`
  floor: GET /healthz through wrangler dev, end to end      p50 ${fmt(quantile(floor, 0.5))}, p95 ${fmt(quantile(floor, 0.95))}
  miss, student-only, end to end                            p50 ${fmt(quantile(totals, 0.5))}, p95 ${fmt(quantile(totals, 0.95))}
  edge overhead = end to end − gpu-service round trip       p50 ${fmt(quantile(overhead, 0.5))}, p95 ${fmt(quantile(overhead, 0.95))}   (target p50 < 5 ms)
    of which in the worker (Server-Timing total − gpu)      p50 ${fmt(quantile(handler, 0.5))}, p95 ${fmt(quantile(handler, 0.95))}
  cache hit, end to end                                     p50 ${fmt(quantile(hits, 0.5))}, p95 ${fmt(quantile(hits, 0.95))}   (target p50 < 10 ms)
    of which in the worker (Server-Timing total)            p50 ${fmt(quantile(hitHandler, 0.5))}, p95 ${fmt(quantile(hitHandler, 0.95))}
  replayed log: ${log.length} requests over ${distinct} distinct (prompt, seed): hit rate ${((100 * served) / log.length).toFixed(1)}% (ideal ${((100 * (log.length - distinct)) / log.length).toFixed(1)}%)
`);
  } finally {
    stop(gpu);
    stop(edge);
    await closeStandin?.();
    await agent.close();
  }
}

main().catch((error) => {
  console.error(`bench:edge failed: ${error.message}`);
  process.exitCode = 1;
});
