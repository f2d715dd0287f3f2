import { Hono } from "hono";
import type { ServiceMetrics } from "../../monitoring/metrics.js";

export interface Readiness {
  /** Worker threads with the bundle loaded and warmed up. */
  workersReady: () => number;
  draining: () => boolean;
}

/**
 * Probes and the scrape endpoint; unauthenticated because the orchestrator and Prometheus call them
 * (keep them inside the cluster network). `/healthz` answers from the HTTP thread even while every worker
 * is busy with a teacher run: inference never runs on this thread.
 */
export function healthRoutes(readiness: Readiness, metrics: ServiceMetrics) {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", (c) => {
      const workers = readiness.workersReady();
      if (readiness.draining()) return c.json({ status: "draining", workers }, 503);
      if (workers === 0) return c.json({ status: "loading", workers }, 503);
      return c.json({ status: "ready", workers });
    })
    .get("/metrics", async (c) => c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType }));
}
