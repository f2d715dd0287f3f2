import { describe, expect, it } from "vitest";
import { batchSizes, studentFinishMs, type StudentQueueState } from "./finish-estimate.js";

/** A student batch costs 10 ms plus 5 ms per job beyond the first. */
const quiet: StudentQueueState = {
  runningRemainingMs: [],
  queuedStudents: 0,
  maxBatch: 4,
  studentBatchMs: (size) => 10 + 5 * (size - 1),
  teacherBatchesMs: [],
  teacherTurn: false,
  workers: 1,
};

describe("studentFinishMs", () => {
  it("is one batch of the request's own jobs on an idle worker", () => {
    expect(studentFinishMs(quiet, 1)).toBe(10);
    expect(studentFinishMs(quiet, 3)).toBe(20);
  });

  it("waits for the running batch, then runs the queue in full batches with its own last", () => {
    // 30 ms left of the running batch; 5 queued + 1 new = a batch of 4 (25 ms) and one of 2 (15 ms).
    expect(studentFinishMs({ ...quiet, runningRemainingMs: [30], queuedStudents: 5 }, 1)).toBe(70);
  });

  it("counts a waiting teacher batch between student batches, as the scheduler alternates", () => {
    const teacherWaits = { ...quiet, queuedStudents: 4, teacherBatchesMs: [100, 100] };
    // Two student batches (25 + 10) with one teacher turn between them.
    expect(studentFinishMs(teacherWaits, 1)).toBe(135);
    // It is the teacher's turn: both teacher batches run before the second student batch.
    expect(studentFinishMs({ ...teacherWaits, teacherTurn: true }, 1)).toBe(235);
  });

  it("spreads the work over the workers, but never below its own batch", () => {
    expect(studentFinishMs({ ...quiet, runningRemainingMs: [30, 30], queuedStudents: 4, workers: 2 }, 1)).toBe(47.5);
    expect(studentFinishMs({ ...quiet, workers: 8 }, 4)).toBe(25);
  });
});

describe("batchSizes", () => {
  it("makes full batches, then the remainder", () => {
    expect(batchSizes(9, 4)).toEqual([4, 4, 1]);
    expect(batchSizes(8, 4)).toEqual([4, 4]);
    expect(batchSizes(2, 8)).toEqual([2]);
  });
});
