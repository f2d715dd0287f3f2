import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MANIFEST_FILE } from "@understudy/shared";
import { readBundle } from "../src/bundle/bundle.js";
import { calibrate, calibrationPrompts } from "../src/calibration/calibrate.js";
import { AdaptivePipeline } from "../src/pipelines/adaptive.js";
import { batchItem } from "../src/image/processing.js";
import type { FloatTensor } from "../src/models/onnx-model.js";
import { loadComponents } from "../src/pipelines/components.js";
import { PromptEmbeddings } from "../src/pipelines/prompt-embeddings.js";
import { PromptTokenizer } from "../src/tokenizer/prompt-tokenizer.js";
import { FIXTURES } from "./helpers.js";
import { pipelineContract } from "./pipeline-contract.js";

/** The embedded bundle (`models/`), trained and exported by `training/`; $UNDERSTUDY_TEST_BUNDLE points elsewhere. */
const BUNDLE = process.env["UNDERSTUDY_TEST_BUNDLE"] ?? fileURLToPath(new URL("../../models", import.meta.url));
const present = existsSync(join(BUNDLE, MANIFEST_FILE));

describe.runIf(present)("the embedded bundle", { timeout: 300_000 }, () => {
  it("tokenises as training's Python does", async () => {
    const bundle = await readBundle(BUNDLE);
    const tokenizer = new PromptTokenizer(bundle.tokenizer.json, bundle.tokenizer.config);
    const cases = JSON.parse(await readFile(join(FIXTURES, "tokenizer-cases.json"), "utf8")) as { prompt: string; input_ids: number[] }[];
    for (const { prompt, input_ids } of cases) expect([...tokenizer.encode([prompt]).ids]).toEqual(input_ids);
  });

  it("reproduces the shipped τ(k): student and oracle here score as training's PyTorch did", async () => {
    // The manifest's thresholds come from training/calibrate.py (same prompts, seeds and sampler, in PyTorch).
    const pipeline = await AdaptivePipeline.load(BUNDLE, { intraOpThreads: 1 });
    const shipped = pipeline.manifest.calibration.thresholds;
    const { thresholds } = await calibrate(pipeline, await calibrationPrompts(BUNDLE, pipeline.manifest), { batchSize: 16 });
    const spread = Math.abs(shipped["95"]! - shipped["5"]!);
    for (const [k, tau] of Object.entries(thresholds)) expect(Math.abs(tau - shipped[k]!)).toBeLessThanOrEqual(1e-3 * spread + 1e-6);
  });

  it("conditions on each text as encoded alone, whatever it is requested with", async () => {
    const components = await loadComponents(BUNDLE, { intraOpThreads: 1 });
    const { tokenizer, textEncoder } = components;
    const texts = ["", "a large red star at the center on a blue background", "two small green circles"];
    const rowOf = (states: FloatTensor, i: number) => batchItem(states, i).data;
    // Why: on this machine's kernels, texts encoded in one batch get states in other float bits than each
    // encoded alone (measured with four texts: most values, by up to 1.2e-6), so batching texts would make a
    // text's conditioning depend on its company. Not asserted here: other CPUs' kernels may not differ.
    const alone = await textEncoder.encode(tokenizer.encode([texts[1]!]));
    const together = await new PromptEmbeddings(tokenizer, textEncoder).encode(texts);
    expect(rowOf(together, 1)).toEqual(rowOf(alone, 0));
    const reversed = await new PromptEmbeddings(tokenizer, textEncoder).encode([...texts].reverse());
    expect(rowOf(reversed, 1)).toEqual(rowOf(alone, 0));
  });
});

if (present) pipelineContract(`the bundle at ${BUNDLE}`, () => BUNDLE);
