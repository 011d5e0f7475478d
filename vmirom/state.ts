/**
 * The hypervisor-side state of the VMI ROM: what is shared by every vCPU
 * (`RomShared`: page usage, AP start states, linear-mapping hints,
 * statistics) and what each vCPU has (`VcpuVmi`): the virtual IF, the
 * deferred-mode mask with what it defers, the kernel stack the ROM switches
 * to on entry from user mode, and the two alarms.
 *
 * `VcpuVmi` is what `cpu.pv` points to once the vCPU runs paravirtually
 * (after Init, or an AP started from an APState), which is how the
 * interpreter and interrupt delivery see the virtual IF, how a page fault
 * reaches the deferred queue and how a ring change finds the kernel stack
 * (cpu/cpu.ts `Paravirt`).
 *
 * Deferred mode (vmirom/README.md): page-table writes always go through to
 * memory at once, so a guest that reads or exchanges an entry directly sees
 * what it wrote. What MMU mode defers is their effect on this vCPU's TLB:
 * InvalPage and FlushTLB are queued (coalesced: a full flush absorbs page
 * invalidations) and applied at a flush point: a page fault delivered on this
 * vCPU, a SetDeferredMode that clears the bit, FlushDeferredCalls. CPU mode
 * queues SetCR3 and UpdateKernelStack, applied in order at a narrowing
 * SetDeferredMode or FlushDeferredCalls, so a context switch's address-space
 * and stack changes take effect together.
 */
import type { Cpu, Paravirt } from '../cpu/cpu.ts';
import type { MachineApi, VcpuApi } from '../runtime/machine-api.ts';
import { Vec } from '../isa/faults.ts';
import type { VmiStats } from './stats.ts';
import { FLUSH_POINTS, type InlinedSites, type VmiProfileHooks } from './profile-hooks.ts';
import { CALL_NAMES, type VmiAbi } from './abis.ts';
import { HOLE_START } from './segs.ts';

export const DEFER_MMU = 1, DEFER_CPU = 2, DEFER_DT = 4;

/**
 * Page usage as the ROM records it, whatever bits the calling ABI used
 * (abis.ts decodes them): what a page is, and hints about it.
 */
export const PAGE_PT = 0x01, PAGE_PD = 0x02, PAGE_PDP = 0x04, PAGE_PML4 = 0x08;
export const PAGE_GDT = 0x10, PAGE_LDT = 0x20, PAGE_IDT = 0x40, PAGE_TSS = 0x80;
/** hints: a PAE table, a directory cloned from another, a page handed over zeroed */
export const PAGE_PAE = 0x100, PAGE_CLONE = 0x200, PAGE_ZEROED = 0x400;
export const PAGE_TABLE_KINDS = PAGE_PT | PAGE_PD | PAGE_PDP | PAGE_PML4;

/**
 * Page usage (PAGE_* bits) by physical page number, with a flag per
 * physical page saying whether it is registered as a page table: every
 * page-table call asks, and inlined calls read the flag from generated
 * code (`pageTables`) instead of calling the ROM.
 */
export class PageUsage extends Map<number, number> {
  /**
   * 1 where the page's usage has a page-table kind, by page number: the
   * pages of 32-bit physical addresses, which are all a PTE's address can
   * be here (a page number above them has no flag, rather than another's)
   */
  readonly tables = new Uint8Array(1 << 20);

  override set(page: number, usage: number): this {
    if (page < this.tables.length) this.tables[page] = usage & PAGE_TABLE_KINDS ? 1 : 0;
    return super.set(page, usage);
  }

  override delete(page: number): boolean {
    if (page < this.tables.length) this.tables[page] = 0;
    return super.delete(page);
  }

  override clear(): void {
    this.tables.fill(0);
    super.clear();
  }
}

/** The 96-byte APState of SetInitialAPState (ABI.md section 7), parsed. */
export interface ApState {
  cr0: number; cr2: number; cr3: number; cr4: number;
  efer: bigint;
  eip: number; eflags: number;
  eax: number; ebx: number; ecx: number; edx: number; esp: number; ebp: number; esi: number; edi: number;
  cs: number; ss: number; ds: number; es: number; fs: number; gs: number; ldtr: number;
  gdtrLimit: number; gdtrBase: number; idtrBase: number; idtrLimit: number;
}

export interface LinearMapping {
  linear: number;
  pages: number;
  pfn: number;
}

export interface RomShared {
  readonly machine: MachineApi;
  readonly abi: VmiAbi;
  readonly stats: VmiStats;
  /** usage (PAGE_* bits) by physical page number, for pages registered with AllocatePage */
  readonly pageUsage: PageUsage;
  /** SetInitialAPState, by APIC id, waiting for the startup IPI */
  readonly apStates: Map<number, ApState>;
  /** SetLinearMapping hints, slots 0..3 */
  readonly linearMappings: (LinearMapping | undefined)[];
  /** some vCPU has called Init: startup IPIs follow the paravirtual rules */
  active: boolean;
  /** slots of inlined call sites the translator counts when profiling (profile-hooks.ts) */
  readonly inlinedSites: InlinedSites;
  /** the profiler's hooks, when one is attached */
  profile?: VmiProfileHooks;
  /** run the call at `entry` on `ctx` as the ROM path does, uncounted (rom.ts; an inlined call of a hypervisor function) */
  runInlined(ctx: VcpuVmi, entry: number): void;
}

/** One queued CPU-mode change, applied in the order made. */
export type CpuChange =
  | { kind: 'cr3'; value: number }
  | { kind: 'kernelStack'; tss: number; ss: number; esp: number };

/** TLB work MMU deferred mode holds back: pages to invalidate, and a pending full flush (1 non-global, 3 all). */
export interface PendingTlb {
  pages: number[];
  flush: 0 | 1 | 3;
}

export const enum AlarmClock { REAL = 0, AVAILABLE = 1 }

export interface Alarm {
  armed: boolean;
  handle: number;
  /** the first expiry: periodic firings are at base + period * i */
  base: bigint;
  expiry: bigint;
  /** 0 for one-shot */
  period: bigint;
  /** deliver through the local APIC timer LVT vector, else as IRQ0 */
  apic: boolean;
  fired: number;
}

function newAlarm(): Alarm {
  return { armed: false, handle: -1, base: 0n, expiry: 0n, period: 0n, apic: false, fired: 0 };
}

export class VcpuVmi implements Paravirt {
  vif = false;
  deferMode = 0;
  readonly tlbPending: PendingTlb = { pages: [], flush: 0 };
  readonly cpuPending: CpuChange[] = [];
  /** indexed by AlarmClock */
  readonly alarms: [Alarm, Alarm] = [newAlarm(), newAlarm()];
  /** the kernel stack entries from user mode switch to, when UpdateKernelStack named no TSS (API 3.0) */
  kernelStack: { sel: number; esp: number } | undefined;
  /** wall clock minus real time (ns) when WallclockUpdated last looked */
  wallOffset: bigint | undefined;
  /** the high word of the last 64-bit effect's value (effects.ts) */
  high = 0;
  /** calls the translator ran inline on this vCPU, by index in CALL_NAMES (generated code counts them, a region's counts as it leaves) */
  readonly inlined = new Float64Array(CALL_NAMES.length);
  /** runs of inlined calls by site slot (profile-hooks.ts), counted by generated code only when profiling */
  readonly siteHits: number[];
  /** the ROM's page-table flags by physical page number (PageUsage `tables`), for generated code */
  readonly pageTables: Uint8Array;

  constructor(readonly rom: RomShared, readonly vcpu: VcpuApi) {
    this.siteHits = rom.inlinedSites.counter();
    this.pageTables = rom.pageUsage.tables;
  }

  get cpu(): Cpu {
    return this.vcpu.cpu;
  }

  get machine(): MachineApi {
    return this.rom.machine;
  }

  onDeliver(_cpu: Cpu, vector: number): void {
    this.rom.profile?.delivered(this, vector);
    // a page fault is a flush point: the handler runs with every queued invalidation done
    if (vector === Vec.PF) this.flushTlb(0);
  }

  /** Queue InvalPage(va): nothing to add when a full flush is already pending. */
  queueInvalidate(va: number): void {
    const t = this.tlbPending;
    if (t.flush !== 3 && !t.pages.includes(va & ~0xfff)) t.pages.push(va & ~0xfff);
  }

  /** Queue FlushTLB: a full flush absorbs the page invalidations it covers. */
  queueFlush(global: boolean): void {
    const t = this.tlbPending;
    if (global) { t.flush = 3; t.pages.length = 0; } else if (t.flush === 0) t.flush = 1;
  }

  /** Apply the queued TLB work; `point` indexes FLUSH_POINTS (for the profiler). */
  flushTlb(point = 0): void {
    const t = this.tlbPending;
    this.rom.profile?.flushed(this, { point: FLUSH_POINTS[point] ?? 'page fault', pages: t.pages.length, flush: t.flush, cpuChanges: 0 });
    if (!t.flush && !t.pages.length) return;
    const mmu = this.cpu.mmu;
    // invlpg drops global entries too, which a non-global flush keeps: do the pages first
    for (const va of t.pages) mmu.invalidatePage(va);
    if (t.flush) mmu.flushAll(t.flush === 1);
    t.pages.length = 0;
    t.flush = 0;
  }

  /** Apply the queued CPU-mode changes (`apply` performs one). */
  flushCpu(apply: (c: CpuChange) => void, point = 0): void {
    if (this.cpuPending.length) this.rom.profile?.flushed(this, { point: FLUSH_POINTS[point] ?? 'page fault', pages: 0, flush: 0, cpuChanges: this.cpuPending.length });
    if (!this.cpuPending.length) return;
    // an applied change may not queue again: take the list first
    for (const c of this.cpuPending.splice(0)) apply(c);
  }

  /** The queues and the kernel stack as a function that puts them back (cpu.ts Paravirt; the scalars are the caller's). */
  checkpoint(): () => void {
    const pages = [...this.tlbPending.pages], flush = this.tlbPending.flush;
    const cpu = [...this.cpuPending], stack = this.kernelStack;
    return () => {
      this.tlbPending.pages.splice(0, Infinity, ...pages);
      this.tlbPending.flush = flush;
      this.cpuPending.splice(0, Infinity, ...cpu);
      this.kernelStack = stack;
    };
  }

  /** What the calls change, as text: virtual IF, deferred mode, what is queued, the kernel stack. */
  describe(): string {
    const hex = (v: number) => (v >>> 0).toString(16);
    const t = this.tlbPending;
    const changes = this.cpuPending.map((c) => (c.kind === 'cr3' ? `cr3=${hex(c.value)}` : `stack=${hex(c.tss)}/${hex(c.ss)}/${hex(c.esp)}`));
    const stack = this.kernelStack ? `${hex(this.kernelStack.sel)}:${hex(this.kernelStack.esp)}` : '-';
    return `vif=${this.vif ? 1 : 0} defer=${this.deferMode} tlb=[${t.pages.map(hex).join(' ')}] flush=${t.flush} cpu=[${changes.join(' ')}] kstack=${stack}`;
  }

  /** The kernel's flat segments (sysenter, SYSEXIT) end below the hypervisor's hole. */
  get flatLimit(): number {
    return HOLE_START - 1;
  }

  /** The counter an alarm runs on, now. */
  clock(c: AlarmClock): bigint {
    return c === AlarmClock.REAL ? this.machine.realTime() : this.vcpu.available();
  }
}
