import { Hono } from "hono";
import { InternalPaths, type BundleInfo } from "@understudy/shared";
import type { Scheduler } from "../../scheduling/scheduler.js";

/** The bundle this replica serves, so the edge can key its cache and validate k before calling. */
export function bundleRoutes(scheduler: () => Scheduler) {
  return new Hono().get(InternalPaths.bundle, (c) => c.json(scheduler().info satisfies BundleInfo));
}
