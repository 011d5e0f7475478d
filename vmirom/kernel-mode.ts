/**
 * Entering paravirtual mode: Init on the processor that calls it, and an
 * APState (SetInitialAPState, ABI.md section 7) on an AP the ROM starts.
 *
 * Either way the vCPU ends up with `cpu.pv` set, the kernel at CPL 1 with
 * DPL-1 descriptors whose limits stop below the hypervisor's hole (segs.ts),
 * IOPL 0, the real IF set for good and the virtual IF in its place.
 */
import type { Cpu } from '../cpu/cpu.ts';
import { Reg, Seg } from '../isa/instr.ts';
import { IF, IOPL, VM } from '../isa/eflags.ts';
import { CR0_ET, CR0_PE, CR0_PG, EFER_NXE } from '../cpu/mmu.ts';
import { loadCache, readDescriptor, readSystem, writeSystem } from '../cpu/segments.ts';
import { adjustCache, adjustDescriptor, adjusted, KERNEL_CPL } from './segs.ts';
import { wallOffset } from './clock.ts';
import type { ApState, VcpuVmi } from './state.ts';

/**
 * Init: the kernel leaves CPL 0 for CPL 1. Every code/data descriptor in the
 * GDT is adjusted in place (DPL 0 -> 1, limits below the hole), the live
 * segment caches likewise, CS and SS take RPL 1, IOPL drops to 0, and the
 * virtual IF takes over from the real one (which is then set for good).
 * Returns 0, or -1 outside protected mode or CPL 0. A second Init (or one
 * on an AP started paravirtually) changes nothing and returns 0.
 */
export function init(ctx: VcpuVmi): number {
  const cpu = ctx.cpu;
  if (cpu.pv) return 0;
  if (!cpu.protectedMode || cpu.cpl !== 0 || (cpu.getEflags() & VM) !== 0) return -1;
  for (let off = 8; off + 7 <= cpu.gdtLimit; off += 8) {
    const at = (cpu.gdtBase + off) | 0;
    const lo = readSystem(cpu, at, 4);
    const hi = readSystem(cpu, (at + 4) | 0, 4);
    const [nlo, nhi] = adjustDescriptor(lo, hi);
    if (nlo !== lo) writeSystem(cpu, at, 4, nlo);
    if (nhi !== hi) writeSystem(cpu, (at + 4) | 0, 4, nhi);
  }
  for (let s = 0; s < 6; s++) adjustCache(cpu, s);
  cpu.segSel[Seg.CS] = (cpu.segSel[Seg.CS] & ~3) | 1;
  cpu.segSel[Seg.SS] = (cpu.segSel[Seg.SS] & ~3) | 1;
  cpu.setCpl(1);
  ctx.vif = (cpu.getEflags() & IF) !== 0;
  cpu.setEflags(IF, IF | IOPL);
  ctx.wallOffset = wallOffset(ctx);
  cpu.pv = ctx;
  ctx.rom.active = true;
  return 0;
}

function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Parse an APState (ABI.md section 7) at DS:ptr. */
export function readApState(cpu: Cpu, ptr: number): ApState {
  const d = (off: number) => cpu.read(Seg.DS, (ptr + off) | 0, 4);
  const w = (off: number) => cpu.read(Seg.DS, (ptr + off) | 0, 2);
  return {
    cr0: d(0), cr2: d(4), cr3: d(8), cr4: d(12), efer: u64(d(16), d(20)),
    eip: d(24), eflags: d(28), eax: d(32), ebx: d(36), ecx: d(40), edx: d(44),
    esp: d(48), ebp: d(52), esi: d(56), edi: d(60),
    cs: w(64), ss: w(66), ds: w(68), es: w(70), fs: w(72), gs: w(74), ldtr: w(76),
    gdtrLimit: w(78), gdtrBase: d(80), idtrBase: d(84), idtrLimit: w(88),
  };
}

/** Is an APState one an AP can start from? (Protected mode with paging.) */
export function validApState(s: ApState): boolean {
  return (s.cr0 & (CR0_PE | CR0_PG)) === (CR0_PE | CR0_PG);
}

/**
 * Put a vCPU into the state an APState describes, in paravirtual mode: the
 * kernel's level (CPL 1, CS and SS with RPL 1) whatever RPL the state's
 * selectors carry, descriptors adjusted as Init adjusts them.
 */
export function applyApState(ctx: VcpuVmi, s: ApState): void {
  const cpu = ctx.cpu;
  cpu.cr0 = (s.cr0 | CR0_ET) | 0;
  cpu.cr2 = s.cr2;
  cpu.cr3 = s.cr3;
  cpu.cr4 = s.cr4;
  cpu.efer = Number(s.efer & BigInt(EFER_NXE));
  cpu.mmu.flushAll(false);
  cpu.gdtBase = s.gdtrBase; cpu.gdtLimit = s.gdtrLimit;
  cpu.idtBase = s.idtrBase; cpu.idtLimit = s.idtrLimit;
  const r = cpu.regs;
  r[Reg.EAX] = s.eax; r[Reg.EBX] = s.ebx; r[Reg.ECX] = s.ecx; r[Reg.EDX] = s.edx;
  r[Reg.ESP] = s.esp; r[Reg.EBP] = s.ebp; r[Reg.ESI] = s.esi; r[Reg.EDI] = s.edi;
  // the AP starts at the kernel's level whatever RPL its selectors carry (Linux passes RPL 0)
  cpu.setCpl(KERNEL_CPL);
  const kernel = (sel: number) => ((sel & ~3) === 0 ? sel : (sel & ~3) | KERNEL_CPL);
  // the LDT first: segment selectors may point into it
  if ((s.ldtr & ~3) !== 0) {
    const d = readDescriptor(cpu, s.ldtr);
    cpu.ldtSel = s.ldtr; cpu.ldtBase = d.base; cpu.ldtLimit = d.limit;
  } else {
    cpu.ldtSel = 0; cpu.ldtBase = 0; cpu.ldtLimit = 0;
  }
  const sels: [number, number][] = [[Seg.CS, kernel(s.cs)], [Seg.SS, kernel(s.ss)], [Seg.DS, s.ds], [Seg.ES, s.es], [Seg.FS, s.fs], [Seg.GS, s.gs]];
  for (const [seg, sel] of sels) {
    if ((sel & ~3) === 0) {
      cpu.segSel[seg] = sel; cpu.segBase[seg] = 0; cpu.segLimit[seg] = 0; cpu.segAttr[seg] = 0;
      cpu.refreshSeg(seg);
    } else {
      loadCache(cpu, seg, sel, adjusted(readDescriptor(cpu, sel)));
    }
  }
  ctx.vif = (s.eflags & IF) !== 0;
  cpu.setEflags((s.eflags & ~IOPL) | IF);
  cpu.eip = s.eip;
  cpu.halted = false;
  cpu.pv = ctx;
}
