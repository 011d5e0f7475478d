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
import type { Exec, Ops } from '../ops.ts';
import type { Instr } from '../../isa/instr.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import type { Fpu } from '../../cpu/fpu-state.ts';
import { Access } from '../../cpu/mmu.ts';
import { NUM } from '../../base/arith.ts';
import { addressPlus } from '../operands.ts';
import {
  INDEFINITE, decodeF80, encodeF80, fromBits, fromFloat32, highBits, isSignaling, lowBits, nanToFloat32, quiet, roundInt,
  signBit, toFloat32,
} from './fpu-float80.ts';
import {
  FSW_DE, FSW_IE, FSW_OE, FSW_PE, FSW_UE, clearC1, enter, enterMem, getST, isEmpty, overflow, popST, pushChecked, pushST,
  rc, record, setC1, setST, signal, underflow,
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

/** Read a memory operand as a double; float loads report SNaN (IE) and denormal (DE) operands. */
function loadMem(cpu: Cpu, i: Instr, fmt: Fmt, off: number): { v: number; exc: number } {
  const seg = i.seg;
  switch (fmt) {
    case Fmt.F32: {
      const bits = cpu.read(seg, off, 4) >>> 0;
      const v = fromFloat32(bits);
      const exc = isSignaling(v) ? FSW_IE : (bits & 0x7f800000) === 0 && bits & 0x7fffff ? FSW_DE : 0;
      return { v: exc & FSW_IE ? quiet(v) : v, exc };
    }
    case Fmt.F64: {
      const lo = cpu.read(seg, off, 4), hi = cpu.read(seg, addressPlus(NUM, i, off, 4), 4);
      const v = fromBits(lo, hi);
      const exc = isSignaling(v) ? FSW_IE : (hi & 0x7ff00000) === 0 && (hi & 0xfffff || lo) ? FSW_DE : 0;
      return { v: exc & FSW_IE ? quiet(v) : v, exc };
    }
    case Fmt.F80: {
      const lo = cpu.read(seg, off, 4), hi = cpu.read(seg, addressPlus(NUM, i, off, 4), 4), se = cpu.read(seg, addressPlus(NUM, i, off, 8), 2);
      const v = decodeF80(lo, hi, se);
      if (v === undefined) return { v: INDEFINITE, exc: FSW_IE };
      if (isSignaling(v)) return { v: quiet(v), exc: FSW_IE };
      return { v, exc: (se & 0x7fff) === 0 && (hi || lo) ? FSW_DE : 0 };
    }
    case Fmt.I16: return { v: (cpu.read(seg, off, 2) << 16) >> 16, exc: 0 };
    case Fmt.I32: return { v: cpu.read(seg, off, 4) | 0, exc: 0 };
    case Fmt.I64: {
      const lo = cpu.read(seg, off, 4), hi = cpu.read(seg, addressPlus(NUM, i, off, 4), 4);
      return { v: (hi | 0) * 4294967296 + (lo >>> 0), exc: 0 };
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

function writeParts(cpu: Cpu, i: Instr, off: number, fmt: Fmt, parts: number[]): void {
  const size = FMT_SIZE[fmt];
  if (fmt === Fmt.I16) { cpu.write(i.seg, off, 2, parts[0]); return; }
  cpu.write(i.seg, off, 4, parts[0]);
  if (size > 4) cpu.write(i.seg, addressPlus(NUM, i, off, 4), 4, parts[1]);
  if (size > 8) cpu.write(i.seg, addressPlus(NUM, i, off, 8), 2, parts[2]);
}

// ---- loads and stores -----------------------------------------------------------------

/** The memory source operand of a waiting instruction: pending exceptions first, then the load, then the pointers. */
export function loadSource(cpu: Cpu, i: Instr, o: Ops<number>, fmt: Fmt): { v: number; exc: number } {
  const off = enterMem(cpu, i, o);
  const m = loadMem(cpu, i, fmt, off);
  record(cpu, i, off >>> 0);
  return m;
}

function fldMem(fmt: Fmt): Exec {
  return (cpu, i, o) => {
    const f = cpu.fpu;
    const { v, exc } = loadSource(cpu, i, o, fmt);
    if (!isEmpty(f, 7)) {
      if (overflow(f)) pushST(f, INDEFINITE);
      return;
    }
    clearC1(f);
    if (exc && !signal(f, exc)) return;
    pushST(f, v);
  };
}

const fldReg: Exec = (cpu, i) => {
  enter(cpu, i);
  const f = cpu.fpu;
  let v = getST(f, i.rm);
  if (isEmpty(f, i.rm)) {
    if (!underflow(f)) return;
    v = INDEFINITE;
  }
  if (!isEmpty(f, 7)) {
    if (overflow(f)) pushST(f, INDEFINITE);
    return;
  }
  clearC1(f);
  pushST(f, v);
};

function fstMem(fmt: Fmt, pop: boolean): Exec {
  return (cpu, i, o) => {
    const off = enterMem(cpu, i, o);
    probeWrite(cpu, i.seg, off, FMT_SIZE[fmt]);
    record(cpu, i, off >>> 0);
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
    writeParts(cpu, i, off, fmt, img.parts);
    if (pop) popST(f);
  };
}

function fstReg(pop: boolean): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    let v = getST(f, 0);
    if (isEmpty(f, 0)) {
      if (!underflow(f)) return;
      v = INDEFINITE;
    } else {
      clearC1(f);
      if (isSignaling(v)) { if (!signal(f, FSW_IE)) return; v = quiet(v); }
    }
    setST(f, i.rm, v);
    if (pop) popST(f);
  };
}

function fldConst(v: number): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    clearC1(f);
    pushChecked(f, v);
  };
}

const fxch: Exec = (cpu, i) => {
  enter(cpu, i);
  const f = cpu.fpu;
  let a = getST(f, 0), b = getST(f, i.rm);
  const e0 = isEmpty(f, 0), ei = isEmpty(f, i.rm);
  if (e0 || ei) {
    if (!underflow(f)) return;
    if (e0) a = INDEFINITE;
    if (ei) b = INDEFINITE;
  } else {
    clearC1(f);
  }
  setST(f, 0, b);
  setST(f, i.rm, a);
};

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

const CONSTANTS: [string, string, number][] = [
  ['E8', 'fld1', 1], ['E9', 'fldl2t', Math.log2(10)], ['EA', 'fldl2e', Math.LOG2E], ['EB', 'fldpi', Math.PI],
  ['EC', 'fldlg2', Math.log10(2)], ['ED', 'fldln2', Math.LN2], ['EE', 'fldz', 0],
];

export const loadStoreRows: RowSpec[] = [
  { op: 'D9 /0 m', mn: 'fld', args: 'Mfs', exec: fldMem(Fmt.F32) },
  { op: 'DD /0 m', mn: 'fld', args: 'Mfd', exec: fldMem(Fmt.F64) },
  { op: 'DB /5 m', mn: 'fld', args: 'Mft', exec: fldMem(Fmt.F80) },
  { op: 'D9 /0 r', mn: 'fld', args: 'STi', exec: fldReg },
  { op: 'D9 /2 m', mn: 'fst', args: 'Mfs', exec: fstMem(Fmt.F32, false) },
  { op: 'DD /2 m', mn: 'fst', args: 'Mfd', exec: fstMem(Fmt.F64, false) },
  { op: 'D9 /3 m', mn: 'fstp', args: 'Mfs', exec: fstMem(Fmt.F32, true) },
  { op: 'DD /3 m', mn: 'fstp', args: 'Mfd', exec: fstMem(Fmt.F64, true) },
  { op: 'DB /7 m', mn: 'fstp', args: 'Mft', exec: fstMem(Fmt.F80, true) },
  { op: 'DD /2 r', mn: 'fst', args: 'STi', exec: fstReg(false) },
  { op: 'DD /3 r', mn: 'fstp', args: 'STi', exec: fstReg(true) },
  { op: 'DF /0 m', mn: 'fild', args: 'Mfw', exec: fldMem(Fmt.I16) },
  { op: 'DB /0 m', mn: 'fild', args: 'Mfdi', exec: fldMem(Fmt.I32) },
  { op: 'DF /5 m', mn: 'fild', args: 'Mfq', exec: fldMem(Fmt.I64) },
  { op: 'DF /2 m', mn: 'fist', args: 'Mfw', exec: fstMem(Fmt.I16, false) },
  { op: 'DB /2 m', mn: 'fist', args: 'Mfdi', exec: fstMem(Fmt.I32, false) },
  { op: 'DF /3 m', mn: 'fistp', args: 'Mfw', exec: fstMem(Fmt.I16, true) },
  { op: 'DB /3 m', mn: 'fistp', args: 'Mfdi', exec: fstMem(Fmt.I32, true) },
  { op: 'DF /7 m', mn: 'fistp', args: 'Mfq', exec: fstMem(Fmt.I64, true) },
  { op: 'DF /4 m', mn: 'fbld', args: 'Mt', exec: fbld },
  { op: 'DF /6 m', mn: 'fbstp', args: 'Mt', exec: fbstp },
  { op: 'D9 /1 r', mn: 'fxch', args: 'STi', exec: fxch },
  ...CONSTANTS.map(([m, mn, v]): RowSpec => ({ op: `D9 ${m}`, mn, exec: fldConst(v) })),
];
