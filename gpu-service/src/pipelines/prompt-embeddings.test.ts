import { beforeAll, describe, expect, it } from "vitest";
import { STAR_PROMPT, TINY_BUNDLE, generateRequest } from "../../test/helpers.js";
import { AdaptivePipeline } from "./adaptive.js";
import { loadComponents, type PipelineComponents } from "./components.js";
import { PromptEmbeddings } from "./prompt-embeddings.js";

const OTHER = "two small green circles";
const THIRD = "a tiny yellow square in the top left corner";

describe("prompt embeddings", () => {
  let components: PipelineComponents;
  const encoderCalls = () => components.textEncoder.model.stats.calls;
  const alone = async (text: string) => (await components.textEncoder.encode(components.tokenizer.encode([text]))).data;

  beforeAll(async () => {
    components = await loadComponents(TINY_BUNDLE, { intraOpThreads: 1 });
  });

  it("stacks each text's states as encoded alone, whatever it is requested with, in order", async () => {
    const embeddings = new PromptEmbeddings(components.tokenizer, components.textEncoder);
    const stacked = await embeddings.encode(["", STAR_PROMPT, OTHER]);
    const [rows, ...rowDims] = stacked.dims;
    expect(rows).toBe(3);
    const rowLength = rowDims.reduce((a, b) => a * b, 1);
    const texts = ["", STAR_PROMPT, OTHER];
    for (const [i, text] of texts.entries()) expect(stacked.data.subarray(i * rowLength, (i + 1) * rowLength)).toEqual(await alone(text));
    const reordered = await embeddings.encode([OTHER, ""]);
    expect(reordered.data.subarray(0, rowLength)).toEqual(stacked.data.subarray(2 * rowLength));
  });

  it("encodes a text once while it is remembered, even when a request repeats it", async () => {
    const embeddings = new PromptEmbeddings(components.tokenizer, components.textEncoder);
    const before = encoderCalls();
    const first = await embeddings.encode([STAR_PROMPT, STAR_PROMPT]);
    expect(encoderCalls() - before).toBe(1);
    const again = await embeddings.encode([STAR_PROMPT]);
    expect(encoderCalls() - before).toBe(1);
    expect(again.data).toEqual(first.data.subarray(0, again.data.length));
    // Callers get copies: writing into one answer changes no later one.
    again.data.fill(0);
    expect((await embeddings.encode([STAR_PROMPT])).data).toEqual(first.data.subarray(0, again.data.length));
  });

  it("forgets the least recently used text beyond its byte budget", async () => {
    const rowBytes = (await alone("")).byteLength;
    const embeddings = new PromptEmbeddings(components.tokenizer, components.textEncoder, 2 * rowBytes);
    await embeddings.encode([STAR_PROMPT, OTHER]);
    await embeddings.encode([STAR_PROMPT]); // now the most recent
    await embeddings.encode([THIRD]); // evicts OTHER
    expect(embeddings.size).toBe(2);
    const before = encoderCalls();
    await embeddings.encode([STAR_PROMPT, THIRD]);
    expect(encoderCalls()).toBe(before);
    await embeddings.encode([OTHER]);
    expect(encoderCalls()).toBe(before + 1);
    await expect(embeddings.encode([])).rejects.toThrow(/at least one text/);
  });

  it("spares the teacher's stage the text encoder: an adaptive request that refines encodes its prompt once", async () => {
    const pipeline = await AdaptivePipeline.load(TINY_BUNDLE, { intraOpThreads: 1 });
    const calls = () => pipeline.components.textEncoder.model.stats.calls;
    const request = (prompt: string) => generateRequest({ prompt, selection: { mode: "adaptive", threshold: 1e9 } });
    const [refined] = (await pipeline.generate(request(STAR_PROMPT))).images;
    expect(refined!.route).toBe("refined");
    // The prompt for the student, then the empty negative prompt for the teacher (new to this process).
    expect(calls()).toBe(2);
    await pipeline.generate(request(OTHER));
    expect(calls()).toBe(3);
  });
});
