import { Mt19937 } from "./mt19937.js";
import { cosSin } from "./trig.js";

/**
 * PyTorch's CPU generator (`CPUGeneratorImpl`, torch ≥ 1.x) and its `randn` for float32 tensors.
 *
 * `torch.manual_seed(s); torch.randn(n)` takes one of two paths on CPU, and both are reproduced here:
 *
 * - n < 16 (or non-contiguous): a scalar loop over `at::normal_distribution<double>`. Each pair of
 *   normals costs two 53-bit uniforms (two 64-bit draws, i.e. four mt19937 words) and Box-Muller;
 *   the sine half is cached *on the generator* and returned by the next scalar draw, even one in a
 *   later `randn` call.
 * - n ≥ 16 (`normal_fill`): first n float uniforms (24 bits of one word each), then Box-Muller over
 *   blocks of 16 (u1 = the first 8, u2 = the last 8). When n is not a multiple of 16 the last 16
 *   outputs are recomputed from 16 *fresh* uniforms. This path neither reads nor writes the cache.
 *
 * The vectorised path computes log/sin/cos in float32 (SLEEF on AVX2, libm on the scalar build), so
 * results agree with torch to float32 rounding (a few ulp), not bit for bit. The scalar path is
 * computed in double exactly as torch does and matches bit for bit.
 */

const TWO_POW_MINUS_53 = 2 ** -53;
const TWO_POW_32 = 2 ** 32;
const TWO_PI = 2 * Math.PI;
/** torch multiplies by `2.0f * pi` held in a float register. */
const TWO_PI_F32 = Math.fround(TWO_PI);
const LOW_21_BITS = 0x1fffff;
/** Below this size torch uses the scalar path. */
const VECTOR_THRESHOLD = 16;

/** Seeds torch accepts: any integer in [-2^63, 2^64); only the low 32 bits reach mt19937. */
function seedToUint32(seed: number | bigint): number {
  if (typeof seed === "number") {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    seed = BigInt(seed);
  }
  if (seed < -(1n << 63n) || seed >= 1n << 64n) throw new RangeError(`seed out of torch's range: ${seed}`);
  return Number(BigInt.asUintN(32, seed));
}

export class TorchGenerator {
  private readonly engine: Mt19937;
  /** Box-Muller's spare sine sample from the scalar path (`next_double_normal_sample`). */
  private spareNormal: number | null = null;

  constructor(seed: number | bigint) {
    this.engine = new Mt19937(seedToUint32(seed));
  }

  /** `torch.randn(length, generator=g)` as float32, advancing the state exactly as torch does. */
  randn(length: number): Float32Array {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`invalid length ${length}`);
    const out = new Float32Array(length);
    if (length < VECTOR_THRESHOLD) this.fillScalar(out);
    else this.fillVectorised(out);
    return out;
  }

  /** `at::uniform_real_distribution<double>(0, 1)`: 53 bits of a 64-bit draw (high word first). */
  private uniform53(): number {
    const hi = this.engine.nextUint32();
    const lo = this.engine.nextUint32();
    return ((hi & LOW_21_BITS) * TWO_POW_32 + lo) * TWO_POW_MINUS_53;
  }

  /** `at::normal_distribution<double>` with its one-sample cache. */
  private normalDouble(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    const u1 = this.uniform53();
    const u2 = this.uniform53();
    const radius = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = TWO_PI * u1;
    this.spareNormal = radius * Math.sin(theta);
    return radius * Math.cos(theta);
  }

  private fillScalar(out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normalDouble();
  }

  private fillVectorised(out: Float32Array): void {
    const n = out.length;
    this.engine.fillUniform24(out, 0, n);
    for (let i = 0; i + VECTOR_THRESHOLD <= n; i += VECTOR_THRESHOLD) boxMuller16(out, i);
    if (n % VECTOR_THRESHOLD !== 0) {
      const tail = n - VECTOR_THRESHOLD;
      this.engine.fillUniform24(out, tail, n);
      boxMuller16(out, tail);
    }
  }
}

/**
 * torch's `normal_fill_16`: turns 16 uniforms at `data[at..at+16)` into 16 normals in place, with
 * every intermediate rounded to float32 as the float kernel does.
 */
function boxMuller16(data: Float32Array, at: number): void {
  const f = Math.fround;
  const cs = COS_SIN;
  for (let j = at; j < at + 8; j++) {
    const u1 = 1 - data[j]!; // [0,1) → (0,1] so the log is finite; exact in float32
    const radius = f(Math.sqrt(f(-2 * f(Math.log(u1)))));
    cosSin(f(TWO_PI_F32 * data[j + 8]!), cs);
    data[j] = radius * f(cs[0]!);
    data[j + 8] = radius * f(cs[1]!);
  }
}

const COS_SIN = new Float64Array(2);

/** `torch.manual_seed(seed); torch.randn(length)` with a fresh generator. */
export function randn(seed: number, length: number): Float32Array {
  return new TorchGenerator(seed).randn(length);
}
