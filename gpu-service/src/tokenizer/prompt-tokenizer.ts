import { Tokenizer } from "@huggingface/tokenizers";
import { LRUCache } from "lru-cache";
import { bundleError } from "../bundle/errors.js";
import { tokenContent, type TokenizerConfig } from "../bundle/configs.js";

/** How many texts the tokenizer remembers: a few hundred KB at CLIP's 77 ids each. */
const RECENT_TEXTS = 1024;

/** A batch of tokenised prompts: row-major ids [batch, length]. */
export interface TokenIds {
  ids: Int32Array;
  batch: number;
  length: number;
}

/**
 * The bundle's tokenizer (`tokenizer/tokenizer.json`, any model @huggingface/tokenizers reads) with the
 * padding and truncation Stable Diffusion pipelines use: every prompt becomes exactly `model_max_length`
 * ids, truncated inside the special tokens (so the end-of-text token survives) and padded with the pad token.
 */
export class PromptTokenizer {
  private readonly tokenizer: Tokenizer;
  readonly maxLength: number;
  readonly padId: number;
  /**
   * Padded ids of recently seen texts, the least recently used dropped first. Texts come back: an adaptive
   * request tokenises its prompt for the student's oracle and again in the teacher's stage, and popular prompts
   * repeat. Tokenising costs ~50 µs a text in a serving process, a cache hit a lookup.
   */
  private readonly recent = new LRUCache<string, Int32Array>({ max: RECENT_TEXTS });

  constructor(
    tokenizerJson: object,
    private readonly config: TokenizerConfig,
  ) {
    this.tokenizer = new Tokenizer(tokenizerJson, config);
    this.maxLength = config.model_max_length;
    this.padId = this.resolvePadId(tokenizerJson);
  }

  /** The pad token of tokenizer_config.json, else the one tokenizer.json's own padding names. */
  private resolvePadId(tokenizerJson: object): number {
    const named = tokenContent(this.config.pad_token) ?? tokenContent(this.config.eos_token);
    const id = named !== null ? this.tokenizer.token_to_id(named) : (tokenizerJson as { padding?: { pad_id?: number } }).padding?.pad_id;
    if (id === undefined) throw bundleError("tokenizer/tokenizer_config.json:pad_token", "names no token of the vocabulary; set pad_token.");
    return id;
  }

  encode(prompts: readonly string[]): TokenIds {
    const ids = new Int32Array(prompts.length * this.maxLength);
    prompts.forEach((prompt, row) => ids.set(this.idsOf(prompt), row * this.maxLength));
    return { ids, batch: prompts.length, length: this.maxLength };
  }

  /** One text's padded ids, from the cache when it was seen recently. */
  private idsOf(text: string): Int32Array {
    const cached = this.recent.get(text);
    if (cached) return cached;
    const ids = Int32Array.from(this.padded(this.truncated(text)));
    this.recent.set(text, ids);
    return ids;
  }

  /** Ids with special tokens, the content cut so that the whole fits in `maxLength`. */
  private truncated(prompt: string): number[] {
    const full = this.tokenizer.encode(prompt).ids;
    if (full.length <= this.maxLength) return full;
    const content = this.tokenizer.encode(prompt, { add_special_tokens: false }).ids;
    const specials = full.length - content.length;
    const start = leadingSpecials(full, content);
    return [...full.slice(0, start), ...content.slice(0, this.maxLength - specials), ...full.slice(start + content.length)];
  }

  private padded(ids: number[]): number[] {
    const padding = new Array<number>(this.maxLength - ids.length).fill(this.padId);
    return this.config.padding_side === "left" ? [...padding, ...ids] : [...ids, ...padding];
  }
}

/** How many special tokens the post-processor put before the content (where `content` starts in `full`). */
function leadingSpecials(full: readonly number[], content: readonly number[]): number {
  const specials = full.length - content.length;
  for (let start = 0; start <= specials; start++) {
    if (content.every((id, i) => full[start + i] === id)) return start;
  }
  return 0;
}
