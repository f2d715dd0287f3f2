/**
 * `npm run bench:service [-- --bundle DIR --seconds S --overload-seconds S --threads N]`: drives the real gpu-service
 * (its own process, as deployed) over loopback with undici, signing like the edge. Prints
 *  - throughput (images/s) and p50/p95 latency at concurrency 1, 4, 8, 16 for student-only and adaptive
 *    k = 50, with dynamic batching on (max batch 8) and off (max batch 1), the two measured alternately;
 *  - overload: open-loop arrivals at 3× the measured capacity, adaptive k = 50 (each request with a deadline,
 *    as the edge sends) and student-only, with the p95 of admitted requests against the unloaded p95, how
 *    every refusal was answered, /healthz latency meanwhile, and the service's memory before and after;
 *  - service overhead: p50 of (HTTP round trip − pipeline time) at concurrency 1.
 * Every phase is bounded in time and in requests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { loadConfig } from "../src/service/config.js";
import { InternalImagesResponse, InternalPaths, signatureHeaders, type InternalGenerateRequestInput } from "@understudy/shared";

const { values } = parseArgs({
  options: {
    bundle: { type: "string" },
    seconds: { type: "string", default: "5" },
    "overload-seconds": { type: "string", default: "30" },
    /**
     * onnxruntime threads per operator. Unset: the service's own default (the cores shared out among its workers),
     * i.e. what a deployment runs. On the 2-core development machine that is 2, which batches best (a batch of 8
     * keeps both threads busy where a single image cannot) while 1 gives the lowest single-image latency.
     */
    threads: { type: "string" },
  },
});
const CELL_SECONDS = Number(values.seconds);
const OVERLOAD_SECONDS = Number(values["overload-seconds"]);
const MAX_REQUESTS_PER_CELL = 5_000;
const MAX_OVERLOAD_REQUESTS = 20_000;
/** A request still unanswered after this long counts as hung. */
const HANG_MS = 60_000;
const CONCURRENCIES = [1, 4, 8, 16];

const MAIN = fileURLToPath(new URL("../src/service/main.ts", import.meta.url));
const BUNDLE = values.bundle ?? process.env["UNDERSTUDY_BUNDLE_DIR"] ?? fileURLToPath(new URL("../../models/", import.meta.url));
const SECRET = randomBytes(24).toString("hex");
const PROMPTS = [
  "a large red star at the center on a blue background",
  "a small green circle in the top left corner on a white background",
  "two yellow squares on a black background",
  "a blue triangle at the bottom right on a gray background",
];

type Selection = InternalGenerateRequestInput["selection"];

interface Outcome {
  status: number;
  ms: number;
  retryAfter: string | null;
  /** Worker time of the pipeline stages the request waited on (the service's Server-Timing header). */
  pipelineMs: number;
  route: string | null;
  degraded: boolean;
}

interface RunningService {
  url: string;
  child: ChildProcess;
  rssMb(): Promise<number>;
  stop(): Promise<void>;
}

async function startService(env: Record<string, string>): Promise<RunningService> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { ...process.env, UNDERSTUDY_BUNDLE_DIR: BUNDLE, GPU_SERVICE_SECRET: SECRET, HOST: "127.0.0.1", PORT: "0", ...(values.threads ? { UNDERSTUDY_INTRA_OP_THREADS: values.threads } : {}), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  const deadline = Date.now() + 180_000;
  while (!output.includes("gpu-service ready")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`gpu-service did not become ready:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /listening on (http:\/\/\S+)/.exec(output)![1]!;
  return {
    url,
    child,
    async rssMb() {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
    },
    async stop() {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

let sequence = 0;

/** One signed generation of one image; never throws (a transport failure is status 0). */
async function generate(pool: Pool, selection: Selection, extra: Partial<InternalGenerateRequestInput> = {}): Promise<Outcome> {
  const id = ++sequence;
  const body = JSON.stringify({ version: "v1", request_id: `bench-${id}`, prompt: PROMPTS[id % PROMPTS.length], seed: id, selection, ...extra });
  const headers = { "content-type": "application/json", ...(await signatureHeaders(SECRET, { method: "POST", path: InternalPaths.generate, body })) };
  const started = performance.now();
  try {
    const response = await pool.request({ path: InternalPaths.generate, method: "POST", headers, body, headersTimeout: HANG_MS, bodyTimeout: HANG_MS });
    const text = await response.body.text();
    const ms = performance.now() - started;
    const retryAfter = (response.headers["retry-after"] as string | undefined) ?? null;
    if (response.statusCode !== 200) return { status: response.statusCode, ms, retryAfter, pipelineMs: 0, route: null, degraded: false };
    const image = InternalImagesResponse.parse(JSON.parse(text)).images[0]!;
    const pipelineMs = Number(/pipeline;dur=([\d.]+)/.exec(String(response.headers["server-timing"]))?.[1] ?? Number.NaN);
    return { status: 200, ms, retryAfter, pipelineMs, route: image.route, degraded: image.degraded };
  } catch {
    return { status: 0, ms: performance.now() - started, retryAfter: null, pipelineMs: 0, route: null, degraded: false };
  }
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

interface Cell {
  imagesPerSecond: number;
  p50: number;
  p95: number;
  outcomes: Outcome[];
}

/** `concurrency` clients, each sending its next request when the previous one is answered. */
async function closedLoop(pool: Pool, selection: Selection, concurrency: number): Promise<Cell> {
  const outcomes: Outcome[] = [];
  const started = performance.now();
  const until = started + CELL_SECONDS * 1000;
  const client = async () => {
    while (performance.now() < until && outcomes.length < MAX_REQUESTS_PER_CELL) outcomes.push(await generate(pool, selection));
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsedS = (performance.now() - started) / 1000;
  const ok = outcomes.filter((o) => o.status === 200);
  return { imagesPerSecond: ok.length / elapsedS, p50: percentile(ok.map((o) => o.ms), 0.5), p95: percentile(ok.map((o) => o.ms), 0.95), outcomes };
}

const fmt = (value: number, digits = 1) => value.toFixed(digits).padStart(7);

function describeCell(cell: Cell): string {
  const refused = cell.outcomes.filter((o) => o.status !== 200).length;
  const teacher = cell.outcomes.filter((o) => o.route === "refined" || o.route === "regenerated").length;
  const degraded = cell.outcomes.filter((o) => o.degraded).length;
  const ok = cell.outcomes.length - refused;
  return `${fmt(cell.imagesPerSecond)} img/s  p50 ${fmt(cell.p50)} ms  p95 ${fmt(cell.p95)} ms  teacher ${fmt((100 * teacher) / Math.max(1, ok), 0)}%  degraded ${fmt((100 * degraded) / Math.max(1, ok), 0)}%${refused ? `  refused ${refused}` : ""}`;
}

const MODES: Array<[string, Selection]> = [
  ["student-only", { mode: "student" }],
  ["adaptive k=50", { mode: "adaptive", k: 50 }],
];

/** A service for the throughput cells: dynamic batching on (max batch 8) or off (1), queues with room for every client. */
function throughputService(batching: boolean) {
  return startService({
    UNDERSTUDY_MAX_BATCH: batching ? "8" : "1",
    UNDERSTUDY_MAX_TEACHER_BATCH: batching ? "4" : "1",
    // Room for every closed-loop client: these cells measure throughput, not admission.
    UNDERSTUDY_STUDENT_QUEUE: "64",
    UNDERSTUDY_TEACHER_QUEUE: "64",
  });
}

/**
 * The throughput tables with batching on and off, measured cell by cell alternately (on, then off, at each
 * mode and concurrency) against two services kept running side by side: on a shared machine whose speed
 * drifts, the two sides of the batching comparison would otherwise be measured minutes apart.
 */
async function throughputTables() {
  const sides = [true, false];
  const services = await Promise.all(sides.map(throughputService));
  const pools = services.map((service) => new Pool(service.url, { connections: 32 }));
  const tables = sides.map(() => new Map<string, Cell>());
  try {
    for (const pool of pools) for (let i = 0; i < 20; i++) await generate(pool, { mode: "adaptive", k: 50 });
    for (const [name, selection] of MODES) {
      for (const concurrency of CONCURRENCIES) {
        for (const [side, batching] of sides.entries()) {
          const cell = await closedLoop(pools[side]!, selection, concurrency);
          tables[side]!.set(`${name}@${concurrency}`, cell);
          console.log(`${name.padEnd(14)} batching ${batching ? "on " : "off"}  c=${String(concurrency).padEnd(2)}  ${describeCell(cell)}`);
        }
      }
    }
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    await Promise.all(services.map((service) => service.stop()));
  }
  return { on: tables[0]!, off: tables[1]! };
}

function overhead(cell: Cell): number {
  return percentile(
    cell.outcomes.filter((o) => o.status === 200).map((o) => o.ms - o.pipelineMs),
    0.5,
  );
}

/** Open-loop arrivals at 3 × `capacity` per second: new requests keep coming whatever the service answers. */
async function overload(name: string, selection: Selection, capacity: number, unloadedP95: number, capacityP95: number) {
  const rate = 3 * capacity;
  // Queues sized for latency rather than for throughput: one full batch may wait behind the running one.
  const service = await startService({ UNDERSTUDY_MAX_BATCH: "8", UNDERSTUDY_STUDENT_QUEUE: "8", UNDERSTUDY_MAX_TEACHER_BATCH: "4", UNDERSTUDY_TEACHER_QUEUE: "4" });
  const pool = new Pool(service.url, { connections: 256 });
  try {
    for (let i = 0; i < 20; i++) await generate(pool, selection);
    const rssBefore = await service.rssMb();
    const pending: Array<Promise<Outcome>> = [];
    const started = performance.now();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => void service.rssMb().then((mb) => (rssPeak = Math.max(rssPeak, mb))), 1000);
    // Liveness under overload: the HTTP thread must stay responsive while the worker is saturated.
    const healthMs: number[] = [];
    const prober = setInterval(() => {
      const sent = performance.now();
      void fetch(`${service.url}/healthz`).then(() => healthMs.push(performance.now() - sent));
    }, 100);
    const total = Math.min(MAX_OVERLOAD_REQUESTS, Math.round(rate * OVERLOAD_SECONDS));
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      // The edge passes each request's deadline; here twice the unloaded p95 from arrival.
      pending.push(generate(pool, selection, { deadline_ms: Math.round(Date.now() + 2 * unloadedP95) }));
    }
    const outcomes = await Promise.all(pending);
    clearInterval(sampler);
    clearInterval(prober);
    const rssAfter = await service.rssMb();
    const admitted = outcomes.filter((o) => o.status === 200);
    const refused = outcomes.filter((o) => o.status === 503);
    const other = outcomes.filter((o) => o.status !== 200 && o.status !== 503);
    const teacher = admitted.filter((o) => o.route === "refined" || o.route === "regenerated").length;
    const p95 = percentile(admitted.map((o) => o.ms), 0.95);
    console.log(`${name}: offered ${fmt(rate)} req/s for ${OVERLOAD_SECONDS} s (3 × capacity ${capacity.toFixed(1)} img/s): ${outcomes.length} requests`);
    console.log(`admitted ${admitted.length} (${fmt(admitted.length / OVERLOAD_SECONDS)} img/s served), p50 ${fmt(percentile(admitted.map((o) => o.ms), 0.5))} ms, p95 ${fmt(p95)} ms = ${(p95 / unloadedP95).toFixed(2)} × unloaded p95 (c=1) ${unloadedP95.toFixed(1)} ms, ${(p95 / capacityP95).toFixed(2)} × p95 at capacity (closed loop) ${capacityP95.toFixed(1)} ms`);
    if (selection.mode === "adaptive") {
      console.log(`teacher share among admitted ${((100 * teacher) / Math.max(1, admitted.length)).toFixed(1)}% (requested ${selection.k}%), degraded ${((100 * admitted.filter((o) => o.degraded).length) / Math.max(1, admitted.length)).toFixed(1)}%`);
    }
    console.log(`refused ${refused.length}: all 503 with Retry-After: ${refused.every((o) => o.retryAfter !== null)}; p95 time to refusal ${fmt(percentile(refused.map((o) => o.ms), 0.95))} ms`);
    console.log(`other answers ${other.length} (statuses: ${[...new Set(other.map((o) => o.status))].join(", ") || "none"}; 0 = no answer within ${HANG_MS / 1000} s or transport error)`);
    console.log(`/healthz during overload: p50 ${fmt(percentile(healthMs, 0.5))} ms, max ${fmt(Math.max(...healthMs))} ms over ${healthMs.length} probes`);
    console.log(`service memory (RSS): ${rssBefore.toFixed(0)} MiB before, peak ${rssPeak.toFixed(0)} MiB, ${rssAfter.toFixed(0)} MiB after\n`);
  } finally {
    await pool.close();
    await service.stop();
  }
}

if (!existsSync(`${BUNDLE}/understudy.json`)) {
  console.error(`No bundle at ${BUNDLE}: train and export it (training/), or pass --bundle DIR.`);
  process.exit(1);
}
console.log(`bench:service on ${BUNDLE}; ${CELL_SECONDS} s per cell; one worker, ${values.threads ?? `the service's default (${loadConfig({ ...process.env, GPU_SERVICE_SECRET: SECRET }).intraOpThreads} on this machine)`} onnxruntime thread(s) per operator\n`);
const { on, off } = await throughputTables();

const speedup = on.get("student-only@8")!.imagesPerSecond / off.get("student-only@8")!.imagesPerSecond;
const bestUnbatched = Math.max(...CONCURRENCIES.map((c) => off.get(`student-only@${c}`)!.imagesPerSecond));
console.log(`\nbatching at c=8, student-only: ${speedup.toFixed(2)} × the throughput of batch size 1`);
// Batch-1 throughput at a single concurrency is noisy on a shared machine; against its best cell the claim cannot lean on a bad one.
console.log(`  against batch size 1 at its best concurrency (${bestUnbatched.toFixed(1)} img/s): ${(on.get("student-only@8")!.imagesPerSecond / bestUnbatched).toFixed(2)} ×`);
console.log(
  `service overhead p50 (round trip − pipeline time, c=1, student-only): ${overhead(on.get("student-only@1")!).toFixed(2)} ms batching on, ${overhead(off.get("student-only@1")!).toFixed(2)} ms batching off\n`,
);

for (const [name, selection] of MODES) {
  const atCapacity = CONCURRENCIES.map((c) => on.get(`${name}@${c}`)!).reduce((best, cell) => (cell.imagesPerSecond > best.imagesPerSecond ? cell : best));
  await overload(name, selection, atCapacity.imagesPerSecond, on.get(`${name}@1`)!.p95, atCapacity.p95);
}
