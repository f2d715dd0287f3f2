import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { z } from "zod";
import { BundleManifest, MANIFEST_FILE, type DiffusionModelEntry } from "@understudy/shared";
import { ModelIndex, TokenizerConfig, UnetConfig, VaeConfig } from "./configs.js";
import { bundleError } from "./errors.js";

/** One denoiser of the bundle (teacher or student): its manifest entry and its own diffusers configs. */
export interface DiffusionModelFiles {
  entry: DiffusionModelEntry;
  unetModel: string;
  unetConfig: UnetConfig;
  /** `scheduler_config.json` as written; the scheduler factory validates it against its sampler. */
  schedulerConfig: object;
}

/**
 * Everything a bundle folder declares, read and validated, with absolute model paths. No session is
 * created here: reading is cheap and lets tools (calibration, the CLI) fail fast on a broken bundle.
 */
export interface Bundle {
  dir: string;
  manifest: BundleManifest;
  modelIndex: ModelIndex;
  tokenizer: { json: object; config: TokenizerConfig };
  textEncoderModel: string;
  teacher: DiffusionModelFiles;
  student: DiffusionModelFiles;
  vae: { config: VaeConfig; encoderModel: string; decoderModel: string };
  oracleModel: string;
  judgeModel: string | null;
}

async function readJson(dir: string, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, file), "utf8");
  } catch {
    throw bundleError(file, `missing from the bundle at ${dir}; export the bundle again or point --bundle at the right folder.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw bundleError(file, `is not valid JSON (${(error as Error).message}).`);
  }
}

/** Reads `file` and validates it with `schema`, naming the first offending field. */
export async function readConfig<S extends z.ZodType>(dir: string, file: string, schema: S): Promise<z.infer<S>> {
  const parsed = schema.safeParse(await readJson(dir, file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(root)";
    throw bundleError(`${file}:${field}`, issue?.message ?? "invalid");
  }
  return parsed.data;
}

async function readDiffusionModel(dir: string, entry: DiffusionModelEntry): Promise<DiffusionModelFiles> {
  return {
    entry,
    unetModel: join(dir, entry.unet, "model.onnx"),
    unetConfig: await readConfig(dir, join(entry.unet, "config.json"), UnetConfig),
    schedulerConfig: (await readJson(dir, join(entry.scheduler, "scheduler_config.json"))) as object,
  };
}

export async function readBundle(dir: string): Promise<Bundle> {
  const manifest = await readConfig(dir, MANIFEST_FILE, BundleManifest);
  return {
    dir,
    manifest,
    modelIndex: await readConfig(dir, "model_index.json", ModelIndex),
    tokenizer: {
      json: (await readJson(dir, "tokenizer/tokenizer.json")) as object,
      config: await readConfig(dir, "tokenizer/tokenizer_config.json", TokenizerConfig),
    },
    textEncoderModel: join(dir, "text_encoder", "model.onnx"),
    teacher: await readDiffusionModel(dir, manifest.teacher),
    student: await readDiffusionModel(dir, manifest.student),
    vae: {
      // Encoder and decoder share one AutoencoderKL config; the decoder's copy is the one every bundle has.
      config: await readConfig(dir, "vae_decoder/config.json", VaeConfig),
      encoderModel: join(dir, "vae_encoder", "model.onnx"),
      decoderModel: join(dir, "vae_decoder", "model.onnx"),
    },
    oracleModel: join(dir, manifest.oracle.model),
    judgeModel: manifest.judge ? join(dir, manifest.judge.model) : null,
  };
}
