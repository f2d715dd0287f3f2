import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { ModelList, ModelObject } from "@understudy/shared";
import { errorOf, get, installStandin, newTenant, standin } from "../../test/helpers.js";
import { STANDIN_BUNDLE } from "../../test/standin.js";
import { LAST_BUNDLE_KV_KEY, forgetBundle } from "../gpu/bundle.js";

describe("models: what OpenAI clients list before asking for images", () => {
  beforeEach(installStandin);

  it("lists the one bundle the gpu-service serves, with its facts", async () => {
    const { key } = await newTenant("standard");
    const response = await get("/v1/models", key);
    expect(response.status).toBe(200);
    const list = ModelList.parse(await response.json());
    expect(list.data.map((model) => model.id)).toEqual([STANDIN_BUNDLE.id]);
    expect(list.data[0]).toMatchObject({ object: "model", owned_by: "understudy", understudy: STANDIN_BUNDLE });
  });

  it("retrieves the served model by id and names the one it serves otherwise", async () => {
    const { key } = await newTenant("standard");
    const served = await get(`/v1/models/${STANDIN_BUNDLE.id}`, key);
    expect(served.status).toBe(200);
    expect(ModelObject.parse(await served.json()).understudy.version).toBe(STANDIN_BUNDLE.version);
    const other = await get("/v1/models/dall-e-3", key);
    expect(other.status).toBe(404);
    const error = await errorOf(other);
    expect(error).toMatchObject({ code: "not_found", param: "model" });
    expect(error.message).toContain(`"${STANDIN_BUNDLE.id}"`);
  });

  it("needs an API key", async () => {
    expect((await get("/v1/models")).status).toBe(401);
  });

  it("answers from the last bundle it saw while the gpu-service is down, and 503 when it never saw one", async () => {
    const { key } = await newTenant("standard");
    expect((await get("/v1/models", key)).status).toBe(200);
    standin.behaviour = "down";
    forgetBundle();
    expect(ModelList.parse(await (await get("/v1/models", key)).json()).data[0]!.id).toBe(STANDIN_BUNDLE.id);
    await env.KEYS.delete(LAST_BUNDLE_KV_KEY);
    forgetBundle();
    const response = await get("/v1/models", key);
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBeTruthy();
  });
});
