import { beforeEach, describe, expect, it, vi } from "vitest";
import { InternalPaths, type ImagesResponse } from "@understudy/shared";
import { errorOf, generate, installStandin, newTenant, standin, usage } from "../../test/helpers.js";
import { backoffMs } from "./backoff.js";
import { CircuitBreaker, breakerFor } from "./breaker.js";

describe("circuit breaker", () => {
  it("opens after consecutive failures, lets one probe through after the cool-down", () => {
    const breaker = new CircuitBreaker(3, 1000);
    for (let i = 0; i < 3; i++) breaker.failed(0);
    expect(breaker.allow(500)).toBe(false);
    expect(breaker.allow(1000)).toBe(true);
    expect(breaker.allow(1001)).toBe(false);
    breaker.succeeded();
    expect(breaker.state).toBe("closed");
  });

  it("a failed probe re-opens at once", () => {
    const breaker = new CircuitBreaker(3, 1000);
    for (let i = 0; i < 3; i++) breaker.failed(0);
    expect(breaker.allow(1000)).toBe(true);
    breaker.failed(1000);
    expect(breaker.allow(1500)).toBe(false);
  });
});

describe("backoff", () => {
  it("is jittered within a capped exponential window", () => {
    expect(backoffMs(0, 50, 1000, () => 0.999)).toBeLessThan(50);
    expect(backoffMs(10, 50, 1000, () => 0.999)).toBeLessThan(1000);
    expect(backoffMs(3, 50, 1000, () => 0)).toBe(0);
  });
});

describe("calling the gpu-service", () => {
  beforeEach(installStandin);

  it("signs every call (the stand-in verifies) and fails over to another origin", async () => {
    const { key } = await newTenant("pro");
    standin.downOrigins.add("http://gpu-a.test");
    for (let i = 0; i < 4; i++) expect((await generate(key, { prompt: `p${i}` })).status).toBe(200);
    expect(standin.rejected).toBe(0);
    expect(breakerFor("http://gpu-a.test").state).toBe("open");
  });

  it("all origins down: 503 with Retry-After, nothing charged, circuits open", async () => {
    const { key } = await newTenant("pro");
    await generate(key, { prompt: "warm the bundle" });
    const used = (await usage(key)).credits.used;
    standin.behaviour = "down";
    const response = await generate(key, { prompt: "p", seed: 1 });
    expect(response.status).toBe(503);
    await generate(key, { prompt: "p", seed: 1 });
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect((await usage(key)).credits).toMatchObject({ used, reserved: 0 });
    expect(breakerFor("http://gpu-a.test").state).not.toBe("closed");
  });

  it("overloaded service: 503 'overloaded' after bounded retries", async () => {
    const { key } = await newTenant("pro");
    await generate(key, { prompt: "warm the bundle" });
    standin.calls.clear();
    standin.behaviour = "overloaded";
    const response = await generate(key, { prompt: "p", mode: "student" });
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({ code: "overloaded" });
    expect(standin.count(InternalPaths.generate)).toBeLessThanOrEqual(3);
  });

  it("teacher overloaded: the student's image, marked degraded, charged as such", async () => {
    const { key } = await newTenant("pro");
    standin.behaviour = "teacher_overloaded";
    const response = await generate(key, { prompt: "p", seed: 2, quality: "best" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ImagesResponse;
    expect(body.data[0]!.understudy).toMatchObject({ route: "student", degraded: true, degraded_reason: "teacher_unavailable" });
    expect(body.understudy.credits_charged).toBe(4);
  });

  it("a bundle switched under the edge: 503 retry-now, and the next request is planned for the new bundle", async () => {
    const { key } = await newTenant("pro");
    expect((await generate(key, { prompt: "before", seed: 1 })).status).toBe(200);
    standin.bundle = { ...standin.bundle, id: "circles-world", version: "v2" };
    const switched = await generate(key, { prompt: "during", seed: 1 });
    expect(switched.status).toBe(503);
    expect(switched.headers.get("Retry-After")).toBe("1");
    expect((await usage(key)).credits.reserved).toBe(0);
    const after = (await (await generate(key, { prompt: "after", seed: 1 })).json()) as ImagesResponse;
    expect(after.understudy.bundle).toEqual({ id: "circles-world", version: "v2" });
  });

  it("a bundle older than 30 s still plans requests at once while one background call refreshes it", async () => {
    const { key } = await newTenant("pro");
    expect((await generate(key, { prompt: "warm the bundle", mode: "student" })).status).toBe(200);
    const fetched = standin.count(InternalPaths.bundle);
    let release!: () => void;
    standin.holdBundle = new Promise((resolve) => (release = resolve));
    const later = Date.now() + 31_000;
    const clock = vi.spyOn(Date, "now").mockImplementation(() => later);
    try {
      // Both answer while the refresh is still held: nobody waits for it.
      expect((await generate(key, { prompt: "stale is fine", mode: "student" })).status).toBe(200);
      expect((await generate(key, { prompt: "one refresh at a time", mode: "student" })).status).toBe(200);
      expect(standin.count(InternalPaths.bundle)).toBe(fetched + 1);
    } finally {
      release();
      clock.mockRestore();
    }
  });

  it("input only the model can judge (an undecodable image) is the caller's 400, not our 500, and free", async () => {
    const { key } = await newTenant("pro");
    await generate(key, { prompt: "warm the bundle", mode: "student" });
    const used = (await usage(key)).credits.used;
    standin.behaviour = "rejects_image";
    const response = await generate(key, { prompt: "p", mode: "student" });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: "invalid_value", param: "image" });
    expect((await usage(key)).credits).toMatchObject({ used, reserved: 0 });
  });

  it("reports the gpu-service time in Server-Timing", async () => {
    const { key } = await newTenant("pro");
    const response = await generate(key, { prompt: "p" });
    expect(response.headers.get("Server-Timing")).toMatch(/gpu;dur=[\d.]+/);
  });
});
