import { parentPort, workerData } from "node:worker_threads";
import { ApiError, ErrorCode } from "@understudy/shared";

/**
 * The message protocol between the pool (main thread) and a worker thread. A task map names each kind of
 * task with its input and output, so both sides are typed from one declaration.
 */
export type TaskMap = Record<string, { input: unknown; output: unknown }>;

export interface TaskMessage<T extends TaskMap = TaskMap> {
  id: number;
  kind: keyof T & string;
  input: unknown;
}

/** ApiError survives structured cloning only as plain data; this is that data. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  param: string | null;
  retryAfterSeconds: number | undefined;
}

export type WorkerMessage =
  | { type: "ready"; payload: unknown }
  | { type: "failed"; error: SerializedError }
  | { type: "reply"; id: number; ok: true; value: unknown; serviceMs: number }
  | { type: "reply"; id: number; ok: false; error: SerializedError };

/** What the pool passes to the bootstrap: which module to run and that module's own data. */
export interface WorkerData<D> {
  entry: string;
  data: D;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof ApiError) {
    return { code: error.code, message: error.message, param: error.param, retryAfterSeconds: error.retryAfterSeconds };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: "internal_error", message: `Inference failed: ${message}`, param: null, retryAfterSeconds: undefined };
}

export function deserializeError(error: SerializedError): ApiError {
  const code = ErrorCode.safeParse(error.code).success ? error.code : "internal_error";
  return new ApiError(code, error.message, { param: error.param, retryAfterSeconds: error.retryAfterSeconds });
}

export type TaskHandlers<T extends TaskMap> = { [K in keyof T]: (input: T[K]["input"]) => Promise<T[K]["output"]> | T[K]["output"] };

/**
 * Worker side: runs `init` (load the bundle, warm up), announces readiness with its result, then serves
 * tasks. The pool sends a worker one task at a time: onnxruntime runs a session on all its intra-op threads,
 * so overlapping two tasks in one worker would only make both slower.
 */
export async function serveTasks<D, R, T extends TaskMap>(init: (data: D) => Promise<{ ready: R; handlers: TaskHandlers<T> }>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("serveTasks must run inside a worker thread");
  let handlers: TaskHandlers<T>;
  try {
    const started = await init((workerData as WorkerData<D>).data);
    handlers = started.handlers;
    port.postMessage({ type: "ready", payload: started.ready } satisfies WorkerMessage);
  } catch (error) {
    port.postMessage({ type: "failed", error: serializeError(error) } satisfies WorkerMessage);
    return;
  }
  port.on("message", async (task: TaskMessage<T>) => {
    const started = performance.now();
    try {
      const value = await handlers[task.kind](task.input as T[keyof T]["input"]);
      port.postMessage({ type: "reply", id: task.id, ok: true, value, serviceMs: performance.now() - started } satisfies WorkerMessage);
    } catch (error) {
      if (!(error instanceof ApiError)) console.error(`worker task ${task.kind} failed:`, error);
      port.postMessage({ type: "reply", id: task.id, ok: false, error: serializeError(error) } satisfies WorkerMessage);
    }
  });
}
