/**
 * Dynamic batching for a pipeline stage. Jobs wait in arrival order; a batch is the oldest job plus the
 * following jobs that can share its UNet calls (same key), up to `maxBatch` or a smaller size the caller's
 * `fit` allows (a larger batch takes longer, and its members' deadlines may not allow that). A batch leaves when it is full,
 * or once `maxWaitMs` has passed since the later of its oldest job's arrival and the moment company was last
 * expected to start arriving (`holdFrom`), or at once when no company is expected (`holdFrom` null), so a lone
 * request never pays the batching wait.
 */
export interface BatchPolicy {
  maxBatch: number;
  maxWaitMs: number;
}

interface Waiting<J> {
  job: J;
  key: string;
  enqueuedAt: number;
}

export interface Batch<J> {
  jobs: J[];
  /** Milliseconds each job spent queued, in batch order. */
  waitedMs: number[];
}

export class Batcher<J> {
  readonly #policy: BatchPolicy;
  readonly #keyOf: (job: J) => string;
  #waiting: Waiting<J>[] = [];

  constructor(policy: BatchPolicy, keyOf: (job: J) => string) {
    if (policy.maxBatch < 1) throw new RangeError("maxBatch must be at least 1");
    this.#policy = policy;
    this.#keyOf = keyOf;
  }

  get depth(): number {
    return this.#waiting.length;
  }

  /** The waiting jobs, oldest first. */
  waiting(): J[] {
    return this.#waiting.map((entry) => entry.job);
  }

  push(job: J, now: number): void {
    this.#waiting.push({ job, key: this.#keyOf(job), enqueuedAt: now });
  }

  /**
   * The next batch to run, or null when it should wait for company a little longer. `fit` gives the largest
   * size the candidate members (oldest first) may run at, at least 1; a batch it caps is full.
   */
  take(now: number, holdFrom: number | null, fit?: (members: J[]) => number): Batch<J> | null {
    const oldest = this.#waiting[0];
    if (!oldest) return null;
    const candidates = this.#compatibleWith(oldest);
    const size = fit ? Math.max(1, Math.min(candidates.length, fit(candidates.map((entry) => entry.job)))) : candidates.length;
    const members = candidates.slice(0, size);
    const full = members.length >= this.#policy.maxBatch || size < candidates.length;
    if (!full && holdFrom !== null && now < this.#dueAt(oldest, holdFrom)) return null;
    const taken = new Set(members);
    this.#waiting = this.#waiting.filter((entry) => !taken.has(entry));
    return { jobs: members.map((entry) => entry.job), waitedMs: members.map((entry) => now - entry.enqueuedAt) };
  }

  /** Removes and returns the waiting jobs that `late` picks, in arrival order. */
  evict(late: (job: J) => boolean): J[] {
    const evicted: J[] = [];
    const kept: Waiting<J>[] = [];
    for (const entry of this.#waiting) {
      if (late(entry.job)) evicted.push(entry.job);
      else kept.push(entry);
    }
    this.#waiting = kept;
    return evicted;
  }

  /** Milliseconds until the oldest job's batch is due (0 when it already is), or null when empty. */
  msUntilDue(now: number, holdFrom: number): number | null {
    const oldest = this.#waiting[0];
    return oldest ? Math.max(0, this.#dueAt(oldest, holdFrom) - now) : null;
  }

  #dueAt(oldest: Waiting<J>, holdFrom: number): number {
    return Math.max(oldest.enqueuedAt, holdFrom) + this.#policy.maxWaitMs;
  }

  #compatibleWith(oldest: Waiting<J>): Waiting<J>[] {
    const members: Waiting<J>[] = [];
    for (const entry of this.#waiting) {
      if (entry.key !== oldest.key) continue;
      members.push(entry);
      if (members.length === this.#policy.maxBatch) break;
    }
    return members;
  }
}
