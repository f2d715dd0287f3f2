import { constantTimeEqual, hmacSha256Hex } from "./digest.js";

/**
 * Edge → gpu-service request signing. The signature is HMAC-SHA256, keyed by a secret both sides hold,
 * over `timestamp \n METHOD \n path \n` followed by the raw body bytes. The timestamp bounds replays to a
 * short window; the gpu-service additionally remembers signatures it has seen inside that window.
 */
export const SIGNATURE_HEADER = "x-understudy-signature";
export const TIMESTAMP_HEADER = "x-understudy-timestamp";
export const DEFAULT_REPLAY_WINDOW_SECONDS = 60;

export interface SignedParts {
  method: string;
  /** Path and query, e.g. `/internal/v1/generate`. */
  path: string;
  body: Uint8Array | string;
  /** Unix seconds. */
  timestamp: number;
}

/** HMAC-SHA256 of `data` under `secret`, as lowercase hex. Web Crypto's by default; a server may pass a faster one. */
export type HmacSha256Hex = (secret: string, data: Uint8Array<ArrayBuffer>) => Promise<string> | string;

function signingInput({ method, path, body, timestamp }: SignedParts): Uint8Array<ArrayBuffer> {
  const head = new TextEncoder().encode(`${timestamp}\n${method.toUpperCase()}\n${path}\n`);
  const payload = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const joined = new Uint8Array(head.length + payload.length);
  joined.set(head, 0);
  joined.set(payload, head.length);
  return joined;
}

export async function signRequest(secret: string, parts: SignedParts, hmac: HmacSha256Hex = hmacSha256Hex): Promise<string> {
  return hmac(secret, signingInput(parts));
}

/** Headers to attach to a signed request. */
export async function signatureHeaders(secret: string, parts: Omit<SignedParts, "timestamp">, nowSeconds = Math.floor(Date.now() / 1000)) {
  const signature = await signRequest(secret, { ...parts, timestamp: nowSeconds });
  return { [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: String(nowSeconds) };
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: "missing" | "malformed" | "stale" | "mismatch" };

export async function verifySignature(
  secret: string,
  parts: Omit<SignedParts, "timestamp"> & { timestamp: string | null; signature: string | null },
  options: { nowSeconds?: number; windowSeconds?: number; hmac?: HmacSha256Hex } = {},
): Promise<SignatureVerdict> {
  if (!parts.signature || !parts.timestamp) return { ok: false, reason: "missing" };
  if (!/^\d{1,12}$/.test(parts.timestamp) || !/^[0-9a-f]{64}$/.test(parts.signature)) return { ok: false, reason: "malformed" };
  const timestamp = Number(parts.timestamp);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const window = options.windowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS;
  if (Math.abs(now - timestamp) > window) return { ok: false, reason: "stale" };
  const expected = await signRequest(secret, { ...parts, timestamp }, options.hmac);
  return constantTimeEqual(expected, parts.signature) ? { ok: true } : { ok: false, reason: "mismatch" };
}
