import { describe, expect, it } from "vitest";
import { Batcher } from "./batcher.js";

interface Job {
  id: number;
  size: number;
}
const bySize = (job: Job) => String(job.size);

describe("Batcher", () => {
  it("holds a partial batch while company is expected, until the oldest has waited maxWaitMs", () => {
    const batcher = new Batcher<Job>({ maxBatch: 4, maxWaitMs: 5 }, bySize);
    batcher.push({ id: 1, size: 64 }, 100);
    batcher.push({ id: 2, size: 64 }, 102);
    expect(batcher.take(103, 0)).toBeNull();
    expect(batcher.msUntilDue(103, 0)).toBe(2);
    expect(batcher.take(105, 0)).toEqual({ jobs: [{ id: 1, size: 64 }, { id: 2, size: 64 }], waitedMs: [5, 3] });
    expect(batcher.depth).toBe(0);
  });

  it("holds jobs that already waited, for maxWaitMs from when company was last expected (a batch just answered)", () => {
    const batcher = new Batcher<Job>({ maxBatch: 4, maxWaitMs: 5 }, bySize);
    batcher.push({ id: 1, size: 64 }, 100);
    expect(batcher.take(200, 198)).toBeNull();
    expect(batcher.msUntilDue(200, 198)).toBe(3);
    expect(batcher.take(203, 198)?.waitedMs).toEqual([103]);
  });

  it("sends a lone job at once when nothing else is on its way", () => {
    const batcher = new Batcher<Job>({ maxBatch: 4, maxWaitMs: 50 }, bySize);
    batcher.push({ id: 1, size: 64 }, 0);
    expect(batcher.take(0, null)?.jobs).toEqual([{ id: 1, size: 64 }]);
  });

  it("sends a full batch without waiting and leaves the rest queued in order", () => {
    const batcher = new Batcher<Job>({ maxBatch: 2, maxWaitMs: 50 }, bySize);
    for (let id = 1; id <= 3; id++) batcher.push({ id, size: 64 }, 0);
    expect(batcher.take(0, 0)?.jobs.map((job) => job.id)).toEqual([1, 2]);
    expect(batcher.depth).toBe(1);
    expect(batcher.take(0, 0)).toBeNull();
  });

  it("batches only jobs that can share UNet calls with the oldest, skipping others without reordering them", () => {
    const batcher = new Batcher<Job>({ maxBatch: 8, maxWaitMs: 0 }, bySize);
    batcher.push({ id: 1, size: 64 }, 0);
    batcher.push({ id: 2, size: 32 }, 0);
    batcher.push({ id: 3, size: 64 }, 0);
    batcher.push({ id: 4, size: 32 }, 0);
    expect(batcher.take(0, 0)?.jobs.map((job) => job.id)).toEqual([1, 3]);
    expect(batcher.waiting().map((job) => job.id)).toEqual([2, 4]);
    expect(batcher.take(0, 0)?.jobs.map((job) => job.id)).toEqual([2, 4]);
    expect(batcher.msUntilDue(0, 0)).toBeNull();
  });

  it("with maxBatch 1 never batches (batching off)", () => {
    const batcher = new Batcher<Job>({ maxBatch: 1, maxWaitMs: 5 }, bySize);
    batcher.push({ id: 1, size: 64 }, 0);
    batcher.push({ id: 2, size: 64 }, 0);
    expect(batcher.take(0, 0)?.jobs).toHaveLength(1);
  });

  it("caps a batch at the size `fit` allows, oldest first, and sends a capped batch at once", () => {
    const batcher = new Batcher<Job>({ maxBatch: 4, maxWaitMs: 50 }, bySize);
    for (const id of [1, 2, 3]) batcher.push({ id, size: 64 }, 100);
    const fitTwo = (members: Job[]) => (members.length > 2 ? 2 : members.length);
    // Company is expected (holdFrom), yet a batch that cannot grow does not wait for it.
    expect(batcher.take(101, 100, fitTwo)?.jobs.map((job) => job.id)).toEqual([1, 2]);
    expect(batcher.take(101, null, () => 0)?.jobs.map((job) => job.id)).toEqual([3]);
  });

  it("evicts the jobs a predicate picks and keeps the rest in order", () => {
    const batcher = new Batcher<Job>({ maxBatch: 4, maxWaitMs: 0 }, bySize);
    for (const id of [1, 2, 3, 4]) batcher.push({ id, size: 64 }, 100);
    expect(batcher.evict((job) => job.id % 2 === 0).map((job) => job.id)).toEqual([2, 4]);
    expect(batcher.take(100, null)?.jobs.map((job) => job.id)).toEqual([1, 3]);
  });
});
