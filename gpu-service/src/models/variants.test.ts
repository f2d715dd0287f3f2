import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TINY_BUNDLE, VARIANTS } from "../../test/helpers.js";
import { openSession } from "../bundle/session.js";
import { OnnxModel, type FloatTensor } from "./onnx-model.js";
import { TextEncoder } from "./text-encoder.js";
import { Unet } from "./unet.js";
import { VaeEncoder } from "./vae.js";

/**
 * Real exports of the same architecture differ in input types and ranks. Each variant fixture computes
 * the same function as the bundle's own graph, so the wrappers must give the same numbers for all of them.
 */
async function model(path: string): Promise<OnnxModel> {
  return OnnxModel.describe(TINY_BUNDLE, path, await openSession(TINY_BUNDLE, path));
}

const ids = { ids: Int32Array.from({ length: 64 }, (_, i) => (i * 7) % 50), batch: 2, length: 32 };
const vae = { latent_channels: 4, block_out_channels: [8, 16, 16], scaling_factor: 0.5 };

function ramp(dims: number[], scale = 0.01): FloatTensor {
  const size = dims.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: size }, (_, i) => Math.sin(i * scale * 7) * 0.8), dims };
}

describe("TextEncoder", () => {
  it("feeds int32 and int64 input_ids alike and reads last_hidden_state", async () => {
    const int32 = await new TextEncoder(await model(join(TINY_BUNDLE, "text_encoder", "model.onnx"))).encode(ids);
    const int64 = await new TextEncoder(await model(join(VARIANTS, "text_encoder_int64_ids.onnx"))).encode(ids);
    expect(int32.dims).toEqual([2, 32, 8]);
    expect(int64.data).toEqual(int32.data);
  });
});

describe("Unet", () => {
  const sample = ramp([2, 4, 8, 8]);
  const context = ramp([2, 32, 8], 0.03);

  it.each(["unet_timestep_float_scalar.onnx", "unet_timestep_float_one.onnx", "unet_timestep_int64_batch.onnx"])(
    "feeds the timestep as %s declares it",
    async (file) => {
      const reference = await new Unet(await model(join(TINY_BUNDLE, "unet", "model.onnx"))).predict({ sample, timestep: 801, encoderHiddenStates: context });
      const variant = new Unet(await model(join(VARIANTS, file)));
      expect(variant.takesTimestepCond).toBe(false);
      expect(await variant.predict({ sample, timestep: 801, encoderHiddenStates: context })).toEqual(reference);
    },
  );

  it("feeds and reads float16 exports, computing in float32 around them", async () => {
    const reference = await new Unet(await model(join(TINY_BUNDLE, "unet", "model.onnx"))).predict({ sample, timestep: 801, encoderHiddenStates: context });
    const half = await new Unet(await model(join(VARIANTS, "unet_float16.onnx"))).predict({ sample, timestep: 801, encoderHiddenStates: context });
    expect(half).toBeInstanceOf(Float32Array);
    // float16 keeps 11 significant bits: a relative error below 2^-10 on every element.
    half.forEach((v, i) => expect(Math.abs(v - reference[i]!)).toBeLessThanOrEqual(Math.abs(reference[i]!) * 2 ** -10 + 1e-4));
    expect(half).not.toEqual(reference);
  });

  it("reads an LCM UNet's timestep_cond width and feeds it", async () => {
    const unet = new Unet(await model(join(VARIANTS, "unet_lcm_timestep_int64_one.onnx")));
    expect(unet.takesTimestepCond).toBe(true);
    expect(unet.timestepCondDim).toBe(16);
    const zero = await unet.predict({ sample, timestep: 999, encoderHiddenStates: context, timestepCond: { data: new Float32Array(32), dims: [2, 16] } });
    const one = await unet.predict({ sample, timestep: 999, encoderHiddenStates: context, timestepCond: { data: new Float32Array(32).fill(1), dims: [2, 16] } });
    expect(one[0]! - zero[0]!).toBeCloseTo(0.1, 5);
    await expect(unet.predict({ sample, timestep: 999, encoderHiddenStates: context })).rejects.toMatchObject({ param: expect.stringContaining("timestep_cond") });
  });
});

describe("VaeEncoder", () => {
  const images = ramp([2, 3, 32, 32]);

  it("takes the mean of latent_parameters and scales it", async () => {
    const encoder = new VaeEncoder(await model(join(TINY_BUNDLE, "vae_encoder", "model.onnx")), vae);
    const latents = await encoder.encode(images);
    expect(latents.dims).toEqual([2, 4, 8, 8]);
    const raw = await encoder.model.run({ sample: new (await import("onnxruntime-node")).Tensor("float32", images.data, images.dims) });
    const parameters = raw["latent_parameters"]!.data as Float32Array;
    // Second image, first mean channel: offset 8·64 in the parameters, 4·64 in the latents.
    expect(latents.data[4 * 64]).toBeCloseTo(parameters[8 * 64]! * 0.5, 6);
  });

  it("uses latent_sample as it comes", async () => {
    const parameters = new VaeEncoder(await model(join(TINY_BUNDLE, "vae_encoder", "model.onnx")), vae);
    const sampled = new VaeEncoder(await model(join(VARIANTS, "vae_encoder_latent_sample.onnx")), vae);
    // The fixture's latent_sample graph returns exactly the mean half of latent_parameters.
    expect(await sampled.encode(images)).toEqual(await parameters.encode(images));
  });
});

describe("OnnxModel", () => {
  it("names the model and the input that is missing", async () => {
    const unet = await model(join(TINY_BUNDLE, "unet", "model.onnx"));
    expect(() => unet.input("added_cond_kwargs")).toThrow(/unet\/model.onnx:added_cond_kwargs/);
  });

  it("counts time spent in session.run", async () => {
    const encoder = new TextEncoder(await model(join(TINY_BUNDLE, "text_encoder", "model.onnx")));
    await encoder.encode(ids);
    await encoder.encode(ids);
    expect(encoder.model.stats.calls).toBe(2);
    expect(encoder.model.stats.totalMs).toBeGreaterThan(0);
  });
});
