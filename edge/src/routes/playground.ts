import { Hono } from "hono";
import type { AppEnv } from "../env.js";
import { page } from "../playground/page.js";
import { script } from "../playground/script.js";
import { styles } from "../playground/styles.js";

/**
 * The web playground at `/`: one page, its script and its stylesheet, all public (the API key is pasted
 * into the page and used from the browser). The API's CSP forbids scripts; this page's allows its own
 * script and fetches to this origin only, nothing inline, nothing from elsewhere.
 */
const PLAYGROUND_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Re-validated on each visit, so a deploy shows at once. */
const REVALIDATE = "no-cache";

export const playground = new Hono<AppEnv>()
  // The app-wide secure headers keep a CSP the route set itself (app.ts), and add the rest.
  .get("/", (c) => c.html(page(), 200, { "Content-Security-Policy": PLAYGROUND_CSP, "Cache-Control": REVALIDATE }))
  .get("/playground/app.js", (c) => c.body(script, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": REVALIDATE }))
  .get("/playground/app.css", (c) => c.body(styles, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": REVALIDATE }));
