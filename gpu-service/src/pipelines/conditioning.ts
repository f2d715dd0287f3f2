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

/**
 * The jobs' text conditioning: the prompts' encoder states (after the negative prompts', for guidance), each
 * text encoded alone and remembered (PromptEmbeddings), and the prompts' tokens for the oracle.
 */
export async function encodeConditioning(components: PipelineComponents, jobs: readonly ImageJob[], guided: boolean, timer: StageTimer): Promise<Conditioning> {
  const { tokenizer, promptEmbeddings } = components;
  const promptTokens = await timer.time("tokenize", () => tokenizer.encode(jobs.map((job) => job.prompt)));
  const texts = [...(guided ? jobs.map((job) => job.negativePrompt) : []), ...jobs.map((job) => job.prompt)];
  const context = await timer.time("text_encoder", () => promptEmbeddings.encode(texts));
  return { context, promptTokens };
}
