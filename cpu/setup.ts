/**
 * Canned CPU states: the flat 32-bit protected mode a Multiboot loader leaves
 * (runtime/loader/multiboot.ts), which the test harness and test world start
 * from too. Only the segment caches are loaded: no GDT is written, so code
 * that reloads a segment register needs its own (the Multiboot contract says
 * the kernel must load one before it does).
 */
import type { Cpu } from './cpu.ts';
import { CR0_PE } from './mmu.ts';
import { Seg } from '../isa/instr.ts';

/** Flat 4 GiB code and data segments, CPL 0, paging off, interrupts off. */
export function enterFlatProtectedMode(cpu: Cpu, codeSel = 0x08, dataSel = 0x10): void {
  cpu.cr0 |= CR0_PE;
  for (let s = 0; s < 6; s++) {
    const code = s === Seg.CS;
    cpu.segSel[s] = code ? codeSel : dataSel;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffffffff;
    // present, DPL 0, S, type: code execute/read accessed or data read/write accessed; D/B and G set
    cpu.segAttr[s] = (code ? 0x9b : 0x93) | 0xc000;
    cpu.refreshSeg(s);
  }
  cpu.setCpl(0);
  cpu.eflags = 2;
  cpu.lazy = 0;
}
