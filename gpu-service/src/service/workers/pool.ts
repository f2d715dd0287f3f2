import { Worker } from "node:worker_threads";
import { ApiError } from "@understudy/shared";
import { deserializeError, type TaskMap, type TaskMessage, type WorkerData, type WorkerMessage } from "./protocol.js";

export interface WorkerPoolOptions<D> {
  size: number;
  /** The worker module (TypeScript or JavaScript); it calls `serveTasks`. */
  entry: URL;
  data: D;
  /** Called when a worker has died unexpectedly and a replacement is being started. */
  onWorkerLost?: (reason: string) => void;
  /** Called whenever the number of ready workers changes. */
  onReadyChange?: (ready: number) => void;
  /** Milliseconds to wait before retrying a replacement that failed to start (doubles up to 30 s). */
  restartBackoffMs?: number;
}

export interface TaskResult<O> {
  value: O;
  /** Time the worker spent on the task, excluding queueing and message passing. */
  serviceMs: number;
}

interface Pending {
  id: number;
  kind: string;
  input: unknown;
  resolve: (result: TaskResult<unknown>) => void;
  reject: (error: ApiError) => void;
}

interface Slot {
  worker: Worker;
  task: Pending | null;
}

const BOOTSTRAP = new URL("./bootstrap.mjs", import.meta.url);

/**
 * A fixed number of inference worker threads. Tasks go to an idle worker or wait in arrival order; the
 * scheduler above decides what to send, using `available()`. A worker that dies fails only the task it was
 * running (with a clean 500), and is replaced; tasks still waiting go to the replacement.
 */
export class WorkerPool<T extends TaskMap, D = unknown, R = unknown> {
  readonly #options: WorkerPoolOptions<D>;
  readonly #idle: Slot[] = [];
  readonly #busy = new Set<Slot>();
  readonly #waiting: Pending[] = [];
  readonly #availableListeners = new Set<() => void>();
  #quietWaiters: Array<() => void> = [];
  #nextId = 1;
  #closing = false;
  #readyPayload: R | undefined;

  constructor(options: WorkerPoolOptions<D>) {
    if (options.size < 1) throw new RangeError("a worker pool needs at least one worker");
    this.#options = options;
  }

  /** Starts every worker and resolves with the first one's ready payload; rejects if any fails to start. */
  async start(): Promise<R> {
    const slots = await Promise.all(Array.from({ length: this.#options.size }, () => this.#spawn()));
    for (const slot of slots) this.#release(slot);
    this.#options.onReadyChange?.(this.ready);
    return this.#readyPayload!;
  }

  /** Workers that are loaded and alive. */
  get ready(): number {
    return this.#idle.length + this.#busy.size;
  }

  /** Idle workers with nothing waiting for them: how many tasks could start right now. */
  available(): number {
    return this.#waiting.length > 0 ? 0 : this.#idle.length;
  }

  /** Busy worker threads (the fault tests terminate one mid-task). */
  busyWorkers(): Worker[] {
    return [...this.#busy].map((slot) => slot.worker);
  }

  onAvailable(listener: () => void): () => void {
    this.#availableListeners.add(listener);
    return () => this.#availableListeners.delete(listener);
  }

  run<K extends keyof T & string>(kind: K, input: T[K]["input"]): Promise<TaskResult<T[K]["output"]>> {
    if (this.#closing) return Promise.reject(new ApiError("overloaded", "The gpu-service is shutting down; retry on another replica.", { retryAfterSeconds: 1 }));
    return new Promise((resolve, reject) => {
      const task: Pending = { id: this.#nextId++, kind, input, resolve: resolve as Pending["resolve"], reject };
      const slot = this.#idle.pop();
      if (slot) this.#send(slot, task);
      else this.#waiting.push(task);
    });
  }

  /**
   * Refuses tasks still waiting, lets running ones finish (up to `graceMs`), then terminates every worker.
   * Waiting matters: onnxruntime-node completes a run from a native thread, and a run whose worker was
   * terminated under it aborts the whole process.
   */
  async close(graceMs = 30_000): Promise<void> {
    this.#closing = true;
    for (const task of this.#waiting.splice(0)) task.reject(new ApiError("overloaded", "The gpu-service shut down before this task started.", { retryAfterSeconds: 1 }));
    if (this.#busy.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => this.#quietWaiters.push(resolve)), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    const slots = [...this.#idle.splice(0), ...this.#busy];
    this.#busy.clear();
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  #spawn(): Promise<Slot> {
    const workerData: WorkerData<D> = { entry: this.#options.entry.href, data: this.#options.data };
    const worker = new Worker(BOOTSTRAP, { workerData });
    const slot: Slot = { worker, task: null };
    return new Promise((resolve, reject) => {
      const failBeforeReady = (reason: string) => reject(new Error(`inference worker failed to start: ${reason}`));
      worker.on("error", (error) => failBeforeReady(error.message));
      worker.on("exit", (code) => failBeforeReady(`exited with code ${code}`));
      worker.once("message", (message: WorkerMessage) => {
        worker.removeAllListeners("error").removeAllListeners("exit");
        if (message.type !== "ready") {
          void worker.terminate();
          return failBeforeReady(message.type === "failed" ? message.error.message : `unexpected ${message.type} message`);
        }
        this.#readyPayload ??= message.payload as R;
        worker.on("message", (reply: WorkerMessage) => this.#onReply(slot, reply));
        worker.on("error", (error) => console.error("inference worker error:", error));
        worker.on("exit", (code) => this.#onExit(slot, code));
        resolve(slot);
      });
    });
  }

  #send(slot: Slot, task: Pending): void {
    slot.task = task;
    this.#busy.add(slot);
    const message: TaskMessage<T> = { id: task.id, kind: task.kind, input: task.input };
    slot.worker.postMessage(message);
  }

  #onReply(slot: Slot, reply: WorkerMessage): void {
    const task = slot.task;
    if (reply.type !== "reply" || !task || reply.id !== task.id) return;
    slot.task = null;
    this.#busy.delete(slot);
    if (this.#busy.size === 0) for (const resolve of this.#quietWaiters.splice(0)) resolve();
    if (reply.ok) task.resolve({ value: reply.value, serviceMs: reply.serviceMs });
    else task.reject(deserializeError(reply.error));
    this.#release(slot);
  }

  /** Hands a free worker the oldest waiting task, or marks it idle and tells the scheduler. */
  #release(slot: Slot): void {
    const next = this.#waiting.shift();
    if (next) return this.#send(slot, next);
    this.#idle.push(slot);
    for (const listener of this.#availableListeners) listener();
  }

  #onExit(slot: Slot, code: number): void {
    if (this.#closing) return;
    this.#busy.delete(slot);
    const idleIndex = this.#idle.indexOf(slot);
    if (idleIndex >= 0) this.#idle.splice(idleIndex, 1);
    const reason = `inference worker exited with code ${code}`;
    slot.task?.reject(
      new ApiError("internal_error", `The ${reason} while running this request; it has been replaced, so retrying the request should succeed.`),
    );
    this.#options.onWorkerLost?.(reason);
    this.#options.onReadyChange?.(this.ready);
    void this.#replace(this.#options.restartBackoffMs ?? 500);
  }

  async #replace(backoffMs: number): Promise<void> {
    try {
      const slot = await this.#spawn();
      if (this.#closing) return void slot.worker.terminate();
      this.#release(slot);
      this.#options.onReadyChange?.(this.ready);
    } catch (error) {
      console.error(`${(error as Error).message}; retrying in ${backoffMs} ms`);
      setTimeout(() => void this.#replace(Math.min(backoffMs * 2, 30_000)), backoffMs).unref();
    }
  }
}
