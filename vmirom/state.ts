/**
 * The hypervisor-side state of the VMI ROM: what is shared by every vCPU
 * (`RomShared`: page usage, AP start states, linear-mapping hints,
 * statistics) and what each vCPU has (`VcpuVmi`): the virtual IF, the
 * deferred-mode mask with its queues, and the two alarms.
 *
 * `VcpuVmi` is what `cpu.pv` points to once the vCPU runs paravirtually
 * (after Init, or an AP started from an APState), which is how the
 * interpreter and interrupt delivery see the virtual IF and how a page fault
 * reaches the deferred queue (cpu/cpu.ts `Paravirt`).
 *
 * Deferred mode (ABI.md section 5): with the MMU bit set, page-table writes
 * (SetPxE, SetPxELong) are translated to physical addresses when made and
 * queued; they reach memory, in the order made, only at a flush point: a
 * page fault delivered on this vCPU, InvalPage, FlushTLB, a SetDeferredMode
 * that clears a bit, FlushDeferredCalls. With the CPU bit, SetCR3 and
 * UpdateKernelStack are queued and applied at a narrowing SetDeferredMode or
 * FlushDeferredCalls, so a context switch's address-space and stack changes
 * take effect together. DT-mode descriptor writes are applied at once (the
 * ABI lets them be queued, not must).
 */
import type { Cpu, Paravirt } from '../cpu/cpu.ts';
import type { MachineApi, VcpuApi } from '../runtime/machine-api.ts';
import { Vec } from '../isa/faults.ts';
import type { VmiStats } from './stats.ts';

export const DEFER_MMU = 1, DEFER_CPU = 2, DEFER_DT = 4;

/** AllocatePage / ReleasePage usage flags */
export const PAGE_PT = 0x01, PAGE_PD = 0x02, PAGE_PDP = 0x04, PAGE_PML4 = 0x08;
export const PAGE_GDT = 0x10, PAGE_LDT = 0x20, PAGE_IDT = 0x40, PAGE_TSS = 0x80;

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
  readonly stats: VmiStats;
  /** usage flags by physical page number, for pages registered with AllocatePage */
  readonly pageUsage: Map<number, number>;
  /** SetInitialAPState, by APIC id, waiting for the startup IPI */
  readonly apStates: Map<number, ApState>;
  /** SetLinearMapping hints, slots 0..3 */
  readonly linearMappings: (LinearMapping | undefined)[];
  /** some vCPU has called Init: startup IPIs follow the paravirtual rules */
  active: boolean;
}

/** One queued page-table write (`hi` for a 64-bit PAE entry). */
export interface PendingPte {
  phys: number;
  lo: number;
  hi?: number;
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
  readonly mmuPending: PendingPte[] = [];
  readonly cpuPending: (() => void)[] = [];
  /** indexed by AlarmClock */
  readonly alarms: [Alarm, Alarm] = [newAlarm(), newAlarm()];
  /** wall clock minus real time (ns) when WallclockUpdated last looked */
  wallOffset: bigint | undefined;

  constructor(readonly rom: RomShared, readonly vcpu: VcpuApi) {}

  get cpu(): Cpu {
    return this.vcpu.cpu;
  }

  get machine(): MachineApi {
    return this.rom.machine;
  }

  onDeliver(_cpu: Cpu, vector: number): void {
    // a page fault is a flush point: the handler sees every queued page-table write
    if (vector === Vec.PF && this.mmuPending.length) this.flushMmu();
  }

  queuePte(w: PendingPte): void {
    this.mmuPending.push(w);
  }

  flushMmu(): void {
    const mem = this.machine.memory;
    for (const w of this.mmuPending) writePte(mem, w);
    this.mmuPending.length = 0;
  }

  /** Apply (and drop from the queue) pending writes into physical page `pfn`, or to exactly `phys`. */
  flushMmuWhere(match: (w: PendingPte) => boolean): void {
    const mem = this.machine.memory;
    let kept = 0;
    for (const w of this.mmuPending) {
      if (match(w)) writePte(mem, w);
      else this.mmuPending[kept++] = w;
    }
    this.mmuPending.length = kept;
  }

  flushCpu(): void {
    // an applied entry may not queue again: take the list first
    const work = this.cpuPending.splice(0);
    for (const f of work) f();
  }

  flushAll(): void {
    this.flushMmu();
    this.flushCpu();
  }

  /** The counter an alarm runs on, now. */
  clock(c: AlarmClock): bigint {
    return c === AlarmClock.REAL ? this.machine.realTime() : this.vcpu.available();
  }
}

function writePte(mem: MachineApi['memory'], w: PendingPte): void {
  if (w.hi !== undefined) mem.write(w.phys + 4, 4, w.hi);
  mem.write(w.phys, 4, w.lo);
}
