/**
 * Port I/O: in and out with an immediate port or DX, and the I/O permission
 * check they share with the string forms ins/outs (string.ts).
 *
 * In protected mode, code with CPL > IOPL (and any virtual-8086 code) may
 * only touch ports whose bits in the TSS I/O permission bitmap are all clear.
 * Port accesses go to `cpu.bus`; a device may raise an interrupt or change
 * machine state in response, so the rows end their block.
 */
import type { RowSpec } from '../../isa/table.ts';
import type { Exec } from '../ops.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import type { Instr } from '../../isa/instr.ts';
import { Fault, Vec } from '../../isa/faults.ts';
import { VM } from '../../isa/eflags.ts';
import { readSystem } from '../../cpu/segments.ts';

/** offset of the I/O map base field in a 32-bit TSS */
const TSS_IOMAP_BASE = 0x66;

/**
 * Raise #GP(0) unless the current code may access `size` bytes at `port`.
 * Only a 32-bit TSS has a bitmap; with a 16-bit one every checked access
 * faults.
 */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if (!cpu.protectedMode) return;
  if (cpu.cpl <= cpu.iopl && !(cpu.eflags & VM)) return;
  const type = cpu.trType & 0xd;
  if (type !== 9 || cpu.trLimit < TSS_IOMAP_BASE + 1) throw new Fault(Vec.GP, 0);
  const base = readSystem(cpu, (cpu.trBase + TSS_IOMAP_BASE) | 0, 2);
  const off = base + (port >>> 3);
  // the processor always reads two bitmap bytes, so both must lie within the TSS
  if (off + 1 > cpu.trLimit) throw new Fault(Vec.GP, 0);
  const bits = readSystem(cpu, (cpu.trBase + off) | 0, 2);
  const mask = ((1 << size) - 1) << (port & 7);
  if (bits & mask) throw new Fault(Vec.GP, 0);
}

/**
 * Read `size` bytes from a port without the permission check (the VMI ROM's
 * IN calls, made by the hypervisor for the kernel, use this too); the value
 * is zero-extended (int32 for 4 bytes).
 */
export function readPort(cpu: Cpu, port: number, size: number): number {
  const v = cpu.bus.portRead(port, size);
  return size === 4 ? v | 0 : size === 2 ? v & 0xffff : v & 0xff;
}

/** Write the low `size` bytes of `v` to a port without the permission check. */
export function writePort(cpu: Cpu, port: number, size: number, v: number): void {
  cpu.bus.portWrite(port, size, size === 4 ? v | 0 : size === 2 ? v & 0xffff : v & 0xff);
}

/** in: the permission check, then the read. */
function portIn(cpu: Cpu, port: number, size: number): number {
  checkIoPermission(cpu, port, size);
  return readPort(cpu, port, size);
}

function portOut(cpu: Cpu, port: number, size: number, v: number): void {
  checkIoPermission(cpu, port, size);
  writePort(cpu, port, size, v);
}

/** The accumulator size of an in/out form: even opcodes are byte forms. */
function accSize(i: Instr): number {
  return i.opcode & 1 ? i.opsize : 1;
}

/** The port: imm8 for E4-E7, DX for EC-EF. */
function portOf(cpu: Cpu, i: Instr): number {
  return i.opcode & 8 ? cpu.regs[2] & 0xffff : i.imm & 0xff;
}

const inAcc: Exec = (cpu, i) => {
  const size = accSize(i);
  cpu.setReg(0, size, portIn(cpu, portOf(cpu, i), size));
};

const outAcc: Exec = (cpu, i) => {
  const size = accSize(i);
  portOut(cpu, portOf(cpu, i), size, cpu.getReg(0, size));
};

const io = { end: true, fault: true, fin: 0, fout: 0, external: true };

export const rows: RowSpec[] = [
  { op: 'E4', mn: 'in', args: 'AL,Ib', exec: inAcc, ...io },
  { op: 'E5', mn: 'in', args: 'eAX,Ib', exec: inAcc, ...io },
  { op: 'EC', mn: 'in', args: 'AL,DX', exec: inAcc, ...io },
  { op: 'ED', mn: 'in', args: 'eAX,DX', exec: inAcc, ...io },
  { op: 'E6', mn: 'out', args: 'Ib,AL', exec: outAcc, ...io },
  { op: 'E7', mn: 'out', args: 'Ib,eAX', exec: outAcc, ...io },
  { op: 'EE', mn: 'out', args: 'DX,AL', exec: outAcc, ...io },
  { op: 'EF', mn: 'out', args: 'DX,eAX', exec: outAcc, ...io },
];
