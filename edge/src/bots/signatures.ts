import { constantTimeEqual, hmacSha256Hex } from "@understudy/shared";
import { SIGNATURE_WINDOW_SECONDS } from "./env.js";

/**
 * The two chat platforms' request signatures, as pure functions of what arrived. Both bind a timestamp
 * to the raw body, so a stale timestamp is refused before any crypto runs.
 */
export type SignatureCheck = { ok: true } | { ok: false; reason: "missing" | "malformed" | "stale" | "mismatch" };

const nowSeconds = () => Math.floor(Date.now() / 1000);

function fresh(timestamp: string, now: number): boolean {
  return Math.abs(now - Number(timestamp)) <= SIGNATURE_WINDOW_SECONDS;
}

function bytesFromHex(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Discord: Ed25519 over `timestamp + body`, with the application's public key. */
export async function verifyDiscord(
  publicKeyHex: string,
  parts: { signature: string | null; timestamp: string | null; body: string },
  now = nowSeconds(),
): Promise<SignatureCheck> {
  const { signature, timestamp, body } = parts;
  if (!signature || !timestamp) return { ok: false, reason: "missing" };
  if (!/^[0-9a-f]{128}$/i.test(signature) || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed" };
  if (!fresh(timestamp, now)) return { ok: false, reason: "stale" };
  const key = await crypto.subtle.importKey("raw", bytesFromHex(publicKeyHex), { name: "Ed25519" }, false, ["verify"]);
  const valid = await crypto.subtle.verify({ name: "Ed25519" }, key, bytesFromHex(signature), new TextEncoder().encode(timestamp + body));
  return valid ? { ok: true } : { ok: false, reason: "mismatch" };
}

/** Slack: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` under the signing secret. */
export async function verifySlack(
  signingSecret: string,
  parts: { signature: string | null; timestamp: string | null; body: string },
  now = nowSeconds(),
): Promise<SignatureCheck> {
  const { signature, timestamp, body } = parts;
  if (!signature || !timestamp) return { ok: false, reason: "missing" };
  if (!/^v0=[0-9a-f]{64}$/.test(signature) || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed" };
  if (!fresh(timestamp, now)) return { ok: false, reason: "stale" };
  const expected = await hmacSha256Hex(signingSecret, new Uint8Array(new TextEncoder().encode(`v0:${timestamp}:${body}`)));
  return constantTimeEqual(`v0=${expected}`, signature) ? { ok: true } : { ok: false, reason: "mismatch" };
}
