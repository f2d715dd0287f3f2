import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MANIFEST_FILE } from "@understudy/shared";
import { readBundle } from "../src/bundle/bundle.js";
import { PromptTokenizer } from "../src/tokenizer/prompt-tokenizer.js";
import { FIXTURES } from "./helpers.js";
import { pipelineContract } from "./pipeline-contract.js";

/** The embedded bundle (`models/`), trained and exported by `training/`; $UNDERSTUDY_TEST_BUNDLE points elsewhere. */
const BUNDLE = process.env["UNDERSTUDY_TEST_BUNDLE"] ?? fileURLToPath(new URL("../../models", import.meta.url));
const present = existsSync(join(BUNDLE, MANIFEST_FILE));

describe.runIf(present)("the embedded bundle", () => {
  it("tokenises as training's Python does", async () => {
    const bundle = await readBundle(BUNDLE);
    const tokenizer = new PromptTokenizer(bundle.tokenizer.json, bundle.tokenizer.config);
    const cases = JSON.parse(await readFile(join(FIXTURES, "tokenizer-cases.json"), "utf8")) as { prompt: string; input_ids: number[] }[];
    for (const { prompt, input_ids } of cases) expect([...tokenizer.encode([prompt]).ids]).toEqual(input_ids);
  });
});

if (present) pipelineContract(`the bundle at ${BUNDLE}`, () => BUNDLE);
