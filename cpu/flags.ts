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
import { AF, ARITH, CF, OF, PF, SF, ZF } from '../isa/eflags.ts';

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
  /** lb holds the (nonzero, masked) count */
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

const BITS = [8, 16, 32];
const MASK = [0xff, 0xffff, -1];

/** PARITY[b] is PF (0x4) when byte b has an even number of set bits. */
export const PARITY = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let n = 0;
  for (let v = b; v; v >>= 1) n += v & 1;
  PARITY[b] = n & 1 ? 0 : PF;
}

export function lazyCF(lop: number, res: number, a: number, b: number): number {
  const bits = BITS[lop & 3];
  switch (lop >> 2) {
    case FlagKind.ADD: return (res >>> 0) < (a >>> 0) ? 1 : 0;
    case FlagKind.ADC: return (res >>> 0) <= (a >>> 0) ? 1 : 0;
    case FlagKind.SUB: return (a >>> 0) < (b >>> 0) ? 1 : 0;
    case FlagKind.SBB: return (a >>> 0) <= (b >>> 0) ? 1 : 0;
    case FlagKind.LOGIC: return 0;
    case FlagKind.SHL: return b <= bits ? (a >>> (bits - b)) & 1 : 0;
    case FlagKind.SHR: return b <= bits ? (a >>> (b - 1)) & 1 : 0;
    case FlagKind.SAR: {
      const s = (a << (32 - bits)) >> (32 - bits);
      return (s >> Math.min(b - 1, 31)) & 1;
    }
  }
  return 0;
}

export function lazyOF(lop: number, res: number, a: number, b: number): number {
  const top = BITS[lop & 3] - 1;
  switch (lop >> 2) {
    case FlagKind.ADD:
    case FlagKind.ADC: return (((a ^ res) & (b ^ res)) >>> top) & 1;
    case FlagKind.SUB:
    case FlagKind.SBB: return (((a ^ b) & (a ^ res)) >>> top) & 1;
    case FlagKind.SHL: return ((res >>> top) & 1) ^ lazyCF(lop, res, a, b);
    case FlagKind.SHR: return (a >>> top) & 1;
    default: return 0;
  }
}

export function lazyAF(lop: number, res: number, a: number, b: number): number {
  return (lop >> 2) <= FlagKind.SBB ? (a ^ b ^ res) & AF : 0;
}

export function lazyZF(lop: number, res: number): number {
  return (res & MASK[lop & 3]) === 0 ? ZF : 0;
}

export function lazySF(lop: number, res: number): number {
  return (res >>> (BITS[lop & 3] - 1)) & 1 ? SF : 0;
}

export function lazyPF(res: number): number {
  return PARITY[res & 0xff];
}

/** The flags of `want` (a subset of ARITH) as EFLAGS bits, derived from the record. */
export function computeLazy(want: number, lop: number, res: number, a: number, b: number): number {
  let f = 0;
  if (want & CF) f |= lazyCF(lop, res, a, b);
  if (want & PF) f |= lazyPF(res);
  if (want & AF) f |= lazyAF(lop, res, a, b);
  if (want & ZF) f |= lazyZF(lop, res);
  if (want & SF) f |= lazySF(lop, res);
  if (want & OF) f |= lazyOF(lop, res, a, b) ? OF : 0;
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

