import type { FloatTensor } from "../models/onnx-model.js";
import type { TokenIds } from "../tokenizer/prompt-tokenizer.js";
import type { PipelineComponents } from "./components.js";
import type { ImageJob } from "./jobs.js";
import type { StageTimer } from "./timings.js";

export interface Conditioning {
  /** Text encoder states: B rows, or 2B with the negative prompts first when guided. */
  context: FloatTensor;
  /** The prompts alone, for the oracle. */
  promptTokens: TokenIds;
}

function concatTokens(a: TokenIds, b: TokenIds): TokenIds {
  const ids = new Int32Array(a.ids.length + b.ids.length);
  ids.set(a.ids, 0);
  ids.set(b.ids, a.ids.length);
  return { ids, batch: a.batch + b.batch, length: a.length };
}

/** Tokenises and encodes the jobs' prompts (and negative prompts, for guidance) in one text encoder call. */
export async function encodeConditioning(components: PipelineComponents, jobs: readonly ImageJob[], guided: boolean, timer: StageTimer): Promise<Conditioning> {
  const { tokenizer, textEncoder } = components;
  const { promptTokens, allTokens } = await timer.time("tokenize", () => {
    const prompts = tokenizer.encode(jobs.map((job) => job.prompt));
    const all = guided ? concatTokens(tokenizer.encode(jobs.map((job) => job.negativePrompt)), prompts) : prompts;
    return { promptTokens: prompts, allTokens: all };
  });
  const context = await timer.time("text_encoder", () => textEncoder.encode(allTokens));
  return { context, promptTokens };
}
