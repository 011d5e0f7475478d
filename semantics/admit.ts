/**
 * Admission: the checks a row's own fields call for, made before the row
 * runs, in either engine and in this order, so that no semantic function
 * re-checks them.
 */
import type { Cpu } from '../cpu/cpu.ts';
import type { Instr } from '../isa/instr.ts';
import { Fault, Vec } from '../isa/faults.ts';
import { CR0_EM, CR0_TS } from '../cpu/mmu.ts';

/** Privileged rows need CPL 0 (#GP(0)); x87 rows raise #NM while CR0.EM or CR0.TS is set. */
export function admit(cpu: Cpu, i: Instr): void {
  if (i.row.priv && cpu.cpl !== 0 && cpu.protectedMode) throw new Fault(Vec.GP, 0);
  if (i.row.fpu && cpu.cr0 & (CR0_EM | CR0_TS)) throw new Fault(Vec.NM);
}
