/**
 * The P² algorithm (Jain & Chlamtac, 1985): a streaming estimate of one quantile in constant memory.
 * Five markers track the minimum, p/2, p, (1+p)/2 and the maximum; each observation nudges the middle
 * markers toward their ideal positions along a piecewise-parabolic fit of the distribution.
 * It suits live calibration because the oracle-score stream is unbounded and we only need a few quantiles.
 */
export class P2Quantile {
  readonly p: number;
  #count = 0;
  /** Marker heights (quantile estimates) and positions (1-based ranks). */
  readonly #heights: number[] = [];
  readonly #positions = [1, 2, 3, 4, 5];
  readonly #desired: number[];
  readonly #increments: number[];

  constructor(p: number) {
    if (!(p > 0 && p < 1)) throw new RangeError(`quantile must lie strictly between 0 and 1, got ${p}`);
    this.p = p;
    this.#desired = [1, 1 + 2 * p, 1 + 4 * p, 3 + 2 * p, 5];
    this.#increments = [0, p / 2, p, (1 + p) / 2, 1];
  }

  get count(): number {
    return this.#count;
  }

  add(x: number): void {
    if (!Number.isFinite(x)) return;
    this.#count++;
    if (this.#count <= 5) {
      this.#heights.push(x);
      this.#heights.sort((a, b) => a - b);
      return;
    }
    const q = this.#heights as [number, number, number, number, number];
    const n = this.#positions;
    let cell: number;
    if (x < q[0]) {
      q[0] = x;
      cell = 0;
    } else if (x >= q[4]) {
      q[4] = x;
      cell = 3;
    } else {
      cell = 0;
      while (x >= q[cell + 1]!) cell++;
    }
    for (let i = cell + 1; i < 5; i++) n[i]!++;
    for (let i = 0; i < 5; i++) this.#desired[i]! += this.#increments[i]!;
    for (let i = 1; i <= 3; i++) this.#adjust(i);
  }

  /** The current estimate; exact (linear interpolation) below five observations, NaN with none. */
  value(): number {
    if (this.#count === 0) return Number.NaN;
    if (this.#count > 5) return this.#heights[2]!;
    const rank = this.p * (this.#count - 1);
    const low = Math.floor(rank);
    const high = Math.min(low + 1, this.#count - 1);
    return this.#heights[low]! + (rank - low) * (this.#heights[high]! - this.#heights[low]!);
  }

  #adjust(i: number): void {
    const q = this.#heights;
    const n = this.#positions;
    const offset = this.#desired[i]! - n[i]!;
    const roomAbove = n[i + 1]! - n[i]! > 1;
    const roomBelow = n[i - 1]! - n[i]! < -1;
    if (!((offset >= 1 && roomAbove) || (offset <= -1 && roomBelow))) return;
    const d = Math.sign(offset);
    const parabolic =
      q[i]! +
      (d / (n[i + 1]! - n[i - 1]!)) *
        ((n[i]! - n[i - 1]! + d) * ((q[i + 1]! - q[i]!) / (n[i + 1]! - n[i]!)) +
          (n[i + 1]! - n[i]! - d) * ((q[i]! - q[i - 1]!) / (n[i]! - n[i - 1]!)));
    // The parabola may overshoot a neighbour when the markers are unevenly spaced; fall back to linear then.
    q[i] = q[i - 1]! < parabolic && parabolic < q[i + 1]! ? parabolic : q[i]! + (d * (q[i + d]! - q[i]!)) / (n[i + d]! - n[i]!);
    n[i]! += d;
  }
}
