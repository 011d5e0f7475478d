import { describe, expect, it } from 'vitest';
import {
  INDEFINITE, decodeF80, encodeF80, fromBits, highBits, lowBits, roundInt, toFloat32, fromFloat32, directed, errorSign,
  RC_NEAREST, RC_DOWN, RC_UP, RC_CHOP,
} from './fpu-float80.ts';

function hex(x: number): string {
  return highBits(x).toString(16).padStart(8, '0') + lowBits(x).toString(16).padStart(8, '0');
}

describe('float80 encode', () => {
  it('encodes normals, zeros, infinities', () => {
    expect(encodeF80(1)).toEqual({ lo: 0, hi: 0x80000000, se: 0x3fff });
    expect(encodeF80(-2.5)).toEqual({ lo: 0, hi: 0xa0000000, se: 0xc000 });
    expect(encodeF80(0)).toEqual({ lo: 0, hi: 0, se: 0 });
    expect(encodeF80(-0)).toEqual({ lo: 0, hi: 0, se: 0x8000 });
    expect(encodeF80(Infinity)).toEqual({ lo: 0, hi: 0x80000000, se: 0x7fff });
    expect(encodeF80(-Infinity)).toEqual({ lo: 0, hi: 0x80000000, se: 0xffff });
    // 1/3 = 0x3FD5555555555555: significand 1.0101..., 52 fraction bits shifted left by 11
    expect(encodeF80(1 / 3)).toEqual({ lo: 0xaaaaa800, hi: 0xaaaaaaaa, se: 0x3ffd });
  });
  it('normalises double denormals', () => {
    // 2^-1074 is 1.0 * 2^-1074 in extended: exponent 16383 - 1074
    expect(encodeF80(Number.MIN_VALUE)).toEqual({ lo: 0, hi: 0x80000000, se: 16383 - 1074 });
    expect(encodeF80(3 * Number.MIN_VALUE)).toEqual({ lo: 0, hi: 0xc0000000, se: 16383 - 1073 });
  });
  it('encodes the indefinite and keeps NaN payloads', () => {
    expect(encodeF80(INDEFINITE)).toEqual({ lo: 0, hi: 0xc0000000, se: 0xffff });
    const nan = fromBits(0x12345678, 0x7ff9abcd);
    const e = encodeF80(nan);
    expect(e.se).toBe(0x7fff);
    expect(hex(decodeF80(e.lo, e.hi, e.se)!)).toBe('7ff9abcd12345678');
  });
});

describe('float80 decode', () => {
  it('round-trips doubles of every class', () => {
    const values = [1, -2.5, 1 / 3, Math.PI, 0, -0, Infinity, -Infinity, Number.MIN_VALUE, -1e-310, Number.MAX_VALUE, 2 ** -1022];
    for (const v of values) {
      const e = encodeF80(v);
      expect(Object.is(decodeF80(e.lo, e.hi, e.se), v), `${v}`).toBe(true);
    }
    const e = encodeF80(INDEFINITE);
    expect(hex(decodeF80(e.lo, e.hi, e.se)!)).toBe('fff8000000000000');
  });
  it('rounds 64-bit significands to nearest even and handles out-of-range exponents', () => {
    // 1 + 2^-53 (a tie) rounds to 1; 1 + 2^-53 + 2^-63 rounds up
    expect(decodeF80(0x400, 0x80000000, 0x3fff)).toBe(1);
    expect(decodeF80(0x401, 0x80000000, 0x3fff)).toBe(1 + 2 ** -52);
    expect(decodeF80(0, 0x80000000, 0x7ffe)).toBe(Infinity);
    expect(Object.is(decodeF80(0, 0x80000000, 0x8001), -0)).toBe(true);
    expect(decodeF80(0, 0x80000000, 16383 - 1074)).toBe(Number.MIN_VALUE);
  });
  it('rejects unsupported encodings', () => {
    expect(decodeF80(0, 0x40000000, 0x3fff)).toBeUndefined(); // unnormal
    expect(decodeF80(0, 0, 0x7fff)).toBeUndefined(); // pseudo-infinity
  });
});

describe('rounding helpers', () => {
  it('roundInt follows RC', () => {
    const cases: [number, number[]][] = [
      [2.5, [2, 2, 3, 2]], [3.5, [4, 3, 4, 3]], [-2.5, [-2, -3, -2, -2]], [-1.7, [-2, -2, -1, -1]], [0.2, [0, 0, 1, 0]],
    ];
    for (const [x, want] of cases) {
      expect([RC_NEAREST, RC_DOWN, RC_UP, RC_CHOP].map((m) => roundInt(x, m)), `${x}`).toEqual(want);
    }
    expect(Object.is(roundInt(-0.2, RC_NEAREST), -0)).toBe(true);
  });
  it('toFloat32 rounds per RC and reports inexact/overflow', () => {
    const x = 1 + 2 ** -30; // between float32 1 and 1 + 2^-23
    expect(fromFloat32(toFloat32(x, RC_NEAREST).bits)).toBe(1);
    expect(fromFloat32(toFloat32(x, RC_UP).bits)).toBe(1 + 2 ** -23);
    expect(fromFloat32(toFloat32(-x, RC_DOWN).bits)).toBe(-(1 + 2 ** -23));
    expect(fromFloat32(toFloat32(-x, RC_CHOP).bits)).toBe(-1);
    expect(toFloat32(x, RC_NEAREST).inexact).toBe(true);
    expect(toFloat32(0.5, RC_NEAREST).inexact).toBe(false);
    expect(toFloat32(1e39, RC_NEAREST).overflow).toBe(true);
    expect(fromFloat32(toFloat32(1e39, RC_CHOP).bits)).toBe(3.4028234663852886e38);
  });
  it('directed rounding of arithmetic results', () => {
    // the double nearest 1/3 lies below it; 0.1 + 0.2 rounds above the exact sum
    const q = 1 / 3;
    expect(errorSign('div', 1, 3, q)).toBe(1);
    expect(directed(q, 1, RC_UP)).toBe(fromBits(0x55555556, 0x3fd55555));
    expect(directed(q, 1, RC_DOWN)).toBe(q);
    expect(directed(q, 1, RC_CHOP)).toBe(q);
    expect(errorSign('add', 0.1, 0.2, 0.1 + 0.2)).toBe(-1);
    expect(directed(0.1 + 0.2, -1, RC_CHOP)).toBe(0.3);
    expect(errorSign('mul', 3, 1 / 3, 3 * (1 / 3))).toBe(-1); // 3 * fl(1/3) is just below 1 but rounds to 1
    expect(errorSign('add', 1, 2, 3)).toBe(0);
    expect(errorSign('sqrt', 2, 0, Math.SQRT2)).not.toBe(0);
    expect(errorSign('sqrt', 4, 0, 2)).toBe(0);
    // results that underflow to zero: the sign of the exact value decides
    expect(directed(0, errorSign('mul', 1e-200, 1e-200, 0), RC_UP)).toBe(Number.MIN_VALUE);
    expect(directed(-0, errorSign('mul', -1e-200, 1e-200, -0), RC_DOWN)).toBe(-Number.MIN_VALUE);
  });
});
