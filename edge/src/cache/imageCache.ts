import { ImageExplanation } from "@understudy/shared";
import { Png } from "../images/png.js";
import { HotCache } from "./hotCache.js";
import { afterThisAnswer } from "../afterAnswer.js";

/**
 * The content cache: each image's PNG in R2 under its cache key (`cache/<key>.png`), its explanation
 * beside it as the object's custom metadata, so one read returns both. The key (shared/cacheKey.ts) covers
 * everything that changes the pixels, and no tenant: equal requests from anyone are one entry.
 */
export interface CachedImage {
  png: Png;
  explanation: ImageExplanation;
}

const objectKey = (key: string) => `cache/${key}.png`;

/** This isolate's most recent entries, in front of R2. */
export const hot = new HotCache();

async function readOne(bucket: R2Bucket, key: string): Promise<CachedImage | null> {
  const warm = hot.get(key);
  if (warm) return warm;
  const object = await bucket.get(objectKey(key));
  if (!object) return null;
  const explanation = ImageExplanation.safeParse(JSON.parse(object.customMetadata?.explanation ?? "null"));
  if (!explanation.success) return null;
  const image = { png: Png.fromBytes(new Uint8Array(await object.arrayBuffer())), explanation: explanation.data };
  hot.set(key, image);
  return image;
}

/** All images of a request, or null when any is missing: a request is served from the cache whole or not at all. */
export async function readCached(bucket: R2Bucket, keys: string[]): Promise<CachedImage[] | null> {
  const found = await Promise.all(keys.map((key) => readOne(bucket, key)));
  return found.every((image): image is CachedImage => image !== null) ? found : null;
}

/**
 * Stores one image: in this isolate at once, in R2 by the returned promise (which callers leave to
 * waitUntil). The R2 write starts after the answer (see afterAnswer.ts): nobody waits for it. Degraded images
 * are refused: they would pin a worse answer forever.
 */
export async function writeCached(bucket: R2Bucket, key: string, image: CachedImage): Promise<void> {
  if (image.explanation.degraded) return;
  hot.set(key, image);
  await afterThisAnswer();
  await bucket.put(objectKey(key), image.png.bytes, {
    httpMetadata: { contentType: "image/png" },
    customMetadata: { explanation: JSON.stringify(image.explanation) },
  });
}
