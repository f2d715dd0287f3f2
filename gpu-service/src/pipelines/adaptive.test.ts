import { describe, expect, it } from "vitest";
import { TINY_BUNDLE, generateRequest } from "../../test/helpers.js";
import { AdaptivePipeline } from "./adaptive.js";
import { pipelineContract } from "../../test/pipeline-contract.js";

pipelineContract("the tiny fixture bundle", () => TINY_BUNDLE);

describe("AdaptivePipeline on the tiny fixture bundle, beyond the contract", () => {
  it("gives a different image with another teacher sampler from the same noise", async () => {
    // The fixture's images never saturate, so a different trajectory shows in the PNG.
    const pipeline = await AdaptivePipeline.load(TINY_BUNDLE, { intraOpThreads: 1 });
    const request = generateRequest({ selection: { mode: "teacher" } });
    const [ddim] = (await pipeline.generate(request)).images;
    const [dpm] = (await pipeline.withTeacherSampler("dpmsolver++").generate(request)).images;
    expect(dpm!.png_b64).not.toBe(ddim!.png_b64);
  });
});
