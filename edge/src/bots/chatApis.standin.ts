/// <reference types="node" />
// Runs in Node as a vitest globalSetup (workerd cannot listen): a stand-in for Discord's and Slack's HTTP
// APIs on loopback. It answers every request 200 and records it whole, so the tests inside workerd can
// fetch `GET /__recorded?path=<prefix>` and check each follow-up against the platforms' documented formats.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body_b64: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    chatApiOrigin: string;
  }
}

const MAX_RECORDED = 1000;

export default async function setup(project: TestProject) {
  const recorded: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      if (url.pathname === "/__recorded") {
        const prefix = url.searchParams.get("path") ?? "";
        response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(recorded.filter((r) => r.path.startsWith(prefix))));
        return;
      }
      if (recorded.length < MAX_RECORDED) {
        const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
        recorded.push({ method: request.method ?? "", path: url.pathname, headers, body_b64: Buffer.concat(chunks).toString("base64") });
      }
      response.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("chatApiOrigin", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
