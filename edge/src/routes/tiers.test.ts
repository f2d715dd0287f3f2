import { beforeEach, describe, expect, it } from "vitest";
import type { ImagesResponse } from "@understudy/shared";
import { errorOf, generate, installStandin, newTenant } from "../../test/helpers.js";

describe("tiers", () => {
  beforeEach(installStandin);

  it("free: the teacher cannot be asked for, in any way", async () => {
    const { key } = await newTenant("free");
    for (const [body, param] of [
      [{ prompt: "a square", mode: "teacher" }, "mode"],
      [{ prompt: "a square", mode: "adaptive" }, "mode"],
      [{ prompt: "a square", n: 2 }, "n"],
    ] as const) {
      const response = await generate(key, body);
      expect(response.status).toBe(403);
      expect(await errorOf(response)).toMatchObject({ code: "forbidden_by_tier", param });
    }
  });

  it("free: quality words all map to the student", async () => {
    const { key } = await newTenant("free");
    const body = (await (await generate(key, { prompt: "a square", quality: "best", seed: 1 })).json()) as ImagesResponse;
    expect(body.data[0]!.understudy).toMatchObject({ route: "student", k: null });
  });

  it("standard: balanced buys k = 30, regenerate is not included", async () => {
    const { key } = await newTenant("standard");
    const body = (await (await generate(key, { prompt: "a square", seed: 3 })).json()) as ImagesResponse;
    expect(body.data[0]!.understudy.k).toBe(30);
    const refused = await generate(key, { prompt: "a square", strategy: "regenerate" });
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ param: "strategy" });
  });

  it("pro: teacher mode and regeneration are allowed; best buys k = 70", async () => {
    const { key } = await newTenant("pro");
    expect((await generate(key, { prompt: "a square", mode: "teacher" })).status).toBe(200);
    expect((await generate(key, { prompt: "a square", strategy: "regenerate" })).status).toBe(200);
    const body = (await (await generate(key, { prompt: "a square", quality: "best", seed: 9 })).json()) as ImagesResponse;
    expect(body.data[0]!.understudy.k).toBe(70);
  });

  it("rate limit: the free burst of 5 passes, the 6th gets 429 with Retry-After", async () => {
    const { key } = await newTenant("free");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await generate(key, { prompt: `p${i}`, seed: i })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await generate(key, { prompt: "again", seed: 99 });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await errorOf(limited)).toMatchObject({ code: "rate_limited", type: "rate_limit_error" });
  });
});
