/**
 * Data movement and flag bits: mov (register, memory, immediate, moffs),
 * movzx, movsx, lea, xchg, xadd, cmpxchg, cbw/cwde, cwd/cdq, xlat, lahf,
 * sahf, salc, clc stc cmc cld std, nop.
 */
import { FlagKind, makeLop } from '../../cpu/flags.ts';
import { ARITH, CF, DF, AF, PF, SF, ZF } from '../../isa/eflags.ts';
import type { Sem } from '../ops.ts';
import type { RowSpec } from '../../isa/table.ts';
import type { Exec } from '../ops.ts';
import { sizeOf } from '../common.ts';
import { addressPlus } from '../operands.ts';

const mov: Sem = (o, i) => o.set(i, 0, o.get(i, 1));

const movzx: Sem = (o, i) => o.set(i, 0, o.get(i, 1));

const movsx: Sem = (o, i) => o.set(i, 0, o.trunc(o.sext(o.get(i, 1), sizeOf(i, 1)), sizeOf(i, 0)));

const lea: Sem = (o, i) => o.set(i, 0, o.trunc(o.ea(i, 1), sizeOf(i, 0)));

const xchg: Sem = (o, i) => {
  const a = o.get(i, 0);
  const b = o.get(i, 1);
  o.set(i, 0, b); // the memory side first: it is the one that may fault
  o.set(i, 1, a);
};

const xadd: Sem = (o, i) => {
  const size = sizeOf(i, 0);
  const a = o.get(i, 0);
  const b = o.get(i, 1);
  const r = o.trunc(o.add(a, b), size);
  if (i.mod === 3) {
    // register form: the source gets the old destination first, so xadd r,r leaves the sum
    o.set(i, 1, a);
    o.set(i, 0, r);
  } else {
    o.set(i, 0, r);
    o.set(i, 1, a);
  }
  o.setFlags(o.c(makeLop(FlagKind.ADD, size)), r, a, b, ARITH);
};

const cmpxchg: Sem = (o, i) => {
  const size = sizeOf(i, 0);
  const dest = o.get(i, 0);
  const src = o.get(i, 1);
  const acc = o.reg(0, size);
  const equal = o.eq(acc, dest);
  // the processor always writes the destination (the old value when unequal)
  o.set(i, 0, o.select(equal, src, dest));
  o.if_(o.ne(acc, dest), () => o.setReg(0, size, dest));
  o.setFlags(o.c(makeLop(FlagKind.SUB, size)), o.trunc(o.sub(acc, dest), size), acc, dest, ARITH);
};

const cbw: Sem = (o, i) => {
  const half = (i.opsize / 2) as 1 | 2;
  o.setReg(0, i.opsize as 2 | 4, o.trunc(o.sext(o.reg(0, half), half), i.opsize as 2 | 4));
};

const cwd: Sem = (o, i) => {
  const size = i.opsize as 2 | 4;
  o.setReg(2, size, o.trunc(o.sar(o.sext(o.reg(0, size), size), o.c(31)), size));
};

const xlat: Sem = (o, i) => {
  o.setReg(0, 1, o.load(i.seg, addressPlus(o, i, o.reg(3, i.adsize as 2 | 4), o.reg(0, 1)), 1));
};

const LAHF_FLAGS = SF | ZF | AF | PF | CF;

const lahf: Exec = (cpu) => {
  cpu.setReg(4, 1, (cpu.getEflags() & LAHF_FLAGS) | 2);
};

const sahf: Exec = (cpu) => {
  cpu.setEflags(cpu.getReg(4, 1), LAHF_FLAGS);
};

const salc: Sem = (o) => o.setReg(0, 1, o.select(o.flag(CF), o.c(0xff), o.c(0)));

function setFlagTo(f: number, v: number): Sem {
  return (o) => o.setFlag(f, o.c(v));
}

const cmc: Sem = (o) => o.setFlag(CF, o.xor(o.flag(CF), o.c(1)));

const nop: Sem = () => {};

export const rows: RowSpec[] = [
  { op: '88', mn: 'mov', args: 'Eb,Gb', sem: mov },
  { op: '89', mn: 'mov', args: 'Ev,Gv', sem: mov },
  { op: '8A', mn: 'mov', args: 'Gb,Eb', sem: mov },
  { op: '8B', mn: 'mov', args: 'Gv,Ev', sem: mov },
  { op: 'A0', mn: 'mov', args: 'AL,Ob', sem: mov },
  { op: 'A1', mn: 'mov', args: 'eAX,Ov', sem: mov },
  { op: 'A2', mn: 'mov', args: 'Ob,AL', sem: mov },
  { op: 'A3', mn: 'mov', args: 'Ov,eAX', sem: mov },
  { op: 'B0+r', mn: 'mov', args: 'Zb,Ib', sem: mov },
  { op: 'B8+r', mn: 'mov', args: 'Zv,Iz', sem: mov },
  { op: 'C6 /0', mn: 'mov', args: 'Eb,Ib', sem: mov },
  { op: 'C7 /0', mn: 'mov', args: 'Ev,Iz', sem: mov },
  { op: '0F B6', mn: 'movzx', args: 'Gv,Eb', sem: movzx },
  { op: '0F B7', mn: 'movzx', args: 'Gv,Ew', sem: movzx },
  { op: '0F BE', mn: 'movsx', args: 'Gv,Eb', sem: movsx },
  { op: '0F BF', mn: 'movsx', args: 'Gv,Ew', sem: movsx },
  { op: '8D', mn: 'lea', args: 'Gv,M', sem: lea },
  { op: '86', mn: 'xchg', args: 'Eb,Gb', sem: xchg, lock: true },
  { op: '87', mn: 'xchg', args: 'Ev,Gv', sem: xchg, lock: true },
  { op: '90', mn: 'nop', sem: nop },
  { op: '91', mn: 'xchg', args: 'Zv,eAX', sem: xchg },
  { op: '92', mn: 'xchg', args: 'Zv,eAX', sem: xchg },
  { op: '93', mn: 'xchg', args: 'Zv,eAX', sem: xchg },
  { op: '94', mn: 'xchg', args: 'Zv,eAX', sem: xchg },
  { op: '95', mn: 'xchg', args: 'Zv,eAX', sem: xchg },
  { op: '96', mn: 'xchg', args: 'Zv,eAX', sem: xchg },
  { op: '97', mn: 'xchg', args: 'Zv,eAX', sem: xchg },
  { op: '0F C0', mn: 'xadd', args: 'Eb,Gb', sem: xadd, fout: ARITH, lock: true },
  { op: '0F C1', mn: 'xadd', args: 'Ev,Gv', sem: xadd, fout: ARITH, lock: true },
  { op: '0F B0', mn: 'cmpxchg', args: 'Eb,Gb', sem: cmpxchg, fout: ARITH, lock: true },
  { op: '0F B1', mn: 'cmpxchg', args: 'Ev,Gv', sem: cmpxchg, fout: ARITH, lock: true },
  { op: '98', mn: 'cbw/cwde', sem: cbw },
  { op: '99', mn: 'cwd/cdq', sem: cwd },
  { op: 'D7', mn: 'xlat', sem: xlat },
  { op: '9F', mn: 'lahf', exec: lahf, fin: LAHF_FLAGS },
  { op: '9E', mn: 'sahf', exec: sahf, fin: 0, fout: LAHF_FLAGS },
  { op: 'D6', mn: 'salc', sem: salc, fin: CF },
  { op: 'F8', mn: 'clc', sem: setFlagTo(CF, 0), fout: CF },
  { op: 'F9', mn: 'stc', sem: setFlagTo(CF, 1), fout: CF },
  { op: 'F5', mn: 'cmc', sem: cmc, fin: CF, fout: CF },
  { op: 'FC', mn: 'cld', sem: setFlagTo(DF, 0) },
  { op: 'FD', mn: 'std', sem: setFlagTo(DF, 1) },
  { op: '0F 1F /0', mn: 'nop', args: 'Ev', sem: nop },
  // 0F 19..0F 1E are reserved hint NOPs on P6: CET's endbr32 (F3 0F 1E FB), which
  // Debian's libgcc puts at the top of __udivdi3, must execute as a NOP here
  ...['19', '1A', '1B', '1C', '1D', '1E'].map((b): RowSpec => ({ op: `0F ${b}`, mn: 'nop', args: 'Ev', sem: nop })),
];

