// `npm run bench:edge`: what the edge adds on top of the gpu-service, what a cache hit costs end to end,
// and the hit rate on a replayed request log with repeats. Loopback only, bounded in requests and time.
//
// The edge runs under `wrangler dev` (workerd, local KV/R2/Durable Objects in a throwaway state folder).
// The gpu-service is the real one when the bundle is present (models/, or UNDERSTUDY_BUNDLE_DIR), else the stand-in
// speaking the same contract; pass --standin to force it. Edge overhead = client round trip − the
// gpu-service round trip the edge measured (its Server-Timing `gpu` entry).
//
// Every request is measured two ways, alternating: through `wrangler dev`'s port (what `npm start` gives you,
// with wrangler's local proxy worker as an extra hop) and directly against the workerd that runs the worker
// (the hop a deployment does not have). Both are printed, labelled.
//
// What stays local either way: Durable Objects, KV and R2 are simulated inside that same workerd process, on
// its one thread, with their state in a local folder. Each miss commits three writes there (the reservation,
// the settlement, the R2 object), and on a disk each commit is an fsync that stalls that thread (~0.7 ms each
// here, by strace): the reservation's inside the request, the other two right after its answer, where the
// next request finds the thread busy. A deployment has none of that on the worker's thread. So the whole measurement runs twice, the state first on a tmpfs (the edge's
// own cost) and then on this disk (what `npm start` does), each printed; --state-dir picks one folder instead.
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import type { ImagesResponse } from "@understudy/shared";
import { ROOT, admin, isUp, startEdge, startGpuService, stop, waitFor, type DevCredentials } from "../../scripts/lib/stack.mjs";
import { serveStandin } from "./standin-server.js";
import { findWorkerUrl } from "./workerd.js";

const { values } = parseArgs({
  options: {
    standin: { type: "boolean", default: false },
    requests: { type: "string", default: "200" },
    gap: { type: "string", default: "0" },
    // Under which folder wrangler dev keeps the local KV, R2 and Durable Object storage (a throwaway subfolder
    // of it). Unset: a tmpfs (/dev/shm) where there is one, then the repository's .wrangler on disk.
    "state-dir": { type: "string" },
  },
});
const N = Math.min(1000, Number(values.requests));
/** Milliseconds between requests, so one request's background work (R2 write, settlement) is not the next one's queue. */
const GAP_MS = Math.min(1000, Number(values.gap));
const pause = () => (GAP_MS > 0 ? new Promise((resolve) => setTimeout(resolve, GAP_MS)) : Promise.resolve());
const EDGE_PORT = 18797;
const GPU_PORT = 18798;
const edgeUrl = `http://127.0.0.1:${EDGE_PORT}`;
const gpuUrl = `http://127.0.0.1:${GPU_PORT}`;
/** Where the local storage lives, per measurement: a throwaway subfolder each, removed before and after. */
const placements: { label: string; folder: string }[] = values["state-dir"]
  ? [{ label: `state under ${values["state-dir"]}`, folder: join(values["state-dir"], "understudy-edge-bench") }]
  : [
      ...(existsSync("/dev/shm") ? [{ label: "state on a tmpfs (/dev/shm): the edge's own cost", folder: join("/dev/shm", `understudy-edge-bench-${process.pid}`) }] : []),
      { label: "state on this disk (.wrangler, as `npm start` keeps it): + the local simulator's fsyncs", folder: join(ROOT, ".wrangler", "bench-state") },
    ];
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 8 });

const bundleDir = process.env.UNDERSTUDY_BUNDLE_DIR ?? join(ROOT, "models");
const useReal = !values.standin && existsSync(join(bundleDir, "understudy.json"));
const credentials: DevCredentials = { gpu_secret: randomBytes(32).toString("hex"), admin_token: randomBytes(24).toString("base64url"), dev_key: null };

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const percentiles = (xs: number[]) => (xs.length ? `p50 ${fmt(quantile(xs, 0.5))}, p95 ${fmt(quantile(xs, 0.95))}` : "n/a");

/** Rotating over several tenants keeps the benchmark under each tier's rate limit without special keys. */
const keys: string[] = [];
let turn = 0;

interface Generated {
  ms: number;
  gpuMs: number | null;
  handlerMs: number | null;
  /** Every Server-Timing entry by name (ms, whole milliseconds: the worker's clock only moves on I/O). */
  timings: Map<string, number>;
  json: ImagesResponse;
}

async function generate(body: object, base = edgeUrl): Promise<Generated> {
  const started = performance.now();
  const response = await request(`${base}/v1/images/generations`, {
    method: "POST",
    dispatcher: agent,
    headers: { authorization: `Bearer ${keys[turn++ % keys.length]}`, "content-type": "application/json" },
    body: JSON.stringify({ response_format: "b64_json", ...body }),
    headersTimeout: 120_000,
  });
  const json = (await response.body.json()) as ImagesResponse;
  const ms = performance.now() - started;
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${JSON.stringify(json)}`);
  const timings = new Map([...String(response.headers["server-timing"] ?? "").matchAll(/(\w+);dur=([\d.]+)/g)].map((m) => [m[1]!, Number(m[2])]));
  return { ms, gpuMs: timings.get("gpu") ?? null, handlerMs: timings.get("total") ?? null, timings, json };
}

/** One path to the worker: its label, its base URL, and what was measured through it. */
interface Path {
  label: string;
  base: string;
  floor: number[];
  miss: { totals: number[]; overhead: number[]; handler: number[]; steps: Map<string, number[]> };
  hit: { totals: number[]; handler: number[] };
}

const newPath = (label: string, base: string): Path => ({ label, base, floor: [], miss: { totals: [], overhead: [], handler: [], steps: new Map() }, hit: { totals: [], handler: [] } });

/** The worker's own steps on a miss (Server-Timing), as means: whole milliseconds average out over many requests. */
function stepMeans(steps: Map<string, number[]>): string {
  return ["auth", "reserve", "gpu", "total"].flatMap((name) => (steps.has(name) ? [`${name} ${mean(steps.get(name)!).toFixed(2)}`] : [])).join(", ");
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

/** Starts wrangler dev on `folder`, makes the tenants' keys, and measures: misses, hits, then the replayed log. */
async function measureOn(placement: { label: string; folder: string }) {
  rmSync(placement.folder, { recursive: true, force: true });
  const edge = startEdge(credentials, { port: EDGE_PORT, gpuUrl, quiet: true, persistTo: placement.folder });
  try {
    await waitFor(`${edgeUrl}/healthz`, { child: edge, timeoutMs: 120_000, what: "wrangler dev" });
    keys.length = 0;
    for (let i = 0; i < 16; i++) keys.push((await admin(edgeUrl, credentials.admin_token, "POST", `/admin/tenants/bench-${i}/keys`, { tier: "pro", monthly_credits: 1e9 })).key);
    console.log(`\n── ${placement.label}\n   local storage (KV, R2, Durable Objects, simulated by workerd on this machine): ${placement.folder}`);

    const direct = edge.pid === undefined ? null : await findWorkerUrl(edge.pid, EDGE_PORT);
    const paths = [newPath("through wrangler dev (+ its local proxy hop)", edgeUrl), ...(direct ? [newPath("direct to workerd (no proxy, as deployed)", direct)] : [])];
    console.log(direct ? `   worker measured two ways, alternating: through wrangler dev at ${edgeUrl}, and directly at ${direct}` : "   worker measured through wrangler dev only (its workerd port was not found; Linux /proc is needed)");

    for (let i = 0; i < 10; i++) for (const path of paths) await generate({ prompt: `warm-up ${i} ${path.label}`, mode: "student" }, path.base);

    // The floor: an unauthenticated GET through the HTTP client (and wrangler dev's local proxy, on that path).
    for (let i = 0; i < N; i++) {
      for (const path of paths) {
        const started = performance.now();
        await (await request(`${path.base}/healthz`, { dispatcher: agent })).body.arrayBuffer();
        path.floor.push(performance.now() - started);
      }
    }

    let misses = 0;
    for (let i = 0; i < N; i++) {
      for (const path of paths) {
        await pause();
        const { ms, gpuMs, handlerMs, timings } = await generate({ prompt: `miss ${misses++}`, mode: "student" }, path.base);
        path.miss.totals.push(ms);
        if (gpuMs !== null) path.miss.overhead.push(ms - gpuMs);
        if (gpuMs !== null && handlerMs !== null) path.miss.handler.push(handlerMs - gpuMs);
        for (const [name, dur] of timings) path.miss.steps.set(name, [...(path.miss.steps.get(name) ?? []), dur]);
      }
    }

    await generate({ prompt: "the cached one", seed: 42 });
    for (let i = 0; i < N; i++) {
      for (const path of paths) {
        await pause();
        const { ms, handlerMs, json } = await generate({ prompt: "the cached one", seed: 42 }, path.base);
        if (json.data[0]?.understudy.cache !== "hit") throw new Error("expected a cache hit");
        path.hit.totals.push(ms);
        if (handlerMs !== null) path.hit.handler.push(handlerMs);
      }
    }

    const log = requestLog(N * 2, Math.max(10, Math.floor(N / 4)));
    let served = 0;
    for (const entry of log) if ((await generate({ ...entry, mode: "student" })).json.data[0]?.understudy.cache === "hit") served++;
    const distinct = new Set(log.map((e) => `${e.prompt}|${e.seed}`)).size;

    for (const path of paths) {
      console.log(`
  ${path.label}
    floor: GET /healthz, end to end                           ${percentiles(path.floor)}
    miss, student-only, end to end                            ${percentiles(path.miss.totals)}
    edge overhead = end to end − gpu-service round trip       ${percentiles(path.miss.overhead)}   (target p50 < 5 ms)
      of which in the worker (Server-Timing total − gpu)      ${percentiles(path.miss.handler)}
      the worker's steps, mean ms: ${stepMeans(path.miss.steps)}
    cache hit, end to end                                     ${percentiles(path.hit.totals)}   (target p50 < 10 ms)
      of which in the worker (Server-Timing total)            ${percentiles(path.hit.handler)}`);
    }
    console.log(`
  replayed log (through wrangler dev): ${log.length} requests over ${distinct} distinct (prompt, seed): hit rate ${((100 * served) / log.length).toFixed(1)}% (ideal ${((100 * (log.length - distinct)) / log.length).toFixed(1)}%)`);
  } finally {
    stop(edge);
    await waitForExit(edge);
    rmSync(placement.folder, { recursive: true, force: true });
  }
}

/** wrangler dev, and the workerd answering on its port, must be gone before the next placement starts one there. */
async function waitForExit(child: ReturnType<typeof startEdge>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once("exit", resolve));
  while (await isUp(`${edgeUrl}/healthz`)) await new Promise((resolve) => setTimeout(resolve, 100));
}

async function main() {
  const closeStandin = useReal ? null : await serveStandin(credentials.gpu_secret, GPU_PORT);
  const gpu = useReal ? startGpuService(credentials, { port: GPU_PORT, quiet: true }) : null;
  try {
    await waitFor(`${gpuUrl}/readyz`, { ...(gpu ? { child: gpu } : {}), timeoutMs: 300_000, what: "the gpu-service" });
    console.log(`edge benchmark — wrangler dev (workerd) on loopback, gpu-service: ${useReal ? `real, bundle ${bundleDir}` : "stand-in (no bundle or --standin)"}, ${N} requests per phase, ${GAP_MS} ms apart`);
    console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} at start (everything here shares those cores)`);
    for (const placement of placements) await measureOn(placement);
    console.log("");
  } finally {
    stop(gpu);
    await closeStandin?.();
    await agent.close();
  }
}

main().catch((error) => {
  console.error(`bench:edge failed: ${error.message}`);
  process.exitCode = 1;
});
