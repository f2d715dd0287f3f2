import { ImageExplanation } from "@understudy/shared";

/**
 * The content cache: each image's PNG in R2 under its cache key (`cache/<key>.png`), its explanation
 * beside it as the object's custom metadata, so one read returns both. The key (shared/cacheKey.ts) covers
 * everything that changes the pixels, and no tenant: equal requests from anyone are one entry.
 */
export interface CachedImage {
  png: Uint8Array;
  explanation: ImageExplanation;
}

const objectKey = (key: string) => `cache/${key}.png`;

async function readOne(bucket: R2Bucket, key: string): Promise<CachedImage | null> {
  const object = await bucket.get(objectKey(key));
  if (!object) return null;
  const explanation = ImageExplanation.safeParse(JSON.parse(object.customMetadata?.explanation ?? "null"));
  if (!explanation.success) return null;
  return { png: new Uint8Array(await object.arrayBuffer()), explanation: explanation.data };
}

/** All images of a request, or null when any is missing: a request is served from the cache whole or not at all. */
export async function readCached(bucket: R2Bucket, keys: string[]): Promise<CachedImage[] | null> {
  const found = await Promise.all(keys.map((key) => readOne(bucket, key)));
  return found.every((image): image is CachedImage => image !== null) ? found : null;
}

/** Stores one image; callers never pass degraded images (they would pin a worse answer forever). */
export async function writeCached(bucket: R2Bucket, key: string, image: CachedImage): Promise<void> {
  if (image.explanation.degraded) return;
  await bucket.put(objectKey(key), image.png, {
    httpMetadata: { contentType: "image/png" },
    customMetadata: { explanation: JSON.stringify(image.explanation) },
  });
}
