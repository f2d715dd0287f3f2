import { ApiError, type Mode } from "@understudy/shared";

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
  /** Recent teacher service time per job, for Retry-After. */
  teacherJobMs: number | undefined;
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
export function refuseAdmission(request: { mode: Mode; n: number }, load: Load, limits: QueueLimits): ApiError | null {
  if (load.draining) {
    return new ApiError("overloaded", "The gpu-service is shutting down; retry on another replica.", { retryAfterSeconds: 1 });
  }
  if (request.mode === "teacher") {
    if (load.teacherBacklog + request.n <= limits.teacherQueue) return null;
    return new ApiError(
      "overloaded",
      `The teacher queue is full (${load.teacherBacklog} of ${limits.teacherQueue} images waiting); retry later or use mode "adaptive".`,
      { retryAfterSeconds: retryAfter(load.teacherBacklog, load.teacherJobMs, load.workersReady) },
    );
  }
  if (load.studentBacklog + request.n <= limits.studentQueue) return null;
  return new ApiError("overloaded", `The student queue is full (${load.studentBacklog} of ${limits.studentQueue} images waiting); retry later.`, {
    retryAfterSeconds: retryAfter(load.studentBacklog, load.studentJobMs, load.workersReady),
  });
}

/** Seconds until the backlog should have drained at the recent pace: at least 1, at most a minute. */
export function retryAfter(backlog: number, jobMs: number | undefined, workers: number): number {
  const drainMs = (backlog * (jobMs ?? 1000)) / Math.max(1, workers);
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(drainMs / 1000)));
}
