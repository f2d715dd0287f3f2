import * as ort from "onnxruntime-node";
import { bundleError } from "../bundle/errors.js";
import { FLOAT_TYPES, floatOutput, floatTensor, type FloatTensor, type OnnxModel, type TensorMetadata } from "./onnx-model.js";

/** What stays fixed over a sampling run: the text conditioning, and for LCM UNets the guidance embedding. */
export interface UnetConditioning {
  encoderHiddenStates: FloatTensor;
  /** The guidance embedding [B, timestep_cond_dim] for LCM UNets; ignored by UNets without that input. */
  timestepCond?: FloatTensor;
}

export interface UnetInputs extends UnetConditioning {
  sample: FloatTensor;
  /** One timestep for the whole batch: every job in a batch is at the same point of the same schedule. */
  timestep: number;
}

/**
 * The UNet bound to one sampling run: its conditioning, and one `sample` buffer that every step rewrites.
 * A call is two halves around the caller's own `await`, `finish(await start(t))`, so that the loop waits on
 * onnxruntime's promise directly: one microtask per step, not one per layer (see OnnxModel.startClock).
 */
export interface UnetRun {
  /** The next call's model input, in the dims given to `bind` (2B rows when guided): write it, then `start`. */
  readonly sample: Float32Array;
  /** Starts the UNet on the current `sample` at `timestep`; pass what it resolves to to `finish`. */
  start(timestep: number): Promise<ort.InferenceSession.ReturnType>;
  /** The model output of the call just started, as float32. */
  finish(result: ort.InferenceSession.ReturnType): Float32Array;
}

/**
 * A conditional denoising UNet (teacher and student alike): `sample`, `timestep`, `encoder_hidden_states`
 * (+ `timestep_cond` for LCM exports) → the model output of the first graph output (`out_sample`).
 */
export class Unet {
  private readonly sampleMeta: TensorMetadata;
  private readonly contextMeta: TensorMetadata;
  private readonly timestepMeta: TensorMetadata;
  private readonly output: string;
  /** Whether the graph declares a float32 output, which every step then reads as it is. */
  private readonly float32Output: boolean;
  /** Whether the graph takes a guidance embedding as `timestep_cond` (LCM exports). */
  readonly takesTimestepCond: boolean;
  /** Its declared width when static (else the manifest's `timestep_cond_dim` decides). */
  readonly timestepCondDim: number | null;
  /** Timestep tensors by batch size, then timestep: a schedule has a few dozen values, reused by every run. */
  private readonly timesteps = new Map<number, Map<number, ort.Tensor>>();

  constructor(readonly model: OnnxModel) {
    this.sampleMeta = model.expectType("sample", FLOAT_TYPES);
    this.contextMeta = model.expectType("encoder_hidden_states", FLOAT_TYPES);
    this.timestepMeta = model.expectType("timestep", [...FLOAT_TYPES, "int64", "int32"]);
    this.output = model.outputName("out_sample");
    const outputMeta = model.session.outputMetadata.find((meta) => meta.name === this.output);
    this.float32Output = outputMeta?.isTensor === true && outputMeta.type === "float32";
    this.takesTimestepCond = model.hasInput("timestep_cond");
    this.timestepCondDim = this.takesTimestepCond ? condWidth(model) : null;
  }

  async predict(inputs: UnetInputs): Promise<Float32Array> {
    const run = this.bind(inputs, inputs.sample.dims);
    run.sample.set(inputs.sample.data);
    return run.finish(await run.start(inputs.timestep));
  }

  /**
   * Binds a sampling run of `sampleDims`: the conditioning tensors are built once, and so is the `sample`
   * tensor, over the buffer the caller rewrites before each call (onnxruntime reads it at every run). A
   * float16 graph needs each step's input converted, so only there a tensor is made per call.
   */
  bind(conditioning: UnetConditioning, sampleDims: readonly number[]): UnetRun {
    const sample = new Float32Array(sampleDims.reduce((a, b) => a * b, 1));
    const float16 = this.sampleMeta.type === "float16";
    const batch = sampleDims[0] ?? 1;
    const timesteps = this.timestepTensors(batch);
    // One feeds object for the run: each call replaces only what changes, after the previous call has returned.
    const feeds: Record<string, ort.Tensor> = { ...this.conditioningFeeds(conditioning), sample: floatTensor(this.sampleMeta, sample, sampleDims) };
    let startMs = 0;
    return {
      sample,
      start: (timestep) => {
        if (float16) feeds["sample"] = floatTensor(this.sampleMeta, sample, sampleDims);
        feeds["timestep"] = timesteps.get(timestep) ?? this.newTimestepTensor(timesteps, timestep, batch);
        startMs = this.model.startClock();
        return this.model.session.run(feeds);
      },
      finish: (result) => {
        this.model.record(startMs);
        return this.readOutput(result);
      },
    };
  }

  /**
   * The output as float32. A float32 graph's is read directly, a few microseconds per step less than through
   * the shared floatOutput (whose property reads see every model's result objects).
   */
  private readOutput(result: ort.InferenceSession.ReturnType): Float32Array {
    const tensor = result[this.output];
    return this.float32Output && tensor ? (tensor.data as Float32Array) : floatOutput(this.model, result, this.output).data;
  }

  private conditioningFeeds(conditioning: UnetConditioning): Record<string, ort.Tensor> {
    const fixed: Record<string, ort.Tensor> = {
      encoder_hidden_states: floatTensor(this.contextMeta, conditioning.encoderHiddenStates.data, conditioning.encoderHiddenStates.dims),
    };
    if (this.takesTimestepCond) {
      const cond = conditioning.timestepCond;
      if (!cond) throw bundleError(`${this.model.where}:timestep_cond`, "the UNet needs a guidance embedding; set student.embedded_guidance in understudy.json.");
      fixed["timestep_cond"] = floatTensor(this.model.input("timestep_cond"), cond.data, cond.dims);
    }
    return fixed;
  }

  /** The timestep tensors of one batch size, by timestep. */
  private timestepTensors(batch: number): Map<number, ort.Tensor> {
    let tensors = this.timesteps.get(batch);
    if (!tensors) this.timesteps.set(batch, (tensors = new Map()));
    return tensors;
  }

  private newTimestepTensor(tensors: Map<number, ort.Tensor>, timestep: number, batch: number): ort.Tensor {
    const tensor = timestepTensor(this.timestepMeta, timestep, batch);
    tensors.set(timestep, tensor);
    return tensor;
  }
}

function condWidth(model: OnnxModel): number | null {
  const meta = model.expectType("timestep_cond", FLOAT_TYPES);
  const width = meta.shape[1];
  return typeof width === "number" ? width : null;
}

/**
 * The timestep as the graph declares it: a scalar, a fixed [1], or one value per batch element, in float
 * (diffusers' own exports) or int64 (optimum's).
 */
export function timestepTensor(meta: TensorMetadata, timestep: number, batch: number): ort.Tensor {
  const dims = meta.shape.length === 0 ? [] : meta.shape[0] === 1 ? [1] : [batch];
  const count = dims[0] ?? 1;
  if (meta.type === "int64") return new ort.Tensor("int64", new BigInt64Array(count).fill(BigInt(Math.round(timestep))), dims);
  if (meta.type === "int32") return new ort.Tensor("int32", new Int32Array(count).fill(Math.round(timestep)), dims);
  return floatTensor(meta, new Float32Array(count).fill(timestep), dims);
}
