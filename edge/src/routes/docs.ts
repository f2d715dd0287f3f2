import { Hono } from "hono";
import { html, raw } from "hono/html";
import type { AppEnv } from "../env.js";

/** The OpenAPI document's metadata; the paths come from the routes' zod schemas. */
export const OPENAPI_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "understudy images API",
    version: "1.0.0",
    description:
      "OpenAI-compatible image generation. A distilled student answers fast; an oracle scores each image; the teacher refines only the share your tier buys. Credits are UNet evaluations.",
  },
};

type Schema = { type?: string | string[]; enum?: unknown[]; default?: unknown; description?: string; properties?: Record<string, Schema>; required?: string[]; minimum?: number; maximum?: number; maxLength?: number; pattern?: string };
type Operation = { summary?: string; description?: string; requestBody?: { content?: Record<string, { schema?: Schema }> }; responses?: Record<string, { description?: string }> };
type Document = { paths?: Record<string, Record<string, Operation>> };

function constraint(schema: Schema): string {
  const parts: string[] = [];
  if (schema.enum) parts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.maxLength !== undefined) parts.push(`at most ${schema.maxLength} chars`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join("; ");
}

function fields(operation: Operation) {
  const schema = Object.values(operation.requestBody?.content ?? {})[0]?.schema;
  const properties = Object.entries(schema?.properties ?? {});
  if (properties.length === 0) return "";
  const rows = properties.map(
    ([name, field]) =>
      html`<tr><td><code>${name}</code>${schema?.required?.includes(name) ? " *" : ""}</td><td>${[field.type].flat().join(" | ")}</td><td>${constraint(field)}</td><td>${field.description ?? ""}</td></tr>`,
  );
  return html`<table><tr><th>field</th><th>type</th><th>rules</th><th>meaning</th></tr>${rows}</table>`;
}

function operations(document: Document) {
  return Object.entries(document.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([method, op]) => html`<section>
        <h2><code>${method.toUpperCase()} ${path}</code></h2>
        <p><strong>${op.summary ?? ""}</strong></p>
        <p>${op.description ?? ""}</p>
        ${raw(String(fields(op)))}
        <ul>${Object.entries(op.responses ?? {}).map(([status, r]) => html`<li><code>${status}</code> ${r.description ?? ""}</li>`)}</ul>
      </section>`,
    ),
  );
}

/** `GET /docs`: the same OpenAPI document as /openapi.json, rendered for people. */
export function docs(document: () => Document) {
  return new Hono<AppEnv>().get("/docs", (c) => {
    const doc = document();
    return c.html(html`<!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>${OPENAPI_CONFIG.info.title}</title>
      <style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}</style></head>
      <body><h1>${OPENAPI_CONFIG.info.title}</h1><p>${OPENAPI_CONFIG.info.description}</p>
      <p>Authenticate with <code>Authorization: Bearer &lt;api key&gt;</code>. Errors use OpenAI's shape; <code>error.param</code> names the field. Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
      ${operations(doc)}</body></html>`);
  });
}
