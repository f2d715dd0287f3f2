import type { HonoRequest } from "hono";
import { ApiError, EditFields, MAX_EDIT_IMAGE_BYTES, apiErrorFromZod, sha256Hex } from "@understudy/shared";
import type { ImageJob } from "./plan.js";
import { base64FromBytes, imageFormat } from "./png.js";

const MULTIPART = /^multipart\/form-data\s*;/i;

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

/** `POST /v1/images/edits` as OpenAI sends it: multipart form fields, coerced and validated like JSON ones. */
export async function readEditJob(request: HonoRequest): Promise<Extract<ImageJob, { kind: "edit" }>> {
  if (!MULTIPART.test(request.header("Content-Type") ?? "")) {
    throw new ApiError("unsupported_media_type", "Content-Type: edits take multipart/form-data with an `image` file and a `prompt`.", { param: "Content-Type" });
  }
  const form = await request.formData().catch(() => {
    throw new ApiError("invalid_value", "body: the multipart body could not be parsed.", { param: "body" });
  });
  const { image, ...fields } = Object.fromEntries(form.entries()) as Record<string, unknown>;
  const parsed = EditFields.safeParse(fields);
  if (!parsed.success) throw apiErrorFromZod(parsed.error);
  return { kind: "edit", request: parsed.data, image: await readImage(image) };
}
