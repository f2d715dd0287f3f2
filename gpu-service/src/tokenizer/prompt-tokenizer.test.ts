import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, TINY_BUNDLE } from "../../test/helpers.js";
import { TokenizerConfig } from "../bundle/configs.js";
import { PromptTokenizer } from "./prompt-tokenizer.js";

const json = JSON.parse(await readFile(join(TINY_BUNDLE, "tokenizer", "tokenizer.json"), "utf8")) as object;
const rawConfig = JSON.parse(await readFile(join(TINY_BUNDLE, "tokenizer", "tokenizer_config.json"), "utf8")) as object;
const cases = JSON.parse(await readFile(join(FIXTURES, "tokenizer-cases.json"), "utf8")) as { prompt: string; input_ids: number[] }[];

function tokenizer(overrides: Record<string, unknown> = {}): PromptTokenizer {
  return new PromptTokenizer(json, TokenizerConfig.parse({ ...rawConfig, ...overrides }));
}

describe("PromptTokenizer", () => {
  it.each(cases)("gives the ids training's Python gives for %j", ({ prompt, input_ids }) => {
    expect([...tokenizer().encode([prompt]).ids]).toEqual(input_ids);
  });

  it("encodes a batch row by row at model_max_length", () => {
    const batch = tokenizer().encode(cases.map((c) => c.prompt));
    expect(batch.batch).toBe(cases.length);
    expect(batch.length).toBe(32);
    expect([...batch.ids.subarray(32, 64)]).toEqual(cases[1]!.input_ids);
  });

  it("truncates inside the special tokens so end-of-text survives", () => {
    const short = tokenizer({ model_max_length: 5 });
    const eos = short.encode(["[EOS]"]).ids[1];
    const ids = [...short.encode(["a large red star at the center"]).ids];
    expect(ids).toHaveLength(5);
    expect(ids[4]).toBe(eos);
    expect(ids.slice(0, 4)).toEqual([...tokenizer().encode(["a large red star"]).ids.subarray(0, 4)]);
  });

  it("pads on the side the config names, with its pad token", () => {
    const left = [...tokenizer({ padding_side: "left" }).encode(["red"]).ids];
    const right = [...tokenizer().encode(["red"]).ids];
    expect(left.slice(-3)).toEqual(right.slice(0, 3));
    expect(left[0]).toBe(tokenizer().padId);
  });

  it("gives the same ids for a text it has seen, however many texts came between", () => {
    const t = tokenizer();
    const first = [...t.encode([cases[0]!.prompt]).ids];
    // Enough other texts to evict it from the recent-texts cache, then it again.
    t.encode(Array.from({ length: 1500 }, (_, i) => `red ${i}`));
    expect([...t.encode([cases[0]!.prompt, cases[0]!.prompt]).ids]).toEqual([...first, ...first]);
    expect([...t.encode([cases[0]!.prompt]).ids]).toEqual(cases[0]!.input_ids);
  });

  it("hands out copies: a caller writing into its ids does not change a later encoding", () => {
    const t = tokenizer();
    t.encode(["red"]).ids.fill(0);
    expect([...t.encode(["red"]).ids]).toEqual([...tokenizer().encode(["red"]).ids]);
  });
});
