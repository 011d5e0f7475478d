/**
 * The hypervisor operations that VMI calls written against `VmiOps` reach
 * through `o.effect(name, ...)`: each is implemented once here, called
 * directly by the ROM path and by name from an inlined call's generated
 * code. Arguments and results are 32-bit numbers (a result is 0 when the
 * operation has none); a 64-bit result (`o.effect64`) returns its low word
 * and leaves the high one in `ctx.high`.
 *
 * Immediate and queued forms come in pairs (`writeCr3` / `queueCr3`, ...):
 * the call's description decides which from the deferred-mode mask, so an
 * inliner that knows the mode emits only one of them.
 *
 * `EFFECT_TRAITS` says what the translator must know about each before it
 * emits a call of it: whether it has a value, whether it reads the clock
 * (generated code brings the retired-instruction count up to date first,
 * as the ROM path has it), whether it reaches a device model (lockstep
 * runs a region twice, so a call that does is left to the ROM path there),
 * whether it may drop TLB entries or switch address spaces (after it
 * the ROM path fetches the slot's `ret` and the caller's next instruction
 * afresh: inlined code checks that both are still where they were), and,
 * for a port write, whether the device may stop the machine or write
 * memory in response, and whether it works on the registers and flags
 * themselves (IRET's full return).
 */
import { Access } from '../cpu/mmu.ts';
import { writeCr3 } from '../cpu/system-ops.ts';
import { writeSystem } from '../cpu/segments.ts';
import { readPort, writePort } from '../semantics/families/io.ts';
import { DEFER_CPU, DEFER_MMU, type CpuChange, type VcpuVmi } from './state.ts';
import { KERNEL_CPL } from './segs.ts';
import { high32 } from '../base/arith.ts';
import { iretFrame } from '../semantics/families/far.ts';

/**
 * The kernel stack for entries from user mode. Given a TSS (the proposal,
 * revision 13.3): its ring-1 stack pointer, which ring transitions take,
 * and ring-0 one, kept equal for a native-minded guest. Given a stack
 * selector instead (API 3.0: Linux passes __KERNEL_DS and sp0 and keeps its
 * TSS's SS1 for other uses): the hypervisor keeps the stack itself, at the
 * kernel's level, and touches no guest memory.
 */
function setKernelStack(ctx: VcpuVmi, tss: number, ss: number, esp: number): void {
  const cpu = ctx.cpu;
  if (tss !== 0) {
    writeSystem(cpu, (tss + 4) | 0, 4, esp);
    writeSystem(cpu, (tss + 12) | 0, 4, esp);
  }
  if (ss & ~3) ctx.kernelStack = { sel: (ss & ~3) | KERNEL_CPL, esp };
}

function applyCpuChange(ctx: VcpuVmi, c: CpuChange): void {
  if (c.kind === 'cr3') writeCr3(ctx.cpu, c.value);
  else setKernelStack(ctx, c.tss, c.ss, c.esp);
}

export type Effect = (ctx: VcpuVmi, ...args: number[]) => number | void;

export const ROM_EFFECTS = {
  /**
   * A page walk for a supervisor read at linear `lin` (no write check: the
   * hypervisor writes): its physical address, or #PF. The TLB fast path in
   * front of it is each backend's (ops.ts `linearToPhysical`).
   */
  walk(ctx: VcpuVmi, lin: number): number {
    return ctx.cpu.mmu.translate(lin | 0, Access.READ, false);
  },
  /** A page-table entry was written into a page never registered as a page table (calls.ts `entryAt` asks). */
  countUnregisteredPxeWrite(ctx: VcpuVmi): void {
    ctx.rom.stats.unregisteredPxeWrites++;
  },
  setKernelStack,
  queueKernelStack(ctx: VcpuVmi, tss: number, ss: number, esp: number): void {
    ctx.cpuPending.push({ kind: 'kernelStack', tss, ss, esp });
  },
  writeCr3(ctx: VcpuVmi, v: number): void {
    writeCr3(ctx.cpu, v);
  },
  queueCr3(ctx: VcpuVmi, v: number): void {
    ctx.cpuPending.push({ kind: 'cr3', value: v });
  },
  invalidatePage(ctx: VcpuVmi, va: number): void {
    ctx.cpu.mmu.invalidatePage(va);
  },
  queueInvalidatePage(ctx: VcpuVmi, va: number): void {
    ctx.queueInvalidate(va);
  },
  /** FlushTLB's flags: 1 the non-global translations, 1|2 the global ones too */
  flushTlb(ctx: VcpuVmi, flags: number): void {
    ctx.cpu.mmu.flushAll((flags & 2) === 0);
  },
  queueFlushTlb(ctx: VcpuVmi, flags: number): void {
    ctx.queueFlush((flags & 2) !== 0);
  },
  /** Apply what is queued: `which` is a DEFER_* mask (MMU: the TLB work, CPU: the CPU changes); `point` says which call (profile-hooks.ts FLUSH_POINTS) */
  flushDeferred(ctx: VcpuVmi, which: number, point: number): void {
    if (which & DEFER_MMU) ctx.flushTlb(point);
    if (which & DEFER_CPU) ctx.flushCpu((c) => applyCpuChange(ctx, c), point);
  },
  /** a register of the vCPU's local APIC, by its offset in the APIC page (an absolute address works too) */
  apicRead(ctx: VcpuVmi, reg: number): number {
    return ctx.vcpu.apic.read(reg & 0xfff);
  },
  apicWrite(ctx: VcpuVmi, reg: number, v: number): void {
    ctx.vcpu.apic.write(reg & 0xfff, v);
  },
  /** IN, INB, INW: the `in` instruction's port read (no permission check: the hypervisor reads), zero-extended */
  portRead(ctx: VcpuVmi, port: number, size: number): number {
    return readPort(ctx.cpu, port & 0xffff, size);
  },
  /** OUT, OUTB, OUTW: the `out` instruction's port write */
  portWrite(ctx: VcpuVmi, port: number, size: number, v: number): void {
    writePort(ctx.cpu, port & 0xffff, size, v);
  },
  /**
   * IRET where the instruction's common case does not apply (calls.ts): the
   * instruction's full 32-bit return, to the same ring or an outer one.
   * Reads and writes the registers and flags; the new EIP.
   */
  iretFrame(ctx: VcpuVmi): number {
    iretFrame(ctx.cpu, 4);
    return ctx.cpu.eip;
  },
  /** GetCycleCounter: 0 real, 1 available, 2 stolen, anything else 0 (64 bits: the high word in ctx.high) */
  cycleCounter(ctx: VcpuVmi, counter: number): number {
    const clock = counter === 0 ? 'real' : counter === 1 ? 'available' : counter === 2 ? 'stolen' : undefined;
    const v = clock === undefined ? 0 : ctx.vcpu.cycles(clock);
    ctx.high = high32(v);
    return v | 0;
  },
} satisfies Record<string, Effect>;

export type EffectName = keyof typeof ROM_EFFECTS;

/** What the translator must know about an effect before emitting a call of it (see the module comment). */
export interface EffectTraits {
  /** it returns a value (else generated code calls it as a statement) */
  readonly value?: true;
  /** it reads the clock, which follows the retired-instruction count */
  readonly clock?: true;
  /** it reaches a device model, which must see each access once */
  readonly device?: true;
  /**
   * it may drop TLB entries or load CR3, and fills or changes none: code is
   * fetched afresh after it; a stack slot the TLB still maps is the page it
   * mapped before (the inliner's `ret` need not read its return address back)
   */
  readonly tlb?: true;
  /**
   * it may raise an interrupt or make the machine want the vCPU back (a
   * stop, a reset: the debug-exit and reset ports; another vCPU started
   * by an APIC write): inlined code leaves at
   * the slot's `ret` when it did, where the ROM path's `vmicall` ends its
   * block and the engine looks
   */
  readonly yields?: true;
  /**
   * a device may write guest memory in response (fw-cfg's DMA): code is
   * checked afterwards, as after a store; such a device moves the code epoch
   * once it has written (`memory.leaveTranslatedCode`), which is how inlined
   * code knows to read its return address back
   */
  readonly dma?: true;
  /** it may write guest RAM itself (a TSS's stack fields, a page walk's accessed bits) */
  readonly writes?: true;
  /**
   * it reads and writes the vCPU's registers and flags (and reads EIP and
   * the retired count, as the ROM path has them): generated code writes
   * them to the CPU before and reads them back after, as for a helper row
   */
  readonly state?: true;
}

export const EFFECT_TRAITS: Readonly<Record<EffectName, EffectTraits>> = {
  walk: { value: true, writes: true },
  countUnregisteredPxeWrite: {},
  setKernelStack: { writes: true },
  queueKernelStack: {},
  writeCr3: { tlb: true },
  queueCr3: {},
  invalidatePage: { tlb: true },
  queueInvalidatePage: {},
  flushTlb: { tlb: true },
  queueFlushTlb: {},
  flushDeferred: { tlb: true, writes: true },
  apicRead: { value: true, clock: true, device: true },
  // an ICR write may start another vCPU (INIT, start-up IPI), which wants this one back
  apicWrite: { clock: true, device: true, yields: true },
  portRead: { value: true, clock: true, device: true },
  portWrite: { clock: true, device: true, yields: true, dma: true },
  cycleCounter: { value: true, clock: true },
  iretFrame: { value: true, state: true },
};
