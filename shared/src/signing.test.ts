import { describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signatureHeaders, signRequest, verifySignature } from "./signing.js";

const secret = "test-secret-0123456789";
const parts = { method: "POST", path: "/internal/v1/generate", body: '{"prompt":"a red circle"}' };
const now = 1_764_200_000;

async function verify(overrides: Partial<Parameters<typeof verifySignature>[1]> = {}, nowSeconds = now) {
  const headers = await signatureHeaders(secret, parts, now);
  return verifySignature(secret, { ...parts, timestamp: headers[TIMESTAMP_HEADER] ?? null, signature: headers[SIGNATURE_HEADER] ?? null, ...overrides }, { nowSeconds });
}

describe("request signing", () => {
  it("accepts its own signature", async () => {
    expect(await verify()).toEqual({ ok: true });
  });

  it("matches an independent HMAC-SHA256 of the documented input", async () => {
    const { createHmac } = await import("node:crypto");
    const expected = createHmac("sha256", secret).update(`${now}\nPOST\n/internal/v1/generate\n${parts.body}`).digest("hex");
    expect(await signRequest(secret, { ...parts, timestamp: now })).toBe(expected);
  });

  it("rejects a changed body, path or method", async () => {
    expect(await verify({ body: '{"prompt":"a blue circle"}' })).toEqual({ ok: false, reason: "mismatch" });
    expect(await verify({ path: "/internal/v1/edit" })).toEqual({ ok: false, reason: "mismatch" });
    expect(await verify({ method: "PUT" })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("rejects a missing, malformed or stale signature", async () => {
    expect(await verify({ signature: null })).toEqual({ ok: false, reason: "missing" });
    expect(await verify({ signature: "zz" })).toEqual({ ok: false, reason: "malformed" });
    expect(await verify({}, now + 61)).toEqual({ ok: false, reason: "stale" });
    expect(await verify({}, now + 60)).toEqual({ ok: true });
  });

  it("rejects a signature made with another secret", async () => {
    const forged = await signRequest("other-secret", { ...parts, timestamp: now });
    expect(await verify({ signature: forged })).toEqual({ ok: false, reason: "mismatch" });
  });
});
