/**
 * Decimal adjustment: daa das (packed BCD in AL), aaa aas (unpacked BCD in
 * AX), aam aad (unpacked multiply/divide by an immediate base), following
 * the SDM pseudo-code. All but aam are written against Ops with `select`,
 * so the translator can inline them; aam divides, which Ops has no operation
 * for, and raises #DE on a zero base, so it is a helper.
 *
 * Flags the SDM leaves undefined are still given values so both engines
 * agree: SF ZF PF from the result where undefined, OF AF CF cleared.
 */
import { FlagKind, makeLop } from '../../cpu/flags.ts';
import { AF, CF, OF, PF, SF, ZF, ARITH } from '../../isa/eflags.ts';
import type { Ops, Sem } from '../ops.ts';
import type { RowSpec } from '../../isa/table.ts';
import type { Exec } from '../ops.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import type { Instr } from '../../isa/instr.ts';
import { Fault, Vec } from '../../isa/faults.ts';

const SZP = SF | ZF | PF;

/** SF ZF PF (and OF = 0) from an 8-bit result; the caller sets AF and CF eagerly. */
function resultFlags<V>(o: Ops<V>, res: V): void {
  o.setFlags(o.c(makeLop(FlagKind.LOGIC, 1)), res, res, o.c(0), SZP | OF);
}

/** (AL & 0Fh) > 9 or AF: the low digit needs adjusting */
function lowDigitAdjust<V>(o: Ops<V>, al: V): V {
  return o.or(o.ltu(o.c(9), o.and(al, o.c(0xf))), o.flag(AF));
}

/** daa / das: adjust both digits of AL after an add / subtract. */
function decimalAdjust(sub: boolean): Sem {
  return (o) => {
    const al = o.reg(0, 1);
    const low = lowDigitAdjust(o, al);
    const high = o.or(o.ltu(o.c(0x99), al), o.flag(CF));
    const adj = o.or(o.select(low, o.c(6), o.c(0)), o.select(high, o.c(0x60), o.c(0)));
    const res = o.trunc(sub ? o.sub(al, adj) : o.add(al, adj), 1);
    // das keeps the borrow of the low-digit step when the high digit needs no
    // adjustment (AL < 6 with AF set); daa clears CF in that case (SDM)
    const cf = sub ? o.or(high, o.and(low, o.ltu(al, o.c(6)))) : high;
    o.setReg(0, 1, res);
    resultFlags(o, res);
    o.setFlag(AF, low);
    o.setFlag(CF, cf);
  };
}

/** aaa / aas: AX +/- 106h when the low digit overflowed, then clear AL's high nibble. */
function asciiAdjust(sub: boolean): Sem {
  return (o) => {
    const ax = o.reg(0, 2);
    const low = lowDigitAdjust(o, o.and(ax, o.c(0xff)));
    const adj = o.select(low, o.c(0x106), o.c(0));
    const sum = sub ? o.sub(ax, adj) : o.add(ax, adj);
    const res = o.or(o.and(sum, o.c(0xff00)), o.and(sum, o.c(0x0f)));
    o.setReg(0, 2, res);
    resultFlags(o, o.and(res, o.c(0xff)));
    o.setFlag(AF, low);
    o.setFlag(CF, low);
  };
}

/** aam imm8: AH = AL / imm8, AL = AL mod imm8 */
const aam: Exec = (cpu: Cpu, i: Instr) => {
  const base = i.imm & 0xff;
  if (base === 0) throw new Fault(Vec.DE);
  const al = cpu.getReg(0, 1);
  const lo = al % base;
  cpu.setReg(0, 2, (((al / base) | 0) << 8) | lo);
  cpu.setLazy(makeLop(FlagKind.LOGIC, 1), lo, lo, 0, ARITH);
};

/** aad imm8: AL = AL + AH * imm8 (8 bits), AH = 0 */
const aad: Sem = (o, i) => {
  const res = o.trunc(o.add(o.reg(0, 1), o.mul(o.reg(4, 1), o.c(i.imm & 0xff))), 1);
  o.setReg(0, 2, res);
  o.setFlags(o.c(makeLop(FlagKind.LOGIC, 1)), res, res, o.c(0), ARITH);
};

export const rows: RowSpec[] = [
  { op: '27', mn: 'daa', sem: decimalAdjust(false), fin: CF | AF, fout: ARITH, undef: OF },
  { op: '2F', mn: 'das', sem: decimalAdjust(true), fin: CF | AF, fout: ARITH, undef: OF },
  { op: '37', mn: 'aaa', sem: asciiAdjust(false), fin: AF, fout: ARITH, undef: OF | SZP },
  { op: '3F', mn: 'aas', sem: asciiAdjust(true), fin: AF, fout: ARITH, undef: OF | SZP },
  { op: 'D4', mn: 'aam', args: 'Ib', exec: aam, fin: 0, fout: ARITH, undef: OF | AF | CF, fault: true },
  { op: 'D5', mn: 'aad', args: 'Ib', sem: aad, fin: 0, fout: ARITH, undef: OF | AF | CF },
];
