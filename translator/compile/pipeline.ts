/**
 * From guest code to one JavaScript function, in four stages, each a
 * function from data to data with a module of its own:
 *
 * 1. discover (region/discover.ts): the blocks on the entry page and the
 *    next, joined by their direct branches; then (timed with it) loop
 *    rotation (region/rotate.ts), a latch copied into the block running into it;
 * 2. liveness (region/liveness.ts): per instruction, the flags read after
 *    it, so that emission drops the updates nobody reads;
 * 3. emit (emit/region.ts, emit/instr.ts): each instruction's semantic
 *    function through `EmitOps`, or a call of its interpreter form, inside
 *    the function frame the ABI (emit/abi.ts) describes;
 * 4. assemble (assemble.ts): `new Function` compiles the source emission wrote.
 *
 * `RegionCompiler` runs them, times each, and counts how instructions were
 * emitted (inline, as helper calls by reason, replaced by a call-site
 * inliner); the engine shows both with `vmidbt run --stats`. Nothing here
 * catches an exception: an emitter that cannot express a row must say so
 * before emission (emit/instr.ts `emissionOf`).
 */
import type { Cpu } from '../../cpu/cpu.ts';
import { tlbRight } from '../../cpu/tlb.ts';
import { discover, DEFAULT_LIMITS, type CompileLimits, type Elsewhere, type NotReached, type RegionCode } from '../region/discover.ts';
import { flagLiveness } from '../region/liveness.ts';
import { rotateLoops } from '../region/rotate.ts';
import { effectsOf } from '../emit/probe-ops.ts';
import { emitRegion, type EmittedRegion, type RegionFacts } from '../emit/region.ts';
import { HOWS, type ClaimedCall, type How } from '../emit/instr.ts';
import type { Instr } from '../../isa/instr.ts';
import type { CallSiteInliner } from '../inline/call-sites.ts';
import { assemble, bind, type Translation } from './assemble.ts';
import { emptyWasmStats, WasmBatch, type WasmStats } from './wasm-region.ts';
import type { BatchLowering } from './wasm-batch.ts';
import { host } from '../../base/host.ts';

export const STAGES = ['discover', 'liveness', 'emit', 'assemble'] as const;
export type Stage = (typeof STAGES)[number];

/** What the compiler has done so far: time per stage, instructions by how they were emitted. */
export interface CompileStats {
  /** milliseconds spent in each stage */
  ms: Record<Stage, number>;
  /** instructions emitted, by how (emit/instr.ts `How`) */
  emitted: Record<How, number>;
  /** blocks that got a copy of the loop latch they run into (region/rotate.ts) */
  rotated: number;
  /** regions lowered to WebAssembly, and why others were not (with `RegionCompiler.wasm`) */
  wasm: WasmStats;
}

export function emptyCompileStats(): CompileStats {
  return {
    ms: Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>,
    emitted: Object.fromEntries(HOWS.map((h) => [h, 0])) as Record<How, number>,
    rotated: 0,
    wasm: emptyWasmStats(),
  };
}

export class RegionCompiler {
  /** call sites the translator may replace with specialised code (inline/call-sites.ts) */
  readonly inliners: CallSiteInliner[] = [];
  /** call sites inlined so far, by what they call */
  readonly inlined = new Map<string, number>();
  readonly stats: CompileStats = emptyCompileStats();
  /**
   * Regions per WebAssembly module: above 0, each region is lowered to
   * WebAssembly where the lowering takes it, a batch handed over to be
   * lowered and compiled when this many wait or `flushWasm` is called
   * (compile/wasm-region.ts; the vCPU needs a WebAssembly memory). 1: every
   * region at once (tests).
   */
  wasm = 0;
  /** where batches are lowered (compile/wasm-batch.ts): here by default, a worker thread for `vmidbt run --wasm` */
  wasmLowering: BatchLowering | undefined;
  private batch: WasmBatch | undefined;

  /** Hand over the regions waiting to become WebAssembly and install the batches back by now (the engine calls this as a slice ends). */
  flushWasm(): void {
    if (this.batch) this.timed('assemble', () => this.batch!.flush());
  }

  constructor(readonly limits: CompileLimits = DEFAULT_LIMITS) {}

  /** Translate the code at the CPU's current CS:EIP. Returns undefined if nothing there can be translated. */
  compile(cpu: Cpu, key: number, elsewhere?: Elsewhere, notReached?: NotReached): Translation | undefined {
    const claims = new Map<Instr, ClaimedCall>();
    const claim = (i: Instr) => {
      for (const inliner of this.inliners) {
        const c = inliner.claim(i, cpu, this.limits);
        if (c) { claims.set(i, c); return true; }
      }
      return false;
    };
    const found = this.timed('discover', () => discover(cpu, this.limits, this.inliners.length ? claim : undefined, elsewhere, notReached));
    if (found.blocks[0].instrs.length === 0) return undefined;
    const code = { ...found, blocks: rotateLoops(found.blocks, (i) => claims.has(i)) };
    this.stats.rotated += code.blocks.filter((b, k) => b !== found.blocks[k]).length;
    const facts = factsOf(cpu, code);
    const stackBytes = facts.stack32 ? 4 : 2;
    const liveOut = this.timed('liveness', () => code.blocks.map((b) => flagLiveness(b.instrs, b.instrs.map((i) => effectsOf(i, stackBytes)))));
    const own = this.inliners.find((n) => n.emitter);
    const region = this.timed('emit', () => emitRegion({
      entry: code.entry, blocks: code.blocks, liveOut, facts, claims, newOps: own && ((ctx) => own.emitter!(ctx)),
    }));
    this.count(region);
    const origin = { key, entry: code.entry, pages: code.pages.map(([, phys]) => phys >>> 12), chunks: code.chunks, blocks: code.blocks.length };
    const bindings = Object.assign({}, ...this.inliners.map((n) => n.bindings ?? {}));
    return this.timed('assemble', () => assemble(region, origin, cpu.mem, bindings, this.wasm > 0 ? (this.batch ??= new WasmBatch(cpu, this.stats.wasm, bind, this.wasm, this.wasmLowering)) : undefined));
  }

  private timed<T>(stage: Stage, run: () => T): T {
    const start = host().now();
    try {
      return run();
    } finally {
      this.stats.ms[stage] += host().now() - start;
    }
  }

  private count(region: EmittedRegion): void {
    for (const how of HOWS) this.stats.emitted[how] += region.emitted[how];
    for (const [name, n] of region.replaced) this.inlined.set(name, (this.inlined.get(name) ?? 0) + n);
  }
}

/** What the region's code is specialised on, besides its bytes. */
function factsOf(cpu: Cpu, code: RegionCode): RegionFacts {
  const user = cpu.cpl === 3;
  return {
    user, stack32: cpu.stack32,
    entryPage: code.pages.find(([lin]) => lin === code.entry >>> 12),
    secondPage: code.pages.find(([lin]) => lin !== code.entry >>> 12),
    rmask: tlbRight(user, false),
  };
}
