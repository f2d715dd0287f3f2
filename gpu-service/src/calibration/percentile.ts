/**
 * The q-th percentile of `values` with linear interpolation between order statistics, numpy's default
 * (`np.percentile(values, q)`), so thresholds computed here and in Python agree.
 */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError("percentile of an empty sample");
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const position = (q / 100) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** The teacher shares the bundle is calibrated for: k = 5, 10, ..., 95. */
export const CALIBRATED_PERCENTILES: readonly number[] = Array.from({ length: 19 }, (_, i) => 5 * (i + 1));
