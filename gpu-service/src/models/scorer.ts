import type * as ort from "onnxruntime-node";
import type { ScorerEntry } from "@understudy/shared";
import { resizeImages } from "../image/resize.js";
import { toSignedRange } from "../image/processing.js";
import type { TokenIds } from "../tokenizer/prompt-tokenizer.js";
import { FLOAT_TYPES, floatOutput, floatTensor, idsTensor, type FloatTensor, type OnnxModel } from "./onnx-model.js";

/**
 * An image model: `pixel_values` [B,3,S,S] (+ `input_ids` [B,L] when the graph reads the prompt). Images
 * arrive in [0,1] at the pipeline's size and are brought to the resolution and range the manifest declares.
 */
class ImageModel {
  protected readonly idsMeta;
  private readonly pixelsMeta;

  constructor(
    readonly model: OnnxModel,
    private readonly entry: ScorerEntry,
  ) {
    this.pixelsMeta = model.expectType("pixel_values", FLOAT_TYPES);
    this.idsMeta = model.hasInput("input_ids") ? model.expectType("input_ids", ["int32", "int64"]) : null;
  }

  protected async runOn(images: FloatTensor, tokens?: TokenIds): Promise<ort.InferenceSession.ReturnType> {
    const sized = resizeImages(images, this.entry.image_size, this.entry.image_size);
    const pixels = this.entry.pixel_range === "-1_1" ? toSignedRange(sized) : sized;
    const feeds: Record<string, ort.Tensor> = { pixel_values: floatTensor(this.pixelsMeta, pixels.data, pixels.dims) };
    if (this.idsMeta && tokens) feeds["input_ids"] = idsTensor(this.idsMeta, tokens.ids, [tokens.batch, tokens.length]);
    return this.model.run(feeds);
  }
}

/** The serving-time quality model (the paper's ImageReward role): one `score` per image, higher is better. */
export class Oracle extends ImageModel {
  constructor(model: OnnxModel, entry: ScorerEntry) {
    super(model, entry);
    // A score that ignores the prompt cannot tell a wrong image from a right one.
    model.expectType("input_ids", ["int32", "int64"]);
  }

  async score(images: FloatTensor, tokens: TokenIds): Promise<Float32Array> {
    const result = await this.runOn(images, tokens);
    return floatOutput(this.model, result, this.model.outputName("score")).data;
  }
}

/** The evaluation-only judge (it looks at images alone): every named output of the graph, for the eval to interpret. */
export class Judge extends ImageModel {
  async judge(images: FloatTensor): Promise<Record<string, FloatTensor>> {
    const result = await this.runOn(images);
    return Object.fromEntries(this.model.session.outputNames.map((name) => [name, floatOutput(this.model, result, name)]));
  }
}
