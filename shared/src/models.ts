import { z } from "zod";
import { BundleInfo } from "./internal.js";

/**
 * The model list OpenAI clients read (`GET /v1/models`) before they send image requests: one entry, the bundle
 * the gpu-service serves, with its facts (size, steps, the k values a request may name) beside OpenAI's fields.
 */
export const ModelObject = z.object({
  id: z.string().describe("The bundle's id: send it as `model`, or leave `model` out (OpenAI's names are accepted too)."),
  object: z.literal("model"),
  created: z.number().int().describe("Unix seconds of the model's creation; 0, since a bundle does not record it."),
  owned_by: z.string(),
  understudy: BundleInfo.describe("What the bundle serves: its version, native size, steps, guidance and the calibrated k values."),
});
export type ModelObject = z.infer<typeof ModelObject>;

export const ModelList = z.object({
  object: z.literal("list"),
  data: z.array(ModelObject),
});
export type ModelList = z.infer<typeof ModelList>;

/** The model entry for the bundle a deployment serves. */
export function modelObject(bundle: BundleInfo): ModelObject {
  return { id: bundle.id, object: "model", created: 0, owned_by: "understudy", understudy: bundle };
}
