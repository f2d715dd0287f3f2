import { Hono } from "hono";
import { edgeSignature, type EdgeSignatureOptions } from "../auth/edge-signature.js";
import type { ServiceMetrics } from "../monitoring/metrics.js";
import type { Scheduler } from "../scheduling/scheduler.js";
import { renderError, renderNotFound } from "./errors.js";
import { closeConnectionsWhileDraining } from "./middleware/close-connections-while-draining.js";
import { httpMetrics } from "./middleware/http-metrics.js";
import { limitBody } from "./middleware/limit-body.js";
import { refuseWhileDraining } from "./middleware/refuse-while-draining.js";
import { bundleRoutes } from "./routes/bundle.js";
import { healthRoutes, type Readiness } from "./routes/health.js";
import { imageRoutes } from "./routes/images.js";

export interface AppDependencies {
  /** The scheduler, or a 503 `loading` ApiError while the workers are still warming up. */
  scheduler: () => Scheduler;
  readiness: Readiness;
  metrics: ServiceMetrics;
  /** Null only in explicit development mode without a secret. */
  signature: EdgeSignatureOptions | null;
  maxBodyBytes: number;
}

/** The whole HTTP surface, composed in one place: the order of middleware here is the order a request meets them. */
export function createApp(deps: AppDependencies) {
  const app = new Hono();
  app.onError(renderError);
  app.notFound(renderNotFound);
  app.use(httpMetrics(deps.metrics));
  app.use(closeConnectionsWhileDraining(deps.readiness.draining));
  app.route("/", healthRoutes(deps.readiness, deps.metrics));

  app.use("/internal/*", refuseWhileDraining(deps.readiness.draining));
  app.use("/internal/*", limitBody(deps.maxBodyBytes));
  if (deps.signature) app.use("/internal/*", edgeSignature(deps.signature));
  app.route("/", imageRoutes(deps.scheduler));
  app.route("/", bundleRoutes(deps.scheduler));
  return app;
}
