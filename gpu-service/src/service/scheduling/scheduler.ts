import {
  ApiError,
  INTERNAL_API_VERSION,
  type BundleInfo,
  type BundleManifest,
  type DegradedReason,
  type InternalImage,
  type InternalImagesResponse,
  type StageEvent,
} from "@understudy/shared";
import { isEdit, resolveJobs, type ImageJob, type ImagesRequest, type RoutedOutcome } from "../../pipelines/index.js";
import { reportedThreshold } from "../../pipelines/results.js";
import { studentBatchKey } from "../../pipelines/student.js";
import { teacherBatchKey } from "../../pipelines/teacher.js";
import type { LiveCalibration } from "../monitoring/live-calibration.js";
import type { ServiceMetrics } from "../monitoring/metrics.js";
import type { TaskResult, WorkerPool } from "../workers/pool.js";
import type { InferenceTasks, InferenceWorkerReady, StudentResult } from "../workers/inference-tasks.js";
import { refuseAdmission, retryAfter, type AdmissionRequest, type Load, type QueueLimits } from "./admission.js";
import { BatchTimeModel, LatencyEstimate } from "./latency-estimate.js";
import { studentFinishMs, type StudentQueueState } from "./finish-estimate.js";
import { Batcher, type Batch, type BatchPolicy } from "./batcher.js";

/** The part of the worker pool the scheduler drives (a test may drive it with stage functions of its own). */
export type InferenceBackend = Pick<WorkerPool<InferenceTasks>, "ready" | "available" | "onAvailable" | "run">;

export interface SchedulerOptions extends BatchPolicy, QueueLimits {
  /** Largest teacher batch (teacher work never waits for company: a teacher run is long enough already). */
  maxTeacherBatch: number;
  manifest: BundleManifest;
  info: BundleInfo;
  warmup: InferenceWorkerReady["warmup"];
  /** Epoch milliseconds; deadlines are epoch milliseconds too. */
  now?: () => number;
  /** The stages aim to finish this long before a request's deadline, leaving it for sending the answer. */
  answerMarginMs?: number;
}

export type EventSink = (event: StageEvent) => void;

interface StudentWork {
  job: ImageJob;
  deadlineMs: number | undefined;
  /** Admitted to an idle stage whatever the estimate said (admission.ts): runs even if predicted late. */
  probe: boolean;
  settle: (result: TaskResult<StudentResult>) => void;
  fail: (error: unknown) => void;
}

type TeacherKind = "refine" | "regenerate" | "teacherOnly";

interface RunningBatch {
  startedAt: number;
  predictedMs: number;
  students: number;
}

type TeacherWork = {
  settle: (image: TaskResult<InternalImage>) => void;
  fail: (error: unknown) => void;
} & (
  | { kind: "refine" | "regenerate"; outcome: RoutedOutcome; studentImage: InternalImage; deadlineMs: number | undefined }
  | { kind: "teacherOnly"; job: ImageJob }
);

/** An admitted request: its jobs are resolved and counted against the queues; `run` serves it. */
export interface Admitted {
  jobs: ImageJob[];
  run(onEvent?: EventSink): Promise<Served>;
}

export interface Served {
  response: InternalImagesResponse;
  /** Worker time of the pipeline stages this request waited on (whole batches): the rest is the service's. */
  pipelineMs: number;
}

/** The student's image served in the teacher's place; the pipeline's `keepStudent(outcome, reason)` in effect. */
function degrade(image: InternalImage, reason: DegradedReason): InternalImage {
  return { ...image, degraded: true, degraded_reason: reason };
}

/**
 * The two-stage scheduler. Student jobs are batched (dynamic batching) and teacher work has its own bounded,
 * batched queue; whenever a worker is free the scheduler hands it the next piece of work, alternating between
 * a student batch and a teacher batch when both wait, so neither stage starves the other. Teacher work that
 * cannot finish before its request's deadline, or that finds the teacher queue full, is served by the
 * student's image marked degraded: under load the teacher share falls instead of latency rising.
 */
export class Scheduler {
  readonly #backend: InferenceBackend;
  readonly #options: SchedulerOptions;
  readonly #metrics: ServiceMetrics;
  readonly #calibration: LiveCalibration;
  readonly #now: () => number;
  readonly #students: Batcher<StudentWork>;
  readonly #teacher: Batcher<TeacherWork>;
  /** Per-job service times at the current batch sizes: student, and each kind of teacher work. */
  readonly #studentJobMs: LatencyEstimate;
  /** Student batch time by batch size, for deadlines. */
  readonly #studentBatchTimes: BatchTimeModel;
  readonly #teacherMs: Record<TeacherKind, LatencyEstimate>;
  /** Batches on a worker now: when each started, how long it was predicted to take, how many student jobs it holds. */
  readonly #running = new Set<RunningBatch>();
  #studentBacklog = 0;
  #teacherOnlyPending = 0;
  #resolving = 0;
  #lastBatchSize = 1;
  #lastStudentCompletion = Number.NEGATIVE_INFINITY;
  #teacherTurn = false;
  #timer: NodeJS.Timeout | undefined;
  #inflight = 0;
  #draining = false;
  #idleWaiters: Array<() => void> = [];

  constructor(backend: InferenceBackend, options: SchedulerOptions, monitoring: { metrics: ServiceMetrics; calibration: LiveCalibration }) {
    this.#backend = backend;
    this.#options = options;
    this.#metrics = monitoring.metrics;
    this.#calibration = monitoring.calibration;
    this.#now = options.now ?? Date.now;
    this.#students = new Batcher(options, (work) => studentBatchKey(work.job));
    this.#teacher = new Batcher({ maxBatch: options.maxTeacherBatch, maxWaitMs: 0 }, (work) =>
      work.kind === "teacherOnly" ? `teacher|${teacherBatchKey(work.job)}` : `${work.kind}|${teacherBatchKey(work.outcome.job)}`,
    );
    const { studentJobMs, refineMs } = options.warmup;
    this.#studentJobMs = new LatencyEstimate({ initialMs: studentJobMs });
    this.#studentBatchTimes = new BatchTimeModel({ loneMs: studentJobMs });
    // Before a full teacher run has been measured, assume it costs 1/σ refinements (refinement runs σ of the schedule).
    const fullTeacherMs = refineMs / options.info.refine_strength;
    this.#teacherMs = {
      refine: new LatencyEstimate({ initialMs: refineMs }),
      regenerate: new LatencyEstimate({ initialMs: fullTeacherMs }),
      teacherOnly: new LatencyEstimate({ initialMs: fullTeacherMs }),
    };
    backend.onAvailable(() => this.#pump());
  }

  get info(): BundleInfo {
    return this.#options.info;
  }

  /** Requests admitted and not yet answered. */
  get inflight(): number {
    return this.#inflight;
  }

  /**
   * Admission: checks the request against the bundle and the queues, then resolves its jobs. Throws ApiError
   * (4xx for bad input, 503 with Retry-After when full) before anything is queued, so a refused request costs nothing.
   */
  async admit(request: ImagesRequest): Promise<Admitted> {
    const mode = request.selection.mode;
    // Generations resolve here in microseconds; an edit decodes its image, which belongs on a worker.
    const jobs = isEdit(request) ? null : resolveJobs(this.#options.manifest, request);
    this.#refuseIfFull({ mode, n: request.n, deadlineMs: this.#stagesDeadline(request) });
    // Decided as admission saw it: an idle stage admits whatever the estimate (admission.ts).
    const probe = mode !== "teacher" && this.#studentIdle;
    const reserved = request.n;
    if (mode === "teacher") this.#teacherOnlyPending += reserved;
    else this.#studentBacklog += reserved;
    this.#inflight++;
    try {
      const resolved = jobs ?? (await this.#resolveOnWorker(request));
      return { jobs: resolved, run: (onEvent) => this.#serve(request, resolved, probe, onEvent) };
    } catch (error) {
      if (mode === "teacher") this.#teacherOnlyPending -= reserved;
      else this.#studentBacklog -= reserved;
      this.#finishRequest();
      throw error;
    }
  }

  /** Stops admitting; requests already admitted still complete. */
  beginDrain(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Resolves once every admitted request has been answered. */
  idle(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  load(): Load {
    return {
      draining: this.#draining,
      studentBacklog: this.#studentBacklog,
      teacherBacklog: this.#teacher.depth + this.#teacherOnlyPending,
      workersReady: this.#backend.ready,
      studentJobMs: this.#studentJobMs.ms,
      studentFinishMs: (n) => studentFinishMs(this.#studentQueueState(), n),
      studentIdle: this.#studentIdle,
      teacherJobMs: this.#teacherMs.teacherOnly.ms,
    };
  }

  /** No student job is admitted and unfinished: a new one would start at once. */
  get #studentIdle(): boolean {
    return this.#studentBacklog === 0;
  }

  #studentQueueState(): StudentQueueState {
    const now = this.#now();
    const teacherWork = this.#teacher.waiting();
    const teacherBatchesMs: number[] = [];
    for (let start = 0; start < teacherWork.length; start += this.#options.maxTeacherBatch) {
      teacherBatchesMs.push(teacherWork.slice(start, start + this.#options.maxTeacherBatch).reduce((sum, work) => sum + this.#teacherMs[work.kind].ms!, 0));
    }
    return {
      runningRemainingMs: [...this.#running].map((batch) => Math.max(0, batch.startedAt + batch.predictedMs - now)),
      // The backlog not on a worker: queued, or admitted and about to be.
      queuedStudents: this.#studentBacklog - [...this.#running].reduce((sum, batch) => sum + batch.students, 0),
      maxBatch: this.#options.maxBatch,
      studentBatchMs: (size) => this.#studentBatchTimes.predict(size)!,
      teacherBatchesMs,
      teacherTurn: this.#teacherTurn,
      workers: this.#backend.ready,
    };
  }

  /** Runs a batch on a worker, keeping it among the running ones (for finish estimates) until it settles. */
  #runTracked<T>(batchOf: Omit<RunningBatch, "startedAt">, task: () => Promise<T>): Promise<T> {
    const batch = { ...batchOf, startedAt: this.#now() };
    this.#running.add(batch);
    return task().finally(() => this.#running.delete(batch));
  }

  #refuseIfFull(request: AdmissionRequest): void {
    const refusal = refuseAdmission(request, this.load(), this.#options, this.#now());
    if (!refusal) return;
    this.#metrics.shed.inc({ reason: refusal.reason });
    throw refusal.error;
  }

  async #resolveOnWorker(request: ImagesRequest): Promise<ImageJob[]> {
    this.#resolving++;
    try {
      const { value, serviceMs } = await this.#backend.run("resolve", request);
      this.#metrics.stageSeconds.observe({ stage: "resolve" }, serviceMs / 1000);
      return value;
    } finally {
      this.#resolving--;
      this.#pump();
    }
  }

  async #serve(request: ImagesRequest, jobs: ImageJob[], probe: boolean, emit?: EventSink): Promise<Served> {
    try {
      // All of a request's jobs enter their queue before the next dispatch, so they can share one batch.
      const deadlineMs = this.#stagesDeadline(request);
      const started = jobs.map((job) => this.#startJob(job, deadlineMs, probe));
      this.#pump();
      const finished = await Promise.all(jobs.map((job, i) => this.#finishJob(job, started[i]!, deadlineMs, emit)));
      const response: InternalImagesResponse = {
        version: INTERNAL_API_VERSION,
        request_id: request.request_id,
        bundle: { id: this.info.id, version: this.info.version },
        images: finished.map((image) => image.value),
      };
      emit?.({ event: "done", response });
      return { response, pipelineMs: Math.max(...finished.map((image) => image.serviceMs)) };
    } finally {
      this.#finishRequest();
    }
  }

  /** When the request's images must be ready for its answer to reach the caller by its deadline. */
  #stagesDeadline(request: ImagesRequest): number | undefined {
    return request.deadline_ms === undefined ? undefined : request.deadline_ms - (this.#options.answerMarginMs ?? 0);
  }

  /** Queues a job's first stage: the student, or for mode teacher the teacher alone. */
  #startJob(job: ImageJob, deadlineMs: number | undefined, probe: boolean): Promise<TaskResult<StudentResult | InternalImage>> {
    if (job.mode === "teacher") return this.#enqueueTeacher({ kind: "teacherOnly", job });
    return new Promise((settle, fail) => this.#students.push({ job, deadlineMs, probe, settle, fail }, this.#now()));
  }

  async #finishJob(
    job: ImageJob,
    started: Promise<TaskResult<StudentResult | InternalImage>>,
    deadlineMs: number | undefined,
    emit?: EventSink,
  ): Promise<TaskResult<InternalImage>> {
    if (job.mode === "teacher") {
      const teacher = (await started) as TaskResult<InternalImage>;
      this.#metrics.recordImage(teacher.value.route, null);
      emit?.({ event: "final", index: job.index, image: teacher.value });
      return teacher;
    }
    const student = (await started) as TaskResult<StudentResult>;
    const { outcome, image: studentImage } = student.value;
    emit?.({ event: "preview", index: job.index, png_b64: studentImage.png_b64, seed: job.seed });
    const routed = this.#route(outcome, studentImage, deadlineMs);
    emit?.({
      event: "verdict",
      index: job.index,
      oracle_score: outcome.oracleScore,
      threshold: reportedThreshold(job),
      decision: routed.degraded ? "degraded" : outcome.decision,
    });
    const teacher = await routed.image;
    this.#recordServed(outcome, teacher.value);
    emit?.({ event: "final", index: job.index, image: teacher.value });
    return { value: teacher.value, serviceMs: student.serviceMs + teacher.serviceMs };
  }

  /** Keep, send to the teacher, or degrade now because the teacher cannot help in time. */
  #route(
    outcome: RoutedOutcome,
    studentImage: InternalImage,
    deadlineMs: number | undefined,
  ): { degraded: boolean; image: Promise<TaskResult<InternalImage>> } {
    const served = (image: InternalImage) => Promise.resolve({ value: image, serviceMs: 0 });
    if (outcome.decision === "keep") return { degraded: false, image: served(studentImage) };
    const kind = outcome.decision;
    const now = this.#now();
    if (deadlineMs !== undefined && now + this.#teacherWaitMs() + this.#teacherMs[kind].ms! > deadlineMs) {
      return { degraded: true, image: served(degrade(studentImage, "deadline")) };
    }
    if (this.#teacher.depth >= this.#options.teacherQueue) {
      return { degraded: true, image: served(degrade(studentImage, "load")) };
    }
    const image = this.#enqueueTeacher({ kind, outcome, studentImage, deadlineMs });
    this.#pump();
    return { degraded: false, image };
  }

  /**
   * Expected wait before a teacher job enqueued now starts: the teacher work ahead of it, plus one student
   * batch per teacher job while students wait (the alternation), spread over the workers.
   */
  #teacherWaitMs(): number {
    const ahead = this.#teacher.waiting().reduce((sum, work) => sum + this.#teacherMs[work.kind].ms!, 0);
    const studentBatchMs = this.#studentBatchTimes.predict(Math.min(this.#students.depth, this.#options.maxBatch)) ?? 0;
    const interleaved = this.#students.depth > 0 ? (this.#teacher.depth + 1) * studentBatchMs : 0;
    return (ahead + interleaved) / Math.max(1, this.#backend.ready);
  }

  #recordServed(outcome: RoutedOutcome, image: InternalImage): void {
    this.#metrics.recordImage(image.route, image.degraded_reason);
    this.#metrics.oracleScore.observe(outcome.oracleScore);
    const { job } = outcome;
    this.#calibration.observe({
      oracleScore: outcome.oracleScore,
      k: job.mode === "adaptive" ? job.k : null,
      wantedTeacher: outcome.decision !== "keep",
      servedByTeacher: image.route !== "student",
    });
  }

  #enqueueTeacher(
    work: { kind: "refine" | "regenerate"; outcome: RoutedOutcome; studentImage: InternalImage; deadlineMs: number | undefined } | { kind: "teacherOnly"; job: ImageJob },
  ): Promise<TaskResult<InternalImage>> {
    return new Promise((settle, fail) => {
      if (work.kind === "teacherOnly") this.#teacherOnlyPending--;
      this.#teacher.push({ ...work, settle, fail }, this.#now());
    });
  }

  /** Hands free workers the next work until none is free or nothing is ready; re-arms the batching timer. */
  #pump(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#backend.available() > 0 && this.#dispatchNext()) {
      // each dispatch occupies one worker
    }
    this.#metrics.queueDepth.set({ queue: "student" }, this.#students.depth);
    this.#metrics.queueDepth.set({ queue: "teacher" }, this.#teacher.depth);
    const due = this.#students.msUntilDue(this.#now(), this.#companyExpectedFrom() ?? Number.NEGATIVE_INFINITY);
    if (due !== null && this.#backend.available() > 0) this.#timer = setTimeout(() => this.#pump(), due);
  }

  #dispatchNext(): boolean {
    if (this.#teacherTurn && this.#dispatchTeacher()) {
      this.#teacherTurn = false;
      return true;
    }
    this.#shedLateStudents();
    if (this.#students.depth === 0) return this.#dispatchTeacher();
    const batch = this.#students.take(this.#now(), this.#companyExpectedFrom(), (works) => this.#sizeWithinDeadlines(works));
    // On the students' turn a filling batch keeps its place: the worker idles at most maxWaitMs (the timer pumps).
    if (!batch) return false;
    this.#dispatchStudents(batch);
    this.#teacherTurn = true;
    return true;
  }

  /**
   * The largest batch of these (oldest first) that would end before each member's deadline: a batch takes
   * longer the larger it is, so filling it up to maxBatch could make all of its members late.
   */
  #sizeWithinDeadlines(works: StudentWork[]): number {
    const now = this.#now();
    let earliest = Number.POSITIVE_INFINITY;
    let size = 0;
    for (const work of works) {
      earliest = Math.min(earliest, work.deadlineMs ?? Number.POSITIVE_INFINITY);
      if (now + this.#studentBatchTimes.predict(size + 1)! > earliest) break;
      size++;
    }
    return size;
  }

  /**
   * Student jobs that could no longer be drawn before their deadline, even alone, are refused (503 with
   * Retry-After) instead of computed for a caller that will have given up.
   */
  #shedLateStudents(): void {
    const now = this.#now();
    const loneMs = this.#studentBatchTimes.predict(1)!;
    const late = this.#students.evict((work) => !work.probe && work.deadlineMs !== undefined && now + loneMs > work.deadlineMs);
    for (const work of late) {
      this.#studentBacklog--;
      this.#metrics.shed.inc({ reason: "deadline" });
      const message = `The gpu-service could not draw this image before its deadline: the queue ahead took longer than predicted; retry later or allow more time.`;
      work.fail(new ApiError("overloaded", message, { retryAfterSeconds: retryAfter(this.#studentBacklog, this.#studentJobMs.ms, this.#backend.ready) }));
    }
  }

  /**
   * Whether (and since when) waiting for a fuller batch is worth it: edits still resolving will join, and when
   * the last batch had company, its clients will likely send their next requests together, shortly after it
   * was answered. A lone request on an otherwise quiet service never waits (null).
   */
  #companyExpectedFrom(): number | null {
    if (this.#resolving === 0 && this.#lastBatchSize <= 1) return null;
    return this.#lastStudentCompletion;
  }

  #dispatchStudents(batch: Batch<StudentWork>): void {
    const works = batch.jobs;
    this.#lastBatchSize = works.length;
    this.#metrics.batchSize.observe(works.length);
    for (const waited of batch.waitedMs) this.#metrics.queueWaitSeconds.observe({ queue: "student" }, waited / 1000);
    const running = { predictedMs: this.#studentBatchTimes.predict(works.length) ?? 0, students: works.length };
    this.#runTracked(running, () => this.#backend.run("student", works.map((work) => work.job))).then(
      ({ value, serviceMs }) => {
        // The worker's own time: this thread's clock would also count event-loop stalls, and one long stall
        // would make every later request look late (refused, so never measured again).
        this.#studentBatchTimes.observe(works.length, serviceMs);
        this.#studentJobMs.observe(serviceMs / works.length);
        this.#metrics.stageSeconds.observe({ stage: "student" }, serviceMs / 1000);
        this.#studentBacklog -= works.length;
        this.#lastStudentCompletion = this.#now();
        works.forEach((work, i) => work.settle({ value: value[i]!, serviceMs }));
        this.#pump();
      },
      (error: unknown) => {
        this.#studentBacklog -= works.length;
        for (const work of works) work.fail(error);
        this.#pump();
      },
    );
  }

  /**
   * Starts the oldest teacher work with what can share its UNet calls. Work whose deadline the batch would
   * miss is served degraded instead of run.
   */
  #dispatchTeacher(): boolean {
    for (let batch = this.#teacher.take(this.#now(), null); batch; batch = this.#teacher.take(this.#now(), null)) {
      for (const waited of batch.waitedMs) this.#metrics.queueWaitSeconds.observe({ queue: "teacher" }, waited / 1000);
      const runnable = batch.jobs.filter((work) => !this.#servedDegradedForDeadline(work, batch.jobs.length));
      if (runnable.length === 0) continue;
      this.#runTeacher(runnable);
      return true;
    }
    return false;
  }

  #servedDegradedForDeadline(work: TeacherWork, batchSize: number): boolean {
    if (work.kind === "teacherOnly" || work.deadlineMs === undefined) return false;
    if (this.#now() + batchSize * this.#teacherMs[work.kind].ms! <= work.deadlineMs) return false;
    work.settle({ value: degrade(work.studentImage, "deadline"), serviceMs: 0 });
    return true;
  }

  #runTeacher(works: TeacherWork[]): void {
    const [first] = works as [TeacherWork];
    const running = { predictedMs: works.length * this.#teacherMs[first.kind].ms!, students: 0 };
    const task = this.#runTracked(running, () =>
      first.kind === "teacherOnly"
        ? this.#backend.run("teacherOnly", works.map((work) => (work as Extract<TeacherWork, { kind: "teacherOnly" }>).job))
        : this.#backend.run("teacher", works.map((work) => (work as Exclude<TeacherWork, { kind: "teacherOnly" }>).outcome)),
    );
    const stage = first.kind === "teacherOnly" ? "teacher_only" : first.kind === "refine" ? "teacher_refine" : "teacher_regenerate";
    task.then(
      ({ value, serviceMs }) => {
        this.#teacherMs[first.kind].observe(serviceMs / works.length);
        this.#metrics.stageSeconds.observe({ stage }, serviceMs / 1000);
        works.forEach((work, i) => work.settle({ value: value[i]!, serviceMs }));
        this.#pump();
      },
      (error: unknown) => {
        for (const work of works) work.fail(error);
        this.#pump();
      },
    );
  }

  #finishRequest(): void {
    this.#inflight--;
    if (this.#inflight > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
