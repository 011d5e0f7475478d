/**
 * x87 one-operand and special instructions: fchs, fabs, fsqrt, frndint,
 * fscale, fxtract, fprem/fprem1, and the transcendental ones (f2xm1,
 * fyl2x, fyl2xp1, fpatan, fptan, fsin, fcos, fsincos).
 *
 * A NaN operand gives itself quieted (IE if it was signaling); a NaN result
 * from a non-NaN operand is an invalid operation and gives the indefinite.
 * fsqrt and frndint round by RC; the transcendental functions use Math.*
 * and report no PE. fprem/fprem1 always complete the reduction (C2 = 0) and
 * report the quotient's three low bits in C0 C3 C1 (Q2 Q0 Q1; SDM Vol. 1,
 * 8.1.3.2). fptan, fsin, fcos and fsincos leave an operand of magnitude
 * 2^63 or more alone and set C2, as the hardware's reduction range ends
 * there (Vol. 1, 8.1.3.2); fptan pushes 1 after its result.
 */
import type { RowSpec } from '../../isa/table.ts';
import type { Exec } from '../ops.ts';
import type { Fpu } from '../../cpu/fpu-state.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { INDEFINITE, directed, errorSign, frexp, isSignaling, ldexp, quiet, roundInt, signBit } from './fpu-float80.ts';
import {
  FSW_C0, FSW_C1, FSW_C2, FSW_C3, FSW_CC, FSW_IE, FSW_OE, FSW_PE, FSW_ZE, clearC1, enter, enterAt, getST, isEmpty, nanResult,
  overflow, popST, pushChecked, pushST, rc, regCall, setC1, setST, signal, underflow, withSign,
} from './fpu-stack.ts';
import { directedAbove } from './fpu-arith.ts';

// ---- one-operand and special instructions ---------------------------------------------

/** Run `fn` on a non-empty ST0 (underflow response otherwise). */
function unary(fn: (f: Fpu, v: number) => void): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    unaryOn(cpu.fpu, fn);
  };
}

function unaryOn(f: Fpu, fn: (f: Fpu, v: number) => void): void {
  if (isEmpty(f, 0)) {
    if (underflow(f)) setST(f, 0, INDEFINITE);
    return;
  }
  clearC1(f);
  fn(f, getST(f, 0));
}

/** Deliver a unary result: NaN from a non-NaN operand is an invalid operation. */
function unaryResult(f: Fpu, idx: number, v: number, r: number, exc = 0): boolean {
  if (v !== v) {
    r = quiet(v);
    if (isSignaling(v)) exc |= FSW_IE;
  } else if (r !== r) {
    r = INDEFINITE;
    exc |= FSW_IE;
  }
  if (exc && !signal(f, exc) && exc & (FSW_IE | FSW_ZE)) return false;
  setST(f, idx, r);
  return true;
}

const chs = (f: Fpu, v: number): void => setST(f, 0, withSign(v, !signBit(v)));
const abs = (f: Fpu, v: number): void => setST(f, 0, withSign(v, false));

const sqrt = (f: Fpu, v: number): void => {
  if (v < 0) { unaryResult(f, 0, v, NaN); return; }
  let r = Math.sqrt(v);
  const err = errorSign('sqrt', v, 0, r);
  if (err) {
    r = directed(r, err, rc(f));
    setC1(f, r !== 0 && directedAbove(err, rc(f), r));
  }
  unaryResult(f, 0, v, r, err ? FSW_PE : 0);
};

/** The one-operand kernels' operations, by the index their rows pass */
const UNARY = [chs, abs, sqrt];

/** fchs, fabs, fsqrt: operation `k` of UNARY on ST0 */
export function x87Unary(cpu: Cpu, _off: number, eip: number, fop: number, k: number): void {
  enterAt(cpu, eip, fop);
  unaryOn(cpu.fpu, UNARY[k]);
}

const frndint = unary((f, v) => {
  const r = roundInt(v, rc(f));
  unaryResult(f, 0, v, r, r === v || r !== r ? 0 : FSW_PE);
});

/** ST0 = ST0 * 2^trunc(ST1) */
const fscale: Exec = (cpu, i) => {
  enter(cpu, i);
  const f = cpu.fpu;
  if (isEmpty(f, 0) || isEmpty(f, 1)) {
    if (underflow(f)) setST(f, 0, INDEFINITE);
    return;
  }
  clearC1(f);
  const a = getST(f, 0), b = getST(f, 1);
  let r: number;
  if (a !== a || b !== b) r = nanResult(a, b);
  else if (b === Infinity) r = a === 0 ? NaN : a * Infinity;
  else if (b === -Infinity) r = isFinite(a) ? a * 0 : NaN;
  else r = ldexp(a, Math.trunc(b));
  let exc = isSignaling(a) || isSignaling(b) ? FSW_IE : 0;
  if (isFinite(a) && !isFinite(r) && r === r) exc |= FSW_OE | FSW_PE;
  unaryResult(f, 0, a !== a || b !== b ? r : 0, r, exc);
};

/** ST0 = exponent, push significand */
const fxtract: Exec = (cpu, i) => {
  enter(cpu, i);
  const f = cpu.fpu;
  if (isEmpty(f, 0)) {
    if (underflow(f)) setST(f, 0, INDEFINITE);
    return;
  }
  if (!isEmpty(f, 7)) {
    if (overflow(f)) { setST(f, 0, INDEFINITE); pushST(f, INDEFINITE); }
    return;
  }
  clearC1(f);
  const v = getST(f, 0);
  let e: number, m: number;
  if (v !== v) {
    if (isSignaling(v) && !signal(f, FSW_IE)) return;
    e = m = quiet(v);
  } else if (v === 0) {
    if (!signal(f, FSW_ZE)) return;
    e = -Infinity; m = v;
  } else if (!isFinite(v)) {
    e = Infinity; m = v;
  } else {
    [m, e] = frexp(v);
  }
  setST(f, 0, e);
  pushST(f, m);
};

/**
 * fprem (truncating quotient) and fprem1 (IEEE, nearest-even quotient):
 * ST0 = ST0 - Q * ST1, with the three low bits of |Q| in C0 C3 C1.
 */
function fprem(ieee: boolean): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    if (isEmpty(f, 0) || isEmpty(f, 1)) {
      if (underflow(f)) setST(f, 0, INDEFINITE);
      return;
    }
    const a = getST(f, 0), b = getST(f, 1);
    clearC1(f);
    f.sw &= ~FSW_CC;
    if (a !== a || b !== b) {
      if (!(isSignaling(a) || isSignaling(b)) || signal(f, FSW_IE)) setST(f, 0, nanResult(a, b));
      return;
    }
    if (!isFinite(a) || b === 0) { unaryResult(f, 0, 0, NaN); return; }
    if (!isFinite(b) || a === 0) return; // ST0 unchanged, quotient 0
    const ab = Math.abs(b);
    let r = a % b; // fmod is exact
    // the quotient's low three bits: (a mod 8|b| - a mod |b|) / |b|, unless 8|b| overflows
    const r8 = isFinite(8 * ab) ? a % (8 * ab) : a % ab;
    let q = Math.round(Math.abs(r8 - r) / ab) & 7;
    if (ieee) {
      const twice = Math.abs(r) * 2;
      if (twice > ab || (twice === ab && q & 1)) {
        r = r > 0 || Object.is(r, 0) ? r - ab : r + ab; // exact (Sterbenz)
        q = (q + 1) & 7;
      }
    }
    if (r === 0) r = a < 0 ? -0 : 0;
    setST(f, 0, r);
    f.sw |= (q & 4 ? FSW_C0 : 0) | (q & 1 ? FSW_C3 : 0) | (q & 2 ? FSW_C1 : 0);
  };
}

/** ST1 = fn(ST1, ST0), pop (fyl2x, fyl2xp1, fpatan) */
function binaryPop(fn: (y: number, x: number) => number, zeroDivide?: (y: number, x: number) => boolean): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    if (isEmpty(f, 0) || isEmpty(f, 1)) {
      if (underflow(f)) { setST(f, 1, INDEFINITE); popST(f); }
      return;
    }
    clearC1(f);
    const x = getST(f, 0), y = getST(f, 1);
    let r: number;
    let exc = 0;
    if (x !== x || y !== y) {
      r = nanResult(x, y);
      if (isSignaling(x) || isSignaling(y)) exc |= FSW_IE;
    } else {
      r = fn(y, x);
      if (r !== r) { r = INDEFINITE; exc |= FSW_IE; } else if (zeroDivide?.(y, x)) exc |= FSW_ZE;
    }
    if (exc && !signal(f, exc) && exc & (FSW_IE | FSW_ZE)) return;
    setST(f, 1, r);
    popST(f);
  };
}

const TRIG_LIMIT = 2 ** 63;

/** fsin/fcos/fptan/fsincos: |ST0| >= 2^63 leaves ST0 alone and sets C2 */
function trig(kind: 'sin' | 'cos' | 'tan' | 'sincos'): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    if (isEmpty(f, 0)) {
      if (underflow(f)) { setST(f, 0, INDEFINITE); if (kind === 'tan' || kind === 'sincos') pushChecked(f, INDEFINITE); }
      return;
    }
    const pushes = kind === 'tan' || kind === 'sincos';
    if (pushes && !isEmpty(f, 7)) {
      if (overflow(f)) { setST(f, 0, INDEFINITE); pushST(f, INDEFINITE); }
      return;
    }
    clearC1(f);
    f.sw &= ~FSW_C2;
    const v = getST(f, 0);
    if (Math.abs(v) >= TRIG_LIMIT && isFinite(v)) { f.sw |= FSW_C2; return; }
    switch (kind) {
      case 'sin': unaryResult(f, 0, v, Math.sin(v)); return;
      case 'cos': unaryResult(f, 0, v, Math.cos(v)); return;
      case 'tan': if (unaryResult(f, 0, v, Math.tan(v))) pushST(f, v !== v ? getST(f, 0) : 1); return;
      case 'sincos': {
        const c = Math.cos(v);
        if (unaryResult(f, 0, v, Math.sin(v))) pushST(f, v !== v ? getST(f, 0) : c !== c ? INDEFINITE : c);
      }
    }
  };
}

// ---- the rows -----------------------------------------------------------------------------

export const functionRows: RowSpec[] = [
  { op: 'D9 E0', mn: 'fchs', x87: regCall('x87Unary', 0) },
  { op: 'D9 E1', mn: 'fabs', x87: regCall('x87Unary', 1) },
  { op: 'D9 FA', mn: 'fsqrt', x87: regCall('x87Unary', 2) },
  { op: 'D9 FC', mn: 'frndint', exec: frndint },
  { op: 'D9 FD', mn: 'fscale', exec: fscale },
  { op: 'D9 F4', mn: 'fxtract', exec: fxtract },
  { op: 'D9 F8', mn: 'fprem', exec: fprem(false) },
  { op: 'D9 F5', mn: 'fprem1', exec: fprem(true) },
  { op: 'D9 F0', mn: 'f2xm1', exec: unary((f, v) => { unaryResult(f, 0, v, Math.abs(v) <= 1 ? Math.expm1(v * Math.LN2) : 2 ** v - 1); }) },
  { op: 'D9 F1', mn: 'fyl2x', exec: binaryPop((y, x) => (x < 0 ? NaN : y * Math.log2(x)), (y, x) => x === 0 && y !== 0 && isFinite(y)) },
  { op: 'D9 F9', mn: 'fyl2xp1', exec: binaryPop((y, x) => (x < -1 ? NaN : (y * Math.log1p(x)) / Math.LN2)) },
  { op: 'D9 F3', mn: 'fpatan', exec: binaryPop((y, x) => Math.atan2(y, x)) },
  { op: 'D9 F2', mn: 'fptan', exec: trig('tan') },
  { op: 'D9 FE', mn: 'fsin', exec: trig('sin') },
  { op: 'D9 FF', mn: 'fcos', exec: trig('cos') },
  { op: 'D9 FB', mn: 'fsincos', exec: trig('sincos') },
];
