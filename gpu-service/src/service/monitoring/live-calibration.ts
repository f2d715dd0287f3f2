import { P2Quantile } from "./p2-quantile.js";

/** One student sample the service answered for, as live calibration sees it. */
export interface ServedSample {
  oracleScore: number;
  /** Requested teacher share in percent; null outside adaptive-by-k requests. */
  k: number | null;
  /** The pipeline wanted the teacher (score below τ). */
  wantedTeacher: boolean;
  /** The teacher actually ran (it may have been skipped for load or a deadline). */
  servedByTeacher: boolean;
}

export interface TeacherShare {
  k: number;
  /** Share of recent samples whose score fell below τ(k): drifts from k/100 when traffic differs from the calibration prompts. */
  wanted: number;
  /** Share of recent samples the teacher really served: falls below `wanted` under load. */
  served: number;
  samples: number;
}

/** Fixed-size ring of booleans, so the live shares describe recent traffic rather than all of history. */
class RecentFlags {
  readonly #flags: Uint8Array;
  #next = 0;
  #size = 0;
  #set = 0;

  constructor(capacity: number) {
    this.#flags = new Uint8Array(capacity);
  }

  push(flag: boolean): void {
    if (this.#size === this.#flags.length) this.#set -= this.#flags[this.#next]!;
    else this.#size++;
    this.#flags[this.#next] = flag ? 1 : 0;
    this.#set += flag ? 1 : 0;
    this.#next = (this.#next + 1) % this.#flags.length;
  }

  get size(): number {
    return this.#size;
  }

  share(): number {
    return this.#size === 0 ? Number.NaN : this.#set / this.#size;
  }
}

/**
 * Live calibration: τ(k) was computed offline as the k-th percentile of oracle scores on the calibration prompts.
 * Here the same percentiles are estimated over the scores of samples actually served, and for every requested k
 * the share of recent samples that wanted (and got) the teacher is kept, so drift between the calibration prompts
 * and real traffic shows up as live τ(k) ≠ calibrated τ(k) and wanted share ≠ k.
 */
export class LiveCalibration {
  readonly #quantiles = new Map<number, P2Quantile>();
  readonly #wanted = new Map<number, RecentFlags>();
  readonly #served = new Map<number, RecentFlags>();
  readonly #window: number;

  constructor(options: { percentiles: readonly number[]; window?: number }) {
    this.#window = options.window ?? 1000;
    for (const k of options.percentiles) this.#estimator(k);
  }

  observe(sample: ServedSample): void {
    if (sample.k !== null) this.#estimator(sample.k);
    for (const estimator of this.#quantiles.values()) estimator.add(sample.oracleScore);
    if (sample.k === null) return;
    this.#flags(this.#wanted, sample.k).push(sample.wantedTeacher);
    this.#flags(this.#served, sample.k).push(sample.servedByTeacher);
  }

  /** Live τ(k): the k-th percentile of served oracle scores so far (NaN before any). */
  thresholds(): Array<{ k: number; value: number; samples: number }> {
    return [...this.#quantiles].map(([k, estimator]) => ({ k, value: estimator.value(), samples: estimator.count }));
  }

  teacherShares(): TeacherShare[] {
    return [...this.#wanted].map(([k, wanted]) => ({
      k,
      wanted: wanted.share(),
      served: this.#served.get(k)!.share(),
      samples: wanted.size,
    }));
  }

  /** Percentiles are tracked at whole-number k, and only 0 < k < 100 has a quantile to estimate. */
  #estimator(k: number): void {
    const percentile = Math.round(k);
    if (percentile <= 0 || percentile >= 100 || this.#quantiles.has(percentile)) return;
    this.#quantiles.set(percentile, new P2Quantile(percentile / 100));
  }

  #flags(table: Map<number, RecentFlags>, k: number): RecentFlags {
    let flags = table.get(k);
    if (!flags) table.set(k, (flags = new RecentFlags(this.#window)));
    return flags;
  }
}
