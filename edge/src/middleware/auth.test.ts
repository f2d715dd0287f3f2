import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, errorOf, generate, get, installStandin, newTenant, usage } from "../../test/helpers.js";

describe("API keys", () => {
  beforeEach(installStandin);

  it("refuses a request without a key, with OpenAI's error shape and a request id", async () => {
    const response = await get("/v1/usage");
    expect(response.status).toBe(401);
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(await errorOf(response)).toMatchObject({ code: "unauthorized", type: "authentication_error", param: "Authorization" });
  });

  it("refuses malformed and unknown keys alike", async () => {
    for (const key of ["nonsense", `us_${"A".repeat(43)}`]) {
      const response = await get("/v1/usage", key);
      expect(response.status).toBe(401);
    }
  });

  it("accepts a fresh key and reports the tenant's tier", async () => {
    const { key, tenant } = await newTenant("standard");
    const body = await usage(key);
    expect(body).toMatchObject({ tenant, tier: "standard", requests: 0 });
    expect(body.credits.allowance).toBe(200_000);
  });

  it("stops a revoked key at once, while the tenant's other keys keep working", async () => {
    const first = await newTenant("pro");
    const second = (await (
      await SELF.fetch(`https://edge.test/admin/tenants/${first.tenant}/keys`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ tier: "pro" }),
      })
    ).json()) as { key: string };
    expect((await get("/v1/usage", first.key)).status).toBe(200);
    const revoke = await SELF.fetch(`https://edge.test/admin/tenants/${first.tenant}/keys/${first.prefix}`, { method: "DELETE", headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(await revoke.json()).toMatchObject({ revoked: 1 });
    expect((await get("/v1/usage", first.key)).status).toBe(401);
    expect((await generate(first.key, { prompt: "x", seed: 1 })).status).toBe(401);
    expect((await get("/v1/usage", second.key)).status).toBe(200);
  });

  it("a second key keeps the tenant's credit override unless it is given again", async () => {
    const { tenant } = await newTenant("standard", 123);
    const add = (body: object) =>
      SELF.fetch(`https://edge.test/admin/tenants/${tenant}/keys`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const second = (await (await add({ tier: "pro" })).json()) as { key: string };
    expect((await usage(second.key)).credits.allowance).toBe(123);
    await add({ tier: "pro", monthly_credits: null });
    expect((await usage(second.key)).credits.allowance).toBe(5_000_000);
  });

  it("lists keys by prefix only, never the key or its hash", async () => {
    const { tenant, key, prefix } = await newTenant("free");
    const listing = await SELF.fetch(`https://edge.test/admin/tenants/${tenant}/keys`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await listing.text();
    expect(text).toContain(prefix);
    expect(text).not.toContain(key);
    expect(JSON.parse(text)).toMatchObject({ tier: "free", keys: [{ prefix, revoked: null }] });
  });

  it("guards the admin routes with the admin token", async () => {
    const response = await SELF.fetch("https://edge.test/admin/tenants", { headers: { Authorization: "Bearer wrong" } });
    expect(response.status).toBe(401);
    const { key } = await newTenant("pro");
    expect((await SELF.fetch("https://edge.test/admin/tenants", { headers: { Authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it("validates admin input, naming the field", async () => {
    const response = await SELF.fetch("https://edge.test/admin/tenants/acme/keys", {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ tier: "platinum" }),
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ param: "tier" });
  });
});
