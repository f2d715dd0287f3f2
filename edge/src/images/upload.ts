import { z } from "zod";
import { ApiError, EditFields, MAX_EDIT_IMAGE_BYTES, sha256Hex } from "@understudy/shared";
import type { ImageJob } from "./plan.js";
import { base64FromBytes, imageFormat } from "./png.js";

/** The input image of an edit: a real PNG or JPEG (sniffed), within the size limit. */
async function readImage(value: unknown): Promise<{ b64: string; sha256: string }> {
  if (value === undefined) throw new ApiError("missing_field", "image: attach the image to edit as a file field named `image`.", { param: "image" });
  if (!(value instanceof File)) throw new ApiError("invalid_value", "image: must be a file upload, not a text field.", { param: "image" });
  if (value.size > MAX_EDIT_IMAGE_BYTES) {
    throw new ApiError("payload_too_large", `image: must be at most ${MAX_EDIT_IMAGE_BYTES / (1024 * 1024)} MiB.`, { param: "image" });
  }
  const bytes = new Uint8Array(await value.arrayBuffer());
  if (!imageFormat(bytes)) throw new ApiError("invalid_value", "image: must be a PNG or JPEG file.", { param: "image" });
  return { b64: base64FromBytes(bytes), sha256: await sha256Hex(bytes) };
}

/**
 * `POST /v1/images/edits` as OpenAI sends it: multipart form fields (coerced and validated like JSON ones by
 * the route) plus the `image` file, which is checked here so its problems get their own messages.
 */
export const EditForm = EditFields.extend({ image: z.unknown().describe("The image to edit: a PNG or JPEG file, at most 4 MiB.") });
export type EditForm = z.infer<typeof EditForm>;

export async function editJob(form: EditForm): Promise<Extract<ImageJob, { kind: "edit" }>> {
  const { image, ...request } = form;
  return { kind: "edit", request, image: await readImage(image) };
}
