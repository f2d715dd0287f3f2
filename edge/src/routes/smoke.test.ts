import { beforeEach, describe, expect, it } from "vitest";
import { generate, get, installStandin, newTenant } from "../../test/helpers.js";

describe("smoke", () => {
  beforeEach(installStandin);
  it("generates", async () => {
    const { key } = await newTenant("pro");
    const response = await generate(key, { prompt: "a red circle", seed: 7, response_format: "b64_json" });
    const body = await response.json();
    console.log(response.status, JSON.stringify(body).slice(0, 600), [...response.headers]);
    expect(response.status).toBe(200);
    const h = await get("/healthz");
    expect(h.status).toBe(200);
  });
});
