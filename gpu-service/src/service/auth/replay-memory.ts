/**
 * Signatures already accepted inside the replay window. A timestamp alone lets a captured request be replayed
 * for the whole window; remembering each signature until its timestamp leaves the window closes that gap.
 * Only verified signatures are remembered, so unauthenticated callers cannot fill it.
 */
export class ReplayMemory {
  /** signature → Unix second after which its timestamp is stale anyway. */
  readonly #seen = new Map<string, number>();
  readonly #windowSeconds: number;
  readonly #capacity: number;
  #lastSweep = Number.NaN;

  constructor(options: { windowSeconds: number; capacity?: number }) {
    this.#windowSeconds = options.windowSeconds;
    this.#capacity = options.capacity ?? 1_000_000;
  }

  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records a signature. `full` means the memory holds only live entries: refusing is then the one answer
   * that cannot admit a replay.
   */
  remember(signature: string, timestampSeconds: number, nowSeconds: number): "remembered" | "replayed" | "full" {
    this.#forgetStale(nowSeconds);
    if (this.#seen.has(signature)) return "replayed";
    if (this.#seen.size >= this.#capacity) return "full";
    this.#seen.set(signature, timestampSeconds + this.#windowSeconds);
    return "remembered";
  }

  /** A full sweep at most once per second: cheap at any realistic request rate, and order-independent (timestamps may skew). */
  #forgetStale(nowSeconds: number): void {
    if (nowSeconds === this.#lastSweep) return;
    this.#lastSweep = nowSeconds;
    for (const [signature, expiresAt] of this.#seen) if (expiresAt < nowSeconds) this.#seen.delete(signature);
  }
}
