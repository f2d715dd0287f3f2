/**
 * The runtime's own base64 codec (TC39's Uint8Array base64, in workerd since 2025), when it has one. A PNG
 * arrives with every answer and is decoded once per request, so the per-character loop below runs cold each
 * time: in a CPU profile of the worker serving misses it was the largest of the worker's own functions.
 * Typed here, as TypeScript's libs do not declare it yet.
 */
const native = Uint8Array as unknown as {
  fromBase64?: (b64: string) => Uint8Array;
  prototype: { toBase64?: (this: Uint8Array) => string };
};

/** Base64 ↔ bytes without Node's Buffer (Workers have atob/btoa); throws on malformed base64, as atob does. */
export function bytesFromBase64(b64: string): Uint8Array {
  return native.fromBase64 ? native.fromBase64(b64) : bytesFromBase64Portably(b64);
}

export function base64FromBytes(bytes: Uint8Array): string {
  return native.prototype.toBase64 ? native.prototype.toBase64.call(bytes) : base64FromBytesPortably(bytes);
}

/** The same, with atob/btoa only: for a runtime without the native codec. */
export function bytesFromBase64Portably(b64: string): Uint8Array {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function base64FromBytesPortably(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

/**
 * A PNG's bytes, and its base64 once anything has needed it: the gpu-service's own base64 when the image came
 * from there, so a `b64_json` answer passes it through instead of encoding the bytes again, and otherwise
 * encoded once, so a hot-cached image answers every `b64_json` hit after the first with the same string.
 */
export class Png {
  #base64: string | null;

  private constructor(
    readonly bytes: Uint8Array,
    base64: string | null,
  ) {
    this.#base64 = base64;
  }

  static fromBytes(bytes: Uint8Array): Png {
    return new Png(bytes, null);
  }

  /** Decodes at once (cheap), so malformed base64 fails while the request can still be refunded. */
  static fromBase64(base64: string): Png {
    return new Png(bytesFromBase64(base64), base64);
  }

  get base64(): string {
    return (this.#base64 ??= base64FromBytes(this.bytes));
  }
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/** Sniffs the bytes, not the declared type: a renamed text file is not an image. */
export function imageFormat(bytes: Uint8Array): "png" | "jpeg" | null {
  const starts = (magic: number[]) => magic.every((byte, i) => bytes[i] === byte);
  if (starts(PNG_MAGIC)) return "png";
  if (starts(JPEG_MAGIC)) return "jpeg";
  return null;
}
