import { IMAGE_ID, newImageId } from "../cache/imageStore.js";

/**
 * Images a bot posts into a chat must load without an API key (Slack fetches them itself), unlike
 * `/v1/images/{id}`, which only the creating tenant can read. So the bot stores a copy under its own
 * prefix and links `/bots/images/{id}`: the id's 128 random bits are the only capability, nothing lists
 * them, and only bot posts ever get one.
 */
const objectKey = (id: string) => `bot-images/${id}.png`;

export async function storePublicImage(bucket: R2Bucket, png: Uint8Array): Promise<string> {
  const id = newImageId();
  await bucket.put(objectKey(id), png, { httpMetadata: { contentType: "image/png" } });
  return id;
}

export async function loadPublicImage(bucket: R2Bucket, id: string): Promise<Response | null> {
  if (!IMAGE_ID.test(id)) return null;
  const object = await bucket.get(objectKey(id));
  if (!object) return null;
  return new Response(object.body, { headers: { "Content-Type": "image/png", "Cache-Control": "public, max-age=31536000, immutable" } });
}
