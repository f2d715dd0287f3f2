import { describe, expect, it } from "vitest";
import { hmacSha256Hex, signatureHeaders, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from "@understudy/shared";
import { nodeHmacSha256Hex } from "./edge-signature.js";

describe("the service's HMAC", () => {
  it("agrees with the Web Crypto HMAC the edge signs with, for empty, text and binary inputs", async () => {
    const inputs = [new Uint8Array(0), new TextEncoder().encode("1733500000\nPOST\n/internal/v1/generate\n{\"prompt\":\"a red circle\"}"), Uint8Array.from({ length: 4096 }, (_, i) => (i * 31) & 255)];
    for (const secret of ["s".repeat(16), "another secret with ünïcode"]) {
      for (const data of inputs) expect(nodeHmacSha256Hex(secret, data)).toBe(await hmacSha256Hex(secret, data));
    }
  });

  it("verifies what the edge signed, and refuses a different secret", async () => {
    const parts = { method: "POST", path: "/internal/v1/generate", body: '{"prompt":"x"}' };
    const headers = await signatureHeaders("edge-and-service-secret", parts, 1_733_500_000);
    const signed = { ...parts, signature: headers[SIGNATURE_HEADER]!, timestamp: headers[TIMESTAMP_HEADER]! };
    const options = { nowSeconds: 1_733_500_010, hmac: nodeHmacSha256Hex };
    expect(await verifySignature("edge-and-service-secret", signed, options)).toEqual({ ok: true });
    expect(await verifySignature("some-other-secret-value", signed, options)).toEqual({ ok: false, reason: "mismatch" });
  });
});
