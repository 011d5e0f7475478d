/**
 * The VMI ROM's way into the hypervisor: `0F 04 ib`, written `vmicall N`.
 *
 * Every call slot of the ROM (vmirom/image.ts) is `vmicall N; ret`. 0F 04
 * is undefined on every i386-family processor from the 386 on (only the 286
 * gave it an undocumented meaning), so a CPU without vmidbt raises #UD at
 * the first ROM call instead of doing something silently wrong; the
 * immediate is the call number. Here the instruction looks up the VMI
 * handler attached to this vCPU (vmirom/rom.ts installs one per vCPU) and
 * hands it the number; with none attached it is #UD too.
 *
 * It is a helper (runs against the CPU) and ends the block: calls change
 * CS, CPL, IF, CR3 and the segment caches, and after EnableInterrupts or
 * SetInterruptMask the engine's interrupt check at the block boundary is
 * what delivers the pending interrupts. The translator (issue 5) will
 * recognise `call slot` and call the handler's function directly instead.
 */
import type { RowSpec } from '../../isa/table.ts';
import type { Exec } from '../ops.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { Fault, Vec } from '../../isa/faults.ts';

/** Handles call `n` on `cpu` (EIP already points past the vmicall, at the slot's `ret`). */
export type VmiHandler = (cpu: Cpu, n: number) => void;

// a WeakMap rather than a Cpu field: the CPU core knows nothing of the ROM
const handlers = new WeakMap<Cpu, VmiHandler>();

export function setVmiHandler(cpu: Cpu, handler: VmiHandler | undefined): void {
  if (handler) handlers.set(cpu, handler);
  else handlers.delete(cpu);
}

export function vmiHandler(cpu: Cpu): VmiHandler | undefined {
  return handlers.get(cpu);
}

/** the entry instruction's opcode bytes (the call number follows) */
export const VMICALL_OPCODE: readonly number[] = [0x0f, 0x04];

const vmicall: Exec = (cpu, i) => {
  const h = handlers.get(cpu);
  if (!h) throw new Fault(Vec.UD);
  h(cpu, i.imm & 0xff);
};

export const rows: RowSpec[] = [
  { op: '0F 04', mn: 'vmicall', args: 'Ib', exec: vmicall, end: true, fault: true, external: true },
];
