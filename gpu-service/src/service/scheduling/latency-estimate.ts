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

/**
 * How long a batch of `size` jobs takes, as a fixed part plus a part per extra job, each a moving average: a
 * lone job measures the whole, a larger batch measures what each job beyond the first adds. A batch is not
 * `size` times a lone job (that is the point of batching) nor one lone job (the UNet does more work), and
 * predicting a job's finish from either got deadlines wrong by up to a whole batch.
 */
export class BatchTimeModel {
  readonly #lone: LatencyEstimate;
  readonly #perExtraJob = new LatencyEstimate();

  constructor(options: { loneMs?: number } = {}) {
    this.#lone = new LatencyEstimate(options.loneMs === undefined ? {} : { initialMs: options.loneMs });
  }

  observe(size: number, ms: number): void {
    if (size === 1) return this.#lone.observe(ms);
    const lone = this.#lone.ms;
    if (lone !== undefined && size > 1) this.#perExtraJob.observe(Math.max(0, (ms - lone) / (size - 1)));
  }

  /** Predicted milliseconds for a batch of `size`; until a larger batch is measured, each job costs a lone job's time. */
  predict(size: number): number | undefined {
    const lone = this.#lone.ms;
    if (lone === undefined) return undefined;
    return lone + Math.max(0, size - 1) * (this.#perExtraJob.ms ?? lone);
  }

  /** The time of a lone job (undefined before any measurement). */
  get loneMs(): number | undefined {
    return this.#lone.ms;
  }
}
