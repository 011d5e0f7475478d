/**
 * What the ROM tells a profiler, and the table of inlined call sites.
 *
 * The ROM path already counts every call per site (stats.ts). A call the
 * translator inlined never reaches the ROM, so when profiling is on the
 * inliner asks `InlinedSites.index` for a slot per (call site, call) at
 * translation time and the generated code adds one to `siteHits[slot]` of
 * its vCPU's state each time the call runs (or, when a profiler wants
 * stacks, calls the host with the slot and EBP/ESP). With profiling off
 * nothing of this is emitted: the table stays empty.
 *
 * `VmiProfileHooks` is the profiler's side (profile/ implements it): the
 * ROM calls it, when one is set, for a call through the ROM, for an inlined
 * call that asked for it, for each flush of the deferred queues, and for
 * each interrupt or exception delivered to a paravirtual vCPU. The hooks
 * observe; they never change guest state. Who may set them: whoever builds
 * the machine (cli/), before the run starts.
 *
 * The table is bounded like the ROM path's (stats.ts SITE_LIMIT): beyond
 * it, new sites share slot 0, `OTHER_SITE`, counted only in the total.
 */
import type { CallName } from './abis.ts';
import { SITE_LIMIT } from './stats.ts';
import type { Cpu } from '../cpu/cpu.ts';

/** Where queued deferred work was applied (a flush point). */
export const FLUSH_POINTS = ['page fault', 'SetDeferredMode', 'FlushDeferredCalls'] as const;
export type FlushPoint = (typeof FLUSH_POINTS)[number];
/** the flush-point numbers the calls pass to the `flushDeferred` effect */
export const FLUSH_SET_DEFERRED_MODE = 1, FLUSH_DEFERRED_CALLS = 2;

/** One deferred batch, as applied: page invalidations, a full flush (1 non-global, 3 all, 0 none), CPU-mode changes. */
export interface FlushBatch {
  point: FlushPoint;
  pages: number;
  flush: number;
  cpuChanges: number;
}

/** What a hook is told of the vCPU (state.ts `VcpuVmi` is one). */
export interface ProfiledVcpu {
  readonly cpu: Cpu;
  readonly vcpu: { readonly id: number };
}

export interface VmiProfileHooks {
  /** a call through the ROM: `site` its return address (-1 when jumped to), `startMs` the host's clock (base/host.ts `now()`) at its start */
  called(ctx: ProfiledVcpu, name: CallName, site: number, startMs: number, hostNs: number): void;
  /** an inlined call whose code was emitted to report itself (a slot of `InlinedSites`), with EBP and ESP after it */
  inlined(ctx: ProfiledVcpu, slot: number, ebp: number, esp: number): void;
  /** queued deferred work applied (an empty queue is reported too) */
  flushed(ctx: ProfiledVcpu, batch: FlushBatch): void;
  /** an interrupt or exception delivered to this paravirtual vCPU */
  delivered(ctx: ProfiledVcpu, vector: number): void;
}

/** The profile the translator emits for inlined calls: none, a counter per site, or a host call per run (stacks, trace). */
export type InlineProfile = 'off' | 'count' | 'report';

export interface InlinedSite {
  /** return address of the call (guest linear), or -1 for a tail call (its site is known only when it runs) */
  site: number;
  name: CallName;
}

/** Slot 0: sites beyond SITE_LIMIT. */
export const OTHER_SITE = 0;

export class InlinedSites {
  readonly sites: InlinedSite[] = [{ site: -1, name: 'Init' }];
  private readonly slots = new Map<string, number>();
  /** each vCPU's counters (VcpuVmi.siteHits), grown together so that every slot is a number on every vCPU */
  private readonly counters: number[][] = [];

  /** A vCPU's counter array, one number per slot. */
  counter(): number[] {
    const c = this.sites.map(() => 0);
    this.counters.push(c);
    return c;
  }

  /** The slot of (site, call), made on first use. */
  index(site: number, name: CallName): number {
    const key = `${site}:${name}`;
    let k = this.slots.get(key);
    if (k === undefined) {
      if (this.sites.length >= SITE_LIMIT) return OTHER_SITE;
      k = this.sites.push({ site, name }) - 1;
      this.slots.set(key, k);
      for (const c of this.counters) c.push(0);
    }
    return k;
  }
}
