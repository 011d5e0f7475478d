/**
 * x87 arithmetic and compares: add, sub(r), mul, div(r) in their memory,
 * integer and register forms (popping or not), fcom/fucom and their
 * popping and EFLAGS (fcomi) forms, ftst, fxam, fcmovcc.
 *
 * Results are doubles rounded by RC: the host's round-to-nearest result is
 * moved to the directed mode's neighbour with an error-free transform
 * (fpu-float80.ts `directed`), which also tells whether the delivered value
 * lies above the exact one, for C1. Two operands of opposite sign summing
 * to an exact zero give +0, or -0 when rounding down (IEEE 754, 6.3). An
 * unmasked IE or ZE leaves the destination and TOP alone.
 *
 * Compares set C3 C2 C0 (or ZF PF CF for fcomi, with OF SF AF cleared):
 * greater 000, less 001, equal 100, unordered 111 (SDM Vol. 2A, FCOM and
 * FCOMI). The unordered forms (fucom*) raise IE only for a signaling NaN,
 * the others for any NaN.
 */
import type { RowSpec } from '../../isa/table.ts';
import { FROM_RM, type Exec, type X87Call } from '../ops.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { FPU_TAG_EMPTY, installC1Settler, type Fpu } from '../../cpu/fpu-state.ts';
import { ARITH, CF, PF, ZF } from '../../isa/eflags.ts';
import { INDEFINITE, directed, errorSign, isSignaling, signBit, RC_NEAREST, RC_DOWN, RC_UP, RC_CHOP } from './fpu-float80.ts';
import {
  FSW_C0, FSW_C1, FSW_C2, FSW_C3, FSW_CC, FSW_IE, FSW_OE, FSW_PE, FSW_SF, FSW_ZE, clearC1, commonCase, enter, enterAt, getST, isEmpty, recordAt, tagAt,
  memCall, nanResult, popST, rc, regCall, setC1, setST, signal, underflow,
} from './fpu-stack.ts';
import { Fmt, loadSourceAt, sourceExc } from './fpu-memory.ts';

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

/** x op y for an arithmetic kind, operands already in the order the kind computes them (host rounding: to nearest). */
function resultOf(kind: A, x: number, y: number): number {
  return kind === A.ADD ? x + y : kind === A.MUL ? x * y : kind === A.SUB || kind === A.SUBR ? x - y : x / y;
}

/** The sign of exact - r for r = resultOf(kind, x, y) (fpu-float80.ts errorSign). */
function errorOf(kind: A, x: number, y: number, r: number): number {
  switch (kind) {
    case A.ADD: return errorSign('add', x, y, r);
    case A.SUB: case A.SUBR: return errorSign('add', x, -y, r);
    case A.MUL: return errorSign('mul', x, y, r);
    default: return errorSign('div', x, y, r);
  }
}

function compute(f: Fpu, kind: A, dst: number, src: number): number {
  let x = dst, y = src;
  if (kind === A.SUBR || kind === A.DIVR) { x = src; y = dst; }
  if (x !== x || y !== y) {
    computedExc = isSignaling(x) || isSignaling(y) ? FSW_IE : 0;
    computedUp = false;
    return nanResult(x, y);
  }
  let r = resultOf(kind, x, y);
  const err = errorOf(kind, x, y, r);
  const mode = rc(f);
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

/**
 * compute() in the common case (round to nearest, PE masked): a finite,
 * nonzero result needs nothing of compute() but PE and C1, which say
 * whether it was rounded and which way. They wait in `c1Op`/`c1Args`
 * (cpu/fpu-state.ts) until something reads the status word or writes C1:
 * once PE is set (it is sticky), only C1 waits, so the common case costs
 * the operation alone. While PE is clear, whether this result sets it is
 * worked out at once. Returns NaN where the case does not apply.
 */
function commonResult(f: Fpu, kind: A, dst: number, src: number): number {
  let x = dst, y = src;
  if (kind === A.SUBR || kind === A.DIVR) { x = src; y = dst; }
  const r = resultOf(kind, x, y);
  // finite and nonzero (NaN fails both)
  if (r === 0 || r - r !== 0) return NaN;
  f.c1Op = kind + 1;
  f.c1Args[0] = x;
  f.c1Args[1] = y;
  f.c1Args[2] = r;
  if (!(f.sw & FSW_PE)) settleC1(f);
  return r;
}

/** Work out the PE and C1 that wait (cpu/fpu-state.ts `c1Op`), as compute() finds them in round to nearest. */
function settleC1(f: Fpu): void {
  const kind = (f.c1Op - 1) as A;
  f.c1Op = 0;
  const x = f.c1Args[0], y = f.c1Args[1], r = f.c1Args[2];
  const err = errorOf(kind, x, y, r);
  f.sw &= ~FSW_C1;
  // C1 reports rounding away from zero
  if (err !== 0) f.sw |= FSW_PE | ((r > 0 ? err < 0 : err > 0) ? FSW_C1 : 0);
}

installC1Settler(settleC1);

/**
 * The common case held to the general one (the test that does so, and
 * nothing else, calls this): for dst op src, what the common case leaves
 * (NaN where it does not apply) with the status word it leaves once read
 * (PE clear before), and compute()'s result, exceptions and C1 under `cw`.
 */
export function bothWays(kind: number, dst: number, src: number, cw: number): { fast: number; fastSw: number; general: number; exc: number; up: boolean } {
  const scratch = { sw: 0, c1Op: 0, c1Args: new Float64Array(3) } as unknown as Fpu;
  const fast = commonResult(scratch, kind, dst, src);
  const general = compute({ cw } as Fpu, kind, dst, src);
  return { fast, fastSw: scratch.sw, general, exc: computedExc, up: computedUp };
}

/** After directed(), is the delivered result above the exact value? */
export function directedAbove(err: number, mode: number, r: number): boolean {
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

/** ST0 = ST0 op m (float or integer memory operand); compares are x87Compare */
export function x87Arith(cpu: Cpu, off: number, eip: number, fop: number, seg: number, adsize: number, fmt: Fmt, kind: A): void {
  const v = loadSourceAt(cpu, eip, fop, seg, adsize, fmt, off);
  const exc = sourceExc();
  const f = cpu.fpu;
  const p = f.top;
  if (exc === 0 && commonCase(cpu, f) && tagAt(f, p) !== FPU_TAG_EMPTY) {
    const r = commonResult(f, kind, f.st[p], v);
    if (r === r) {
      setFiniteAt(f, p, r);
      return;
    }
  }
  if (isEmpty(f, 0)) {
    if (underflow(f)) setST(f, 0, INDEFINITE);
    return;
  }
  const r = compute(f, kind, getST(f, 0), v);
  deliver(f, 0, r, computedExc | exc, computedUp);
}

/**
 * Register forms: ST(d) = ST(d) op ST(s), popping when `pop` is 1. D8 has
 * d = 0 (ST0 = ST0 op ST(i)); DC and DE have s = 0, and DE pops.
 */
export function x87ArithReg(cpu: Cpu, _off: number, eip: number, fop: number, kind: A, d: number, s: number, pop: number): void {
  const f = cpu.fpu;
  const top = f.top, pd = (top + d) & 7, ps = (top + s) & 7;
  if (commonCase(cpu, f) && tagAt(f, pd) !== FPU_TAG_EMPTY && tagAt(f, ps) !== FPU_TAG_EMPTY) {
    const r = commonResult(f, kind, f.st[pd], f.st[ps]);
    if (r === r) {
      recordAt(cpu, eip, fop, -1, 0);
      setFiniteAt(f, pd, r);
      if (pop) popST(f);
      return;
    }
  }
  arithRegAny(cpu, eip, fop, kind, d, s, pop);
}

/** Physical register p = r, a finite nonzero result of the common case: its tag is valid (00). */
function setFiniteAt(f: Fpu, p: number, r: number): void {
  f.st[p] = r;
  f.tags &= ~(3 << (p * 2));
}

/** x87ArithReg beyond the common case. */
function arithRegAny(cpu: Cpu, eip: number, fop: number, kind: A, d: number, s: number, pop: number): void {
  enterAt(cpu, eip, fop);
  const f = cpu.fpu;
  if (isEmpty(f, d) || isEmpty(f, s)) {
    if (!underflow(f)) return;
    setST(f, d, INDEFINITE);
  } else {
    const r = compute(f, kind, getST(f, d), getST(f, s));
    if (!deliver(f, d, r, computedExc, computedUp)) return;
  }
  if (pop) popST(f);
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
 * C2 C3, or for the EFLAGS forms return ZF PF CF (OF SF AF clear) for the
 * caller to set. unordered: fucom forms, where only an SNaN is invalid.
 * Returns -1 when an unmasked exception suppresses the result (and any pop).
 */
function doCompare(cpu: Cpu, a: number, b: number, emptyOperand: boolean, unordered: boolean, eflags: boolean, exc0 = 0): number {
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
  if (exc && !signal(f, exc) && exc & FSW_IE) return -1;
  if (eflags) return EFLAGS_OF_ORDER[o];
  f.sw = (f.sw & ~(FSW_C0 | FSW_C2 | FSW_C3)) | CC_OF_ORDER[o];
  return 0;
}

/** fcom/fcomp/ficom/ficomp with a memory operand */
export function x87Compare(cpu: Cpu, off: number, eip: number, fop: number, seg: number, adsize: number, fmt: Fmt, pop: number): void {
  const v = loadSourceAt(cpu, eip, fop, seg, adsize, fmt, off);
  const f = cpu.fpu;
  if (doCompare(cpu, getST(f, 0), v, isEmpty(f, 0), false, false, sourceExc()) >= 0 && pop) popST(f);
}

/**
 * fcom/fcomp/fucom/fucomp ST(idx), fcompp/fucompp, fcomi/fucomi(p) ST0,ST(idx):
 * unordered 1 for the fucom forms, eflags 1 for the fcomi forms, then pop
 * `pops` times. Returns what the fcomi forms put in ZF PF CF (OF SF AF
 * clear), which the caller sets (its row's call says `flagsOut`), or -1
 * when an unmasked exception suppressed the result and the flags stay.
 */
export function x87CompareReg(cpu: Cpu, _off: number, eip: number, fop: number, idx: number, unordered: number, eflags: number, pops: number): number {
  enterAt(cpu, eip, fop);
  const f = cpu.fpu;
  const v = doCompare(cpu, getST(f, 0), getST(f, idx), isEmpty(f, 0) || isEmpty(f, idx), unordered === 1, eflags === 1);
  if (v >= 0) for (let k = 0; k < pops; k++) popST(f);
  return v;
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
  f.sw = (f.sw & ~FSW_CC) | cc;
  setC1(f, signBit(v) !== 0);
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

// ---- the rows -----------------------------------------------------------------------------

const KIND_NAMES = ['add', 'mul', 'com', 'comp', 'sub', 'subr', 'div', 'divr'];

export function arithRows(): RowSpec[] {
  const out: RowSpec[] = [];
  for (let k = 0; k < 8; k++) {
    const name = KIND_NAMES[k];
    const isCmp = k === A.COM || k === A.COMP;
    const pop = k === A.COMP ? 1 : 0;
    const mem = (fmt: Fmt) => (isCmp ? memCall('x87Compare', fmt, pop) : memCall('x87Arith', fmt, k));
    out.push(
      { op: `D8 /${k} m`, mn: `f${name}`, args: 'Mfs', x87: mem(Fmt.F32) },
      { op: `DC /${k} m`, mn: `f${name}`, args: 'Mfd', x87: mem(Fmt.F64) },
      { op: `DA /${k} m`, mn: `fi${name}`, args: 'Mfdi', x87: mem(Fmt.I32) },
      { op: `DE /${k} m`, mn: `fi${name}`, args: 'Mfw', x87: mem(Fmt.I16) },
    );
    if (isCmp) {
      out.push({ op: `D8 /${k} r`, mn: `f${name}`, args: 'STi', x87: compareReg(0, 0, pop) });
      continue;
    }
    out.push({ op: `D8 /${k} r`, mn: `f${name}`, args: 'ST0,STi', x87: regCall('x87ArithReg', k, 0, FROM_RM, 0) });
    // DC/DE register forms write ST(i); there the sub/subr and div/divr encodings are swapped
    const kk = k >= A.SUB ? k ^ 1 : k;
    const mn = KIND_NAMES[kk];
    out.push(
      { op: `DC /${k} r`, mn: `f${mn}`, args: 'STi,ST0', x87: regCall('x87ArithReg', kk, FROM_RM, 0, 0) },
      { op: `DE /${k} r`, mn: `f${mn}p`, args: 'STi,ST0', x87: regCall('x87ArithReg', kk, FROM_RM, 0, 1) },
    );
  }
  return out;
}

/** The call of x87CompareReg: ST(i) from ModRM, or `fixedIdx` (fcompp, fucompp compare with ST1). */
function compareReg(unordered: number, eflags: number, pops: number, fixedIdx = -1): X87Call {
  return { ...regCall('x87CompareReg', fixedIdx >= 0 ? fixedIdx : FROM_RM, unordered, eflags, pops), flagsOut: eflags === 1 };
}

export const compareRows: RowSpec[] = [
  { op: 'DD /4 r', mn: 'fucom', args: 'STi', x87: compareReg(1, 0, 0) },
  { op: 'DD /5 r', mn: 'fucomp', args: 'STi', x87: compareReg(1, 0, 1) },
  { op: 'DA E9', mn: 'fucompp', x87: compareReg(1, 0, 2, 1) },
  { op: 'DE D9', mn: 'fcompp', x87: compareReg(0, 0, 2, 1) },
  { op: 'DB /5 r', mn: 'fucomi', args: 'ST0,STi', x87: compareReg(1, 1, 0), fin: 0, fout: ARITH },
  { op: 'DB /6 r', mn: 'fcomi', args: 'ST0,STi', x87: compareReg(0, 1, 0), fin: 0, fout: ARITH },
  { op: 'DF /5 r', mn: 'fucomip', args: 'ST0,STi', x87: compareReg(1, 1, 1), fin: 0, fout: ARITH },
  { op: 'DF /6 r', mn: 'fcomip', args: 'ST0,STi', x87: compareReg(0, 1, 1), fin: 0, fout: ARITH },
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
];
