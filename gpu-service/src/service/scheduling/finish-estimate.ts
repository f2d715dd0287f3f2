/**
 * When would a student job admitted now have its image? The work in front of it, as the scheduler will
 * actually run it: what is running finishes, the queued jobs and the new ones go in batches of at most
 * `maxBatch` (its own batch is the last), and between two student batches a waiting teacher batch takes its
 * turn (the scheduler alternates). Spread over the workers, but never less than its own batch.
 */
export interface StudentQueueState {
  /** Predicted milliseconds still to run of each batch on a worker now (student or teacher). */
  runningRemainingMs: number[];
  /** Student jobs admitted and not yet dispatched. */
  queuedStudents: number;
  maxBatch: number;
  /** Predicted milliseconds of a student batch of the given size. */
  studentBatchMs: (size: number) => number;
  /** Predicted milliseconds of each teacher batch waiting, in the order they will run. */
  teacherBatchesMs: number[];
  /** Whether the next free worker goes to the teacher (its turn in the alternation). */
  teacherTurn: boolean;
  workers: number;
}

export function studentFinishMs(state: StudentQueueState, n: number): number {
  const batches = batchSizes(state.queuedStudents + n, state.maxBatch);
  const studentMs = batches.reduce((sum, size) => sum + state.studentBatchMs(size), 0);
  const teacherTurns = Math.min(state.teacherBatchesMs.length, batches.length - 1 + (state.teacherTurn ? 1 : 0));
  const teacherMs = state.teacherBatchesMs.slice(0, teacherTurns).reduce((sum, ms) => sum + ms, 0);
  const runningMs = state.runningRemainingMs.reduce((sum, ms) => sum + ms, 0);
  const own = state.studentBatchMs(batches[batches.length - 1]!);
  return Math.max(own, (runningMs + teacherMs + studentMs) / Math.max(1, state.workers));
}

/** Sizes of the batches `jobs` queued jobs form: full batches, then the remainder. */
export function batchSizes(jobs: number, maxBatch: number): number[] {
  const sizes = Array<number>(Math.floor(jobs / maxBatch)).fill(maxBatch);
  if (jobs % maxBatch > 0) sizes.push(jobs % maxBatch);
  return sizes;
}
