import { SELF } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorOf, edit, generate, installStandin, newTenant } from "../../test/helpers.js";
import { TINY_PNG_B64 } from "../../test/standin.js";
import { bytesFromBase64 } from "../images/png.js";

let key = "";

/** Each case: the body sent, the status expected, and the field the error must name. */
const generationCases: [name: string, body: unknown, status: number, param: string | null][] = [
  ["missing prompt", { n: 1 }, 400, "prompt"],
  ["empty prompt", { prompt: "   " }, 400, "prompt"],
  ["prompt too long", { prompt: "x".repeat(1001) }, 400, "prompt"],
  ["prompt of the wrong type", { prompt: 42 }, 400, "prompt"],
  ["n as a string", { prompt: "p", n: "2" }, 400, "n"],
  ["n too large", { prompt: "p", n: 5 }, 400, "n"],
  ["n zero", { prompt: "p", n: 0 }, 400, "n"],
  ["fractional seed", { prompt: "p", seed: 1.5 }, 400, "seed"],
  ["negative seed", { prompt: "p", seed: -1 }, 400, "seed"],
  ["malformed size", { prompt: "p", size: "big" }, 400, "size"],
  ["size not served by the bundle", { prompt: "p", size: "1024x1024" }, 400, "size"],
  ["unknown response_format", { prompt: "p", response_format: "png" }, 400, "response_format"],
  ["unknown quality", { prompt: "p", quality: "ultra" }, 400, "quality"],
  ["unknown mode", { prompt: "p", mode: "oracle" }, 400, "mode"],
  ["strength of zero", { prompt: "p", strength: 0 }, 400, "strength"],
  ["guidance too high", { prompt: "p", guidance: 50 }, 400, "guidance"],
  ["unknown field", { prompt: "p", colour: "red" }, 400, "colour"],
  ["unknown model", { prompt: "p", model: "stable-diffusion-9" }, 400, "model"],
  ["array body", [1, 2], 400, null],
];

describe("validation: every bad input is a 4xx naming the problem", () => {
  beforeAll(async () => {
    installStandin();
    key = (await newTenant("pro")).key;
  });
  beforeEach(installStandin);

  for (const [name, body, status, param] of generationCases) {
    it(`generations: ${name}`, async () => {
      const response = await generate(key, body);
      expect(response.status).toBe(status);
      const error = await errorOf(response);
      expect(error.param).toBe(param);
      if (param) expect(error.message.startsWith(param)).toBe(true);
    });
  }

  it("generations: a field of the wrong type is invalid, not missing", async () => {
    for (const body of [{ prompt: "p", seed: "x" }, { prompt: 42 }, { prompt: "p", n: "2" }]) {
      const error = await errorOf(await generate(key, body));
      expect(error.code, JSON.stringify(body)).toBe("invalid_value");
      expect(error.message).not.toContain("required");
    }
    expect(await errorOf(await generate(key, { n: 1 }))).toMatchObject({ code: "missing_field", param: "prompt", message: "prompt: this field is required." });
  });

  it("generations: OpenAI's own model names and quality words are accepted", async () => {
    expect((await generate(key, { prompt: "p", model: "dall-e-3", quality: "hd", style: "vivid" })).status).toBe(200);
  });

  it("generations: malformed JSON", async () => {
    const response = await generate(key, '{"prompt": "unterminated');
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: "invalid_json", param: "body" });
  });

  it("generations: wrong content type", async () => {
    const response = await SELF.fetch("https://edge.test/v1/images/generations", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "text/plain" }, body: "prompt=p" });
    expect(response.status).toBe(415);
    expect(await errorOf(response)).toMatchObject({ code: "unsupported_media_type" });
  });

  it("generations: oversized body", async () => {
    const response = await generate(key, { prompt: "p", user: "u".repeat(100_000) });
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toMatchObject({ code: "payload_too_large", param: "body" });
  });

  const png = () => new Blob([bytesFromBase64(TINY_PNG_B64)], { type: "image/png" });

  it("edits: a PNG upload with form fields works", async () => {
    const response = await edit(key, { prompt: "make it blue", n: "1", seed: "4", response_format: "b64_json" }, png());
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it("edits: missing image", async () => {
    const response = await edit(key, { prompt: "p" });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: "missing_field", param: "image" });
  });

  it("edits: an upload that is not an image", async () => {
    const response = await edit(key, { prompt: "p" }, new Blob(["hello, I am text"], { type: "image/png" }));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ param: "image" });
  });

  it("edits: an oversized upload", async () => {
    const big = new Uint8Array(5 * 1024 * 1024);
    big.set(bytesFromBase64(TINY_PNG_B64));
    const response = await edit(key, { prompt: "p" }, new Blob([big], { type: "image/png" }));
    expect(response.status).toBe(413);
  });

  it("edits: bad form fields name the field", async () => {
    const response = await edit(key, { prompt: "p", n: "many" }, png());
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ param: "n" });
  });

  it("edits: JSON instead of multipart", async () => {
    const response = await SELF.fetch("https://edge.test/v1/images/edits", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: "{}" });
    expect(response.status).toBe(415);
  });

  it("unknown routes are 404 in the same error shape", async () => {
    const response = await SELF.fetch("https://edge.test/v2/anything");
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: "not_found" });
  });
});
