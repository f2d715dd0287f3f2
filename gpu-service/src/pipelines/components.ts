import type { DiffusionModelEntry } from "@understudy/shared";
import { bundleError } from "../bundle/errors.js";
import { readBundle, type Bundle, type DiffusionModelFiles } from "../bundle/bundle.js";
import { openSession, type SessionSettings } from "../bundle/session.js";
import { vaeScaleFactor } from "../bundle/configs.js";
import { OnnxModel } from "../models/onnx-model.js";
import { TextEncoder } from "../models/text-encoder.js";
import { Unet } from "../models/unet.js";
import { VaeDecoder, VaeEncoder } from "../models/vae.js";
import { Judge, Oracle } from "../models/scorer.js";
import { resolveSchedulerConfig, schedulerFor, type ResolvedSchedulerConfig, type SamplerName, type Scheduler } from "../schedulers/index.js";
import { PromptTokenizer } from "../tokenizer/prompt-tokenizer.js";
import { PromptEmbeddings } from "./prompt-embeddings.js";

/** A denoiser of the bundle (the teacher or the student): its UNet and how to sample with it. */
export interface DiffusionModel {
  entry: DiffusionModelEntry;
  unet: Unet;
  /** A fresh, stateful scheduler for one run, configured from the model's own scheduler_config.json. */
  newScheduler(): Scheduler;
  /** The `timestep_cond` width for guidance-embedded (LCM) UNets; null otherwise. */
  guidanceEmbeddingDim: number | null;
}

/** Every model of a bundle, each with one session created at load and reused for every request. */
export interface PipelineComponents {
  bundle: Bundle;
  tokenizer: PromptTokenizer;
  textEncoder: TextEncoder;
  /** The text encoder's states per text, each encoded alone and remembered: what pipelines condition on. */
  promptEmbeddings: PromptEmbeddings;
  teacher: DiffusionModel;
  student: DiffusionModel;
  vaeEncoder: VaeEncoder;
  vaeDecoder: VaeDecoder;
  oracle: Oracle;
  /** Loaded only on request (evaluation); serving never needs it. */
  judge: Judge | null;
}

export interface ComponentOptions {
  /** Also load the evaluation-only judge. */
  judge?: boolean;
}

async function loadModel(bundle: Bundle, path: string, settings: SessionSettings): Promise<OnnxModel> {
  return OnnxModel.describe(bundle.dir, path, await openSession(bundle.dir, path, settings));
}

/** The UNet's `timestep_cond` and the manifest's `embedded_guidance` must agree, or sampling would be silently wrong. */
function guidanceEmbeddingDim(role: string, files: DiffusionModelFiles, unet: Unet): number | null {
  const declared = files.entry.embedded_guidance;
  const where = `understudy.json:${role}.embedded_guidance`;
  if (!unet.takesTimestepCond) {
    if (declared) throw bundleError(where, `${files.entry.unet}/model.onnx has no timestep_cond input; remove embedded_guidance.`);
    return null;
  }
  if (!declared) throw bundleError(where, `${files.entry.unet}/model.onnx takes timestep_cond; declare its scale and timestep_cond_dim.`);
  if (unet.timestepCondDim !== null && unet.timestepCondDim !== declared.timestep_cond_dim) {
    throw bundleError(where, `timestep_cond_dim ${declared.timestep_cond_dim} differs from the graph's ${unet.timestepCondDim}.`);
  }
  return declared.timestep_cond_dim;
}

/** A scheduler factory for `sampler` over the model's scheduler_config.json, resolved and checked once so a bad config fails at load. */
function schedulerFactory(files: DiffusionModelFiles, sampler: SamplerName): () => Scheduler {
  let config: ResolvedSchedulerConfig;
  try {
    config = resolveSchedulerConfig(sampler, files.schedulerConfig);
    schedulerFor(sampler, config);
  } catch (error) {
    throw bundleError(`${files.entry.scheduler}/scheduler_config.json`, `${sampler}: ${(error as Error).message}`);
  }
  return () => schedulerFor(sampler, config);
}

async function loadDiffusionModel(role: string, bundle: Bundle, files: DiffusionModelFiles, settings: SessionSettings): Promise<DiffusionModel> {
  const unet = new Unet(await loadModel(bundle, files.unetModel, settings));
  const newScheduler = schedulerFactory(files, files.entry.sampler);
  return { entry: files.entry, unet, newScheduler, guidanceEmbeddingDim: guidanceEmbeddingDim(role, files, unet) };
}

/**
 * The same components with the teacher sampling by another sampler (e.g. DPM-Solver++ instead of DDIM),
 * configured from the same scheduler_config.json; sessions are shared, nothing is reloaded.
 */
export function withTeacherSampler(components: PipelineComponents, sampler: SamplerName): PipelineComponents {
  const { teacher, bundle } = components;
  const newScheduler = schedulerFactory(bundle.teacher, sampler);
  return { ...components, teacher: { ...teacher, entry: { ...teacher.entry, sampler }, newScheduler } };
}

export async function loadComponents(bundleDir: string, settings: SessionSettings = {}, options: ComponentOptions = {}): Promise<PipelineComponents> {
  const bundle = await readBundle(bundleDir);
  const { vae } = bundle;
  const { native_size } = bundle.manifest;
  const factor = vaeScaleFactor(vae.config);
  if (native_size.width % factor !== 0 || native_size.height % factor !== 0) {
    throw bundleError("understudy.json:native_size", `must be a multiple of the VAE's scale factor ${factor}.`);
  }
  const tokenizer = new PromptTokenizer(bundle.tokenizer.json, bundle.tokenizer.config);
  const textEncoder = new TextEncoder(await loadModel(bundle, bundle.textEncoderModel, settings));
  return {
    bundle,
    tokenizer,
    textEncoder,
    promptEmbeddings: new PromptEmbeddings(tokenizer, textEncoder),
    teacher: await loadDiffusionModel("teacher", bundle, bundle.teacher, settings),
    student: await loadDiffusionModel("student", bundle, bundle.student, settings),
    vaeEncoder: new VaeEncoder(await loadModel(bundle, vae.encoderModel, settings), vae.config),
    vaeDecoder: new VaeDecoder(await loadModel(bundle, vae.decoderModel, settings), vae.config),
    oracle: new Oracle(await loadModel(bundle, bundle.oracleModel, settings), bundle.manifest.oracle),
    judge: options.judge ? await loadJudge(bundle, settings) : null,
  };
}

async function loadJudge(bundle: Bundle, settings: SessionSettings): Promise<Judge> {
  const entry = bundle.manifest.judge;
  if (!entry || !bundle.judgeModel) throw bundleError("understudy.json:judge", "the bundle declares no judge; evaluation needs one (it never scores with the oracle).");
  return new Judge(await loadModel(bundle, bundle.judgeModel, settings), entry);
}

/** Latent dims [1, C, H/f, W/f] of one image, as diffusers' prepare_latents shapes them. */
export function latentDims(components: PipelineComponents, width: number, height: number): number[] {
  const factor = vaeScaleFactor(components.bundle.vae.config);
  return [1, components.bundle.teacher.unetConfig.in_channels, height / factor, width / factor];
}

/** Every ONNX model of the pipeline, for benchmarks that separate inference time from overhead. */
export function allModels(components: PipelineComponents): OnnxModel[] {
  const { textEncoder, teacher, student, vaeEncoder, vaeDecoder, oracle, judge } = components;
  return [textEncoder.model, teacher.unet.model, student.unet.model, vaeEncoder.model, vaeDecoder.model, oracle.model, ...(judge ? [judge.model] : [])];
}
