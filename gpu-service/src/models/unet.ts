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

/** The UNet bound to one run's conditioning: (noisy sample, timestep) → model output. */
export type ConditionedUnet = (sample: FloatTensor, timestep: number) => Promise<Float32Array>;

/**
 * A conditional denoising UNet (teacher and student alike): `sample`, `timestep`, `encoder_hidden_states`
 * (+ `timestep_cond` for LCM exports) → the model output of the first graph output (`out_sample`).
 */
export class Unet {
  private readonly sampleMeta: TensorMetadata;
  private readonly contextMeta: TensorMetadata;
  private readonly timestepMeta: TensorMetadata;
  private readonly output: string;
  /** Whether the graph takes a guidance embedding as `timestep_cond` (LCM exports). */
  readonly takesTimestepCond: boolean;
  /** Its declared width when static (else the manifest's `timestep_cond_dim` decides). */
  readonly timestepCondDim: number | null;
  /** Timestep tensors by "timestep×batch": a schedule has a few dozen values, reused by every run. */
  private readonly timesteps = new Map<string, ort.Tensor>();

  constructor(readonly model: OnnxModel) {
    this.sampleMeta = model.expectType("sample", FLOAT_TYPES);
    this.contextMeta = model.expectType("encoder_hidden_states", FLOAT_TYPES);
    this.timestepMeta = model.expectType("timestep", [...FLOAT_TYPES, "int64", "int32"]);
    this.output = model.outputName("out_sample");
    this.takesTimestepCond = model.hasInput("timestep_cond");
    this.timestepCondDim = this.takesTimestepCond ? condWidth(model) : null;
  }

  async predict(inputs: UnetInputs): Promise<Float32Array> {
    return this.conditionedOn(inputs)(inputs.sample, inputs.timestep);
  }

  /** Builds the conditioning tensors once, for every step of a sampling run. */
  conditionedOn(conditioning: UnetConditioning): ConditionedUnet {
    const fixed: Record<string, ort.Tensor> = {
      encoder_hidden_states: floatTensor(this.contextMeta, conditioning.encoderHiddenStates.data, conditioning.encoderHiddenStates.dims),
    };
    if (this.takesTimestepCond) {
      const cond = conditioning.timestepCond;
      if (!cond) throw bundleError(`${this.model.where}:timestep_cond`, "the UNet needs a guidance embedding; set student.embedded_guidance in understudy.json.");
      fixed["timestep_cond"] = floatTensor(this.model.input("timestep_cond"), cond.data, cond.dims);
    }
    return async (sample, timestep) => {
      const feeds = {
        ...fixed,
        sample: floatTensor(this.sampleMeta, sample.data, sample.dims),
        timestep: this.timestepTensor(timestep, sample.dims[0] ?? 1),
      };
      return floatOutput(this.model, await this.model.run(feeds), this.output).data;
    };
  }

  private timestepTensor(timestep: number, batch: number): ort.Tensor {
    const key = `${timestep}×${batch}`;
    let tensor = this.timesteps.get(key);
    if (!tensor) this.timesteps.set(key, (tensor = timestepTensor(this.timestepMeta, timestep, batch)));
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
