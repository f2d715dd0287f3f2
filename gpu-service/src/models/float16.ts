/**
 * IEEE 754 half precision, for exports whose inputs and outputs are float16 (common for Stable Diffusion
 * on GPUs). Node 20 has no Float16Array; onnxruntime takes and returns the raw bits as a Uint16Array.
 * The pipelines compute in float32 throughout and convert only at the session boundary.
 */
const scratch = new DataView(new ArrayBuffer(4));

/** float32 → float16 bits, rounding to nearest even. */
export function toHalf(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf / NaN
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (halfExponent <= 0) {
    // Subnormal: a multiple of 2^-24, rounded half to even (Math.round rounds halves up).
    const scaled = Math.abs(Math.fround(value)) * 2 ** 24;
    let rounded = Math.round(scaled);
    if (rounded - scaled === 0.5 && rounded % 2 === 1) rounded -= 1;
    return sign | rounded;
  }
  const half = sign | (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // Round half to even; a carry into the exponent is the correct result.
  return remainder > 0x1000 || (remainder === 0x1000 && (half & 1)) ? half + 1 : half;
}

/** float16 bits → float32 value (exact). */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function toHalfArray(values: Float32Array): Uint16Array {
  return Uint16Array.from(values, toHalf);
}

export function fromHalfArray(bits: Uint16Array): Float32Array {
  return Float32Array.from(bits, fromHalf);
}
