import { LRUCache } from "lru-cache";
import { stackBatch } from "../image/processing.js";
import type { FloatTensor } from "../models/onnx-model.js";
import type { TextEncoder } from "../models/text-encoder.js";
import type { PromptTokenizer } from "../tokenizer/prompt-tokenizer.js";

/** Bytes of text-encoder states kept: ~140 SD 1.5 texts (77×768 floats each), thousands of the embedded bundle's. */
export const DEFAULT_EMBEDDING_BYTES = 32 * 1024 * 1024;

/**
 * The text encoder's states per text, each computed alone and remembered (least recently used dropped
 * first, bounded in bytes).
 *
 * Alone, because onnxruntime's kernels block their arithmetic by batch size: a text encoded beside others
 * differs from the same text encoded alone in the last float bits. Encoding every text by itself makes a
 * text's conditioning one fixed value, whatever it was requested with, so remembering it changes no image.
 *
 * Remembered, because the same texts come back: an adaptive request conditions the student and then the
 * teacher on its prompt, every guided call adds the negative prompt (nearly always ""), and popular prompts
 * repeat. The teacher's stage then skips the text encoder whenever it runs in the worker that ran the
 * student's (always, with the service's default of one worker); elsewhere it encodes the prompt itself.
 */
export class PromptEmbeddings {
  /** Each text's states as [1, L, D]. */
  private readonly recent: LRUCache<string, FloatTensor>;

  constructor(
    private readonly tokenizer: PromptTokenizer,
    private readonly textEncoder: TextEncoder,
    maxBytes = DEFAULT_EMBEDDING_BYTES,
  ) {
    // A text whose states alone exceed the budget is encoded every time, never kept.
    this.recent = new LRUCache({ maxSize: maxBytes, maxEntrySize: maxBytes, sizeCalculation: (row) => row.data.byteLength });
  }

  /** The states of `texts` stacked in order, [texts.length, L, D]; texts not remembered are encoded one call each. */
  async encode(texts: readonly string[]): Promise<FloatTensor> {
    if (texts.length === 0) throw new RangeError("encode needs at least one text");
    const rows: FloatTensor[] = [];
    for (const text of texts) rows.push(this.recent.get(text) ?? (await this.encodeAlone(text)));
    return stackBatch(rows);
  }

  /** How many texts are remembered. */
  get size(): number {
    return this.recent.size;
  }

  private async encodeAlone(text: string): Promise<FloatTensor> {
    const states = await this.textEncoder.encode(this.tokenizer.encode([text]));
    // Its own copy: callers get stacked copies, never this buffer.
    const row = { data: states.data.slice(), dims: states.dims };
    // Two requests may have encoded the same text at once: the second replaces the first.
    this.recent.set(text, row);
    return row;
  }
}
