import { base64url } from "../tenants/keys.js";

/**
 * Images handed out by URL: stored under `images/<tenant>/<id>.png`, where the id is 128 random bits.
 * The path includes the tenant taken from the caller's key, so one tenant cannot name another's image
 * even with a stolen id. Reads go through the Cache API under a tenant-scoped internal URL.
 */
export const IMAGE_ID = /^img_[A-Za-z0-9_-]{22}$/;

export function newImageId(): string {
  return `img_${base64url(crypto.getRandomValues(new Uint8Array(16)))}`;
}

const objectKey = (tenant: string, id: string) => `images/${encodeURIComponent(tenant)}/${id}.png`;
/** Never routed to: it only names the entry in this data centre's cache. */
const cacheUrl = (tenant: string, id: string) => `https://image-cache.understudy.internal/${encodeURIComponent(tenant)}/${id}`;

const IMMUTABLE = "max-age=31536000, immutable";

export async function storeImage(bucket: R2Bucket, tenant: string, id: string, png: Uint8Array): Promise<void> {
  await bucket.put(objectKey(tenant, id), png, { httpMetadata: { contentType: "image/png" } });
}

function pngResponse(body: ReadableStream | ArrayBuffer | null, cacheControl: string): Response {
  return new Response(body, { headers: { "Content-Type": "image/png", "Cache-Control": cacheControl } });
}

/** The PNG for (tenant, id), or null. Misses fill the Cache API in the background. */
export async function loadImage(bucket: R2Bucket, tenant: string, id: string, waitUntil: (p: Promise<unknown>) => void): Promise<Response | null> {
  const cache = await caches.open("images");
  const hit = await cache.match(cacheUrl(tenant, id));
  if (hit) return pngResponse(hit.body, `private, ${IMMUTABLE}`);
  const object = await bucket.get(objectKey(tenant, id));
  if (!object) return null;
  const bytes = await object.arrayBuffer();
  // The cached copy is `public` only inside our cache (the key is internal); clients get `private`.
  waitUntil(cache.put(cacheUrl(tenant, id), pngResponse(bytes.slice(0), `public, ${IMMUTABLE}`)));
  return pngResponse(bytes, `private, ${IMMUTABLE}`);
}
