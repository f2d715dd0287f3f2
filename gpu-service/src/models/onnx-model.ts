import { relative } from "node:path";
import * as ort from "onnxruntime-node";
import { bundleError } from "../bundle/errors.js";
import { fromHalfArray, toHalfArray } from "./float16.js";

export type TensorMetadata = ort.InferenceSession.TensorValueMetadata;

/** A float tensor as the pipelines pass it around: row-major data and its dimensions. */
export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** Cumulative time inside `session.run`, so benchmarks can tell inference from our own overhead. */
export interface RunStats {
  calls: number;
  totalMs: number;
  lastMs: number;
  /** Process CPU time inside `session.run` (unlike wall time, not inflated on a shared machine); see trackCpuTime. */
  totalCpuMs: number;
}

/**
 * One ONNX session plus what its graph declares. Names, element types and ranks of inputs and outputs are
 * read from the session's metadata, never assumed, because exports of the same model differ in them.
 */
export class OnnxModel {
  readonly stats: RunStats = { calls: 0, totalMs: 0, lastMs: 0, totalCpuMs: 0 };
  /** Off by default: reading the process CPU clock costs microseconds per call, which serving should not pay. */
  private cpuTimed = false;
  /**
   * The process CPU clock at the start of the current run, while a benchmark tracks CPU time. One per model,
   * because benchmarks run one call at a time; serving never sets it.
   */
  private cpuAtStart: NodeJS.CpuUsage | null = null;

  constructor(
    /** Path relative to the bundle, used in every error message. */
    readonly where: string,
    readonly session: ort.InferenceSession,
  ) {}

  static describe(bundleDir: string, modelPath: string, session: ort.InferenceSession): OnnxModel {
    return new OnnxModel(relative(bundleDir, modelPath), session);
  }

  hasInput(name: string): boolean {
    return this.session.inputNames.includes(name);
  }

  /** Metadata of a required tensor input. */
  input(name: string): TensorMetadata {
    const meta = this.session.inputMetadata.find((m) => m.name === name);
    if (!meta) throw bundleError(`${this.where}:${name}`, `the graph has no input "${name}" (it has ${this.session.inputNames.join(", ")}).`);
    if (!meta.isTensor) throw bundleError(`${this.where}:${name}`, "input is not a tensor.");
    return meta;
  }

  /** The output called `name`, or else the first output (exports name e.g. the text encoder's differently). */
  outputName(preferred: string): string {
    if (this.session.outputNames.includes(preferred)) return preferred;
    const first = this.session.outputNames[0];
    if (first === undefined) throw bundleError(this.where, "the graph has no outputs.");
    return first;
  }

  /** Checks a required input's element type against what the wrapper can feed. */
  expectType(name: string, allowed: readonly ort.Tensor.Type[]): TensorMetadata {
    const meta = this.input(name);
    if (!allowed.includes(meta.type)) {
      throw bundleError(`${this.where}:${name}`, `element type ${meta.type} is not supported; expected one of ${allowed.join(", ")}.`);
    }
    return meta;
  }

  async run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
    const clock = this.startClock();
    const result = await this.session.run(feeds);
    this.record(clock);
    return result;
  }

  /**
   * Reads the clock before a `session.run` that the caller awaits itself, then passes to `record`. A sampling loop
   * does that instead of awaiting `run`: after a UNet call has swept the caches, each async layer between the
   * loop and onnxruntime's promise costs a microtask and several microseconds of cold code per step.
   */
  startClock(): number {
    if (this.cpuTimed) this.cpuAtStart = process.cpuUsage();
    return performance.now();
  }

  /** Books a finished `session.run` that began at `startMs` (from startClock) into `stats`. */
  record(startMs: number): void {
    const ms = performance.now() - startMs;
    if (this.cpuAtStart) {
      const cpu = process.cpuUsage(this.cpuAtStart);
      this.stats.totalCpuMs += (cpu.user + cpu.system) / 1000;
      this.cpuAtStart = null;
    }
    this.stats.calls++;
    this.stats.totalMs += ms;
    this.stats.lastMs = ms;
  }

  /** Starts (or stops) accounting process CPU time in `stats.totalCpuMs` (benchmarks). */
  trackCpuTime(on = true): void {
    this.cpuTimed = on;
  }
}

/** Token ids in the integer type the graph declares (int32 in some exports, int64 in others). */
export function idsTensor(meta: TensorMetadata, ids: Int32Array, dims: readonly number[]): ort.Tensor {
  if (meta.type === "int64") return new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), dims);
  return new ort.Tensor("int32", ids, dims);
}

/** Float element types a graph may declare; the pipelines compute in float32 and convert at the boundary. */
export const FLOAT_TYPES = ["float32", "float16"] as const;

/** A float input in the precision the graph declares. */
export function floatTensor(meta: TensorMetadata, data: Float32Array, dims: readonly number[]): ort.Tensor {
  return meta.type === "float16" ? new ort.Tensor("float16", toHalfArray(data), dims) : new ort.Tensor("float32", data, dims);
}

/** Reads a float output as float32, naming the model when the graph returned something else. */
export function floatOutput(model: OnnxModel, result: ort.InferenceSession.ReturnType, name: string): FloatTensor {
  const tensor = result[name];
  if (tensor?.type === "float32") return { data: tensor.data as Float32Array, dims: tensor.dims };
  if (tensor?.type === "float16") return { data: fromHalfArray(tensor.data as Uint16Array), dims: tensor.dims };
  throw bundleError(`${model.where}:${name}`, `expected a float output, got ${tensor?.type ?? "nothing"}.`);
}
