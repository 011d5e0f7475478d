/**
 * Near control transfers: jmp, jcc, call, ret, loop/loope/loopne, jcxz,
 * and leave/enter. Relative targets were resolved by the decoder, so a
 * direct branch is a jump to a constant.
 */
import type { Sem } from '../ops.ts';
import type { RowSpec } from '../../isa/table.ts';
import type { Exec } from '../ops.ts';
import { Reg, Seg } from '../../isa/instr.ts';
import { ZF } from '../../isa/eflags.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { stackMove, stackPointer } from '../../cpu/registers.ts';
import { NUM } from '../../base/arith.ts';

const jmp: Sem = (o, i) => o.jump(o.get(i, 0), i.opsize);

const jcc: Sem = (o, i) => o.if_(o.cond(i.opcode & 15), () => o.jump(o.c(i.imm), i.opsize));

const call: Sem = (o, i) => {
  const target = o.get(i, 0);
  o.push(o.c(i.next & (i.opsize === 2 ? 0xffff : -1)), i.opsize as 2 | 4);
  o.jump(target, i.opsize);
};

const ret: Sem = (o, i) => {
  const target = o.pop(i.opsize as 2 | 4);
  // ret imm16 releases that many bytes of arguments
  if (i.row.operands.length) {
    const ss = o.stackBytes;
    o.setReg(Reg.ESP, ss, o.trunc(o.add(o.reg(Reg.ESP, ss), o.c(i.imm & 0xffff)), ss));
  }
  o.jump(target, i.opsize);
};

/** loop family: the counter is CX or ECX by address size */
function loop(kind: 'loop' | 'loope' | 'loopne'): Sem {
  return (o, i) => {
    const size = i.adsize as 2 | 4;
    const c = o.trunc(o.sub(o.reg(Reg.ECX, size), o.c(1)), size);
    o.setReg(Reg.ECX, size, c);
    let take = o.ne(c, o.c(0));
    if (kind === 'loope') take = o.and(take, o.flag(ZF));
    if (kind === 'loopne') take = o.and(take, o.xor(o.flag(ZF), o.c(1)));
    o.if_(take, () => o.jump(o.c(i.imm), i.opsize));
  };
}

const jcxz: Sem = (o, i) => {
  o.if_(o.eq(o.reg(Reg.ECX, i.adsize as 2 | 4), o.c(0)), () => o.jump(o.c(i.imm), i.opsize));
};

const leave: Sem = (o, i) => {
  const size = i.opsize as 2 | 4;
  // ESP = EBP (at the stack's address size), then pop EBP at the operand size
  const ss = o.stackBytes;
  o.setReg(Reg.ESP, ss, o.reg(Reg.EBP, ss));
  o.setReg(Reg.EBP, size, o.pop(size));
};

/** enter imm16, imm8: build a stack frame with `level` nested frame pointers */
const enter: Exec = (cpu: Cpu, i) => {
  const size = i.opsize;
  const level = i.imm2 & 31;
  const frameSize = i.imm & 0xffff;
  const big = cpu.stack32;
  // EBP is a stack pointer here: its width is the stack's
  const ebp = stackPointer(NUM, cpu.regs[Reg.EBP], big);
  let sp = cpu.sp;
  const down = (v: number, n: number) => stackMove(NUM, v, -n, big);
  // compute every store before committing a register
  const stores: [number, number][] = [];
  sp = down(sp, size);
  stores.push([sp, ebp]);
  const frameTemp = sp;
  let bp = ebp;
  for (let l = 1; l < level; l++) {
    bp = down(bp, size);
    sp = down(sp, size);
    stores.push([sp, cpu.read(Seg.SS, bp, size)]);
  }
  if (level > 0) { sp = down(sp, size); stores.push([sp, frameTemp]); }
  const finalSp = down(sp, frameSize);
  for (const [addr, v] of stores) cpu.write(Seg.SS, addr, size, v);
  if (frameSize) cpu.linear(Seg.SS, finalSp, 1, true);
  cpu.setReg(Reg.EBP, size, frameTemp);
  cpu.sp = finalSp;
};

export const rows: RowSpec[] = [
  { op: 'EB', mn: 'jmp', args: 'Jb', sem: jmp, end: true, flow: 'jump' },
  { op: 'E9', mn: 'jmp', args: 'Jz', sem: jmp, end: true, flow: 'jump' },
  { op: 'FF /4', mn: 'jmp', args: 'Ev', sem: jmp, end: true, flow: 'jump' },
  { op: '70+cc', mn: 'j{cc}', args: 'Jb', sem: jcc, end: true, flow: 'branch' },
  { op: '0F 80+cc', mn: 'j{cc}', args: 'Jz', sem: jcc, end: true, flow: 'branch' },
  { op: 'E8', mn: 'call', args: 'Jz', sem: call, end: true, flow: 'call' },
  { op: 'FF /2', mn: 'call', args: 'Ev', sem: call, end: true, flow: 'call' },
  { op: 'C3', mn: 'ret', sem: ret, end: true },
  { op: 'C2', mn: 'ret', args: 'Iw', sem: ret, end: true },
  { op: 'E2', mn: 'loop', args: 'Jb', sem: loop('loop'), end: true, flow: 'branch' },
  { op: 'E1', mn: 'loope', args: 'Jb', sem: loop('loope'), end: true, flow: 'branch', fin: ZF },
  { op: 'E0', mn: 'loopne', args: 'Jb', sem: loop('loopne'), end: true, flow: 'branch', fin: ZF },
  { op: 'E3', mn: 'jcxz/jecxz', args: 'Jb', sem: jcxz, end: true, flow: 'branch' },
  { op: 'C9', mn: 'leave', sem: leave },
  { op: 'C8', mn: 'enter', args: 'Iw,Ib', exec: enter, fin: 0 },
];
