/**
 * The operations interface VMI calls are written against, and its
 * interpreter backend.
 *
 * `VmiOps<V>` is the instructions' `Ops<V>` (semantics/ops.ts) plus the
 * hypervisor state a call touches: the virtual IF, the deferred-mode mask,
 * the control registers, physical memory for page-table entries, and named
 * effects (`ROM_EFFECTS`, each the one implementation of a hypervisor
 * operation such as "invalidate this page now" or "queue a CR3 load"). A
 * simple call (calls.ts, the rows with `sem`) is a function of `VmiOps<V>`
 * and its parameters; as with instructions, the interpreter runs it with
 * `V = number` (`RomOps`, below) and the translator's inliner can run the
 * same function with `V` = generated code to emit it at a call site. Rules
 * are the instructions': every access that may fault before the first change
 * of state; control flow on values through `if_`/`select`.
 */
import type { Ops } from '../semantics/ops.ts';
import { InterpOps } from '../runtime/interp-ops.ts';
import { grants, physical, TLB_RS } from '../cpu/tlb.ts';
import type { VcpuVmi } from './state.ts';
import { ROM_EFFECTS, type Effect, type EffectName } from './effects.ts';

export interface VmiOps<V> extends Ops<V> {
  /** the virtual interrupt flag as 0 or 1 */
  vif(): V;
  setVif(v: V): void;
  /** 1 where the vCPU is paravirtual (its kernel initialised the ROM: cpu/cpu.ts `pv`), else 0 */
  paravirtual(): V;
  /** the deferred-mode mask (state.ts DEFER_*) */
  deferMode(): V;
  setDeferMode(v: V): void;
  /** control register 0, 2, 3 or 4 */
  cr(n: 0 | 2 | 3 | 4): V;
  setCr2(v: V): void;
  /**
   * The physical address a supervisor access at linear `lin` reaches now:
   * through the TLB where it holds the page, as the guest's own access would,
   * else a page walk (effects.ts `walk`), which may raise #PF
   */
  linearToPhysical(lin: V): V;
  /** 1 where the physical page holding `phys` is registered as a page table (AllocatePage), else 0 */
  isPageTable(phys: V): V;
  /** a 32-bit access to guest physical memory (page-table entries) */
  loadPhys(addr: V): V;
  storePhys(addr: V, v: V): void;
  /** a named hypervisor operation with side effects (effects.ts); returns its value (0 when it has none) */
  effect(name: EffectName, ...args: V[]): V;
  /** the same for an operation with a 64-bit value: [low, high] */
  effect64(name: EffectName, ...args: V[]): [V, V];
  /**
   * interrupts may have become deliverable: they are taken at the next
   * instruction boundary; `when` (nonzero where they may have) narrows it,
   * so that inlined code asks the interrupt controllers only then
   */
  pollInterrupts(when?: V): void;
  /**
   * Nonzero where the machine may have signalled this vCPU since its code
   * began running: an interrupt a device made deliverable, a request for
   * the vCPU back (both move the code epoch, runtime/machine-api.ts
   * `wantVcpuBack`). The ROM path runs one instruction at a time: 1.
   */
  signalled(): V;
}

/** The interpreter's backend: everything happens now, on the vCPU the call runs on. */
export class RomOps extends InterpOps implements VmiOps<number> {
  constructor(readonly ctx: VcpuVmi) {
    super(ctx.cpu);
  }

  vif(): number { return this.ctx.vif ? 1 : 0; }
  paravirtual(): number { return this.cpu.pv ? 1 : 0; }
  setVif(v: number): void { this.ctx.vif = v !== 0; }
  deferMode(): number { return this.ctx.deferMode; }
  setDeferMode(v: number): void { this.ctx.deferMode = v & 7; }

  cr(n: 0 | 2 | 3 | 4): number {
    const cpu = this.cpu;
    return n === 0 ? cpu.cr0 : n === 2 ? cpu.cr2 : n === 3 ? cpu.cr3 : cpu.cr4;
  }
  setCr2(v: number): void { this.cpu.cr2 = v; }

  linearToPhysical(lin: number): number {
    const e = this.cpu.mmu.tlb[lin >>> 12];
    return grants(e, TLB_RS) ? physical(e, lin) >>> 0 : this.effect('walk', lin);
  }

  isPageTable(phys: number): number { return this.ctx.pageTables[phys >>> 12]; }

  loadPhys(addr: number): number { return this.ctx.machine.memory.read(addr >>> 0, 4); }
  storePhys(addr: number, v: number): void { this.ctx.machine.memory.write(addr >>> 0, 4, v); }

  effect(name: EffectName, ...args: number[]): number {
    return (ROM_EFFECTS[name] as Effect)(this.ctx, ...args) ?? 0;
  }

  effect64(name: EffectName, ...args: number[]): [number, number] {
    const lo = this.effect(name, ...args);
    return [lo, this.ctx.high];
  }

  // `vmicall` ends the block: the engine checks for interrupts before the slot's `ret`
  pollInterrupts(): void {}
  signalled(): number { return 1; }
}
