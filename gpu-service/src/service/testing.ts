// Helpers for the service's own tests: a real service (real workers, real pipeline) on a loopback port,
// and a client that signs like the edge does.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InternalGenerateRequest, MANIFEST_FILE, signatureHeaders } from "@understudy/shared";
import { readBundle } from "../bundle/index.js";
import { resolveJobs } from "../pipelines/index.js";
import { loadConfig } from "./config.js";
import { startService, type RunningService } from "./service.js";
import type { Scheduler } from "./scheduling/scheduler.js";

/**
 * The bundle the service tests run on: $UNDERSTUDY_TEST_BUNDLE, else the embedded bundle (`models/`) once it
 * is there, else the tiny fixture bundle (same layout, arithmetic stand-in graphs) on a checkout without it.
 */
export const TEST_BUNDLE_DIR =
  process.env["UNDERSTUDY_TEST_BUNDLE"] ??
  [fileURLToPath(new URL("../../../models/", import.meta.url)), fileURLToPath(new URL("../../test/fixtures/tiny-bundle/", import.meta.url))].find((dir) =>
    existsSync(join(dir, MANIFEST_FILE)),
  )!;
export const TEST_SECRET = "test-secret-0123456789abcdef";

export interface TestService extends RunningService {
  scheduler: Scheduler;
  /** Sends a request signed with the test secret (or `secret`), as the edge would. */
  call(method: "GET" | "POST", path: string, body?: unknown, options?: { secret?: string; headers?: Record<string, string> }): Promise<Response>;
  /**
   * Occupies the (single) worker with a teacher run of about `ms` milliseconds (at most 500 steps), sent straight to the pool:
   * requests arriving meanwhile queue in the scheduler, which lines up concurrent work without timing luck.
   */
  holdWorker(ms: number): Promise<unknown>;
}

export async function startTestService(env: Record<string, string> = {}): Promise<TestService> {
  const config = loadConfig({
    UNDERSTUDY_BUNDLE_DIR: TEST_BUNDLE_DIR,
    GPU_SERVICE_SECRET: TEST_SECRET,
    HOST: "127.0.0.1",
    PORT: "0",
    UNDERSTUDY_INTRA_OP_THREADS: "1",
    ...env,
  });
  const service = await startService(config);
  const scheduler = await service.ready;
  const call: TestService["call"] = async (method, path, body, options = {}) => {
    const payload = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
    const signature = await signatureHeaders(options.secret ?? TEST_SECRET, { method, path, body: payload });
    return fetch(`${service.url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...signature, ...options.headers },
      ...(method === "POST" ? { body: payload } : {}),
    });
  };
  const holdWorker = await teacherRunOfAbout(service);
  return { ...service, scheduler, call, holdWorker };
}

/** Measures the teacher's time per step once, then sizes runs in steps (the HTTP contract caps steps at 100). */
async function teacherRunOfAbout(service: RunningService): Promise<(ms: number) => Promise<unknown>> {
  const { manifest } = await readBundle(TEST_BUNDLE_DIR);
  const request = InternalGenerateRequest.parse({ version: "v1", request_id: "hold", prompt: "hold", seed: 0, selection: { mode: "teacher" } });
  const [job] = resolveJobs(manifest, request);
  const probeSteps = 20;
  const { serviceMs } = await service.pool.run("teacherOnly", [{ ...job!, teacherSteps: probeSteps }]);
  const msPerStep = serviceMs / probeSteps;
  // Capped at 500 steps (schedulers take at most 1000): on a very fast bundle the hold is shorter than asked.
  return (ms) => service.pool.run("teacherOnly", [{ ...job!, teacherSteps: Math.min(500, Math.max(1, Math.ceil(ms / msPerStep))) }]);
}

/** Polls `condition` every few milliseconds until it holds (tests use it to line up concurrent work). */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Parses a `text/event-stream` body into its events' JSON payloads. */
export function parseSse(text: string): unknown[] {
  return text
    .split("\n\n")
    .map((block) => block.split("\n").find((line) => line.startsWith("data: ")))
    .filter((line): line is string => line !== undefined)
    .map((line) => JSON.parse(line.slice("data: ".length)));
}
