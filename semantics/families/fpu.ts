/**
 * The x87 floating-point unit: loads and stores of every memory format,
 * constants, the arithmetic families in all their forms (memory, register,
 * reversed, popping, integer), compares (status-word and EFLAGS forms),
 * fcmovcc, the transcendental helpers, and the control instructions
 * (fninit, fnclex, fldcw/fnstcw, fnstsw, fnstenv/fldenv, fnsave/frstor,
 * ffree, fincstp/fdecstp). Every row is a helper (`exec`) working on
 * `cpu.fpu` (cpu/fpu-state.ts): physical registers R0..R7, TOP, the tag
 * word, control and status words, last-instruction pointers.
 *
 * Where JS doubles differ from the 80-bit format. Registers hold IEEE
 * doubles, so:
 *  - precision is always 53 bits, whatever the control word's PC field says
 *    (PC is stored and reported, never applied); gcc code that keeps
 *    temporaries in registers gets double-rounded results in the last bit
 *    where the hardware would carry 64;
 *  - the exponent range is the double one: results beyond ~1.8e308 overflow
 *    to infinity (OE) and below ~4.9e-324 flush to zero, where extended
 *    precision would still hold them; a double denormal is a normal number
 *    in extended format (tag valid, fxam "normal"), and UE is only raised
 *    when narrowing to float32;
 *  - fld m80 rounds a 64-bit significand to 53 bits (fstp m80 is exact), and
 *    fild m64 rounds integers beyond 2^53; NaN payloads keep their top 51
 *    bits only;
 *  - arithmetic honours RC (directed modes are corrected from the host's
 *    round-to-nearest result by error-free transforms), sets PE when inexact
 *    and C1 when rounded up, for + - * / and fsqrt; the transcendental
 *    instructions use Math.* (not the hardware's 66-bit pi reduction, PE not
 *    reported);
 *  - fprem/fprem1 always complete the reduction in one step (C2 = 0), where
 *    the hardware does partial reductions when the exponents differ by 64 or
 *    more; the remainder and quotient bits are exact.
 *
 * Exceptions: all six are detected as described above; masked ones get the
 * IEEE masked response exactly (QNaN indefinite, integer indefinite, signed
 * infinity on divide-by-zero). For an unmasked IE or ZE (stack faults
 * included) the destination and TOP are left unchanged and ES/B are set; the
 * next waiting x87 instruction then raises #MF when CR0.NE is set (see
 * `fpuPending`, which fwait also calls); fninit, fnclex, fnstcw, fnstsw,
 * fnstenv and fnsave do not wait. An unmasked OE/UE on a store to memory
 * writes nothing, as the hardware does. Missing for unmasked exceptions:
 * OE/UE with a register destination do not deliver the exponent-biased
 * result (the masked result is stored), and with CR0.NE clear no
 * FERR#/IRQ 13 is signalled: the instruction proceeds as if IGNNE# were
 * asserted.
 */
import type { RowSpec } from '../../isa/table.ts';
import type { Exec, Ops } from '../ops.ts';
import type { Instr } from '../../isa/instr.ts';
import { Seg } from '../../isa/instr.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import type { Fpu } from '../../cpu/fpu-state.ts';
import { FPU_TAG_EMPTY, FPU_TAG_SPECIAL, FPU_TAG_VALID, FPU_TAG_ZERO } from '../../cpu/fpu-state.ts';
import { Fault, Vec } from '../../isa/faults.ts';
import { Access, CR0_NE } from '../../cpu/mmu.ts';
import { AF, ARITH, CF, OF, PF, SF as EF_SF, VM, ZF } from '../../isa/eflags.ts';
import {
  INDEFINITE, decodeF80, directed, encodeF80, errorSign, frexp, fromBits, fromFloat32, highBits, isSignaling, ldexp,
  lowBits, nanToFloat32, quiet, roundInt, signBit, toFloat32, RC_NEAREST, RC_DOWN, RC_UP, RC_CHOP,
} from './fpu-float80.ts';
import { addressPlus } from '../operands.ts';
import { NUM } from '../../base/arith.ts';

// ---- status and control word bits ------------------------------------------------------

export const FSW_IE = 0x1, FSW_DE = 0x2, FSW_ZE = 0x4, FSW_OE = 0x8, FSW_UE = 0x10, FSW_PE = 0x20;
export const FSW_SF = 0x40, FSW_ES = 0x80, FSW_C0 = 0x100, FSW_C1 = 0x200, FSW_C2 = 0x400, FSW_C3 = 0x4000, FSW_B = 0x8000;
const FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;
const EXC = 0x3f;

function rc(f: Fpu): number {
  return (f.cw >> 10) & 3;
}

/**
 * Record exceptions in the status word. Returns true when the masked
 * response applies (every exception raised is masked); otherwise ES and B
 * are set and the caller leaves its destination alone.
 */
function signal(f: Fpu, e: number): boolean {
  f.sw |= e;
  if (e & ~f.cw & EXC) {
    f.sw |= FSW_ES | FSW_B;
    return false;
  }
  return true;
}

/** Stack underflow (an empty register read): IE+SF, C1 clear. */
function underflow(f: Fpu): boolean {
  f.sw &= ~FSW_C1;
  return signal(f, FSW_IE | FSW_SF);
}

/** Stack overflow (push onto a full register): IE+SF, C1 set. */
function overflow(f: Fpu): boolean {
  f.sw |= FSW_C1;
  return signal(f, FSW_IE | FSW_SF);
}

// ---- register stack ----------------------------------------------------------------------

export function tagFor(v: number): number {
  if (v === 0) return FPU_TAG_ZERO;
  return isFinite(v) ? FPU_TAG_VALID : FPU_TAG_SPECIAL;
}

export function isEmpty(f: Fpu, i: number): boolean {
  return ((f.tags >> (((f.top + i) & 7) * 2)) & 3) === FPU_TAG_EMPTY;
}

export function getST(f: Fpu, i: number): number {
  return f.st[(f.top + i) & 7];
}

export function setST(f: Fpu, i: number, v: number): void {
  const p = (f.top + i) & 7;
  f.st[p] = v;
  f.tags = (f.tags & ~(3 << (p * 2))) | (tagFor(v) << (p * 2));
}

export function pushST(f: Fpu, v: number): void {
  f.top = (f.top - 1) & 7;
  setST(f, 0, v);
}

export function popST(f: Fpu): void {
  f.tags |= 3 << (f.top * 2);
  f.top = (f.top + 1) & 7;
}

/** Push with the overflow check: a full ST(7) gives the indefinite (masked) or nothing (unmasked). */
function pushChecked(f: Fpu, v: number): void {
  if (!isEmpty(f, 7)) {
    if (!overflow(f)) return;
    v = INDEFINITE;
  }
  pushST(f, v);
}

/** Flip or clear the sign bit by bits (JS negation does not reliably move a NaN's sign). */
function withSign(v: number, neg: boolean): number {
  const h = highBits(v);
  return fromBits(lowBits(v), neg ? h | 0x80000000 : h & 0x7fffffff);
}

/** The NaN result of an operation with NaN operands: the larger significand wins, quieted. */
function nanResult(a: number, b: number): number {
  if (a !== a && b !== b) {
    const ha = highBits(a) & 0x7fffffff, hb = highBits(b) & 0x7fffffff;
    const pickA = ha !== hb ? ha > hb : lowBits(a) >= lowBits(b);
    return quiet(pickA ? a : b);
  }
  return quiet(a !== a ? a : b);
}

// ---- memory operands ------------------------------------------------------------------



/** Check that `size` bytes at seg:off can be written (segment and paging), before a multi-part store. */
function probeWrite(cpu: Cpu, seg: number, off: number, size: number): void {
  const lin = cpu.linear(seg, off, size, true);
  cpu.mmu.translate(lin, Access.WRITE);
  if ((lin & 0xfff) + size > 0x1000) cpu.mmu.translate((lin + size - 1) | 0, Access.WRITE);
}

/** The memory formats of x87 operands. */
const enum Fmt { F32, F64, F80, I16, I32, I64 }

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

// ---- instruction entry ----------------------------------------------------------------

/**
 * A pending unmasked exception (ES set) is reported by the next waiting x87
 * instruction: #MF with CR0.NE set. Exported for fwait.
 */
export function fpuPending(cpu: Cpu): void {
  if (cpu.fpu.sw & FSW_ES && cpu.cr0 & CR0_NE) throw new Fault(Vec.MF);
}

/** Recompute ES/B after the control or status word was loaded (a newly unmasked pending flag counts). */
function recomputeES(f: Fpu): void {
  if (f.sw & ~f.cw & EXC) f.sw |= FSW_ES | FSW_B;
  else f.sw &= ~(FSW_ES | FSW_B);
}

/**
 * Record the instruction (and data) pointer and opcode that fnstenv/fnsave
 * report. Called once the instruction can no longer fault, so a restarted
 * instruction leaves them as they were.
 */
function record(cpu: Cpu, i: Instr, memOff: number): void {
  const f = cpu.fpu;
  f.fip = i.eip;
  f.fcs = cpu.segSel[Seg.CS];
  f.fop = ((i.opcode & 7) << 8) | ((i.mod & 3) << 6) | ((i.reg & 7) << 3) | (i.rm & 7);
  if (memOff >= 0) {
    f.fdp = memOff;
    f.fds = cpu.segSel[i.seg];
  }
}

/** Start of a waiting register-form instruction: report a pending exception, record the pointers. */
function enter(cpu: Cpu, i: Instr): void {
  fpuPending(cpu);
  record(cpu, i, -1);
}

/**
 * Start of a waiting memory-form instruction: report a pending exception and
 * return the operand's offset. The caller reads (or probes for writing) its
 * operand and then calls record().
 */
function enterMem(cpu: Cpu, i: Instr, o: Ops<number>): number {
  fpuPending(cpu);
  return o.ea(i, 0);
}

function clearC1(f: Fpu): void {
  f.sw &= ~FSW_C1;
}

function setC1(f: Fpu, up: boolean): void {
  f.sw = up ? f.sw | FSW_C1 : f.sw & ~FSW_C1;
}

// ---- loads and stores -----------------------------------------------------------------

function fldMem(fmt: Fmt): Exec {
  return (cpu, i, o) => {
    const off = enterMem(cpu, i, o);
    const f = cpu.fpu;
    const { v, exc } = loadMem(cpu, i, fmt, off);
    record(cpu, i, off >>> 0);
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

// ---- arithmetic -----------------------------------------------------------------------

/** Order of the D8/DC/DE (and DA/DE integer) groups by ModRM.reg */
const enum A { ADD, MUL, COM, COMP, SUB, SUBR, DIV, DIVR }

/**
 * dst op src for one of the arithmetic kinds, with the exception flags it
 * raises. The reversed kinds compute src op dst.
 */
/** What the last compute() raised and whether it rounded away from zero (scratch: no object per operation). */
let computedExc = 0;
let computedUp = false;

function compute(f: Fpu, kind: A, dst: number, src: number): number {
  let x = dst, y = src;
  if (kind === A.SUBR || kind === A.DIVR) { x = src; y = dst; }
  if (x !== x || y !== y) {
    computedExc = isSignaling(x) || isSignaling(y) ? FSW_IE : 0;
    computedUp = false;
    return nanResult(x, y);
  }
  let r: number;
  let err: number;
  const mode = rc(f);
  switch (kind) {
    case A.ADD: r = x + y; err = errorSign('add', x, y, r); break;
    case A.SUB: case A.SUBR: r = x - y; err = errorSign('add', x, -y, r); break;
    case A.MUL: r = x * y; err = errorSign('mul', x, y, r); break;
    default: r = x / y; err = errorSign('div', x, y, r); break;
  }
  if (r !== r) { computedExc = FSW_IE; computedUp = false; return INDEFINITE; }
  let exc = 0;
  if ((kind === A.DIV || kind === A.DIVR) && y === 0 && isFinite(x)) exc |= FSW_ZE;
  else if (!isFinite(r) && isFinite(x) && isFinite(y)) {
    exc |= FSW_OE | FSW_PE;
    // overflow under a directed mode that rounds toward zero gives the largest finite value
    if (mode === RC_CHOP || (mode === RC_DOWN && r > 0) || (mode === RC_UP && r < 0)) r = r > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
  }
  if (r === 0 && err === 0 && (kind === A.ADD || kind === A.SUB || kind === A.SUBR)) {
    // an exact zero sum of operands of opposite sign is -0 only when rounding down
    const same = kind === A.ADD ? signBit(x) === signBit(y) : signBit(x) !== signBit(y);
    if (!(same && x === 0 && y === 0)) r = mode === RC_DOWN ? -0 : 0;
  }
  let up = false;
  if (err !== 0) {
    exc |= FSW_PE;
    r = directed(r, err, mode);
    // C1 reports rounding away from zero (the delivered magnitude exceeds the exact one)
    up = r !== 0 && (r > 0 ? directedAbove(err, mode, r) : !directedAbove(err, mode, r));
  }
  computedExc = exc;
  computedUp = up;
  return r;
}

/** After directed(), is the delivered result above the exact value? */
function directedAbove(err: number, mode: number, r: number): boolean {
  switch (mode) {
    case RC_DOWN: return false;
    case RC_UP: return true;
    case RC_CHOP: return r < 0;
    case RC_NEAREST: default: return err < 0;
  }
}

/** Store an arithmetic result into ST(idx), applying the masked/unmasked rules; false when suppressed. */
function deliver(f: Fpu, idx: number, r: number, exc: number, up: boolean): boolean {
  setC1(f, up);
  if (exc && !signal(f, exc) && exc & (FSW_IE | FSW_ZE)) return false;
  setST(f, idx, r);
  return true;
}

/** ST0 = ST0 op m (float or integer memory operand); compares handled by compareMem */
function arithMem(kind: A, fmt: Fmt): Exec {
  return (cpu, i, o) => {
    const off = enterMem(cpu, i, o);
    const f = cpu.fpu;
    const m = loadMem(cpu, i, fmt, off);
    record(cpu, i, off >>> 0);
    if (isEmpty(f, 0)) {
      if (underflow(f)) setST(f, 0, INDEFINITE);
      return;
    }
    const r = compute(f, kind, getST(f, 0), m.v);
    deliver(f, 0, r, computedExc | m.exc, computedUp);
  };
}

/**
 * Register forms. toSti false: ST0 = ST0 op ST(i) (D8). toSti true:
 * ST(i) = ST(i) op ST0 (DC, DE), popping for DE.
 */
function arithReg(kind: A, toSti: boolean, pop: boolean): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    const d = toSti ? i.rm : 0, s = toSti ? 0 : i.rm;
    if (isEmpty(f, d) || isEmpty(f, s)) {
      if (!underflow(f)) return;
      setST(f, d, INDEFINITE);
    } else {
      const r = compute(f, kind, getST(f, d), getST(f, s));
      if (!deliver(f, d, r, computedExc, computedUp)) return;
    }
    if (pop) popST(f);
  };
}

// ---- compares ---------------------------------------------------------------------------

/** 0: greater, 1: less, 2: equal, 3: unordered */
function order(a: number, b: number): number {
  if (a !== a || b !== b) return 3;
  return a > b ? 0 : a < b ? 1 : 2;
}

const CC_OF_ORDER = [0, FSW_C0, FSW_C3, FSW_C0 | FSW_C2 | FSW_C3];
const EFLAGS_OF_ORDER = [0, CF, ZF, ZF | PF | CF];

/**
 * Compare ST0 with `b` (or report the empty-register underflow) and set C0
 * C2 C3 or ZF PF CF. unordered: fucom forms, where only an SNaN is invalid.
 * Returns false when an unmasked exception suppresses the result (and any pop).
 */
function doCompare(cpu: Cpu, a: number, b: number, emptyOperand: boolean, unordered: boolean, eflags: boolean, exc0 = 0): boolean {
  const f = cpu.fpu;
  let o: number;
  let exc = exc0;
  if (emptyOperand) {
    exc |= FSW_IE | FSW_SF;
    o = 3;
  } else {
    o = order(a, b);
    if (o === 3 && (!unordered || isSignaling(a) || isSignaling(b))) exc |= FSW_IE;
  }
  clearC1(f);
  if (exc && !signal(f, exc) && exc & FSW_IE) return false;
  if (eflags) {
    const v = EFLAGS_OF_ORDER[o];
    cpu.setFlag(ZF, v & ZF); cpu.setFlag(PF, v & PF); cpu.setFlag(CF, v & CF);
    cpu.setFlag(OF, 0); cpu.setFlag(EF_SF, 0); cpu.setFlag(AF, 0);
  } else {
    f.sw = (f.sw & ~(FSW_C0 | FSW_C2 | FSW_C3)) | CC_OF_ORDER[o];
  }
  return true;
}

function compareMem(fmt: Fmt, pop: boolean): Exec {
  return (cpu, i, o) => {
    const off = enterMem(cpu, i, o);
    const f = cpu.fpu;
    const m = loadMem(cpu, i, fmt, off);
    record(cpu, i, off >>> 0);
    if (doCompare(cpu, getST(f, 0), m.v, isEmpty(f, 0), false, false, m.exc) && pop) popST(f);
  };
}

/** fcom/fcomp/fucom/fucomp ST(i), fcomi/fucomi(p) ST0,ST(i); pops: how many to pop after */
function compareReg(unordered: boolean, eflags: boolean, pops: number, fixedIdx = -1): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    const idx = fixedIdx >= 0 ? fixedIdx : i.rm;
    if (doCompare(cpu, getST(f, 0), getST(f, idx), isEmpty(f, 0) || isEmpty(f, idx), unordered, eflags)) {
      for (let k = 0; k < pops; k++) popST(f);
    }
  };
}

const ftst: Exec = (cpu, i) => {
  enter(cpu, i);
  const f = cpu.fpu;
  doCompare(cpu, getST(f, 0), 0, isEmpty(f, 0), false, false);
};

const fxam: Exec = (cpu, i) => {
  enter(cpu, i);
  const f = cpu.fpu;
  const v = getST(f, 0);
  let cc: number;
  if (isEmpty(f, 0)) cc = FSW_C3 | FSW_C0;
  else if (v !== v) cc = FSW_C0;
  else if (!isFinite(v)) cc = FSW_C2 | FSW_C0;
  else if (v === 0) cc = FSW_C3;
  else cc = FSW_C2; // every double is a normal extended number
  f.sw = (f.sw & ~FSW_CC) | cc | (signBit(v) ? FSW_C1 : 0);
};

/** fcmovcc: ST0 = ST(i) if the EFLAGS condition holds */
function fcmov(cc: number): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    if (isEmpty(f, 0) || isEmpty(f, i.rm)) {
      if (underflow(f)) setST(f, 0, INDEFINITE);
      return;
    }
    clearC1(f);
    if (cpu.cond(cc)) setST(f, 0, getST(f, i.rm));
  };
}

// ---- one-operand and special instructions ---------------------------------------------

/** Run `fn` on a non-empty ST0 (underflow response otherwise). */
function unary(fn: (f: Fpu, v: number) => void): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    if (isEmpty(f, 0)) {
      if (underflow(f)) setST(f, 0, INDEFINITE);
      return;
    }
    clearC1(f);
    fn(f, getST(f, 0));
  };
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

const fchs = unary((f, v) => setST(f, 0, withSign(v, !signBit(v))));
const fabs = unary((f, v) => setST(f, 0, withSign(v, false)));

const fsqrt = unary((f, v) => {
  if (v < 0) { unaryResult(f, 0, v, NaN); return; }
  let r = Math.sqrt(v);
  const err = errorSign('sqrt', v, 0, r);
  if (err) {
    r = directed(r, err, rc(f));
    setC1(f, r !== 0 && directedAbove(err, rc(f), r));
  }
  unaryResult(f, 0, v, r, err ? FSW_PE : 0);
});

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
    f.sw &= ~(FSW_C1 | FSW_C2);
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

// ---- control ------------------------------------------------------------------------------

/** fninit, and the reinitialisation after fnsave */
export function fpuInit(f: Fpu): void {
  f.cw = 0x37f;
  f.sw = 0;
  f.top = 0;
  f.tags = 0xffff;
  f.fip = f.fcs = f.fdp = f.fds = f.fop = 0;
}

const fninit: Exec = (cpu) => fpuInit(cpu.fpu);

const fnclex: Exec = (cpu) => {
  cpu.fpu.sw &= ~(EXC | FSW_SF | FSW_ES | FSW_B);
};

const fldcw: Exec = (cpu, i, o) => {
  fpuPending(cpu);
  const f = cpu.fpu;
  f.cw = cpu.read(i.seg, o.ea(i, 0), 2) | 0x40; // bit 6 reads as 1
  recomputeES(f);
};

const fnstcw: Exec = (cpu, i, o) => cpu.write(i.seg, o.ea(i, 0), 2, cpu.fpu.cw);
const fnstswMem: Exec = (cpu, i, o) => cpu.write(i.seg, o.ea(i, 0), 2, cpu.fpu.status());
const fnstswAx: Exec = (cpu) => cpu.setReg(0, 2, cpu.fpu.status());

/** The full tag word as fnstenv reports it: empty stays empty, the rest classified from the contents. */
export function tagWord(f: Fpu): number {
  let tw = 0;
  for (let p = 0; p < 8; p++) {
    const t = ((f.tags >> (p * 2)) & 3) === FPU_TAG_EMPTY ? FPU_TAG_EMPTY : tagFor(f.st[p]);
    tw |= t << (p * 2);
  }
  return tw;
}

/** Only empty vs. non-empty is taken from a loaded tag word; the classes are recomputed. */
function loadTagWord(f: Fpu, tw: number): void {
  let tags = 0;
  for (let p = 0; p < 8; p++) {
    const t = ((tw >> (p * 2)) & 3) === FPU_TAG_EMPTY ? FPU_TAG_EMPTY : tagFor(f.st[p]);
    tags |= t << (p * 2);
  }
  f.tags = tags;
}

function envSize(i: Instr): number {
  return i.opsize === 4 ? 28 : 14;
}

/** Protected-mode layout unless in real or virtual-8086 mode. */
function pmodeEnv(cpu: Cpu): boolean {
  return cpu.protectedMode && !(cpu.eflags & VM);
}

/** The environment image as 16-bit (14-byte) or 32-bit (28-byte) words. */
function envImage(cpu: Cpu, size32: boolean): number[] {
  const f = cpu.fpu;
  const cw = f.cw, sw = f.status(), tw = tagWord(f);
  if (pmodeEnv(cpu)) {
    if (size32) {
      // reserved upper halves read as ones
      return [cw | 0xffff0000, sw | 0xffff0000, tw | 0xffff0000, f.fip, (f.fcs & 0xffff) | ((f.fop & 0x7ff) << 16), f.fdp, (f.fds & 0xffff) | 0xffff0000];
    }
    return [cw, sw, tw, f.fip & 0xffff, f.fcs, f.fdp & 0xffff, f.fds];
  }
  // real mode: 20-bit linear pointers (segment * 16 + offset) and the opcode
  const ip = ((f.fcs << 4) + f.fip) >>> 0, dp = ((f.fds << 4) + f.fdp) >>> 0;
  if (size32) {
    return [cw | 0xffff0000, sw | 0xffff0000, tw | 0xffff0000, (ip & 0xffff) | 0xffff0000, ((ip >>> 16) << 12) | (f.fop & 0x7ff),
      (dp & 0xffff) | 0xffff0000, (dp >>> 16) << 12];
  }
  return [cw, sw, tw, ip & 0xffff, ((ip >>> 16) << 12) | (f.fop & 0x7ff), dp & 0xffff, (dp >>> 16) << 12];
}

function writeEnv(cpu: Cpu, i: Instr, off: number): void {
  const words = envImage(cpu, i.opsize === 4);
  const w = i.opsize;
  for (let k = 0; k < 7; k++) cpu.write(i.seg, addressPlus(NUM, i, off, k * w), w, words[k]);
}

function readEnv(cpu: Cpu, i: Instr, off: number): number[] {
  const w = i.opsize;
  const words: number[] = [];
  for (let k = 0; k < 7; k++) words.push(cpu.read(i.seg, addressPlus(NUM, i, off, k * w), w) >>> 0);
  return words;
}

function applyEnv(cpu: Cpu, i: Instr, words: number[]): void {
  const f = cpu.fpu;
  f.cw = (words[0] & 0xffff) | 0x40;
  const sw = words[1] & 0xffff;
  f.sw = sw & ~0x3800;
  f.top = (sw >> 11) & 7;
  if (pmodeEnv(cpu)) {
    if (i.opsize === 4) {
      f.fip = words[3] | 0; f.fcs = words[4] & 0xffff; f.fop = (words[4] >>> 16) & 0x7ff;
      f.fdp = words[5] | 0; f.fds = words[6] & 0xffff;
    } else {
      f.fip = words[3] & 0xffff; f.fcs = words[4] & 0xffff; f.fdp = words[5] & 0xffff; f.fds = words[6] & 0xffff;
    }
  } else {
    // real-mode images hold linear pointers: keep them as offsets with selector 0
    f.fip = ((words[3] & 0xffff) | ((words[4] >>> 12) << 16)) | 0; f.fcs = 0; f.fop = words[4] & 0x7ff;
    f.fdp = ((words[5] & 0xffff) | ((words[6] >>> 12) << 16)) | 0; f.fds = 0;
  }
  loadTagWord(f, words[2] & 0xffff);
  recomputeES(f);
}

const fnstenv: Exec = (cpu, i, o) => {
  const off = o.ea(i, 0);
  probeWrite(cpu, i.seg, off, envSize(i));
  writeEnv(cpu, i, off);
  cpu.fpu.cw |= EXC; // fnstenv masks every exception after saving
};

const fldenv: Exec = (cpu, i, o) => {
  fpuPending(cpu);
  const off = o.ea(i, 0);
  applyEnv(cpu, i, readEnv(cpu, i, off));
};

const fnsave: Exec = (cpu, i, o) => {
  const off = o.ea(i, 0);
  const env = envSize(i);
  probeWrite(cpu, i.seg, off, env + 80);
  writeEnv(cpu, i, off);
  const f = cpu.fpu;
  for (let k = 0; k < 8; k++) {
    const e = encodeF80(getST(f, k));
    const slot = addressPlus(NUM, i, off, env + k * 10);
    cpu.write(i.seg, slot, 4, e.lo);
    cpu.write(i.seg, addressPlus(NUM, i, slot, 4), 4, e.hi);
    cpu.write(i.seg, addressPlus(NUM, i, slot, 8), 2, e.se);
  }
  fpuInit(f);
};

const frstor: Exec = (cpu, i, o) => {
  fpuPending(cpu);
  const off = o.ea(i, 0);
  const env = envSize(i);
  const words = readEnv(cpu, i, off);
  const regs: number[] = [];
  for (let k = 0; k < 8; k++) {
    const slot = addressPlus(NUM, i, off, env + k * 10);
    const v = decodeF80(cpu.read(i.seg, slot, 4), cpu.read(i.seg, addressPlus(NUM, i, slot, 4), 4), cpu.read(i.seg, addressPlus(NUM, i, slot, 8), 2));
    regs.push(v ?? INDEFINITE);
  }
  const f = cpu.fpu;
  // registers are stored in stack order: ST(k) lives in physical register (TOP + k)
  const top = (words[1] >> 11) & 7;
  for (let k = 0; k < 8; k++) f.st[(top + k) & 7] = regs[k];
  applyEnv(cpu, i, words);
};

const ffree: Exec = (cpu, i) => {
  enter(cpu, i);
  const f = cpu.fpu;
  f.tags |= 3 << (((f.top + i.rm) & 7) * 2);
};

const ffreep: Exec = (cpu, i, o) => {
  ffree(cpu, i, o);
  popST(cpu.fpu);
};

function stepTop(delta: number): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    f.top = (f.top + delta) & 7;
    clearC1(f);
  };
}

const fnop: Exec = (cpu, i) => enter(cpu, i);

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

const KIND_NAMES = ['add', 'mul', 'com', 'comp', 'sub', 'subr', 'div', 'divr'];

function arithRows(): RowSpec[] {
  const out: RowSpec[] = [];
  for (let k = 0; k < 8; k++) {
    const name = KIND_NAMES[k];
    const isCmp = k === A.COM || k === A.COMP;
    const pop = k === A.COMP;
    out.push(
      { op: `D8 /${k} m`, mn: `f${name}`, args: 'Mfs', exec: isCmp ? compareMem(Fmt.F32, pop) : arithMem(k, Fmt.F32) },
      { op: `DC /${k} m`, mn: `f${name}`, args: 'Mfd', exec: isCmp ? compareMem(Fmt.F64, pop) : arithMem(k, Fmt.F64) },
      { op: `DA /${k} m`, mn: `fi${name}`, args: 'Mfdi', exec: isCmp ? compareMem(Fmt.I32, pop) : arithMem(k, Fmt.I32) },
      { op: `DE /${k} m`, mn: `fi${name}`, args: 'Mfw', exec: isCmp ? compareMem(Fmt.I16, pop) : arithMem(k, Fmt.I16) },
    );
    if (isCmp) {
      out.push({ op: `D8 /${k} r`, mn: `f${name}`, args: 'STi', exec: compareReg(false, false, pop ? 1 : 0) });
      continue;
    }
    out.push({ op: `D8 /${k} r`, mn: `f${name}`, args: 'ST0,STi', exec: arithReg(k, false, false) });
    // DC/DE register forms write ST(i); there the sub/subr and div/divr encodings are swapped
    const kk = k >= A.SUB ? k ^ 1 : k;
    const mn = KIND_NAMES[kk];
    out.push(
      { op: `DC /${k} r`, mn: `f${mn}`, args: 'STi,ST0', exec: arithReg(kk, true, false) },
      { op: `DE /${k} r`, mn: `f${mn}p`, args: 'STi,ST0', exec: arithReg(kk, true, true) },
    );
  }
  return out;
}

const CONSTANTS: [string, string, number][] = [
  ['E8', 'fld1', 1], ['E9', 'fldl2t', Math.log2(10)], ['EA', 'fldl2e', Math.LOG2E], ['EB', 'fldpi', Math.PI],
  ['EC', 'fldlg2', Math.log10(2)], ['ED', 'fldln2', Math.LN2], ['EE', 'fldz', 0],
];

const specs: RowSpec[] = [
  // loads and stores
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

  // arithmetic
  ...arithRows(),
  { op: 'D9 E0', mn: 'fchs', exec: fchs },
  { op: 'D9 E1', mn: 'fabs', exec: fabs },
  { op: 'D9 FA', mn: 'fsqrt', exec: fsqrt },
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

  // compares
  { op: 'DD /4 r', mn: 'fucom', args: 'STi', exec: compareReg(true, false, 0) },
  { op: 'DD /5 r', mn: 'fucomp', args: 'STi', exec: compareReg(true, false, 1) },
  { op: 'DA E9', mn: 'fucompp', exec: compareReg(true, false, 2, 1) },
  { op: 'DE D9', mn: 'fcompp', exec: compareReg(false, false, 2, 1) },
  { op: 'DB /5 r', mn: 'fucomi', args: 'ST0,STi', exec: compareReg(true, true, 0), fin: 0, fout: ARITH },
  { op: 'DB /6 r', mn: 'fcomi', args: 'ST0,STi', exec: compareReg(false, true, 0), fin: 0, fout: ARITH },
  { op: 'DF /5 r', mn: 'fucomip', args: 'ST0,STi', exec: compareReg(true, true, 1), fin: 0, fout: ARITH },
  { op: 'DF /6 r', mn: 'fcomip', args: 'ST0,STi', exec: compareReg(false, true, 1), fin: 0, fout: ARITH },
  { op: 'D9 E4', mn: 'ftst', exec: ftst },
  { op: 'D9 E5', mn: 'fxam', exec: fxam },
  { op: 'DA /0 r', mn: 'fcmovb', args: 'ST0,STi', exec: fcmov(2), fin: CF },
  { op: 'DA /1 r', mn: 'fcmove', args: 'ST0,STi', exec: fcmov(4), fin: ZF },
  { op: 'DA /2 r', mn: 'fcmovbe', args: 'ST0,STi', exec: fcmov(6), fin: CF | ZF },
  { op: 'DA /3 r', mn: 'fcmovu', args: 'ST0,STi', exec: fcmov(10), fin: PF },
  { op: 'DB /0 r', mn: 'fcmovnb', args: 'ST0,STi', exec: fcmov(3), fin: CF },
  { op: 'DB /1 r', mn: 'fcmovne', args: 'ST0,STi', exec: fcmov(5), fin: ZF },
  { op: 'DB /2 r', mn: 'fcmovnbe', args: 'ST0,STi', exec: fcmov(7), fin: CF | ZF },
  { op: 'DB /3 r', mn: 'fcmovnu', args: 'ST0,STi', exec: fcmov(11), fin: PF },

  // control
  { op: 'DB E3', mn: 'fninit', exec: fninit },
  { op: 'DB E2', mn: 'fnclex', exec: fnclex },
  { op: 'D9 /5 m', mn: 'fldcw', args: 'Mw', exec: fldcw },
  { op: 'D9 /7 m', mn: 'fnstcw', args: 'Mw', exec: fnstcw },
  { op: 'DD /7 m', mn: 'fnstsw', args: 'Mw', exec: fnstswMem },
  { op: 'DF E0', mn: 'fnstsw', args: 'AX', exec: fnstswAx },
  { op: 'D9 /6 m', mn: 'fnstenv', args: 'Menv', exec: fnstenv },
  { op: 'D9 /4 m', mn: 'fldenv', args: 'Menv', exec: fldenv },
  { op: 'DD /6 m', mn: 'fnsave', args: 'Mst', exec: fnsave },
  { op: 'DD /4 m', mn: 'frstor', args: 'Mst', exec: frstor },
  { op: 'DD /0 r', mn: 'ffree', args: 'STi', exec: ffree },
  { op: 'DF /0 r', mn: 'ffreep', args: 'STi', exec: ffreep },
  { op: 'D9 F7', mn: 'fincstp', exec: stepTop(1) },
  { op: 'D9 F6', mn: 'fdecstp', exec: stepTop(-1) },
  { op: 'D9 D0', mn: 'fnop', exec: fnop },
];

/**
 * Every row is an x87 helper. Flag effects: only fcomi-family writes EFLAGS
 * and fcmovcc reads it; the rest neither read nor write them. Rows that can
 * raise #MF (any waiting instruction) are marked as faulting.
 */
const NON_WAITING = new Set(['fninit', 'fnclex', 'fnstcw', 'fnstsw', 'fnstenv', 'fnsave']);

export const rows: RowSpec[] = specs.map((r) => ({
  fin: 0,
  ...r,
  fpu: true,
  fault: !NON_WAITING.has(r.mn),
}));
