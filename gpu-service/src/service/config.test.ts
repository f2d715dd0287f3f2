import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const secret = "0123456789abcdef0123";

describe("loadConfig", () => {
  it("refuses to start without a secret unless in explicit development mode", () => {
    expect(() => loadConfig({})).toThrow(/GPU_SERVICE_SECRET is not set.*--dev/);
    expect(loadConfig({}, ["--dev"])).toMatchObject({ dev: true, secret: null, host: "127.0.0.1" });
    expect(loadConfig({ UNDERSTUDY_DEV: "1" })).toMatchObject({ dev: true, secret: null });
  });

  it("defaults to port 8788 beside the edge's 8787, all interfaces, and the repository's bundle", () => {
    const config = loadConfig({ GPU_SERVICE_SECRET: secret });
    expect(config).toMatchObject({ port: 8788, host: "0.0.0.0", workers: 1, maxBatch: 8, dev: false, secret });
    expect(config.bundleDir).toMatch(/models\/?$/);
  });

  it("reads numbers from the environment and names the variable when one is wrong", () => {
    expect(loadConfig({ GPU_SERVICE_SECRET: secret, UNDERSTUDY_WORKERS: "2", UNDERSTUDY_MAX_BATCH_WAIT_MS: "2.5" })).toMatchObject({ workers: 2, maxWaitMs: 2.5 });
    expect(() => loadConfig({ GPU_SERVICE_SECRET: secret, UNDERSTUDY_MAX_BATCH: "100" })).toThrow(new ConfigError("UNDERSTUDY_MAX_BATCH: Too big: expected number to be <=64"));
    expect(() => loadConfig({ GPU_SERVICE_SECRET: secret, PORT: "http" })).toThrow(/^PORT: /);
    expect(() => loadConfig({ GPU_SERVICE_SECRET: secret, UNDERSTUDY_STUDENT_QUEUE: "2" })).toThrow(/^UNDERSTUDY_STUDENT_QUEUE: Too small/);
  });

  it("rejects a secret too short to be one", () => {
    expect(() => loadConfig({ GPU_SERVICE_SECRET: "hunter2" })).toThrow(/GPU_SERVICE_SECRET: must be at least 16 characters/);
  });
});
