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
import type { Exec } from '../ops.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import type { Fpu } from '../../cpu/fpu-state.ts';
import { AF, ARITH, CF, OF, PF, SF as EF_SF, ZF } from '../../isa/eflags.ts';
import { INDEFINITE, directed, errorSign, isSignaling, signBit, RC_NEAREST, RC_DOWN, RC_UP, RC_CHOP } from './fpu-float80.ts';
import {
  FSW_C0, FSW_C1, FSW_C2, FSW_C3, FSW_CC, FSW_IE, FSW_OE, FSW_PE, FSW_SF, FSW_ZE, clearC1, enter, getST, isEmpty,
  nanResult, popST, rc, setC1, setST, signal, underflow,
} from './fpu-stack.ts';
import { Fmt, loadSource } from './fpu-memory.ts';

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

/** ST0 = ST0 op m (float or integer memory operand); compares handled by compareMem */
function arithMem(kind: A, fmt: Fmt): Exec {
  return (cpu, i, o) => {
    const m = loadSource(cpu, i, o, fmt);
    const f = cpu.fpu;
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
    const m = loadSource(cpu, i, o, fmt);
    const f = cpu.fpu;
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

// ---- the rows -----------------------------------------------------------------------------

const KIND_NAMES = ['add', 'mul', 'com', 'comp', 'sub', 'subr', 'div', 'divr'];

export function arithRows(): RowSpec[] {
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

export const compareRows: RowSpec[] = [
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
];
