import { ApiError, type Mode } from "@understudy/shared";
import type { ShedReason } from "../monitoring/metrics.js";

/** What admission looks at: the work already promised and how fast it is being done. */
export interface Load {
  draining: boolean;
  /** Student jobs admitted whose student stage has not finished. */
  studentBacklog: number;
  /** Teacher work queued and not yet started. */
  teacherBacklog: number;
  workersReady: number;
  /** Recent student service time per job (batched), for Retry-After. */
  studentJobMs: number | undefined;
  /** Predicted milliseconds until `n` student jobs admitted now would have their images (finish-estimate.ts). */
  studentFinishMs: (n: number) => number;
  /** No student job is admitted and unfinished: a new one starts at once. */
  studentIdle: boolean;
  /** Recent teacher service time per job, for Retry-After. */
  teacherJobMs: number | undefined;
}

/** What admission needs of a request. */
export interface AdmissionRequest {
  mode: Mode;
  n: number;
  /** The caller's absolute deadline (epoch ms), if it set one. */
  deadlineMs?: number | undefined;
}

/** A refused request: the error its caller gets, and why, for the shed counter. */
export interface Refusal {
  error: ApiError;
  reason: ShedReason;
}

export interface QueueLimits {
  studentQueue: number;
  teacherQueue: number;
}

const MAX_RETRY_AFTER_SECONDS = 60;

/**
 * Admission control: a request is refused at once with 503 + Retry-After when its jobs would overflow the
 * queue they enter, instead of queueing without bound and timing out later. Mode `teacher` enters the teacher
 * queue directly; every other mode starts in the student queue (a full teacher queue only degrades those).
 */
export function refuseAdmission(request: AdmissionRequest, load: Load, limits: QueueLimits, now: number = Date.now()): Refusal | null {
  if (load.draining) {
    return { error: new ApiError("overloaded", "The gpu-service is shutting down; retry on another replica.", { retryAfterSeconds: 1 }), reason: "draining" };
  }
  return request.mode === "teacher" ? refuseTeacherOnly(request, load, limits, now) : refuseStudentFirst(request, load, limits, now);
}

function refuseTeacherOnly(request: AdmissionRequest, load: Load, limits: QueueLimits, now: number): Refusal | null {
  const retryAfterSeconds = retryAfter(load.teacherBacklog, load.teacherJobMs, load.workersReady);
  if (load.teacherBacklog + request.n > limits.teacherQueue) {
    const message = `The teacher queue is full (${load.teacherBacklog} of ${limits.teacherQueue} images waiting); retry later or use mode "adaptive".`;
    return { error: new ApiError("overloaded", message, { retryAfterSeconds }), reason: "teacher_queue_full" };
  }
  const finishMs = drainMs(load.teacherBacklog + request.n, load.teacherJobMs, load.workersReady);
  return missesDeadline(request, now, finishMs, load.teacherBacklog, retryAfterSeconds);
}

function refuseStudentFirst(request: AdmissionRequest, load: Load, limits: QueueLimits, now: number): Refusal | null {
  const retryAfterSeconds = retryAfter(load.studentBacklog, load.studentJobMs, load.workersReady);
  if (load.studentBacklog + request.n > limits.studentQueue) {
    const message = `The student queue is full (${load.studentBacklog} of ${limits.studentQueue} images waiting); retry later.`;
    return { error: new ApiError("overloaded", message, { retryAfterSeconds }), reason: "student_queue_full" };
  }
  // An idle stage admits a job whose deadline is still ahead, whatever the estimate: it starts at once, the best
  // anyone could do, and its measured time corrects an estimate that a slow spell inflated. (Refusing it would
  // leave the estimate high, and every later request refused, with nothing run to measure.)
  if (load.studentIdle && request.deadlineMs !== undefined && request.deadlineMs > now) return null;
  const finishMs = load.studentFinishMs(request.n);
  return missesDeadline(request, now, finishMs, load.studentBacklog, retryAfterSeconds);
}

/**
 * A request whose first stage would end after its deadline is refused now rather than computed for a caller
 * that will have given up: the work is wasted either way, and a quick 503 lets the caller retry elsewhere.
 */
function missesDeadline(request: AdmissionRequest, now: number, finishMs: number, ahead: number, retryAfterSeconds: number): Refusal | null {
  if (request.deadlineMs === undefined || now + finishMs <= request.deadlineMs) return null;
  const message = `The gpu-service cannot finish this request before its deadline: ${ahead} images are ahead of it, about ${Math.round(finishMs)} ms of work, and the deadline is ${Math.max(0, request.deadlineMs - now)} ms away; retry later or allow more time.`;
  return { error: new ApiError("overloaded", message, { retryAfterSeconds }), reason: "deadline" };
}

/** Seconds until the backlog should have drained at the recent pace: at least 1, at most a minute. */
export function retryAfter(backlog: number, jobMs: number | undefined, workers: number): number {
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(drainMs(backlog, jobMs, workers) / 1000)));
}

/** Milliseconds to finish `jobs` at the recent pace per job, spread over the workers (a second per job before any is measured). */
function drainMs(jobs: number, jobMs: number | undefined, workers: number): number {
  return (jobs * (jobMs ?? 1000)) / Math.max(1, workers);
}
