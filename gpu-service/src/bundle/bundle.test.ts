import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ApiError } from "@understudy/shared";
import { TINY_BUNDLE, tinyBundleCopy } from "../../test/helpers.js";
import { readBundle } from "./bundle.js";
import { vaeScaleFactor } from "./configs.js";
import { sessionOptions } from "./session.js";

describe("readBundle", () => {
  it("reads the manifest, the component configs and the model paths", async () => {
    const bundle = await readBundle(TINY_BUNDLE);
    expect(bundle.manifest.id).toBe("tiny-fixture");
    expect(bundle.teacher.entry.sampler).toBe("ddim");
    expect(bundle.student.unetModel).toBe(join(TINY_BUNDLE, "student_unet", "model.onnx"));
    expect(bundle.student.unetConfig.time_cond_proj_dim).toBe(16);
    expect(bundle.tokenizer.config.model_max_length).toBe(32);
    expect(vaeScaleFactor(bundle.vae.config)).toBe(4);
    expect(bundle.vae.config.scaling_factor).toBe(0.5);
  });

  it("names the missing file", async () => {
    const dir = await tinyBundleCopy();
    await rm(join(dir, "scheduler", "scheduler_config.json"));
    await expect(readBundle(dir)).rejects.toMatchObject({ code: "internal_error", param: "scheduler/scheduler_config.json" });
  });

  it("names the offending manifest field", async () => {
    const dir = await tinyBundleCopy({ manifest: (m) => ((m["teacher"] as Record<string, unknown>)["sampler"] = "heun") });
    const error = await readBundle(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).param).toBe("understudy.json:teacher.sampler");
  });

  it("takes the VAE's scale factor from downsample_factor when the config has no diffusers blocks", async () => {
    const dir = await tinyBundleCopy();
    const config = { _class_name: "AutoencoderKL", latent_channels: 4, downsample_factor: 8, scaling_factor: 0.3 };
    await writeFile(join(dir, "vae_decoder", "config.json"), JSON.stringify(config));
    expect(vaeScaleFactor((await readBundle(dir)).vae.config)).toBe(8);
    await writeFile(join(dir, "vae_decoder", "config.json"), JSON.stringify({ ...config, downsample_factor: undefined }));
    await expect(readBundle(dir)).rejects.toMatchObject({ param: "vae_decoder/config.json:block_out_channels" });
  });

  it("rejects a config that is not JSON", async () => {
    const dir = await tinyBundleCopy();
    await writeFile(join(dir, "vae_decoder", "config.json"), "{ not json");
    await expect(readBundle(dir)).rejects.toMatchObject({ param: "vae_decoder/config.json" });
  });
});

describe("sessionOptions", () => {
  it("keeps the CPU provider as the fallback behind a named one", () => {
    expect(sessionOptions({ executionProvider: "cuda" }).executionProviders).toEqual(["cuda", "cpu"]);
    expect(sessionOptions().executionProviders).toEqual(["cpu"]);
  });

  it("passes the thread count through only when set", () => {
    expect(sessionOptions({ intraOpThreads: 3 }).intraOpNumThreads).toBe(3);
    expect(sessionOptions()).not.toHaveProperty("intraOpNumThreads");
    expect(sessionOptions().extra).toEqual({ session: { set_denormal_as_zero: "1", intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } });
  });
});
