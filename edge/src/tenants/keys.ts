import { sha256Hex } from "@understudy/shared";

/** API keys look like `us_<43 base64url chars>`: 32 random bytes, recognisable in logs and secret scanners. */
export const KEY_PREFIX = "us_";
const KEY_PATTERN = /^us_[A-Za-z0-9_-]{43}$/;
/** How much of a key is shown when listing: enough to tell keys apart, far too little to use. */
export const DISPLAY_PREFIX_LENGTH = 11;

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function generateApiKey(): string {
  return KEY_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));
}

export function looksLikeApiKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** Only this hash is ever stored; the key itself is shown once, at creation. */
export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}

/** `Authorization: Bearer <token>` → token, or null when the header is absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}
