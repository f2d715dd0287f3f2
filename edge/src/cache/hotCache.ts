import { LRUCache } from "lru-cache";
import type { CachedImage } from "./imageCache.js";

/**
 * The newest cached images kept in the isolate, bounded by PNG bytes and entries (least recently used go
 * first; an entry also keeps its base64, 4/3 of its bytes, once an answer has needed it). It answers
 * repeats without an R2 read, and it makes a fresh image a hit at once while its R2 write is still
 * finishing in the background.
 */
export class HotCache {
  private readonly entries: LRUCache<string, CachedImage>;

  constructor(maxBytes = 16 * 1024 * 1024, maxEntries = 512) {
    this.entries = new LRUCache({
      max: maxEntries,
      maxSize: maxBytes,
      // An image over a quarter of the budget would push out too many others to be worth keeping.
      maxEntrySize: maxBytes / 4,
      sizeCalculation: (image) => Math.max(1, image.png.bytes.byteLength),
    });
  }

  get(key: string): CachedImage | undefined {
    return this.entries.get(key);
  }

  set(key: string, image: CachedImage): void {
    this.entries.set(key, image);
  }

  clear(): void {
    this.entries.clear();
  }
}
