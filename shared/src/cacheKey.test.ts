import { describe, expect, it } from "vitest";
import { cacheKey, canonicalCacheKeyEncoding, type CacheKeyInput } from "./cacheKey.js";

const base: CacheKeyInput = {
  bundle: { id: "shapes-world", version: "2026.11.27-a" },
  kind: "generate",
  prompt: "a large red star at the center on a blue background",
  negative_prompt: "",
  seed: 7,
  width: 64,
  height: 64,
  mode: "adaptive",
  k: 30,
  threshold: null,
  strategy: "refine",
  strength: 0.5,
  steps: 50,
  student_steps: 2,
  guidance: 4,
  image_sha256: null,
};

/** One change per field that must change an adaptive image's key. */
const variations: Array<[string, Partial<CacheKeyInput>]> = [
  ["bundle id", { bundle: { id: "other", version: base.bundle.version } }],
  ["bundle version", { bundle: { id: base.bundle.id, version: "2026.11.28-a" } }],
  ["kind", { kind: "edit" }],
  ["prompt", { prompt: "a large red star at the center on a green background" }],
  ["negative prompt", { negative_prompt: "blurry" }],
  ["seed", { seed: 8 }],
  ["width", { width: 128 }],
  ["height", { height: 128 }],
  ["mode", { mode: "teacher" }],
  ["k", { k: 50 }],
  ["threshold instead of k", { k: null, threshold: 0.25 }],
  ["strategy", { strategy: "regenerate" }],
  ["strength", { strength: 0.6 }],
  ["steps", { steps: 25 }],
  ["student steps", { student_steps: 1 }],
  ["guidance", { guidance: 5 }],
  ["input image", { image_sha256: "ab".repeat(32) }],
];

describe("cacheKey", () => {
  it("is a hex SHA-256", async () => {
    expect(await cacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("collides for equal requests", async () => {
    expect(await cacheKey({ ...base })).toBe(await cacheKey(structuredClone(base)));
  });

  it.each(variations)("differs when the %s differs", async (_field, change) => {
    expect(await cacheKey({ ...base, ...change })).not.toBe(await cacheKey(base));
  });

  it("covers every field of the input", () => {
    const covered = new Set(variations.flatMap(([, change]) => Object.keys(change)));
    for (const field of Object.keys(base)) expect(covered.has(field), field).toBe(true);
  });

  it("ignores teacher settings for a student-only image, which they cannot change", async () => {
    const student = { ...base, mode: "student" as const };
    expect(await cacheKey({ ...student, steps: 10, guidance: 9, k: 90, strength: 0.9, strategy: "regenerate" })).toBe(await cacheKey(student));
    expect(await cacheKey({ ...student, student_steps: 4 })).not.toBe(await cacheKey(student));
  });

  it("ignores student settings for a teacher-only generation", async () => {
    const teacher = { ...base, mode: "teacher" as const };
    expect(await cacheKey({ ...teacher, student_steps: 4, k: 70 })).toBe(await cacheKey(teacher));
    expect(await cacheKey({ ...teacher, steps: 25 })).not.toBe(await cacheKey(teacher));
  });

  it("cannot be confused by field contents that look like separators", () => {
    const a = canonicalCacheKeyEncoding({ ...base, prompt: 'a","b', negative_prompt: "" });
    const b = canonicalCacheKeyEncoding({ ...base, prompt: "a", negative_prompt: '","b' });
    expect(a).not.toBe(b);
  });

  it("refuses non-finite numbers", () => {
    expect(() => canonicalCacheKeyEncoding({ ...base, guidance: Number.NaN })).toThrow(/guidance/);
  });
});
