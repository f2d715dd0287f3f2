import { afterEach, describe, expect, it, vi } from "vitest";
import { WorkerPool } from "./pool.js";
import type { EchoTasks } from "./fixtures/echo-worker.js";

// Worker threads start slowly on a busy machine (each compiles its TypeScript).
vi.setConfig({ testTimeout: 30_000 });

const entry = new URL("./fixtures/echo-worker.ts", import.meta.url);
const pools: WorkerPool<EchoTasks>[] = [];

function pool(options: { size?: number; failToLoad?: boolean; lost?: string[] } = {}) {
  const created = new WorkerPool<EchoTasks, { failToLoad?: boolean }, { threadId: number }>({
    size: options.size ?? 1,
    entry,
    data: { failToLoad: options.failToLoad },
    onWorkerLost: (reason) => options.lost?.push(reason),
    restartBackoffMs: 50,
  });
  pools.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe("WorkerPool", () => {
  it("starts its workers and runs tasks on them, reporting the worker's own service time", async () => {
    const workers = pool({ size: 2 });
    expect(await workers.start()).toMatchObject({ threadId: expect.any(Number) });
    expect(workers.ready).toBe(2);
    const result = await workers.run("block", 30);
    expect(result.value).toBe(30);
    expect(result.serviceMs).toBeGreaterThanOrEqual(25);
  });

  it("queues tasks in arrival order while every worker is busy and reports no capacity", async () => {
    const workers = pool();
    await workers.start();
    const first = workers.run("block", 50);
    const second = workers.run("echo", "after");
    expect(workers.available()).toBe(0);
    expect(await second).toMatchObject({ value: "after" });
    await first;
    expect(workers.available()).toBe(1);
  });

  it("carries an ApiError from the worker across the thread boundary intact", async () => {
    const workers = pool();
    await workers.start();
    await expect(workers.run("reject", "size")).rejects.toMatchObject({ name: "ApiError", status: 400, code: "invalid_value", param: "size" });
  });

  it("fails only the running task when its worker dies, replaces the worker, and serves the next task", async () => {
    const lost: string[] = [];
    const workers = pool({ lost });
    await workers.start();
    const dying = workers.run("exit", 7);
    const waiting = workers.run("echo", "still served");
    await expect(dying).rejects.toMatchObject({ status: 500, code: "internal_error", message: expect.stringContaining("exited with code 7") });
    expect(lost).toEqual(["inference worker exited with code 7"]);
    expect(await waiting).toMatchObject({ value: "still served" });
    expect(workers.ready).toBe(1);
  });

  it("survives a worker terminated from outside mid-task", async () => {
    const workers = pool();
    await workers.start();
    const running = workers.run("block", 2000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await workers.busyWorkers()[0]!.terminate();
    await expect(running).rejects.toMatchObject({ status: 500 });
    expect(await workers.run("echo", "ok")).toMatchObject({ value: "ok" });
  });

  it("refuses to start when a worker cannot load, naming why", async () => {
    await expect(pool({ failToLoad: true }).start()).rejects.toThrow("cannot load bundle at /nowhere");
  });

  it("refuses tasks once closing", async () => {
    const workers = pool();
    await workers.start();
    await workers.close();
    await expect(workers.run("echo", "late")).rejects.toMatchObject({ status: 503, code: "overloaded" });
  });
});
