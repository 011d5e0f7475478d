/**
 * Lazy EFLAGS, shared by the interpreter and the translator.
 *
 * Most instructions that write the arithmetic flags are followed by one that
 * overwrites them without reading them, so computing CF/PF/AF/ZF/SF/OF eagerly
 * wastes work. Instead the last flag-writing operation is recorded as four
 * numbers: `lop` (what kind of operation and at which size), `lres` (its result)
 * and `la`/`lb` (its operands). `lazy` says which of the six flags must be
 * derived from that record; every other flag lives in `eflags`.
 *
 * Both engines keep exactly this record, so either can take over at any
 * instruction boundary: the translator keeps the four numbers in JS locals and
 * writes them back at a block exit; the interpreter keeps them in the CPU.
 *
 * The flag bits and condition codes themselves are isa/eflags.ts.
 *
 * Values follow the engine-wide convention: a 32-bit value is an int32, an 8- or
 * 16-bit value is zero-extended and non-negative.
 */
import { AF, CC_READS, CF, OF, PF, SF, ZF, combineFlags } from '../isa/eflags.ts';
import { NUM, type Arith, type Size } from '../base/arith.ts';

/** Kinds of flag-producing operation. `lop = (kind << 2) | sizeIndex`. */
export const enum FlagKind {
  ADD = 0,
  /** add with carry-in 1 (adc with CF clear is recorded as ADD) */
  ADC = 1,
  SUB = 2,
  /** subtract with borrow-in 1 (sbb with CF clear is recorded as SUB) */
  SBB = 3,
  /** and/or/xor/test, and the SF/ZF/PF part of multiplies: CF=OF=AF=0 */
  LOGIC = 4,
  /** lb holds the masked count, 1..31 (a count of 0 records nothing) */
  SHL = 5,
  SHR = 6,
  SAR = 7,
}

/** Operand size in bytes to the size index used inside `lop`. */
export function sizeIndex(size: number): number {
  return size === 1 ? 0 : size === 2 ? 1 : 2;
}

export function makeLop(kind: FlagKind, size: number): number {
  return (kind << 2) | sizeIndex(size);
}

/** The `lop` of an ADD or SUB record when the operation had a carry-in of 1: ADC's or SBB's, the same size. */
export function withCarryIn(lop: number): number {
  return lop + (1 << 2);
}

const BITS = [8, 16, 32];

/*
 * The flag formulas. Each gives one flag of the recorded operation as 0 or 1,
 * written once against Arith<V> (base/arith.ts): lazy evaluation below runs
 * them on numbers, the translator runs them on expressions to emit a flag it
 * can derive from operands it knows (translator/emit/emit-ops.ts). `lop` is
 * always a plain number: the kind and size pick the formula.
 */

/** CF. For shifts `y` is the masked count, 1..31. */
export function carryOf<V>(a: Arith<V>, lop: number, res: V, x: V, y: V): V {
  const bits = BITS[lop & 3];
  switch (lop >> 2) {
    case FlagKind.ADD: return a.ltu(res, x);
    case FlagKind.ADC: return a.leu(res, x);
    case FlagKind.SUB: return a.ltu(x, y);
    case FlagKind.SBB: return a.leu(x, y);
    // the last bit shifted out; a count beyond the width shifts out zeros (only 8 and 16 bits can have one)
    case FlagKind.SHL: return beyondWidth(a, bits, y, a.and(a.shr(x, a.sub(a.c(bits), y)), a.c(1)));
    case FlagKind.SHR: return beyondWidth(a, bits, y, a.and(a.shr(x, a.sub(y, a.c(1))), a.c(1)));
    // sign-extended first, so a count beyond the width shifts out copies of the sign
    case FlagKind.SAR: return a.and(a.sar(a.sext(x, (bits / 8) as Size), a.sub(y, a.c(1))), a.c(1));
  }
  return a.c(0);
}

function beyondWidth<V>(a: Arith<V>, bits: number, count: V, within: V): V {
  return bits === 32 ? within : a.select(a.leu(count, a.c(bits)), within, a.c(0));
}

/** PF: the low byte of the result has an even number of set bits (0x9669 has bit k set for even-parity nibbles k). */
export function parityOf<V>(a: Arith<V>, res: V): V {
  const nibble = a.and(a.xor(res, a.sar(res, a.c(4))), a.c(15));
  return a.and(a.sar(a.c(0x9669), nibble), a.c(1));
}

/** AF: the carry out of bit 3, for the add and subtract kinds. */
export function adjustOf<V>(a: Arith<V>, lop: number, res: V, x: V, y: V): V {
  if (lop >> 2 > FlagKind.SBB) return a.c(0);
  return a.and(a.shr(a.xor(a.xor(x, y), res), a.c(4)), a.c(1));
}

/** ZF */
export function zeroOf<V>(a: Arith<V>, lop: number, res: V): V {
  const size = lop & 3;
  return a.eq(size === 2 ? res : a.and(res, a.c(size === 0 ? 0xff : 0xffff)), a.c(0));
}

/** SF: the top bit of the result */
export function signOf<V>(a: Arith<V>, lop: number, res: V): V {
  return a.and(a.shr(res, a.c(BITS[lop & 3] - 1)), a.c(1));
}

/** OF */
export function overflowOf<V>(a: Arith<V>, lop: number, res: V, x: V, y: V): V {
  const top = a.c(BITS[lop & 3] - 1);
  switch (lop >> 2) {
    case FlagKind.ADD:
    case FlagKind.ADC: return a.and(a.shr(a.and(a.xor(x, res), a.xor(y, res)), top), a.c(1));
    case FlagKind.SUB:
    case FlagKind.SBB: return a.and(a.shr(a.and(a.xor(x, y), a.xor(x, res)), top), a.c(1));
    // defined for a count of 1: did the sign change (the top bit of the result against the carry)
    case FlagKind.SHL: return a.xor(a.and(a.shr(res, top), a.c(1)), carryOf(a, lop, res, x, y));
    case FlagKind.SHR: return a.and(a.shr(x, top), a.c(1));
  }
  return a.c(0);
}

/** Flag `f` (one of the six arithmetic flags) as 0/1. */
export function flagOf<V>(a: Arith<V>, f: number, lop: number, res: V, x: V, y: V): V {
  switch (f) {
    case CF: return carryOf(a, lop, res, x, y);
    case PF: return parityOf(a, res);
    case AF: return adjustOf(a, lop, res, x, y);
    case ZF: return zeroOf(a, lop, res);
    case SF: return signOf(a, lop, res);
    case OF: return overflowOf(a, lop, res, x, y);
  }
  throw new Error(`flag 0x${f.toString(16)} is not an arithmetic flag`);
}

/**
 * Condition `cc` of the recorded operation as 0/1, when every flag it reads
 * comes from that record. After a compare (the SUB kind) most conditions
 * are one comparison of the operands; every other case combines the flag
 * formulas, which folds to a comparison where flags are constant (CF = OF = 0
 * after a logical operation).
 */
export function conditionOf<V>(a: Arith<V>, cc: number, lop: number, res: V, x: V, y: V): V {
  const r = lop >> 2 === FlagKind.SUB ? compared(a, cc & ~1, (BITS[lop & 3] / 8) as Size, x, y) : undefined;
  if (r !== undefined) return cc & 1 ? a.xor(r, a.c(1)) : r;
  const read = CC_READS[cc];
  return combineFlags(a, cc, readFlag(a, read, OF, lop, res, x, y), readFlag(a, read, CF, lop, res, x, y),
    readFlag(a, read, ZF, lop, res, x, y), readFlag(a, read, SF, lop, res, x, y), readFlag(a, read, PF, lop, res, x, y));
}

/** Flag f of the record if the condition reads it (`read`), else 0 (the condition ignores it). */
function readFlag<V>(a: Arith<V>, read: number, f: number, lop: number, res: V, x: V, y: V): V {
  return read & f ? flagOf(a, f, lop, res, x, y) : a.c(0);
}

/** The conditions that are one comparison of x - y's operands. */
function compared<V>(a: Arith<V>, cc: number, size: Size, x: V, y: V): V | undefined {
  switch (cc >> 1) {
    case 1: return a.ltu(x, y); // b: borrow
    case 2: return a.eq(x, y); // e
    case 3: return a.leu(x, y); // be
    case 6: return a.lts(a.sext(x, size), a.sext(y, size)); // l: SF != OF
    case 7: return a.les(a.sext(x, size), a.sext(y, size)); // le
  }
  return undefined;
}

/** The flags of `want` (a subset of ARITH) as EFLAGS bits, derived from the record. */
export function computeLazy(want: number, lop: number, res: number, x: number, y: number): number {
  let f = 0;
  if (want & CF) f |= carryOf(NUM, lop, res, x, y);
  if (want & PF) f |= parityOf(NUM, res) << 2;
  if (want & AF) f |= adjustOf(NUM, lop, res, x, y) << 4;
  if (want & ZF) f |= zeroOf(NUM, lop, res) << 6;
  if (want & SF) f |= signOf(NUM, lop, res) << 7;
  if (want & OF) f |= overflowOf(NUM, lop, res, x, y) << 11;
  return f;
}

/** The state both engines hand each other: `eflags` plus the lazy record. */
export interface FlagState {
  eflags: number;
  lazy: number;
  lop: number;
  lres: number;
  la: number;
  lb: number;
}

/** Full EFLAGS value with the lazy part computed. */
export function readEflags(s: FlagState): number {
  return s.lazy ? (s.eflags & ~s.lazy) | computeLazy(s.lazy, s.lop, s.lres, s.la, s.lb) : s.eflags;
}

/** Move every lazy flag in `which` into `eflags`. */
export function materialize(s: FlagState, which: number): void {
  const w = which & s.lazy;
  if (!w) return;
  s.eflags = (s.eflags & ~w) | computeLazy(w, s.lop, s.lres, s.la, s.lb);
  s.lazy &= ~w;
}

