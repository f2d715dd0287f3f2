/**
 * Small re-creations of the numpy / torch primitives diffusers builds its schedules from. Where
 * diffusers works in float32 tensors we round with Math.fround at the same points, so schedules
 * agree with diffusers' to float32 rounding instead of drifting by float64-vs-float32 differences.
 */
export const f32 = Math.fround;

/** `np.round`: round half to even (banker's rounding), unlike Math.round. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** `np.linspace(start, stop, num, endpoint)` in float64: start + i·step, the endpoint pinned exactly. */
export function npLinspace(start: number, stop: number, num: number, endpoint = true): number[] {
  const div = endpoint ? num - 1 : num;
  if (div <= 0) return num === 1 ? [start] : [];
  const step = (stop - start) / div;
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  if (endpoint) out[num - 1] = stop;
  return out;
}

/**
 * `np.arange(start, stop, step)` for float64: numpy fills `start + i·delta` where delta is the
 * difference of its first two values (not `step` itself), and the length is ceil((stop-start)/step).
 */
export function npArange(start: number, stop: number, step: number): number[] {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (length === 0) return [];
  const delta = start + step - start;
  return Array.from({ length }, (_, i) => (i === 0 ? start : i === 1 ? start + step : start + i * delta));
}

/**
 * `np.interp(x, arange(len(fp)), fp)`: linear interpolation on an integer grid, float64. Exact
 * grid points return fp[j] unchanged, as numpy does.
 */
export function interpOnIndexGrid(x: number, fp: ArrayLike<number>): number {
  const last = fp.length - 1;
  if (x <= 0) return fp[0]!;
  if (x >= last) return fp[last]!;
  const j = Math.floor(x);
  if (x === j) return fp[j]!;
  const slope = fp[j + 1]! - fp[j]!;
  return slope * (x - j) + fp[j]!;
}

/**
 * `torch.linspace(start, end, steps, dtype=float32)` on CPU: float32 step, the first half counted
 * up from start and the second half down from end. (torch's AVX kernels build lanes as
 * base + k·step, which can differ in the last bit from this scalar form; the effect on
 * alphas_cumprod is far below 1e-6.)
 */
export function torchLinspaceF32(start: number, end: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  const s = f32(start);
  const e = f32(end);
  if (steps === 1) {
    out[0] = s;
    return out;
  }
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? f32(s + f32(step * i)) : f32(e - f32(step * (steps - i - 1)));
  }
  return out;
}
