import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { ServiceMetrics } from "../../monitoring/metrics.js";

/** Times every request by its route pattern (never the raw path, which would explode the label set). */
export function httpMetrics(metrics: ServiceMetrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.res.status === 404 && routePath(c) === "/*" ? "unmatched" : routePath(c);
    metrics.httpSeconds.observe({ method: c.req.method, route, status: String(c.res.status) }, (performance.now() - started) / 1000);
  };
}
