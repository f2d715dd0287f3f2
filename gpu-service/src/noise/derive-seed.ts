/**
 * Derived seeds: a stable, documented map (seed, purpose) → uint32, used where one request needs
 * several independent noise streams (e.g. the teacher's "refine" noise next to the student's
 * initial latents) while staying reproducible from the single request seed.
 *
 * Definition (frozen; changing it changes every refined image for a given seed):
 *
 *     h = FNV-1a-32 over  UTF-8(purpose) ‖ 0x00 ‖ seed as 4 little-endian bytes
 *     deriveSeed(seed, purpose) = fmix32(h)            // MurmurHash3's 32-bit finaliser
 *
 * FNV-1a is trivial to reimplement in any language (training/export_reference.py does, and its
 * vectors pin this one); fmix32 spreads nearby seeds over the whole range. The 0x00 separator keeps
 * ("ab", s) and ("a", s') from sharing a byte stream.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1aByte(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function deriveSeed(seed: number, purpose: string): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be a uint32, got ${seed}`);
  }
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(purpose)) h = fnv1aByte(h, byte);
  h = fnv1aByte(h, 0);
  for (let shift = 0; shift < 32; shift += 8) h = fnv1aByte(h, (seed >>> shift) & 0xff);
  return fmix32(h);
}
