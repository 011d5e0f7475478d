/**
 * x87 loads and stores: fld/fst(p) of every memory format and of
 * registers, fild/fist(p), the constants, fxch, and packed BCD (fbld,
 * fbstp), with the conversions between the memory formats and the
 * registers' doubles.
 *
 * Float loads report a signaling NaN (IE) and a denormal (DE) operand; an
 * 80-bit load of an unsupported encoding is an invalid operand. Stores
 * round by RC and report PE with C1 for the direction (SDM Vol. 1, 8.5.6);
 * an integer store of a NaN, an infinity or an out-of-range value stores
 * the integer indefinite (only the top bit set) under IE, and fbstp the
 * packed-BCD indefinite (Vol. 1, 4.7). A store whose unmasked IE, OE or UE
 * suppresses it writes nothing; the destination is probed for writing
 * first, so a multi-part store faults before any part is written.
 */
import type { RowSpec } from '../../isa/table.ts';
import { FROM_RM, type Exec } from '../ops.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { FPU_TAG_EMPTY, type Fpu } from '../../cpu/fpu-state.ts';
import { Access } from '../../cpu/mmu.ts';
import { NUM } from '../../base/arith.ts';
import { addressPlus, addressPlusAt } from '../operands.ts';
import {
  INDEFINITE, decodeF80, encodeF80, fromBits, fromFloat32, highBits, isSignaling, lowBits, nanToFloat32, quiet, roundInt,
  signBit, toFloat32,
} from './fpu-float80.ts';
import {
  FSW_DE, FSW_IE, FSW_OE, FSW_PE, FSW_UE, clearC1, enterAt, enterMem, getST, isEmpty, memCall, overflow, storeCall, popST, pushChecked,
  pushST, rc, record, recordAt, regCall, setC1, setST, signal, tagAt, underflow, waitChecks,
} from './fpu-stack.ts';

// ---- memory operands ------------------------------------------------------------------



/** Check that `size` bytes at seg:off can be written (segment and paging), before a multi-part store. */
export function probeWrite(cpu: Cpu, seg: number, off: number, size: number): void {
  const lin = cpu.linear(seg, off, size, true);
  cpu.mmu.translate(lin, Access.WRITE);
  if ((lin & 0xfff) + size > 0x1000) cpu.mmu.translate((lin + size - 1) | 0, Access.WRITE);
}

/** The memory formats of x87 operands. */
export const enum Fmt { F32, F64, F80, I16, I32, I64 }

const FMT_SIZE = [4, 8, 10, 2, 4, 8];

/** The address `delta` bytes past `off` at address size `adsize`. */
const plus = (off: number, delta: number, adsize: number): number => addressPlusAt(NUM, adsize, off, delta);

/** The exceptions the last loadMemAt reported (scratch: no object per load). */
let loadedExc = 0;

/**
 * Read a memory operand as a double, the exceptions in `loadedExc`: float
 * loads report SNaN (IE) and denormal (DE) operands.
 */
function loadMemAt(cpu: Cpu, seg: number, adsize: number, fmt: Fmt, off: number): number {
  loadedExc = 0;
  switch (fmt) {
    case Fmt.F32: {
      const bits = cpu.read(seg, off, 4) >>> 0;
      const v = fromFloat32(bits);
      if ((bits & 0x7f800000) === 0x7f800000 && isSignaling(v)) { loadedExc = FSW_IE; return quiet(v); }
      if ((bits & 0x7f800000) === 0 && bits & 0x7fffff) loadedExc = FSW_DE;
      return v;
    }
    case Fmt.F64: {
      const lo = cpu.read(seg, off, 4), hi = cpu.read(seg, plus(off, 4, adsize), 4);
      const v = fromBits(lo, hi);
      if (v !== v && isSignaling(v)) { loadedExc = FSW_IE; return quiet(v); }
      if ((hi & 0x7ff00000) === 0 && (hi & 0xfffff || lo)) loadedExc = FSW_DE;
      return v;
    }
    case Fmt.F80: {
      const lo = cpu.read(seg, off, 4), hi = cpu.read(seg, plus(off, 4, adsize), 4), se = cpu.read(seg, plus(off, 8, adsize), 2);
      const v = decodeF80(lo, hi, se);
      if (v === undefined) { loadedExc = FSW_IE; return INDEFINITE; }
      if (isSignaling(v)) { loadedExc = FSW_IE; return quiet(v); }
      if ((se & 0x7fff) === 0 && (hi || lo)) loadedExc = FSW_DE;
      return v;
    }
    case Fmt.I16: return (cpu.read(seg, off, 2) << 16) >> 16;
    case Fmt.I32: return cpu.read(seg, off, 4) | 0;
    case Fmt.I64: {
      const lo = cpu.read(seg, off, 4), hi = cpu.read(seg, plus(off, 4, adsize), 4);
      return (hi | 0) * 4294967296 + (lo >>> 0);
    }
  }
}

/**
 * Convert ST0's value to a memory format: the parts to write and the
 * exceptions. `masked` false means an unmasked exception suppresses the store.
 */
function storeImage(f: Fpu, v: number, fmt: Fmt): { parts: number[]; exc: number; up: boolean } {
  let exc = 0;
  let up = false;
  switch (fmt) {
    case Fmt.F32: {
      if (v !== v) {
        if (isSignaling(v)) exc |= FSW_IE;
        return { parts: [nanToFloat32(quiet(v))], exc, up };
      }
      const n = toFloat32(v, rc(f));
      if (n.inexact) exc |= FSW_PE;
      if (n.overflow) exc |= FSW_OE;
      if (n.underflow) exc |= FSW_UE;
      return { parts: [n.bits], exc, up: n.up };
    }
    case Fmt.F64: {
      if (isSignaling(v)) { exc |= FSW_IE; v = quiet(v); }
      return { parts: [lowBits(v), highBits(v)], exc, up };
    }
    case Fmt.F80: {
      if (isSignaling(v)) { exc |= FSW_IE; v = quiet(v); }
      const e = encodeF80(v);
      return { parts: [e.lo, e.hi, e.se], exc, up };
    }
    default: {
      const r = roundInt(v, rc(f));
      const bits = fmt === Fmt.I16 ? 16 : fmt === Fmt.I32 ? 32 : 64;
      const lim = 2 ** (bits - 1);
      if (!(r >= -lim && r < lim)) {
        // NaN, infinity or out of range: the integer indefinite (only the top bit set)
        exc |= FSW_IE;
        return { parts: bits === 16 ? [0x8000] : bits === 32 ? [0x80000000] : [0, 0x80000000], exc, up };
      }
      if (r !== v) { exc |= FSW_PE; up = Math.abs(r) > Math.abs(v); }
      if (bits === 64) {
        const big = BigInt.asUintN(64, BigInt(r));
        return { parts: [Number(big & 0xffffffffn), Number(big >> 32n)], exc, up };
      }
      return { parts: [r & (bits === 16 ? 0xffff : -1)], exc, up };
    }
  }
}

function writeParts(cpu: Cpu, seg: number, adsize: number, off: number, fmt: Fmt, parts: number[]): void {
  const size = FMT_SIZE[fmt];
  if (fmt === Fmt.I16) { cpu.write(seg, off, 2, parts[0]); return; }
  cpu.write(seg, off, 4, parts[0]);
  if (size > 4) cpu.write(seg, plus(off, 4, adsize), 4, parts[1]);
  if (size > 8) cpu.write(seg, plus(off, 8, adsize), 2, parts[2]);
}

// ---- loads and stores -----------------------------------------------------------------

/**
 * The memory source operand of a waiting instruction, its exceptions in
 * `loadedExc`: pending exceptions first, then the load, then the pointers.
 */
export function loadSourceAt(cpu: Cpu, eip: number, fop: number, seg: number, adsize: number, fmt: Fmt, off: number): number {
  waitChecks(cpu);
  const v = loadMemAt(cpu, seg, adsize, fmt, off);
  recordAt(cpu, eip, fop, seg, off);
  return v;
}

/** What the last loadSourceAt reported. */
export function sourceExc(): number {
  return loadedExc;
}

/** fld/fild of a memory operand */
export function x87Load(cpu: Cpu, off: number, eip: number, fop: number, seg: number, adsize: number, fmt: Fmt): void {
  const f = cpu.fpu;
  const v = loadSourceAt(cpu, eip, fop, seg, adsize, fmt, off);
  if (!isEmpty(f, 7)) {
    if (overflow(f)) pushST(f, INDEFINITE);
    return;
  }
  clearC1(f);
  if (loadedExc && !signal(f, loadedExc)) return;
  pushST(f, v);
}

/** fld ST(idx) */
export function x87LoadReg(cpu: Cpu, _off: number, eip: number, fop: number, idx: number): void {
  enterAt(cpu, eip, fop);
  const f = cpu.fpu;
  const top = f.top, ps = (top + idx) & 7, pn = (top + 7) & 7;
  if (tagAt(f, ps) !== FPU_TAG_EMPTY && tagAt(f, pn) === FPU_TAG_EMPTY) {
    // the common case: a register to copy and room to push it
    clearC1(f);
    f.top = pn;
    setST(f, 0, f.st[ps]);
    return;
  }
  let v = getST(f, idx);
  if (isEmpty(f, idx)) {
    if (!underflow(f)) return;
    v = INDEFINITE;
  }
  if (!isEmpty(f, 7)) {
    if (overflow(f)) pushST(f, INDEFINITE);
    return;
  }
  clearC1(f);
  pushST(f, v);
}

/** fst(p)/fist(p) to a memory operand; pop 1: fstp, fistp */
export function x87Store(cpu: Cpu, off: number, eip: number, fop: number, seg: number, adsize: number, fmt: Fmt, pop: number): void {
  waitChecks(cpu);
  probeWrite(cpu, seg, off, FMT_SIZE[fmt]);
  recordAt(cpu, eip, fop, seg, off);
  const f = cpu.fpu;
  let img;
  if (isEmpty(f, 0)) {
    // masked underflow stores the indefinite of the destination format
    const masked = underflow(f);
    if (!masked) return;
    img = storeImage(f, INDEFINITE, fmt);
    img.exc = 0;
  } else {
    img = storeImage(f, getST(f, 0), fmt);
    if (img.exc & FSW_IE && fmt >= Fmt.I16) clearC1(f); else setC1(f, img.up);
    if (img.exc && !signal(f, img.exc) && img.exc & (FSW_IE | FSW_OE | FSW_UE)) return;
  }
  writeParts(cpu, seg, adsize, off, fmt, img.parts);
  if (pop) popST(f);
}

/** fst(p) ST(idx) */
export function x87StoreReg(cpu: Cpu, _off: number, eip: number, fop: number, idx: number, pop: number): void {
  enterAt(cpu, eip, fop);
  const f = cpu.fpu;
  const top = f.top;
  const st0 = f.st[top];
  if (tagAt(f, top) !== FPU_TAG_EMPTY && st0 === st0) {
    // the common case: a number (no NaN to quiet or signal)
    clearC1(f);
    setST(f, idx, st0);
    if (pop) popST(f);
    return;
  }
  let v = getST(f, 0);
  if (isEmpty(f, 0)) {
    if (!underflow(f)) return;
    v = INDEFINITE;
  } else {
    clearC1(f);
    if (isSignaling(v)) { if (!signal(f, FSW_IE)) return; v = quiet(v); }
  }
  setST(f, idx, v);
  if (pop) popST(f);
}

const CONSTANTS: [string, string, number][] = [
  ['E8', 'fld1', 1], ['E9', 'fldl2t', Math.log2(10)], ['EA', 'fldl2e', Math.LOG2E], ['EB', 'fldpi', Math.PI],
  ['EC', 'fldlg2', Math.log10(2)], ['ED', 'fldln2', Math.LN2], ['EE', 'fldz', 0],
];

/** fld1, fldz and the other constants, by their index in CONSTANTS */
export function x87LoadConst(cpu: Cpu, _off: number, eip: number, fop: number, k: number): void {
  enterAt(cpu, eip, fop);
  const f = cpu.fpu;
  clearC1(f);
  pushChecked(f, CONSTANTS[k][2]);
}

/** fxch ST(idx) */
export function x87Exchange(cpu: Cpu, _off: number, eip: number, fop: number, idx: number): void {
  enterAt(cpu, eip, fop);
  const f = cpu.fpu;
  const top = f.top, pi = (top + idx) & 7;
  if (tagAt(f, top) !== FPU_TAG_EMPTY && tagAt(f, pi) !== FPU_TAG_EMPTY) {
    // the common case: both full
    clearC1(f);
    const a = f.st[top];
    setST(f, 0, f.st[pi]);
    setST(f, idx, a);
    return;
  }
  let a = getST(f, 0), b = getST(f, idx);
  const e0 = isEmpty(f, 0), ei = isEmpty(f, idx);
  if (e0 || ei) {
    if (!underflow(f)) return;
    if (e0) a = INDEFINITE;
    if (ei) b = INDEFINITE;
  } else {
    clearC1(f);
  }
  setST(f, 0, b);
  setST(f, idx, a);
}

// ---- packed BCD ---------------------------------------------------------------------------

const fbld: Exec = (cpu, i, o) => {
  const off = enterMem(cpu, i, o);
  const f = cpu.fpu;
  let v = 0;
  for (let k = 8; k >= 0; k--) {
    const b = cpu.read(i.seg, addressPlus(NUM, i, off, k), 1);
    v = v * 100 + (b >> 4) * 10 + (b & 15);
  }
  const neg = cpu.read(i.seg, addressPlus(NUM, i, off, 9), 1) & 0x80;
  record(cpu, i, off >>> 0);
  if (!isEmpty(f, 7)) {
    if (overflow(f)) pushST(f, INDEFINITE);
    return;
  }
  clearC1(f);
  pushST(f, neg ? -v : v);
};

const fbstp: Exec = (cpu, i, o) => {
  const off = enterMem(cpu, i, o);
  probeWrite(cpu, i.seg, off, 10);
  record(cpu, i, off >>> 0);
  const f = cpu.fpu;
  const bytes = new Array<number>(10).fill(0);
  if (isEmpty(f, 0)) {
    if (!underflow(f)) return;
    bytes[7] = 0xc0; bytes[8] = 0xff; bytes[9] = 0xff; // packed BCD indefinite
  } else {
    const v = getST(f, 0);
    const r = roundInt(v, rc(f));
    if (!(Math.abs(r) < 1e18)) {
      if (!signal(f, FSW_IE)) return;
      bytes[7] = 0xc0; bytes[8] = 0xff; bytes[9] = 0xff;
    } else {
      if (r !== v) signal(f, FSW_PE); // stored whether PE is masked or not
      setC1(f, Math.abs(r) > Math.abs(v));
      let n = BigInt(Math.abs(r));
      for (let k = 0; k < 9; k++) {
        const lo = Number(n % 10n); n /= 10n;
        const hi = Number(n % 10n); n /= 10n;
        bytes[k] = (hi << 4) | lo;
      }
      bytes[9] = signBit(v) ? 0x80 : 0;
    }
  }
  for (let k = 0; k < 10; k++) cpu.write(i.seg, addressPlus(NUM, i, off, k), 1, bytes[k]);
  popST(f);
};

// ---- the rows -----------------------------------------------------------------------------


export const loadStoreRows: RowSpec[] = [
  { op: 'D9 /0 m', mn: 'fld', args: 'Mfs', x87: memCall('x87Load', Fmt.F32) },
  { op: 'DD /0 m', mn: 'fld', args: 'Mfd', x87: memCall('x87Load', Fmt.F64) },
  { op: 'DB /5 m', mn: 'fld', args: 'Mft', x87: memCall('x87Load', Fmt.F80) },
  { op: 'D9 /0 r', mn: 'fld', args: 'STi', x87: regCall('x87LoadReg', FROM_RM) },
  { op: 'D9 /2 m', mn: 'fst', args: 'Mfs', x87: storeCall('x87Store', Fmt.F32, 0) },
  { op: 'DD /2 m', mn: 'fst', args: 'Mfd', x87: storeCall('x87Store', Fmt.F64, 0) },
  { op: 'D9 /3 m', mn: 'fstp', args: 'Mfs', x87: storeCall('x87Store', Fmt.F32, 1) },
  { op: 'DD /3 m', mn: 'fstp', args: 'Mfd', x87: storeCall('x87Store', Fmt.F64, 1) },
  { op: 'DB /7 m', mn: 'fstp', args: 'Mft', x87: storeCall('x87Store', Fmt.F80, 1) },
  { op: 'DD /2 r', mn: 'fst', args: 'STi', x87: regCall('x87StoreReg', FROM_RM, 0) },
  { op: 'DD /3 r', mn: 'fstp', args: 'STi', x87: regCall('x87StoreReg', FROM_RM, 1) },
  { op: 'DF /0 m', mn: 'fild', args: 'Mfw', x87: memCall('x87Load', Fmt.I16) },
  { op: 'DB /0 m', mn: 'fild', args: 'Mfdi', x87: memCall('x87Load', Fmt.I32) },
  { op: 'DF /5 m', mn: 'fild', args: 'Mfq', x87: memCall('x87Load', Fmt.I64) },
  { op: 'DF /2 m', mn: 'fist', args: 'Mfw', x87: storeCall('x87Store', Fmt.I16, 0) },
  { op: 'DB /2 m', mn: 'fist', args: 'Mfdi', x87: storeCall('x87Store', Fmt.I32, 0) },
  { op: 'DF /3 m', mn: 'fistp', args: 'Mfw', x87: storeCall('x87Store', Fmt.I16, 1) },
  { op: 'DB /3 m', mn: 'fistp', args: 'Mfdi', x87: storeCall('x87Store', Fmt.I32, 1) },
  { op: 'DF /7 m', mn: 'fistp', args: 'Mfq', x87: storeCall('x87Store', Fmt.I64, 1) },
  { op: 'DF /4 m', mn: 'fbld', args: 'Mt', exec: fbld },
  { op: 'DF /6 m', mn: 'fbstp', args: 'Mt', exec: fbstp },
  { op: 'D9 /1 r', mn: 'fxch', args: 'STi', x87: regCall('x87Exchange', FROM_RM) },
  ...CONSTANTS.map(([m, mn], k): RowSpec => ({ op: `D9 ${m}`, mn, x87: regCall('x87LoadConst', k) })),
];
