import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { InternalPaths, cacheKey, type CacheKeyInput, type ImagesResponse } from "@understudy/shared";
import { generate, get, installStandin, newTenant, standin, usage } from "../../test/helpers.js";
import { STANDIN_BUNDLE } from "../../test/standin.js";
import { planImages } from "../images/plan.js";
import { TIERS } from "@understudy/shared";

const json = async (response: Response) => (await response.json()) as ImagesResponse;

describe("cache keys", () => {
  it("leaving a field out and sending the bundle's default give the same key", async () => {
    const base = { prompt: "a red circle", seed: 42, n: 1, quality: "balanced", response_format: "url", stream: false } as const;
    const implicit = await planImages(TIERS.pro, STANDIN_BUNDLE, { kind: "generate", request: base });
    const explicit = await planImages(TIERS.pro, STANDIN_BUNDLE, {
      kind: "generate",
      request: { ...base, size: "64x64", steps: 20, student_steps: 4, guidance: 3, strength: 0.5, negative_prompt: "", mode: "adaptive", strategy: "refine" },
    });
    expect(explicit.cacheKeys).toEqual(implicit.cacheKeys);
  });

  it("every field that changes the image changes the key; image i of n shares image 1 of seed + i", async () => {
    const base = { prompt: "a red circle", seed: 42, n: 2, quality: "balanced", response_format: "url", stream: false } as const;
    const plan = await planImages(TIERS.pro, STANDIN_BUNDLE, { kind: "generate", request: base });
    const next = await planImages(TIERS.pro, STANDIN_BUNDLE, { kind: "generate", request: { ...base, n: 1, seed: 43 } });
    expect(plan.cacheKeys[1]).toBe(next.cacheKeys[0]);
    const variants = [{ prompt: "a red square" }, { seed: 41 }, { quality: "best" as const }, { steps: 30 }, { guidance: 5 }, { negative_prompt: "blur" }];
    for (const change of variants) {
      const other = await planImages(TIERS.pro, STANDIN_BUNDLE, { kind: "generate", request: { ...base, ...change } });
      expect(other.cacheKeys[0], JSON.stringify(change)).not.toBe(plan.cacheKeys[0]);
    }
  });

  it("matches the shared cache key over the resolved fields", async () => {
    const plan = await planImages(TIERS.standard, STANDIN_BUNDLE, {
      kind: "generate",
      request: { prompt: "p", seed: 1, n: 1, quality: "balanced", response_format: "url", stream: false },
    });
    const input: CacheKeyInput = {
      bundle: { id: "shapes-world", version: "standin-1" }, kind: "generate", prompt: "p", negative_prompt: "", seed: 1, width: 64, height: 64,
      mode: "adaptive", k: 30, threshold: null, strategy: "refine", strength: 0.5, steps: 20, student_steps: 4, guidance: 3, image_sha256: null,
    };
    expect(plan.cacheKeys[0]).toBe(await cacheKey(input));
  });
});

describe("image cache", () => {
  beforeEach(installStandin);

  it("a repeated seeded request is a hit: no gpu call, nothing charged", async () => {
    const { key } = await newTenant("pro");
    const request = { prompt: "a yellow ring", seed: 1234, n: 2, response_format: "b64_json" };
    const first = await json(await generate(key, request));
    const usedAfterFirst = (await usage(key)).credits.used;
    const second = await json(await generate(key, request));
    expect(standin.count(InternalPaths.generate)).toBe(1);
    expect(second.understudy.credits_charged).toBe(0);
    expect(second.data.map((d) => d.understudy.cache)).toEqual(["hit", "hit"]);
    expect(second.data.map((d) => d.b64_json)).toEqual(first.data.map((d) => d.b64_json));
    const after = await usage(key);
    expect(after.credits.used).toBe(usedAfterFirst);
    expect(after.cache_hits).toBe(1);
  });

  it("the cache is shared across tenants (same inputs, same pixels), but a hit is free for each", async () => {
    const a = await newTenant("pro");
    const b = await newTenant("pro");
    await generate(a.key, { prompt: "shared", seed: 5 });
    const hit = await json(await generate(b.key, { prompt: "shared", seed: 5 }));
    expect(hit.understudy.credits_charged).toBe(0);
    expect(standin.count(InternalPaths.generate)).toBe(1);
  });

  it("requests without a seed are never served from the cache, but their drawn seed is stored", async () => {
    const { key } = await newTenant("pro");
    const first = await json(await generate(key, { prompt: "unseeded" }));
    const again = await json(await generate(key, { prompt: "unseeded" }));
    expect(standin.count(InternalPaths.generate)).toBe(2);
    expect(again.data[0]!.understudy.cache).toBe("miss");
    const seed = first.data[0]!.understudy.seed;
    const replay = await json(await generate(key, { prompt: "unseeded", seed }));
    expect(replay.data[0]!.understudy.cache).toBe("hit");
  });

  it("identical concurrent misses are computed once", async () => {
    const { key } = await newTenant("pro");
    standin.behaviour = "slow";
    const responses = await Promise.all(Array.from({ length: 5 }, () => generate(key, { prompt: "together", seed: 77 })));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(standin.count(InternalPaths.generate)).toBe(1);
    const bodies = await Promise.all(responses.map(json));
    expect(bodies.map((b) => b.understudy.credits_charged).filter((c) => c > 0)).toHaveLength(1);
  });

  it("degraded images are never cached", async () => {
    const { key } = await newTenant("pro");
    standin.behaviour = "teacher_overloaded";
    const degraded = await json(await generate(key, { prompt: "busy", seed: 8 }));
    expect(degraded.data[0]!.understudy).toMatchObject({ degraded: true, degraded_reason: "teacher_unavailable", route: "student" });
    standin.behaviour = "ok";
    const fresh = await json(await generate(key, { prompt: "busy", seed: 8 }));
    expect(fresh.data[0]!.understudy).toMatchObject({ cache: "miss", degraded: false });
  });

  it("url images: served to their tenant through the Cache API, invisible to others", async () => {
    const a = await newTenant("pro");
    const b = await newTenant("pro");
    const body = await json(await generate(a.key, { prompt: "a url image", seed: 3 }));
    const url = new URL(body.data[0]!.url!);
    expect(url.pathname).toMatch(/^\/v1\/images\/img_[A-Za-z0-9_-]{22}$/);
    for (let i = 0; i < 2; i++) {
      const own = await get(url.pathname, a.key);
      expect(own.status).toBe(200);
      expect(own.headers.get("content-type")).toBe("image/png");
      expect(new Uint8Array(await own.arrayBuffer()).slice(1, 4)).toEqual(new TextEncoder().encode("PNG"));
    }
    expect((await get(url.pathname, b.key)).status).toBe(404);
    expect((await get(url.pathname)).status).toBe(401);
    expect((await get("/v1/images/img_guessguessguessguessgu", a.key)).status).toBe(404);
    expect((await SELF.fetch(`https://edge.test/v1/images/../usage`, { headers: { Authorization: `Bearer ${a.key}` } })).status).toBe(200);
  });
});
