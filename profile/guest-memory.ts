/**
 * Reading guest memory for a profiler: a 32-bit word at a linear address,
 * through the vCPU's page tables as they are now, without touching anything
 * the guest could see.
 *
 * The MMU's own `translate` refills the TLB and sets accessed bits; a
 * profile must not change the run it observes, so this walks the tables
 * itself (2-level, PSE large pages, PAE) and reads RAM only (never a device
 * register). Anything unmapped, outside RAM, or straddling a page answers
 * undefined: a stack walk simply stops there.
 */
import type { Cpu } from '../cpu/cpu.ts';
import { CR0_PG, CR4_PAE, CR4_PSE } from '../cpu/mmu.ts';

const PRESENT = 1, LARGE = 0x80;

/** The physical address of linear `lin` now, or undefined where a walk finds nothing present. */
export function peekPhysical(cpu: Cpu, lin: number): number | undefined {
  lin >>>= 0;
  if (!(cpu.cr0 & CR0_PG)) return lin;
  const word = (a: number) => (a + 4 <= cpu.mem.size && cpu.mem.fastReadable(a) ? cpu.mem.read(a, 4) >>> 0 : 0);
  if (cpu.cr4 & CR4_PAE) {
    const pdpte = word((cpu.cr3 & 0xffffffe0) + ((lin >>> 30) & 3) * 8);
    if (!(pdpte & PRESENT)) return undefined;
    const pde = word((pdpte & 0xfffff000) + ((lin >>> 21) & 0x1ff) * 8);
    if (!(pde & PRESENT)) return undefined;
    if (pde & LARGE) return ((pde & 0xffe00000) >>> 0) + (lin & 0x1fffff);
    const pte = word((pde & 0xfffff000) + ((lin >>> 12) & 0x1ff) * 8);
    return pte & PRESENT ? ((pte & 0xfffff000) >>> 0) + (lin & 0xfff) : undefined;
  }
  const pde = word(((cpu.cr3 & 0xfffff000) >>> 0) + (lin >>> 22) * 4);
  if (!(pde & PRESENT)) return undefined;
  if (pde & LARGE && cpu.cr4 & CR4_PSE) return ((pde & 0xffc00000) >>> 0) + (lin & 0x3fffff);
  const pte = word(((pde & 0xfffff000) >>> 0) + ((lin >>> 12) & 0x3ff) * 4);
  return pte & PRESENT ? ((pte & 0xfffff000) >>> 0) + (lin & 0xfff) : undefined;
}

/** The 32-bit word at linear `lin` (aligned within its page), or undefined. */
export function peekWord(cpu: Cpu, lin: number): number | undefined {
  if ((lin & 0xfff) > 0xffc) return undefined;
  const at = peekPhysical(cpu, lin);
  if (at === undefined || at + 4 > cpu.mem.size || !cpu.mem.fastReadable(at)) return undefined;
  return cpu.mem.read(at, 4) >>> 0;
}

/** Deepest stack a walk follows (a corrupt chain of frame pointers stops here at worst). */
export const MAX_FRAMES = 48;

/**
 * A frame-pointer walk: `pc` first (innermost), then the return address of
 * each frame up the chain of saved EBPs ([EBP] the caller's EBP, [EBP+4]
 * the return address). The chain must grow upward; a zero, unaligned or
 * unreadable EBP ends it. Innermost first.
 */
export function walkFrames(cpu: Cpu, pc: number, ebp: number): number[] {
  const frames = [pc >>> 0];
  let fp = ebp >>> 0;
  while (frames.length < MAX_FRAMES && fp !== 0 && (fp & 3) === 0) {
    const ret = peekWord(cpu, fp + 4);
    const next = peekWord(cpu, fp);
    if (ret === undefined || next === undefined || ret === 0) break;
    frames.push(ret);
    if (next <= fp) break;
    fp = next;
  }
  return frames;
}
