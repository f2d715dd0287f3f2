import { describe, expect, it } from "vitest";
import { HotCache } from "./hotCache.js";
import { SingleFlight } from "./singleflight.js";
import type { CachedImage } from "./imageCache.js";
import { Png, base64FromBytes, base64FromBytesPortably, bytesFromBase64, bytesFromBase64Portably } from "../images/png.js";

const image = (bytes: number): CachedImage => ({
  png: Png.fromBytes(new Uint8Array(bytes)),
  explanation: {
    seed: 1, route: "student", oracle_score: 0.5, threshold: null, k: null, unet_evaluations: { student: 4, teacher: 0 },
    timings_ms: {}, cache: "miss", degraded: false, degraded_reason: null,
  },
});

describe("hot cache", () => {
  it("evicts the least recently used entries past its byte budget", () => {
    const hot = new HotCache(1000, 100);
    hot.set("a", image(200));
    hot.set("b", image(250));
    hot.set("x", image(250));
    hot.get("a");
    hot.set("c", image(250));
    hot.set("d", image(250));
    expect(hot.get("b")).toBeUndefined();
    expect(hot.get("a")).toBeDefined();
    expect(hot.get("d")).toBeDefined();
  });

  it("evicts past its entry budget and refuses images too large to be worth keeping", () => {
    const hot = new HotCache(10_000, 2);
    for (const key of ["a", "b", "c"]) hot.set(key, image(10));
    expect(hot.get("a")).toBeUndefined();
    hot.set("huge", image(5_000));
    expect(hot.get("huge")).toBeUndefined();
  });
});

describe("single flight", () => {
  it("shares one running call per key and forgets it once settled", async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    let release!: (value: number) => void;
    const leader = flights.run("k", () => {
      runs++;
      return new Promise<number>((resolve) => (release = resolve));
    });
    const follower = flights.running("k");
    expect(follower).toBeDefined();
    release(7);
    expect(await Promise.all([leader, follower])).toEqual([7, 7]);
    expect(runs).toBe(1);
    expect(flights.running("k")).toBeUndefined();
  });
});

describe("png", () => {
  it("decodes base64 once, keeps it for answers, and encodes bytes at most once", () => {
    for (const length of [0, 1, 2, 3, 70_000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37) % 256);
      const fromBytes = Png.fromBytes(bytes);
      const base64 = fromBytes.base64;
      expect(fromBytes.base64).toBe(base64);
      const fromBase64 = Png.fromBase64(base64);
      expect(fromBase64.bytes).toEqual(bytes);
      expect(fromBase64.base64).toBe(base64);
    }
    expect(() => Png.fromBase64("not base64!")).toThrow();
  });

  it("the runtime's native codec and the atob/btoa fallback agree, and both refuse malformed base64", () => {
    expect(typeof (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64).toBe("function");
    for (const length of [0, 1, 2, 3, 4, 5, 70_000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 151 + 7) % 256);
      const encoded = base64FromBytes(bytes);
      expect(base64FromBytesPortably(bytes)).toBe(encoded);
      expect(bytesFromBase64(encoded)).toEqual(bytes);
      expect(bytesFromBase64Portably(encoded)).toEqual(bytes);
    }
    for (const malformed of ["not base64!", "abc$", "a"]) {
      expect(() => bytesFromBase64(malformed)).toThrow();
      expect(() => bytesFromBase64Portably(malformed)).toThrow();
    }
  });
});
