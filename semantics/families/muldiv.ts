/**
 * Multiply and divide: mul, imul (one, two and three operands), div, idiv.
 * Multiplies set CF=OF when the high half is significant; SF ZF AF PF are
 * undefined (we derive SF ZF PF from the low half). Division faults with #DE
 * on a zero divisor or a quotient that does not fit; it is a helper.
 */
import { FlagKind, makeLop } from '../../cpu/flags.ts';
import { ARITH, CF, OF } from '../../isa/eflags.ts';
import type { Ops, Sem } from '../ops.ts';
import type { Instr } from '../../isa/instr.ts';
import type { RowSpec } from '../../isa/table.ts';
import type { Exec } from '../ops.ts';
import { sizeOf } from '../common.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { Fault, Vec } from '../../isa/faults.ts';

const MUL_UNDEF = 0x8d5 & ~(CF | OF);

function setMulFlags<V>(o: Ops<V>, size: number, low: V, overflow: V): void {
  o.setFlags(o.c(makeLop(FlagKind.LOGIC, size)), low, low, o.c(0), ARITH & ~(CF | OF));
  o.setFlag(CF, overflow);
  o.setFlag(OF, overflow);
}

/** mul / imul with one operand: AX, DX:AX or EDX:EAX = accumulator * src */
function mulAcc(signed: boolean): Sem {
  return (o, i) => {
    const size = sizeOf(i, 0);
    const src = o.get(i, 0);
    const acc = o.reg(0, size);
    if (size === 4) {
      const lo = o.mul(acc, src);
      const hi = o.helper(signed ? 'mulhs' : 'mulhu', acc, src);
      o.setReg(0, 4, lo);
      o.setReg(2, 4, hi);
      setMulFlags(o, 4, lo, signed ? o.ne(hi, o.sar(lo, o.c(31))) : o.ne(hi, o.c(0)));
      return;
    }
    const p = signed ? o.mul(o.sext(acc, size), o.sext(src, size)) : o.mul(acc, src);
    const lo = o.trunc(p, size);
    const hi = o.trunc(o.sar(p, o.c(size * 8)), size);
    if (size === 1) o.setReg(0, 2, o.trunc(p, 2));
    else { o.setReg(0, 2, lo); o.setReg(2, 2, hi); }
    const overflow = signed ? o.ne(p, o.sext(lo, size)) : o.ne(hi, o.c(0));
    setMulFlags(o, size, lo, overflow);
  };
}

/** imul with two or three operands: dest = src1 * src2 truncated */
const imulTrunc: Sem = (o, i) => {
  const size = sizeOf(i, 0);
  const three = i.row.operands.length === 3;
  const a = o.get(i, three ? 1 : 0);
  const b = o.get(i, three ? 2 : 1);
  let lo;
  let overflow;
  if (size === 4) {
    lo = o.mul(a, b);
    // the high half is a helper call: only where CF or OF is read (a compiler's imul is for the low half)
    overflow = o.flagsRead(CF | OF) ? o.ne(o.helper('mulhs', a, b), o.sar(lo, o.c(31))) : o.c(0);
  } else {
    const p = o.mul(o.sext(a, 2), o.sext(b, 2));
    lo = o.trunc(p, 2);
    overflow = o.ne(p, o.sext(lo, 2));
  }
  o.set(i, 0, lo);
  setMulFlags(o, size, lo, overflow);
};

function divide(signed: boolean): Exec {
  return (cpu: Cpu, i: Instr, o: Ops<number>) => {
    const size = sizeOf(i, 0);
    const bits = BigInt(size * 8);
    const raw = o.get(i, 0);
    let dividend: bigint;
    if (size === 1) dividend = BigInt(cpu.getReg(0, 2));
    else dividend = (BigInt(cpu.getReg(2, size) >>> 0) << bits) | BigInt(cpu.getReg(0, size) >>> 0);
    let divisor = BigInt(size === 4 ? raw >>> 0 : raw);
    if (divisor === 0n) throw new Fault(Vec.DE);
    if (signed) {
      dividend = BigInt.asIntN(Number(bits) * 2, dividend);
      divisor = BigInt.asIntN(Number(bits), divisor);
    }
    const q = dividend / divisor; // BigInt division truncates toward zero, as idiv does
    const r = dividend % divisor;
    if (signed ? q < -(1n << (bits - 1n)) || q >= 1n << (bits - 1n) : q >= 1n << bits) throw new Fault(Vec.DE);
    const qn = Number(BigInt.asUintN(Number(bits), q));
    const rn = Number(BigInt.asUintN(Number(bits), r));
    if (size === 1) cpu.setReg(0, 2, qn | (rn << 8));
    else { cpu.setReg(0, size, qn | 0); cpu.setReg(2, size, rn | 0); }
  };
}

const mul = mulAcc(false);
const imul1 = mulAcc(true);
const div = divide(false);
const idiv = divide(true);
const mf = { fout: ARITH, undef: MUL_UNDEF };
const df = { fout: 0, undef: 0x8d5, fault: true, fin: 0 };

export const rows: RowSpec[] = [
  { op: 'F6 /4', mn: 'mul', args: 'Eb', sem: mul, ...mf },
  { op: 'F7 /4', mn: 'mul', args: 'Ev', sem: mul, ...mf },
  { op: 'F6 /5', mn: 'imul', args: 'Eb', sem: imul1, ...mf },
  { op: 'F7 /5', mn: 'imul', args: 'Ev', sem: imul1, ...mf },
  { op: '0F AF', mn: 'imul', args: 'Gv,Ev', sem: imulTrunc, ...mf },
  { op: '69', mn: 'imul', args: 'Gv,Ev,Iz', sem: imulTrunc, ...mf },
  { op: '6B', mn: 'imul', args: 'Gv,Ev,Ibs', sem: imulTrunc, ...mf },
  { op: 'F6 /6', mn: 'div', args: 'Eb', exec: div, ...df },
  { op: 'F7 /6', mn: 'div', args: 'Ev', exec: div, ...df },
  { op: 'F6 /7', mn: 'idiv', args: 'Eb', exec: idiv, ...df },
  { op: 'F7 /7', mn: 'idiv', args: 'Ev', exec: idiv, ...df },
];
