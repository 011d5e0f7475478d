/**
 * Number formats of the x87 unit, as pure functions on JS doubles: the
 * float80 (extended) encode/decode used by fld/fstp m80 and fsave/frstor,
 * float32 narrowing under a rounding mode, integer rounding per the control
 * word's RC field, bit access to doubles (NaN sign and payload survive only
 * when handled as bits), and the error-free transforms that let a
 * round-to-nearest host result be corrected to the directed rounding modes
 * and tell whether it was exact.
 *
 * The register stack holds doubles, not 80-bit values (see fpu.ts for the
 * consequences); these functions are where the two formats meet.
 */

const buf = new DataView(new ArrayBuffer(8));

/** The low and high 32 bits of a double (unsigned). */
export function lowBits(x: number): number {
  buf.setFloat64(0, x, true);
  return buf.getUint32(0, true);
}
export function highBits(x: number): number {
  buf.setFloat64(0, x, true);
  return buf.getUint32(4, true);
}
export function fromBits(lo: number, hi: number): number {
  buf.setUint32(0, lo >>> 0, true);
  buf.setUint32(4, hi >>> 0, true);
  return buf.getFloat64(0, true);
}

/** The x87 "real indefinite": the negative quiet NaN every masked invalid operation produces. */
export const INDEFINITE = fromBits(0, 0xfff80000);

export function signBit(x: number): number {
  return highBits(x) >>> 31;
}

/** A NaN whose quiet bit (fraction MSB) is clear. */
export function isSignaling(x: number): boolean {
  return x !== x && (highBits(x) & 0x80000) === 0;
}

/** The same NaN with its quiet bit set (sign and payload kept). */
export function quiet(x: number): number {
  buf.setFloat64(0, x, true);
  buf.setUint32(4, buf.getUint32(4, true) | 0x80000, true);
  return buf.getFloat64(0, true);
}

/** x * 2^e without intermediate overflow or underflow while the result is representable. */
export function ldexp(x: number, e: number): number {
  if (e > 4000) e = 4000;
  if (e < -4000) e = -4000;
  while (e > 1000) { x *= 2 ** 1000; e -= 1000; }
  while (e < -1000) { x *= 2 ** -1000; e += 1000; }
  return x * 2 ** e;
}

/** Exponent and significand of a finite nonzero x: x = m * 2^e with 1 <= |m| < 2 (denormals included). */
export function frexp(x: number): [number, number] {
  let adj = 0;
  if (Math.abs(x) < 2 ** -1022) { x *= 2 ** 64; adj = 64; }
  const hi = highBits(x);
  const e = ((hi >>> 20) & 0x7ff) - 1023;
  const m = fromBits(lowBits(x), (hi & 0x800fffff) | 0x3ff00000);
  return [m, e - adj];
}

/** A float80 image: significand as two 32-bit halves (explicit integer bit is hi's MSB), sign+exponent word. */
export interface F80 { lo: number; hi: number; se: number }

export function encodeF80(x: number): F80 {
  let h = highBits(x);
  let l = lowBits(x);
  const sign = (h >>> 31) << 15;
  let e = (h >>> 20) & 0x7ff;
  if (e === 0x7ff) {
    // infinity or NaN: the 52 fraction bits become the top of the 63-bit fraction
    return { lo: (l << 11) >>> 0, hi: (0x80000000 | ((h & 0xfffff) << 11) | (l >>> 21)) >>> 0, se: sign | 0x7fff };
  }
  if (e === 0 && (h & 0xfffff) === 0 && l === 0) return { lo: 0, hi: 0, se: sign };
  let bias = 16383 - 1023;
  if (e === 0) {
    // a double denormal is a normal number in extended: normalise it (exact scaling)
    const y = x * 2 ** 64;
    h = highBits(y); l = lowBits(y);
    e = (h >>> 20) & 0x7ff;
    bias -= 64;
  }
  return { lo: (l << 11) >>> 0, hi: (0x80000000 | ((h & 0xfffff) << 11) | (l >>> 21)) >>> 0, se: sign | (e + bias) };
}

/**
 * Decode a float80 to the nearest double. Returns undefined for the
 * encodings the 387 and later reject as unsupported (pseudo-NaN,
 * pseudo-infinity, unnormal): loading one is an invalid operation.
 */
export function decodeF80(lo: number, hi: number, se: number): number | undefined {
  lo >>>= 0; hi >>>= 0;
  const neg = (se & 0x8000) !== 0;
  const e = se & 0x7fff;
  const intBit = hi >>> 31;
  if (e === 0x7fff) {
    if (!intBit) return undefined;
    if ((hi & 0x7fffffff) === 0 && lo === 0) return neg ? -Infinity : Infinity;
    // NaN: keep sign, quiet bit and the top 51 payload bits
    const dhi = (neg ? 0x80000000 : 0) | 0x7ff00000 | ((hi >>> 11) & 0xfffff);
    let dlo = ((hi << 21) | (lo >>> 11)) >>> 0;
    if ((dhi & 0xfffff) === 0 && dlo === 0) dlo = 1; // payload only in dropped bits: must stay a NaN
    return fromBits(dlo, dhi);
  }
  if (e !== 0 && !intBit) return undefined;
  // one rounding to 53 bits here (hi * 2^32 is exact), then exact scaling unless the result is a double denormal
  const m = hi * 4294967296 + lo;
  const v = m === 0 ? 0 : ldexp(m, (e === 0 ? 1 : e) - 16383 - 63);
  return neg ? -v : v;
}

/** x87 RC field values */
export const RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_CHOP = 3;

/** Round to an integral value per RC (sign of zero kept, as frndint/fist do). */
export function roundInt(x: number, rc: number): number {
  if (!isFinite(x) || Math.abs(x) >= 2 ** 52) return x;
  let r: number;
  switch (rc & 3) {
    case RC_DOWN: r = Math.floor(x); break;
    case RC_UP: r = Math.ceil(x); break;
    case RC_CHOP: r = Math.trunc(x); break;
    default: {
      r = Math.floor(x);
      const d = x - r; // exact for |x| < 2^52
      if (d > 0.5 || (d === 0.5 && r % 2 !== 0)) r += 1;
    }
  }
  return r === 0 && x < 0 ? -0 : r;
}

/** The next double away from zero / toward zero (same sign). */
function stepDouble(x: number, away: boolean): number {
  let l = lowBits(x), h = highBits(x);
  if (away) { l = (l + 1) >>> 0; if (l === 0) h++; } else { if (l === 0) h--; l = (l - 1) >>> 0; }
  return fromBits(l, h);
}

/**
 * Correct a round-to-nearest result `r` to rounding mode rc, given the sign
 * of the rounding error (exact - r): -1, 0 or 1.
 */
export function directed(r: number, err: number, rc: number): number {
  if (err === 0 || rc === RC_NEAREST || r !== r) return r;
  const above = err < 0; // r lies above the exact value
  if (rc === RC_DOWN && above) return r === 0 ? -Number.MIN_VALUE : stepDouble(r, r < 0);
  if (rc === RC_UP && !above) return r === 0 ? Number.MIN_VALUE : stepDouble(r, r > 0);
  // chop: only when r is farther from zero than the exact value
  if (rc === RC_CHOP && r !== 0 && (r > 0) === above) return stepDouble(r, false);
  return r;
}

/**
 * Exact error of a*b: the value e with a*b = fl(a*b) + e (valid away from
 * overflow/underflow). Each factor is split (Veltkamp, by 2^27 + 1) into two
 * halves whose products are exact; written out, so nothing is allocated on
 * this hot path.
 */
export function mulError(a: number, b: number, p: number): number {
  const ca = 134217729 * a;
  const ah = ca - (ca - a), al = a - ah;
  const cb = 134217729 * b;
  const bh = cb - (cb - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** Exact error of a+b (Knuth's TwoSum). */
export function addError(a: number, b: number, s: number): number {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}

/** Sign (-1, 0, 1) of exact - r for r = fl(a op b); NaN/inf results report 0. */
export function errorSign(op: 'add' | 'mul' | 'div' | 'sqrt', a: number, b: number, r: number): number {
  if (!isFinite(r) || r !== r) return 0;
  let e: number;
  switch (op) {
    case 'add': e = addError(a, b, r); break;
    case 'mul':
      if (a === 0 || b === 0 || !isFinite(a) || !isFinite(b)) return 0;
      if (Math.abs(a) > 2 ** 995 || Math.abs(b) > 2 ** 995 || Math.abs(r) < 2 ** -969) return mulTiny(a, b, r);
      e = mulError(a, b, r);
      break;
    case 'div': {
      // exact - q has the sign of (a - q*b) / b; the residual is exact for a correctly rounded q
      if (b === 0 || !isFinite(b) || r === 0 || Math.abs(r) < 2 ** -969 || Math.abs(r) > 2 ** 995 || Math.abs(b) > 2 ** 995) {
        return r === 0 && a !== 0 && isFinite(b) ? Math.sign(a) * Math.sign(b) : 0;
      }
      const p = r * b;
      const res = (a - p) - mulError(r, b, p);
      e = res * Math.sign(b);
      break;
    }
    case 'sqrt': {
      if (a <= 0 || a > 2 ** 995 || a < 2 ** -969) return 0;
      const p = r * r;
      e = (a - p) - mulError(r, r, p);
      break;
    }
  }
  return e > 0 ? 1 : e < 0 ? -1 : 0;
}

/** Products near the ends of the range: compare against the product of the significands (exact error known). */
function mulTiny(a: number, b: number, r: number): number {
  if (!isFinite(a) || !isFinite(b) || a === 0 || b === 0) return 0;
  const [ma, ea] = frexp(a);
  const [mb, eb] = frexp(b);
  const p = ma * mb; // < 4, exact error known below
  const pe = mulError(ma, mb, p);
  // r rescaled into the same exponent range is exact (a power-of-two scaling of a double)
  const rs = ldexp(r, -(ea + eb));
  const d = (p - rs) + pe;
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Result of narrowing a double to float32 bits. */
export interface Narrow { bits: number; inexact: boolean; up: boolean; overflow: boolean; underflow: boolean }

/** Narrow a finite-or-infinite non-NaN double to float32 bits under rounding mode rc. */
export function toFloat32(x: number, rc: number): Narrow {
  f32[0] = x;
  let bits = u32[0];
  let v = f32[0];
  if (v !== x && rc !== RC_NEAREST) {
    const tooBig = Math.abs(v) > Math.abs(x);
    const step = rc === RC_CHOP ? tooBig : rc === RC_DOWN ? v > x : v < x;
    if (step) {
      // sign-magnitude: one less is toward zero, one more away from it
      bits = tooBig ? bits - 1 : bits + 1;
      u32[0] = bits;
      v = f32[0];
    }
  }
  const inexact = v !== x;
  // overflow: the result rounded with an unbounded exponent would exceed the largest float32
  const overflow = isFinite(x) && (!isFinite(Math.fround(x)) || (rc !== RC_NEAREST && inexact && Math.abs(x) > 3.4028234663852886e38));
  const underflow = inexact && Math.abs(x) < 2 ** -126;
  return { bits: bits >>> 0, inexact, up: Math.abs(v) > Math.abs(x), overflow, underflow };
}

/** float32 bits to a double; NaN payloads are moved by hand (the host conversion would quiet a signaling NaN). */
export function fromFloat32(bits: number): number {
  bits >>>= 0;
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) {
    return fromBits((bits & 7) << 29, (bits & 0x80000000) | 0x7ff00000 | ((bits & 0x7fffff) >>> 3));
  }
  u32[0] = bits;
  return f32[0];
}

/** double NaN to float32 NaN bits: sign and the top payload bits (quiet bit included). */
export function nanToFloat32(x: number): number {
  const h = highBits(x), l = lowBits(x);
  return ((h & 0x80000000) | 0x7f800000 | ((h & 0xfffff) << 3) | (l >>> 29)) >>> 0;
}
