// The edge against the real stack: the official OpenAI client unchanged, the cache, tiers, budgets, a crashed
// gpu-service, and bad input of every kind. Needs the embedded bundle; skips with a message while it is absent.
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody, ImagesResponse, UsageResponse } from "@understudy/shared";
import { BUNDLE_PRESENT, SKIP_REASON, Stack } from "./e2e-stack.js";

if (!BUNDLE_PRESENT) console.warn(SKIP_REASON);

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const isPng = (bytes: Uint8Array) => PNG_MAGIC.every((byte, i) => bytes[i] === byte);

describe.skipIf(!BUNDLE_PRESENT)("edge end to end (real gpu-service, wrangler dev)", () => {
  const stack = new Stack(18887, 18888);
  let proKey = "";

  beforeAll(async () => {
    await stack.start();
    proKey = await stack.newKey("e2e-pro", "pro");
  });
  afterAll(() => stack.stop());

  const post = (key: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.edgeUrl}/v1/images/generations`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const usage = async (key: string) => (await (await fetch(`${stack.edgeUrl}/v1/usage`, { headers: { Authorization: `Bearer ${key}` } })).json()) as UsageResponse;
  const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${stack.edgeUrl}/v1`, maxRetries: 0 });

  it("the official openai client's images.generate works unchanged with b64_json", async () => {
    const result = await client(proKey).images.generate({ prompt: "a red circle on a blue background", n: 1, response_format: "b64_json" });
    expect(result.data).toHaveLength(1);
    expect(isPng(Buffer.from(result.data![0]!.b64_json!, "base64"))).toBe(true);
  });

  it("the official openai client's images.generate works unchanged with url, and the url serves the PNG", async () => {
    const result = await client(proKey).images.generate({ prompt: "a green square", response_format: "url", model: "dall-e-2" });
    const url = result.data![0]!.url!;
    expect(url.startsWith(`${stack.edgeUrl}/v1/images/`)).toBe(true);
    const image = await fetch(url, { headers: { Authorization: `Bearer ${proKey}` } });
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(isPng(new Uint8Array(await image.arrayBuffer()))).toBe(true);
  });

  it("the official openai client lists the served model, retrieves it, and generates with its id", async () => {
    const ids: string[] = [];
    for await (const model of client(proKey).models.list()) ids.push(model.id);
    expect(ids).toHaveLength(1);
    const model = ids[0]!;
    expect((await client(proKey).models.retrieve(model)).id).toBe(model);
    const result = await client(proKey).images.generate({ prompt: "a red circle on a blue background", model, response_format: "b64_json" });
    expect(isPng(Buffer.from(result.data![0]!.b64_json!, "base64"))).toBe(true);
  });

  it("the official openai client's images.edit works with a PNG upload", async () => {
    const generated = await client(proKey).images.generate({ prompt: "a blue square", response_format: "b64_json" });
    const png = Buffer.from(generated.data![0]!.b64_json!, "base64");
    const edited = await client(proKey).images.edit({ image: await toFile(png, "input.png", { type: "image/png" }), prompt: "a red square", response_format: "b64_json" });
    expect(isPng(Buffer.from(edited.data![0]!.b64_json!, "base64"))).toBe(true);
  });

  it("a repeated seeded request is a cache hit and costs nothing", async () => {
    const body = { prompt: "a yellow triangle", seed: 2024, response_format: "b64_json" };
    const first = (await (await post(proKey, body)).json()) as ImagesResponse;
    expect(first.data[0]!.understudy.cache).toBe("miss");
    const before = await usage(proKey);
    const second = (await (await post(proKey, body)).json()) as ImagesResponse;
    expect(second.data[0]!.understudy.cache).toBe("hit");
    expect(second.understudy.credits_charged).toBe(0);
    expect(second.data[0]!.b64_json).toBe(first.data[0]!.b64_json);
    const after = await usage(proKey);
    expect(after.credits.used).toBe(before.credits.used);
    expect(after.cache_hits).toBe(before.cache_hits + 1);
  });

  it("a free key cannot ask for the teacher", async () => {
    const freeKey = await stack.newKey("e2e-free", "free");
    const response = await post(freeKey, { prompt: "a circle", mode: "teacher" });
    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorBody).error).toMatchObject({ code: "forbidden_by_tier", param: "mode" });
    const viaClient = await client(freeKey).images.generate({ prompt: "a circle", quality: "hd" });
    expect(viaClient.data![0]).toBeDefined();
    expect((viaClient.data![0] as unknown as ImagesResponse["data"][number]).understudy.route).toBe("student");
  });

  it("a budget runs out exactly", async () => {
    const probeKey = await stack.newKey("e2e-probe", "standard");
    const probe = (await (await post(probeKey, { prompt: "probe", quality: "fast" })).json()) as ImagesResponse;
    const cost = probe.understudy.credits_charged;
    expect(cost).toBeGreaterThan(0);
    const key = await stack.newKey("e2e-budget", "standard", 3 * cost);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(key, { prompt: `budget ${i}`, quality: "fast" })).status);
    expect(statuses).toEqual([200, 200, 200, 402]);
    expect((await usage(key)).credits).toMatchObject({ used: 3 * cost, reserved: 0, remaining: 0 });
  });

  const badInputs: [string, () => Promise<Response>, number, string | null][] = [
    ["wrong type", () => post(proKey, { prompt: "p", n: "two" }), 400, "n"],
    ["huge prompt", () => post(proKey, { prompt: "x".repeat(5000) }), 400, "prompt"],
    ["empty prompt", () => post(proKey, { prompt: "" }), 400, "prompt"],
    ["bad size", () => post(proKey, { prompt: "p", size: "1024x1024" }), 400, "size"],
    ["malformed size", () => post(proKey, { prompt: "p", size: "huge" }), 400, "size"],
    ["bad JSON", () => post(proKey, "{not json"), 400, "body"],
    ["wrong content type", () => fetch(`${stack.edgeUrl}/v1/images/generations`, { method: "POST", headers: { Authorization: `Bearer ${proKey}`, "Content-Type": "text/plain" }, body: "p" }), 415, "Content-Type"],
    ["oversized body", () => post(proKey, { prompt: "p", user: "u".repeat(200_000) }), 413, "body"],
    ["oversized upload", () => upload(new Uint8Array(6 * 1024 * 1024).fill(1, 8)), 413, "body"],
    ["non-image upload", () => upload(new TextEncoder().encode("definitely not a picture")), 400, "image"],
    ["unknown field", () => post(proKey, { prompt: "p", sharpness: 3 }), 400, "sharpness"],
  ];

  function upload(bytes: Uint8Array<ArrayBuffer>): Promise<Response> {
    const form = new FormData();
    form.append("prompt", "edit it");
    form.append("image", new Blob([bytes], { type: "image/png" }), "input.png");
    return fetch(`${stack.edgeUrl}/v1/images/edits`, { method: "POST", headers: { Authorization: `Bearer ${proKey}` }, body: form });
  }

  for (const [name, send, status, param] of badInputs) {
    it(`bad input — ${name}: ${status} naming ${param}`, async () => {
      const response = await send();
      expect(response.status).toBe(status);
      const { error } = (await response.json()) as ErrorBody;
      expect(error.param).toBe(param);
      expect(error.message.length).toBeGreaterThan(10);
    });
  }

  // Last: it takes the gpu-service down (and brings it back for any test added after it).
  it("the gpu-service stopped mid-run gives a clean 503 and charges nothing", async () => {
    const key = await stack.newKey("e2e-crash", "pro");
    const before = await usage(key);
    const slow = post(key, { prompt: "a slow teacher image", mode: "teacher", steps: 100, n: 4 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stack.killGpu();
    const response = await slow;
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(((await response.json()) as ErrorBody).error.code).toMatch(/upstream_unavailable|overloaded/);
    const after = await usage(key);
    expect(after.credits).toMatchObject({ used: before.credits.used, reserved: 0 });
    await stack.startGpu();
  });
});
