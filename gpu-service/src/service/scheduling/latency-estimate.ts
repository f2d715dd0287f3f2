/**
 * An exponentially weighted moving average of a stage's service time. Deadlines and Retry-After are
 * predictions; a smoothed recent mean reacts to load and thermal changes without chasing single outliers.
 */
export class LatencyEstimate {
  readonly #alpha: number;
  #value: number | undefined;

  constructor(options: { alpha?: number; initialMs?: number } = {}) {
    this.#alpha = options.alpha ?? 0.2;
    this.#value = options.initialMs;
  }

  observe(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#value = this.#value === undefined ? ms : this.#value + this.#alpha * (ms - this.#value);
  }

  /** The current estimate in milliseconds, undefined before any measurement. */
  get ms(): number | undefined {
    return this.#value;
  }
}
