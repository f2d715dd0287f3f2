import type { CachedImage } from "./imageCache.js";

/**
 * The newest cached images kept in the isolate, bounded by PNG bytes and entries (least recently used go
 * first; an entry also keeps its base64, 4/3 of its bytes, once an answer has needed it). It answers
 * repeats without an R2 read, and it makes a fresh image a hit at once while its R2 write is still
 * finishing in the background.
 */
export class HotCache {
  private readonly entries = new Map<string, CachedImage>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = 16 * 1024 * 1024,
    private readonly maxEntries = 512,
  ) {}

  get(key: string): CachedImage | undefined {
    const image = this.entries.get(key);
    if (image) {
      this.entries.delete(key);
      this.entries.set(key, image);
    }
    return image;
  }

  set(key: string, image: CachedImage): void {
    if (image.png.bytes.byteLength > this.maxBytes / 4) return;
    this.delete(key);
    this.entries.set(key, image);
    this.bytes += image.png.bytes.byteLength;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes && this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
      this.bytes -= old.png.bytes.byteLength;
    }
  }

  private delete(key: string): void {
    const image = this.entries.get(key);
    if (!image) return;
    this.entries.delete(key);
    this.bytes -= image.png.bytes.byteLength;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
