import { idsTensor, floatOutput, type FloatTensor, type OnnxModel } from "./onnx-model.js";
import type { TokenIds } from "../tokenizer/prompt-tokenizer.js";

/** CLIP-style text encoder: `input_ids` [B, L] → `last_hidden_state` [B, L, D] (its first output in every export). */
export class TextEncoder {
  private readonly idsMeta;
  private readonly hiddenStates: string;

  constructor(readonly model: OnnxModel) {
    this.idsMeta = model.expectType("input_ids", ["int32", "int64"]);
    this.hiddenStates = model.outputName("last_hidden_state");
  }

  async encode(tokens: TokenIds): Promise<FloatTensor> {
    const result = await this.model.run({ input_ids: idsTensor(this.idsMeta, tokens.ids, [tokens.batch, tokens.length]) });
    return floatOutput(this.model, result, this.hiddenStates);
  }
}
