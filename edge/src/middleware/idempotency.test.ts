import { beforeEach, describe, expect, it } from "vitest";
import { InternalPaths, type ImagesResponse } from "@understudy/shared";
import { errorOf, generate, installStandin, newTenant, standin, usage } from "../../test/helpers.js";

describe("Idempotency-Key", () => {
  beforeEach(installStandin);

  it("same key, same body: the first answer again, charged once", async () => {
    const { key } = await newTenant("pro");
    const body = { prompt: "a green hexagon", response_format: "b64_json" };
    const first = await generate(key, body, { "Idempotency-Key": "order-1" });
    const second = await generate(key, body, { "Idempotency-Key": "order-1" });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(second.headers.get("X-Request-Id")).toMatch(/^req_/);
    const [a, b] = (await Promise.all([first.json(), second.json()])) as ImagesResponse[];
    expect(b).toEqual(a);
    expect(standin.count(InternalPaths.generate)).toBe(1);
    const spent = await usage(key);
    expect(spent.requests).toBe(1);
    expect(spent.credits.used).toBe(a!.understudy.credits_charged);
  });

  it("same key, different body: 409 naming the header", async () => {
    const { key } = await newTenant("pro");
    await generate(key, { prompt: "one" }, { "Idempotency-Key": "k" });
    const conflict = await generate(key, { prompt: "two" }, { "Idempotency-Key": "k" });
    expect(conflict.status).toBe(409);
    expect(await errorOf(conflict)).toMatchObject({ code: "idempotency_conflict", param: "Idempotency-Key" });
  });

  it("keys are per tenant", async () => {
    const a = await newTenant("pro");
    const b = await newTenant("pro");
    expect((await generate(a.key, { prompt: "one" }, { "Idempotency-Key": "shared" })).status).toBe(200);
    expect((await generate(b.key, { prompt: "two" }, { "Idempotency-Key": "shared" })).status).toBe(200);
  });

  it("a failed attempt releases the key, so the retry runs (and only it is charged)", async () => {
    const { key } = await newTenant("pro");
    standin.behaviour = "overloaded";
    const failed = await generate(key, { prompt: "retry me", mode: "student" }, { "Idempotency-Key": "retry" });
    expect(failed.status).toBe(503);
    standin.behaviour = "ok";
    const retried = await generate(key, { prompt: "retry me", mode: "student" }, { "Idempotency-Key": "retry" });
    expect(retried.status).toBe(200);
    expect(retried.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await usage(key)).credits.used).toBe(4);
  });

  it("rejects an unusable key", async () => {
    const { key } = await newTenant("pro");
    const response = await generate(key, { prompt: "x" }, { "Idempotency-Key": "x".repeat(300) });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ param: "Idempotency-Key" });
  });
});
