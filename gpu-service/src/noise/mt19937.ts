/**
 * The 32-bit Mersenne Twister (MT19937), seeded the way PyTorch's CPU generator seeds it
 * (`at::mt19937`: `init_genrand` with the low 32 bits of the seed). Its output sequence is the
 * standard one (identical to `std::mt19937` and numpy's legacy `RandomState`).
 *
 * State lives in a `Uint32Array`; all arithmetic is on 32-bit integers so there is no bigint and no
 * float rounding anywhere in the hot path.
 */
const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_POW_MINUS_24 = 2 ** -24;

export class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  constructor(seed32: number) {
    const s = this.state;
    s[0] = seed32 >>> 0;
    for (let j = 1; j < N; j++) {
      const prev = s[j - 1]!;
      // Knuth's multiplier; Math.imul keeps the product in 32 bits exactly as the C++ uint32 math does.
      s[j] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + j) >>> 0;
    }
  }

  /** Next 32-bit output, as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    return temper(this.state[this.index++]!);
  }

  /**
   * Fills out[start..end) with `(word & 0xffffff) · 2^-24`, one word each: torch's
   * `uniform_real_distribution<float>(0, 1)`. A bulk loop, since this is the hot path of randn.
   */
  fillUniform24(out: Float32Array, start: number, end: number): void {
    const s = this.state;
    let i = start;
    while (i < end) {
      if (this.index >= N) this.twist();
      const take = Math.min(end - i, N - this.index);
      let k = this.index;
      for (const stop = i + take; i < stop; i++, k++) out[i] = (temper(s[k]!) & 0xffffff) * TWO_POW_MINUS_24;
      this.index = k;
    }
  }

  /** Regenerates all 624 words at once (the classic "twist"), in three runs to avoid a modulo. */
  private twist(): void {
    const s = this.state;
    let k = 0;
    for (; k < N - M; k++) s[k] = mix(s[k]!, s[k + 1]!, s[k + M]!);
    for (; k < N - 1; k++) s[k] = mix(s[k]!, s[k + 1]!, s[k + M - N]!);
    s[N - 1] = mix(s[N - 1]!, s[0]!, s[M - 1]!);
    this.index = 0;
  }
}

function mix(current: number, next: number, far: number): number {
  const y = (current & UPPER_MASK) | (next & LOWER_MASK);
  // Branch-free select of MATRIX_A on the low bit: the bit is random, so a branch mispredicts half the time.
  return (far ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A)) >>> 0;
}

function temper(word: number): number {
  let y = word;
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  y ^= y >>> 18;
  return y >>> 0;
}
