import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InternalImagesResponse, InternalPaths, signatureHeaders } from "@understudy/shared";
import { TEST_BUNDLE_DIR, TEST_SECRET, until } from "./testing.js";

/** The service as its container runs it: `node --import tsx gpu-service/src/service/main.ts`, signals and all. */

vi.setConfig({ testTimeout: 120_000 });

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { PATH: process.env.PATH, HOST: "127.0.0.1", PORT: "0", UNDERSTUDY_BUNDLE_DIR: TEST_BUNDLE_DIR, UNDERSTUDY_INTRA_OP_THREADS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return { child, exited: once(child, "exit") as Promise<[number | null]>, output: () => output };
}

describe("gpu-service process", () => {
  it("refuses to start without GPU_SERVICE_SECRET outside development mode, saying what to do", async () => {
    const { exited, output } = startMain({});
    const [code] = await exited;
    expect(code).toBe(2);
    expect(output()).toContain("GPU_SERVICE_SECRET is not set");
    expect(output()).toContain("--dev");
  });

  it("on SIGTERM stops accepting, finishes every admitted request, and exits 0", async () => {
    const { child, exited, output } = startMain({ GPU_SERVICE_SECRET: TEST_SECRET });
    await until(() => output().includes("gpu-service ready"), "the service is ready", 90_000);
    const url = /listening on (http:\/\/\S+)/.exec(output())![1]!;

    // Eight 100-step teacher images: several seconds of queued work on one worker.
    const requests = [1, 2, 3, 4].map(async (seed) => {
      const body = JSON.stringify({ version: "v1", request_id: `drain-${seed}`, prompt: "a red star", seed, n: 2, selection: { mode: "teacher" }, steps: 100 });
      const headers = await signatureHeaders(TEST_SECRET, { method: "POST", path: InternalPaths.generate, body });
      return fetch(`${url}${InternalPaths.generate}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    });
    const queued = async () => /understudy_queue_depth\{queue="teacher"\} [1-9]/.test(await (await fetch(`${url}/metrics`)).text());
    await until(queued, "teacher work is queued");
    child.kill("SIGTERM");

    const responses = await Promise.all(requests).catch((error: Error) => {
      throw new Error(`${error.message}; the service said:\n${output()}`);
    });
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    for (const response of responses) expect(InternalImagesResponse.parse(await response.json()).images).toHaveLength(2);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(output()).toContain("SIGTERM received");
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
