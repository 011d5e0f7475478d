/**
 * EFLAGS as the architecture defines it: the bit of each flag, and the
 * sixteen condition codes (their names, the flags each reads, and how each is
 * evaluated on a full EFLAGS value). These are facts of the instruction set;
 * how vmidbt computes the arithmetic flags lazily is cpu/flags.ts.
 */
import { NUM, type Arith } from '../base/arith.ts';

export const CF = 0x0001;
export const PF = 0x0004;
export const AF = 0x0010;
export const ZF = 0x0040;
export const SF = 0x0080;
export const TF = 0x0100;
export const IF = 0x0200;
export const DF = 0x0400;
export const OF = 0x0800;
export const IOPL = 0x3000;
export const NT = 0x4000;
export const RF = 0x10000;
export const VM = 0x20000;
export const AC = 0x40000;
export const VIF = 0x80000;
export const VIP = 0x100000;
export const ID = 0x200000;
/** The six flags that arithmetic writes and the lazy record can produce. */
export const ARITH = CF | PF | AF | ZF | SF | OF;
/** Bit 1 of EFLAGS always reads as 1. */
export const FIXED_ONE = 0x2;

/** Condition codes 0-15 in opcode order (o no b ae e ne be a s ns p np l ge le g). */
export const CC_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
/** The flags each condition code reads (for liveness). */
export const CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, SF | OF | ZF, SF | OF | ZF];

/**
 * Condition `cc` from the flags it may read, each 0 or 1, as 0/1: the one
 * definition of what the sixteen conditions test, generic so that the
 * translator can compose a condition from flag expressions (cpu/flags.ts
 * conditionOf) with the same code that tests a full EFLAGS value here.
 */
export function combineFlags<V>(a: Arith<V>, cc: number, of: V, cf: V, zf: V, sf: V, pf: V): V {
  let r: V;
  switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = a.or(cf, zf); break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = a.xor(sf, of); break;
    default: r = a.or(zf, a.xor(sf, of)); break;
  }
  return cc & 1 ? a.xor(r, a.c(1)) : r;
}

/** Evaluate condition `cc` on a full EFLAGS value. */
export function testCC(cc: number, f: number): boolean {
  return combineFlags(NUM, cc, (f >> 11) & 1, f & 1, (f >> 6) & 1, (f >> 7) & 1, (f >> 2) & 1) !== 0;
}
