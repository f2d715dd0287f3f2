import { access } from "node:fs/promises";
import { relative } from "node:path";
import * as ort from "onnxruntime-node";
import { bundleError } from "./errors.js";

export interface SessionSettings {
  /** Threads one operator may use. Defaults to onnxruntime's choice (all cores); a service running several workers sets it. */
  intraOpThreads?: number;
  /** Execution provider name, e.g. "cuda" in production; "cpu" (the default) always works. */
  executionProvider?: string;
}

/**
 * Session options chosen on purpose: full graph optimisation (constant folding, fusions) because sessions
 * live for the life of the process; sequential execution because the diffusion graphs are one chain of
 * operators and parallel mode only adds scheduling overhead; one inter-op thread for the same reason.
 */
export function sessionOptions(settings: SessionSettings = {}): ort.InferenceSession.SessionOptions {
  const provider = settings.executionProvider ?? "cpu";
  return {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    interOpNumThreads: 1,
    ...(settings.intraOpThreads !== undefined ? { intraOpNumThreads: settings.intraOpThreads } : {}),
    // The CPU provider stays as the fallback for operators another provider does not implement.
    executionProviders: provider === "cpu" ? ["cpu"] : [provider, "cpu"],
    enableCpuMemArena: true,
    enableMemPattern: true,
    // Denormal floats (attention softmax tails, tiny activations) take a slow path on x86; flushing them to
    // zero changes no pixel and made a student UNet call 6.7 → 4.6 ms here.
    // onnxruntime's pool threads busy-wait between operators by default. On a serving host they share cores
    // with the HTTP thread, the other workers and the edge, and spinning starves them all (a student UNet
    // call measured about twice as slow under load with it), so idle pool threads sleep instead.
    extra: { session: { set_denormal_as_zero: "1", intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
    // Load-time notices (e.g. unused initialisers pruned by the optimiser) are not actionable at serving time.
    logSeverityLevel: 3,
  };
}

/** Creates one session for `modelPath`; called once per model at load, never per request. */
export async function openSession(bundleDir: string, modelPath: string, settings: SessionSettings = {}): Promise<ort.InferenceSession> {
  const where = relative(bundleDir, modelPath);
  try {
    await access(modelPath);
  } catch {
    throw bundleError(where, "model file is missing; export it or fix the path in understudy.json.");
  }
  try {
    return await ort.InferenceSession.create(modelPath, sessionOptions(settings));
  } catch (error) {
    throw bundleError(where, `onnxruntime could not load it: ${(error as Error).message}`);
  }
}
