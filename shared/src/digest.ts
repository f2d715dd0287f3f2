/** Hashing and HMAC on Web Crypto, which both Workers and Node 20 provide as `crypto.subtle`. */

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (const byte of view) out += HEX[byte];
  return out;
}

export async function sha256Hex(data: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return toHex(await crypto.subtle.digest("SHA-256", bytes));
}

/**
 * Imported HMAC keys by secret: importing is an asynchronous Web Crypto job of its own, and a service signs or
 * verifies every request with the same one or two secrets. Bounded, so arbitrary secrets cannot grow it.
 */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const hmacKeys = new Map<string, Promise<HmacKey>>();
const MAX_CACHED_KEYS = 16;

function hmacKey(secret: string): Promise<HmacKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    if (hmacKeys.size >= MAX_CACHED_KEYS) hmacKeys.clear();
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKeys.set(secret, key);
  }
  return key;
}

export async function hmacSha256Hex(secret: string, data: Uint8Array<ArrayBuffer>): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), data));
}

/** Compares two strings in time that depends only on their length, so secrets cannot be guessed byte by byte. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  let difference = left.length ^ right.length;
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}
