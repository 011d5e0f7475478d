/**
 * Admission: the checks a row's own fields call for, made before the row
 * runs, in either engine and in this order, so that no semantic function
 * re-checks them. The one exception is the x87 kernels, which translated
 * code calls directly (semantics/families/fpu.ts): they start with
 * `admitX87` folded into their pending-exception test (fpu-stack.ts
 * `waitChecks`).
 */
import type { Cpu } from '../cpu/cpu.ts';
import type { Instr } from '../isa/instr.ts';
import { Fault, Vec } from '../isa/faults.ts';
import { CR0_EM, CR0_TS } from '../cpu/mmu.ts';

/** Privileged rows need CPL 0 (#GP(0)); x87 rows raise #NM while CR0.EM or CR0.TS is set. */
export function admit(cpu: Cpu, i: Instr): void {
  if (i.row.priv && cpu.cpl !== 0 && cpu.protectedMode) throw new Fault(Vec.GP, 0);
  if (i.row.fpu) admitX87(cpu);
}

/** The CR0 bits that make x87 rows raise #NM (kernels fold the test into their fast-path checks). */
export const CR0_NO_X87 = CR0_EM | CR0_TS;

/** x87 rows raise #NM while CR0.EM or CR0.TS is set. */
export function admitX87(cpu: Cpu): void {
  if (cpu.cr0 & CR0_NO_X87) throw new Fault(Vec.NM);
}
