import type { ImageData, ImagesResponse } from "@understudy/shared";
import { newImageId, storeImage } from "../cache/imageStore.js";
import type { JobContext, Outcome, ProducedImage } from "./generate.js";

/** `url` images are stored for the caller's tenant and linked; `b64_json` images travel inline. */
export async function imageData(ctx: JobContext, image: ProducedImage, format: Outcome["plan"]["responseFormat"], origin: string): Promise<ImageData> {
  if (format === "b64_json") return { b64_json: image.png.base64, understudy: image.explanation };
  const id = newImageId();
  await storeImage(ctx.env.IMAGES, ctx.caller.tenant, id, image.png.bytes);
  return { url: `${origin}/v1/images/${id}`, understudy: image.explanation };
}

export async function imagesResponse(ctx: JobContext, outcome: Outcome, origin: string): Promise<ImagesResponse> {
  return imagesEnvelope(ctx, outcome, await Promise.all(outcome.images.map((image) => imageData(ctx, image, outcome.plan.responseFormat, origin))));
}

/** The response around images already shaped (a stream shapes each as it arrives). */
export function imagesEnvelope(ctx: JobContext, outcome: Outcome, data: ImageData[]): ImagesResponse {
  return {
    created: Math.floor(Date.now() / 1000),
    data,
    understudy: { request_id: ctx.requestId, bundle: outcome.bundle, credits_charged: outcome.charged },
  };
}
