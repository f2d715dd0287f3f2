import { runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { ImagesResponse } from "@understudy/shared";
import { budget, errorOf, generate, installStandin, newTenant, standin, usage } from "../../test/helpers.js";
import type { TenantBudget } from "./TenantBudget.js";
import { RESERVATION_TTL_MS } from "./schema.js";

/** Student-only images cost student_steps (4) evaluations each on the stand-in bundle (guidance distilled). */
const STUDENT_COST = 4;

describe("budget Durable Object", () => {
  beforeEach(installStandin);

  it("never overspends: 60 parallel reservations of 7 against 100 credits, exactly 14 succeed", async () => {
    const { tenant } = await newTenant("pro", 100);
    const stub = budget(tenant);
    const verdicts = await Promise.all(Array.from({ length: 60 }, (_, i) => stub.reserve(`r${i}`, 7)));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(14);
    const left = await stub.usage();
    expect(left.credits).toMatchObject({ reserved: 98, remaining: 2, used: 0 });
  });

  it("settles to what was spent (capped at the reservation) and refunds in full", async () => {
    const { tenant } = await newTenant("pro", 1000);
    const stub = budget(tenant);
    const a = await stub.reserve("a", 100);
    const b = await stub.reserve("b", 100);
    if (!a.ok || !b.ok) throw new Error("reservations should fit");
    expect(await stub.settle(a.reservation, { evaluations: 30, images: 1, teacherImages: 1, degradedImages: 0 })).toBe(30);
    await stub.refund(b.reservation);
    expect((await stub.usage()).credits).toMatchObject({ used: 30, reserved: 0, remaining: 970 });
    expect((await stub.ledger()).map((e) => e.kind)).toEqual(["refund", "settle", "reserve", "reserve"]);
    const c = await stub.reserve("c", 10);
    if (!c.ok) throw new Error("should fit");
    expect(await stub.settle(c.reservation, { evaluations: 50, images: 1, teacherImages: 0, degradedImages: 0 })).toBe(10);
  });

  it("frees reservations whose request vanished without settling", async () => {
    const { tenant } = await newTenant("pro", 10);
    const stub = budget(tenant);
    const now = Date.now();
    expect((await stub.reserve("lost", 10, now)).ok).toBe(true);
    expect((await stub.reserve("next", 10, now + 1000)).ok).toBe(false);
    expect((await stub.reserve("later", 10, now + RESERVATION_TTL_MS + 1)).ok).toBe(true);
  });

  it("keeps its state in SQLite", async () => {
    const { tenant } = await newTenant("standard");
    const tables = await runInDurableObject(budget(tenant), (_: TenantBudget, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").toArray().map((r) => r.name),
    );
    expect(tables).toEqual(expect.arrayContaining(["api_keys", "idempotency", "ledger", "periods", "reservations", "tenant"]));
  });
});

describe("credits over HTTP", () => {
  beforeEach(installStandin);

  it("a budget runs out exactly, even with parallel requests at its edge", async () => {
    // 10 student images' worth; 16 parallel requests (within the standard burst of 20).
    const { key } = await newTenant("standard", 10 * STUDENT_COST);
    const responses = await Promise.all(Array.from({ length: 16 }, (_, i) => generate(key, { prompt: `shape ${i}`, quality: "fast" })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 402)).toHaveLength(6);
    const refused = responses.find((r) => r.status === 402)!;
    expect(await errorOf(refused)).toMatchObject({ code: "insufficient_credits", type: "insufficient_quota" });
    expect((await usage(key)).credits).toMatchObject({ used: 40, reserved: 0, remaining: 0 });
  });

  it("charges what the gpu-service reports, not the worst case", async () => {
    const { key } = await newTenant("pro");
    // Adaptive k = 50 reserves student 4 + refine 10 steps × 2 = 24; the stand-in's oracle decides the route.
    const body = (await (await generate(key, { prompt: "a blue triangle", seed: 11, n: 4 })).json()) as ImagesResponse;
    const spent = body.data.reduce((sum, d) => sum + d.understudy.unet_evaluations.student + d.understudy.unet_evaluations.teacher, 0);
    expect(body.understudy.credits_charged).toBe(spent);
    expect(spent).toBeLessThanOrEqual(4 * 24);
    expect((await usage(key)).credits.used).toBe(spent);
  });

  it("charges nothing when the gpu-service is down, and says so with 503 + Retry-After", async () => {
    const { key } = await newTenant("pro");
    standin.behaviour = "down";
    const response = await generate(key, { prompt: "a square", seed: 5 });
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBeTruthy();
    expect(await errorOf(response)).toMatchObject({ code: "upstream_unavailable" });
    const after = await usage(key);
    expect(after.credits).toMatchObject({ used: 0, reserved: 0 });
  });

  it("refuse tier: 402 once credits cannot cover the request", async () => {
    const { key } = await newTenant("free", STUDENT_COST);
    expect((await generate(key, { prompt: "one", seed: 1 })).status).toBe(200);
    const refused = await generate(key, { prompt: "two", seed: 2 });
    expect(refused.status).toBe(402);
  });

  it("degrade tier: low on credits, the teacher is skipped and the image marked degraded", async () => {
    // Enough for a student image (4) but not the adaptive worst case (4 + 10 × 2).
    const { key } = await newTenant("standard", 10);
    const response = await generate(key, { prompt: "a star", seed: 3 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ImagesResponse;
    expect(body.data[0]!.understudy).toMatchObject({ route: "student", degraded: true, degraded_reason: "budget" });
    expect(body.understudy.credits_charged).toBe(STUDENT_COST);
  });
});
