import type { Mode, Strategy } from "./images.js";
import { sha256Hex } from "./digest.js";

/**
 * The cache key: SHA-256 over a canonical encoding of everything that changes one image.
 * Each image of an n-image request has its own key (its own seed), so `n=2, seed=7` shares its second
 * image with `n=1, seed=8`. Every field is resolved before keying (defaults filled in from the bundle),
 * so leaving a field out and passing its default value give the same key.
 */
export interface CacheKeyInput {
  bundle: { id: string; version: string };
  kind: "generate" | "edit";
  prompt: string;
  negative_prompt: string;
  seed: number;
  width: number;
  height: number;
  mode: Mode;
  /** Teacher share k, or null when a fixed τ was given. */
  k: number | null;
  /** Fixed τ, or null when k selects it. */
  threshold: number | null;
  strategy: Strategy;
  /** σ for refinement, or the SDEdit strength for edits. */
  strength: number;
  steps: number;
  student_steps: number;
  guidance: number;
  /** SHA-256 of the input image bytes for edits; null for generations. */
  image_sha256: string | null;
}

export const CACHE_KEY_SCHEME = "understudy/cache-key/v1";

/** The fields in the fixed order they are encoded in; changing it changes every key, so bump the scheme. */
const FIELD_ORDER = [
  "bundle_id",
  "bundle_version",
  "kind",
  "prompt",
  "negative_prompt",
  "seed",
  "width",
  "height",
  "mode",
  "k",
  "threshold",
  "strategy",
  "strength",
  "steps",
  "student_steps",
  "guidance",
  "image_sha256",
] as const;

type CanonicalFields = Record<(typeof FIELD_ORDER)[number], string | number | null>;

/**
 * Fields that cannot influence the image in a mode are blanked, so equivalent requests share an entry:
 * a student-only image does not depend on the teacher's steps, k or σ, and a teacher-only image does not
 * depend on the student. In adaptive mode everything counts.
 */
function canonicalFields(input: CacheKeyInput): CanonicalFields {
  const usesTeacher = input.mode !== "student";
  const usesStudent = input.mode !== "teacher" || input.kind === "edit";
  const adaptive = input.mode === "adaptive";
  return {
    bundle_id: input.bundle.id,
    bundle_version: input.bundle.version,
    kind: input.kind,
    prompt: input.prompt,
    negative_prompt: input.negative_prompt,
    seed: input.seed,
    width: input.width,
    height: input.height,
    mode: input.mode,
    k: adaptive ? input.k : null,
    threshold: adaptive ? input.threshold : null,
    strategy: adaptive ? input.strategy : null,
    strength: adaptive || input.kind === "edit" ? input.strength : null,
    steps: usesTeacher ? input.steps : null,
    student_steps: usesStudent ? input.student_steps : null,
    guidance: usesTeacher ? input.guidance : null,
    image_sha256: input.image_sha256,
  };
}

/** The exact bytes that are hashed: the scheme name, then one JSON array of values in FIELD_ORDER. */
export function canonicalCacheKeyEncoding(input: CacheKeyInput): string {
  const fields = canonicalFields(input);
  for (const name of ["seed", "width", "height", "steps", "student_steps", "guidance", "strength"] as const) {
    const value = fields[name];
    if (typeof value === "number" && !Number.isFinite(value)) throw new RangeError(`cache key field ${name} is not finite`);
  }
  return `${CACHE_KEY_SCHEME}\n${JSON.stringify(FIELD_ORDER.map((name) => fields[name]))}`;
}

/** Hex SHA-256 of the canonical encoding. */
export async function cacheKey(input: CacheKeyInput): Promise<string> {
  return sha256Hex(canonicalCacheKeyEncoding(input));
}
