import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { ApiError } from "@understudy/shared";
import { readBundle } from "../bundle/index.js";
import { ReplayMemory } from "./auth/replay-memory.js";
import type { ServiceConfig } from "./config.js";
import { createApp } from "./http/app.js";
import { LiveCalibration } from "./monitoring/live-calibration.js";
import { ServiceMetrics } from "./monitoring/metrics.js";
import { Scheduler } from "./scheduling/scheduler.js";
import { WorkerPool } from "./workers/pool.js";
import type { InferenceTasks, InferenceWorkerData, InferenceWorkerReady } from "./workers/inference-tasks.js";

export interface RunningService {
  url: string;
  port: number;
  metrics: ServiceMetrics;
  pool: WorkerPool<InferenceTasks, InferenceWorkerData, InferenceWorkerReady>;
  /** Resolves once the workers are loaded and warmed up (`/readyz` turns 200); rejects if they cannot load. */
  ready: Promise<Scheduler>;
  /** Graceful shutdown: stop accepting, finish every admitted request, close connections, stop the workers. */
  shutdown(): Promise<void>;
}

const INFERENCE_WORKER = new URL("./workers/inference-worker.ts", import.meta.url);

/**
 * The composition root. The HTTP server listens first (so `/healthz` answers and `/readyz` says "loading"
 * while the bundle loads); the scheduler exists once the workers have warmed up.
 */
export async function startService(config: ServiceConfig): Promise<RunningService> {
  // Read on this thread too: it fails fast on a broken bundle, and generations resolve here without a worker.
  const { manifest } = await readBundle(config.bundleDir);
  const thresholds = manifest.calibration.thresholds;
  const calibration = new LiveCalibration({ percentiles: Object.keys(thresholds).map(Number) });
  const metrics = new ServiceMetrics({ calibration, calibratedThresholds: thresholds });
  const pool = new WorkerPool<InferenceTasks, InferenceWorkerData, InferenceWorkerReady>({
    size: config.workers,
    entry: INFERENCE_WORKER,
    data: { bundleDir: config.bundleDir, intraOpThreads: config.intraOpThreads, executionProvider: config.executionProvider, maxBatch: config.maxBatch, maxTeacherBatch: config.maxTeacherBatch },
    onWorkerLost: (reason) => {
      console.error(`${reason}; starting a replacement`);
      metrics.workerRestarts.inc();
    },
    onReadyChange: (ready) => metrics.workersReady.set(ready),
  });

  let scheduler: Scheduler | undefined;
  let draining = false;
  const app = createApp({
    scheduler: () => scheduler ?? notReady(),
    readiness: { workersReady: () => (scheduler ? pool.ready : 0), draining: () => draining },
    metrics,
    signature: config.secret
      ? { secret: config.secret, windowSeconds: config.replayWindowSeconds, replay: new ReplayMemory({ windowSeconds: config.replayWindowSeconds }) }
      : null,
    maxBodyBytes: config.maxBodyBytes,
  });
  const server = await listen(app.fetch, config.host, config.port);
  const port = (server.address() as AddressInfo).port;

  const ready = pool.start().then(({ info, warmup }) => {
    scheduler = new Scheduler(pool, { ...config, manifest, info, warmup }, { metrics, calibration });
    return scheduler;
  });

  async function shutdown(): Promise<void> {
    draining = true;
    scheduler?.beginDrain();
    // Stops listening and closes idle keep-alive connections; busy ones end after their response (Connection: close).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
    await scheduler?.idle();
    await closed;
    clearTimeout(grace);
    await pool.close(config.shutdownGraceMs);
  }

  return { url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`, port, metrics, pool, ready, shutdown };
}

function notReady(): never {
  throw new ApiError("upstream_unavailable", "The gpu-service is still loading and warming up its bundle; retry shortly.", { retryAfterSeconds: 2 });
}

function listen(fetch: (request: Request) => Response | Promise<Response>, hostname: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server as Server));
    server.once("error", reject);
  });
}
