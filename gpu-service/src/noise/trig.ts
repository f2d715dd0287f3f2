/**
 * cos and sin of one angle for randn's Box-Muller loop, about three times faster than calling
 * Math.cos and Math.sin (one shared range reduction, no data-dependent branches).
 *
 * θ = q·π/2 + r with |r| ≤ π/4 (π/2 split in two parts so q·π/2 subtracts exactly for small q),
 * then minimax polynomials for sin r and cos r on [−π/4, π/4] (the classic fdlibm kernel
 * coefficients). Accurate to a few 1e-16 for 0 ≤ θ < 2^20, far below the float32 rounding
 * applied to the results.
 */
const PIO2_HI = 1.5707963267341256;
const PIO2_LO = 6.077100506506192e-11;
const TWO_OVER_PI = 2 / Math.PI;

const S1 = -1.66666666666666324348e-1;
const S2 = 8.33333333332248946124e-3;
const S3 = -1.98412698298579493134e-4;
const S4 = 2.75573137070700676789e-6;
const S5 = -2.50507602534068634195e-8;
const S6 = 1.58969099521155010221e-10;
const C1 = 4.16666666666666019037e-2;
const C2 = -1.38888888888741095749e-3;
const C3 = 2.48015872894767294178e-5;
const C4 = -2.75573143513906633035e-7;
const C5 = 2.0875723212981748279e-9;
const C6 = -1.13596475577881948265e-11;

/** Per quadrant q mod 4: cos θ = COS_SIGN·(q odd ? sin r : cos r), sin θ = SIN_SIGN·(q odd ? cos r : sin r). */
const COS_SIGN = new Float64Array([1, -1, -1, 1]);
const SIN_SIGN = new Float64Array([1, 1, -1, -1]);
/** [sin r, cos r], indexed by parity to pick without a branch. */
const KERNEL = new Float64Array(2);

/** Writes cos θ to out[0] and sin θ to out[1]; θ must be ≥ 0. */
export function cosSin(theta: number, out: Float64Array): void {
  const q = (theta * TWO_OVER_PI + 0.5) | 0;
  const r = theta - q * PIO2_HI - q * PIO2_LO;
  const z = r * r;
  KERNEL[0] = r + r * z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
  KERNEL[1] = 1 - 0.5 * z + z * z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  const odd = q & 1;
  const quadrant = q & 3;
  out[0] = COS_SIGN[quadrant]! * KERNEL[odd ^ 1]!;
  out[1] = SIN_SIGN[quadrant]! * KERNEL[odd]!;
}
