/**
 * The profiler's recording side: what happens while the guest runs.
 *
 * `Profiler` is the ROM's `VmiProfileHooks` (vmirom/profile-hooks.ts) and
 * wraps the machine's execution engine to sample. It records raw guest
 * addresses only; symbols, tables and file formats come afterwards
 * (report.ts and the writers), from `result()`.
 *
 * What it records, by mode (`ProfileOptions`):
 * - always: inlined calls reported by generated code (tail calls, and every
 *   run when `stacks` or `trace` ask for it), and the deferred-queue
 *   batches at each flush point. Calls through the ROM are the ROM's own
 *   statistics (vmirom/stats.ts), read at the end; the inlined calls the
 *   translator counted are `VcpuVmi.siteHits`.
 * - `stackEvery` > 0: a frame-pointer stack at one VMI call in stackEvery
 *   of each vCPU, on average, at deterministic pseudo-random gaps (through
 *   the ROM or inlined alike, so the choice does not depend on which path
 *   ran the call).
 * - `sampleEvery` > 0: a stack of the whole guest each time a vCPU's
 *   retired-instruction count passes a multiple of sampleEvery. With one
 *   vCPU the slice is cut there, so the sample is at that exact count (the
 *   guest cannot tell: timers and interrupts do not depend on where slices
 *   end); with several, where slices end decides how vCPUs interleave, so
 *   the sample is taken at the end of the slice that passed it (slices end
 *   at instruction counts, so the same run gives the same samples).
 * - `trace`: VMI calls as slices, interrupts and exceptions as instants,
 *   counters, with host timestamps, up to `traceLimit` events.
 *
 * Invariant: the profiler never changes guest state (guest-memory.ts reads
 * without side effects); only host time differs from an unprofiled run.
 */
import type { EngineVcpu, ExecutionEngine } from '../runtime/interpreter.ts';
import { host } from '../base/host.ts';
import { Reg } from '../isa/instr.ts';
import type { CallName } from '../vmirom/abis.ts';
import type { FlushBatch, ProfiledVcpu, VmiProfileHooks } from '../vmirom/profile-hooks.ts';
import type { VmiRom } from '../vmirom/rom.ts';
import { peekWord, walkFrames } from './guest-memory.ts';

export interface ProfileOptions {
  /** a stack at every Nth VMI call of a vCPU (0: none) */
  stackEvery: number;
  /** a whole-guest sample every N retired instructions of a vCPU (0: none) */
  sampleEvery: number;
  /** record trace events */
  trace: boolean;
  /** most trace events kept (the rest are counted in `traceDropped`) */
  traceLimit: number;
}

/** A stack at a VMI call: innermost first, the call site (return address) at [0]. */
export interface VmiStack {
  vcpu: number;
  name: CallName;
  frames: number[];
}

export interface Sample {
  vcpu: number;
  /** retired instructions of the vCPU when taken */
  instructions: number;
  cpl: number;
  /** innermost first, EIP at [0] */
  frames: number[];
}

export interface TraceEvent {
  ph: 'X' | 'i' | 'C';
  name: string;
  /** vCPU id (the track) */
  tid: number;
  /** microseconds since the profile started */
  ts: number;
  dur?: number;
  args?: Record<string, number | string>;
}

/** Batches applied at one flush point: how many, and a histogram of their sizes. */
export interface FlushStats {
  batches: number;
  empty: number;
  /** TLB batches: pages invalidated (a full flush counts as its own column) */
  sizes: Record<number, number>;
  fullFlushes: number;
  cpuChanges: number;
}

export interface RawProfile {
  /** inlined calls reported to the host, by `vcpu:site:name` (site of a tail call read from the stack) */
  reported: Map<string, number>;
  vmiStacks: VmiStack[];
  samples: Sample[];
  flushes: Record<string, FlushStats>;
  trace: TraceEvent[];
  traceDropped: number;
}

export const DEFAULT_PROFILE: ProfileOptions = { stackEvery: 0, sampleEvery: 0, trace: false, traceLimit: 500_000 };

export class Profiler implements VmiProfileHooks {
  readonly raw: RawProfile = { reported: new Map(), vmiStacks: [], samples: [], flushes: {}, trace: [], traceDropped: 0 };
  /** the host's clock (base/host.ts), the one the ROM times its calls by */
  private readonly t0 = host().now();
  /** VMI calls left before the next stack, per vCPU id */
  private readonly stackCountdown = new Map<number, number>();
  /** the state of the generator that spaces the stacks (fixed seed: the same run takes the same stacks) */
  private spacing = 0x2545f491;
  private readonly nextSample = new Map<EngineVcpu, number>();
  /** extra counters for the trace at each sample (the translator's, when there is one) */
  counters: () => Record<string, number> = () => ({});

  constructor(readonly options: ProfileOptions, private readonly rom: VmiRom | undefined) {}

  /** Attach to the ROM: from now on its calls, flushes and deliveries are seen. */
  attach(): void {
    if (this.rom) this.rom.profile = this;
  }

  /**
   * The machine's engine, wrapped to take a sample where a slice passed a
   * multiple of sampleEvery; `cutSlices` (a machine of one vCPU): end the
   * slice at that multiple.
   */
  wrap(inner: ExecutionEngine, cutSlices: boolean): ExecutionEngine {
    if (!this.options.sampleEvery) return inner;
    return {
      name: inner.name,
      runSlice: (v, budget, softEnd) => {
        const toSample = (this.nextSample.get(v) ?? this.options.sampleEvery) - v.cpu.instructions;
        if (cutSlices && toSample > 0 && toSample < budget) inner.runSlice(v, toSample, false);
        else inner.runSlice(v, budget, softEnd);
        this.maybeSample(v);
      },
    };
  }

  private maybeSample(v: EngineVcpu): void {
    const every = this.options.sampleEvery;
    const cpu = v.cpu;
    let next = this.nextSample.get(v) ?? every;
    if (cpu.instructions < next) return;
    const vcpu = this.rom?.vcpus.find((c) => c.cpu === cpu)?.vcpu.id ?? 0;
    this.raw.samples.push({ vcpu, instructions: cpu.instructions, cpl: cpu.cpl, frames: walkFrames(cpu, cpu.eip, cpu.regs[Reg.EBP]) });
    if (this.options.trace) this.event({ ph: 'C', name: 'profile', tid: vcpu, ts: this.now(), args: { instructions: cpu.instructions, ...this.counters() } });
    while (next <= cpu.instructions) next += every;
    this.nextSample.set(v, next);
  }

  private now(): number {
    return Math.round((host().now() - this.t0) * 1000) / 1000;
  }

  private event(e: TraceEvent): void {
    if (this.raw.trace.length < this.options.traceLimit) this.raw.trace.push(e);
    else this.raw.traceDropped++;
  }

  /**
   * Is this VMI call of the vCPU one whose stack is taken? One call in
   * stackEvery on average, the gaps drawn from a fixed-seed generator
   * (1 .. 2*stackEvery-1): a fixed stride would alias with a loop that makes
   * the same calls in the same order and never see some of them.
   */
  private stackDue(id: number): boolean {
    const every = this.options.stackEvery;
    if (!every) return false;
    const left = (this.stackCountdown.get(id) ?? 1) - 1;
    if (left > 0) { this.stackCountdown.set(id, left); return false; }
    this.spacing = (Math.imul(this.spacing, 1103515245) + 12345) >>> 0;
    this.stackCountdown.set(id, every === 1 ? 1 : 1 + ((this.spacing >>> 8) % (2 * every - 1)));
    return true;
  }

  called(ctx: ProfiledVcpu, name: CallName, site: number, startMs: number, hostNs: number): void {
    const id = ctx.vcpu.id;
    if (this.stackDue(id) && site >= 0) this.raw.vmiStacks.push({ vcpu: id, name, frames: walkFrames(ctx.cpu, site, ctx.cpu.regs[Reg.EBP]) });
    if (this.options.trace) {
      const ts = Math.round((startMs - this.t0) * 1000) / 1000;
      this.event({ ph: 'X', name, tid: id, ts, dur: hostNs / 1000, args: { site: hex(site), path: 'ROM', eax: hex(ctx.cpu.regs[Reg.EAX]) } });
    }
  }

  inlined(ctx: ProfiledVcpu, slot: number, ebp: number, esp: number): void {
    const id = ctx.vcpu.id;
    const s = this.rom!.inlinedSites.sites[slot];
    // a tail call's site is the return address still on the stack before the slot's ret
    const site = s.site >= 0 ? s.site : peekWord(ctx.cpu, esp) ?? -1;
    const key = `${id}:${site}:${s.name}`;
    this.raw.reported.set(key, (this.raw.reported.get(key) ?? 0) + 1);
    if (this.stackDue(id) && site >= 0) this.raw.vmiStacks.push({ vcpu: id, name: s.name, frames: walkFrames(ctx.cpu, site, ebp) });
    if (this.options.trace) this.event({ ph: 'X', name: s.name, tid: id, ts: this.now(), dur: 0, args: { site: hex(site), path: 'inlined' } });
  }

  flushed(ctx: ProfiledVcpu, b: FlushBatch): void {
    const f = (this.raw.flushes[b.point] ??= { batches: 0, empty: 0, sizes: {}, fullFlushes: 0, cpuChanges: 0 });
    if (b.cpuChanges) {
      f.cpuChanges += b.cpuChanges;
      return;
    }
    if (!b.pages && !b.flush) { f.empty++; return; }
    f.batches++;
    f.sizes[b.pages] = (f.sizes[b.pages] ?? 0) + 1;
    if (b.flush) f.fullFlushes++;
    if (this.options.trace) this.event({ ph: 'C', name: 'deferred queue', tid: ctx.vcpu.id, ts: this.now(), args: { pages: b.pages, full: b.flush ? 1 : 0 } });
  }

  delivered(ctx: ProfiledVcpu, vector: number): void {
    if (this.options.trace) this.event({ ph: 'i', name: vector < 32 ? `exception ${vector}` : `interrupt 0x${vector.toString(16)}`, tid: ctx.vcpu.id, ts: this.now(), args: { vector, eip: hex(ctx.cpu.eip) } });
  }
}

export function hex(n: number): string {
  return n < 0 ? '-' : `0x${(n >>> 0).toString(16)}`;
}
