/**
 * Identical concurrent cache misses are computed once per isolate: the first caller runs the work and
 * later callers wait on `running(key)`. (Across isolates the R2 cache catches the next repeat.)
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /** The promise of a call with this key already running, if any. */
  running(key: string): Promise<T> | undefined {
    return this.inFlight.get(key);
  }

  /** Runs `work` as the one call for `key` until it settles. */
  run(key: string, work: () => Promise<T>): Promise<T> {
    const promise = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  get size(): number {
    return this.inFlight.size;
  }
}
