/**
 * The translating engine of one vCPU: the interpreter and translated regions
 * in tiers.
 *
 * Code starts in the interpreter. Each time execution reaches an EIP the
 * dispatcher counts it; when the count reaches the threshold
 * (`--jit-threshold`, 0 = translate at once) the region there is compiled
 * (compile/pipeline.ts) and from then on runs as JavaScript, found through
 * the code cache (cache/cache.ts), which also chains regions to each other.
 * Translated code runs only where it may: in protected mode, with flat code,
 * stack and data segments, and never while single-stepping (TF), checking
 * alignment (#AC at CPL 3), with a breakpoint armed in DR7, with RF set or
 * after a mov ss (cpu/debug.ts): those are the interpreter's. Nor does it
 * run while a host debugger steps the vCPU or watches data, or on a page
 * (or the page before one) holding a host debugger's breakpoint: the
 * debugger drops the translations of that page when it sets one, and
 * lookups refuse to make or enter a region covering it.
 *
 * One run loop (`run`) serves the machine (machine-engine.ts), the tests and
 * the fuzzer. Where it finds nothing to run at a block start, the
 * interpreter runs the block, and goes on into the blocks after it through
 * the engine's `gate`, which counts each one's heat as a lookup would and
 * ends the run where a region may start or is due. An engine that only
 * interprets is the interpreter's own
 * (runtime/interpreter.ts `InterpreterEngine`, `vmidbt run --no-jit`). With
 * `lockstep`, each region is checked against the interpreter as it runs
 * (lockstep.ts).
 */
import type { Cpu } from '../../cpu/cpu.ts';
import type { Interpreter } from '../../runtime/interpreter.ts';
import { Fault } from '../../isa/faults.ts';
import { deliverFault, deliverableInterrupt } from '../../cpu/interrupts.ts';
import type { HostDebug } from '../../cpu/debug.ts';
import { DEFAULT_LIMITS, endsBlock } from '../region/discover.ts';
import { RegionCompiler, emptyCompileStats, type CompileStats } from '../compile/pipeline.ts';
import type { InlineProfile } from '../../vmirom/profile-hooks.ts';
import type { Translation } from '../compile/assemble.ts';
import type { BatchLowering } from '../compile/wasm-batch.ts';
import { CodeCache, currentKey, keyAt, keyOf, modeOf, physicalOfKey, type CacheStats } from '../cache/cache.ts';
import { lockstep, type LockstepCounts } from './lockstep.ts';
import { takeStopState } from '../emit/host.ts';
import { rollback } from '../../runtime/state.ts';
import { Tiering, type TieringStats } from './tiering.ts';
import { host } from '../../base/host.ts';
import { widen } from '../../base/wide-fields.ts';

export interface EngineOptions {
  /** executions of an EIP before its region is translated (0: at once; tiering.ts may back off from it) */
  threshold: number;
  /** bound on the heap the code cache's translations hold (estimated, cache/cache.ts heapCost), in bytes; past it the cache starts over */
  cacheBytes: number;
  /** check every translated region against the interpreter (and leave device helpers out of regions) */
  lockstep: boolean;
  /** inline the calls of a VMI ROM the engine is given (machine-engine.ts; default true) */
  vmiInline?: boolean;
  /** what inlined VMI calls emit for a profiler (vmirom/profile-hooks.ts; default 'off': nothing) */
  vmiProfile?: InlineProfile;
  /**
   * raise the threshold for code whose translations do not pay, and leave
   * out of a region the blocks the interpreter has not reached (tiering.ts;
   * with a threshold above 0); off: translate whatever is hot, whole, as
   * tests of the translator want
   */
  backOff?: boolean;
  /**
   * time every region run on the host clock and keep each region's runs and
   * time (`regionTimes`, `vmidbt run --region-times`): two clock reads a run
   */
  timeRegions?: boolean;
  /** regions per WebAssembly module, 0 (default): none; regions become WebAssembly where the lowering takes them (compile/wasm-region.ts; loaded first with loadWasmLowering) */
  wasm?: number;
  /** where those regions are lowered (compile/wasm-batch.ts): on the vCPU's thread as they are made (default), or elsewhere */
  wasmLowering?: BatchLowering;
}

/** One region's share of a run: where it starts, its size, and what running it cost on the host. */
export interface RegionTime {
  /** entry EIP (linear with flat code) */
  entry: number;
  /** guest instructions the region holds, and bytes of JavaScript they became */
  instructions: number;
  jsBytes: number;
  /** times it was entered, the guest instructions retired in it, host milliseconds inside it */
  runs: number;
  executed: number;
  hostMs: number;
  /** the same for its first WARM_RUNS runs (all of them if it ran fewer): V8's warm-up of its code */
  warmExecuted: number;
  warmMs: number;
}

/**
 * The runs of a region that `--region-times` counts apart as its warm-up:
 * V8 runs a new region's function in its interpreter and its baseline
 * compiler's code until TurboFan's code is back, which for the kernel's
 * larger regions takes several hundred runs (bench/README.md, stop 66), and
 * a region that deoptimises goes back there for as many again.
 */
export const WARM_RUNS = 1000;

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  /**
   * 150 executions: enough to skip boot-time code that runs a few times, few
   * enough that a loop is translated within its first iterations. Near where
   * translating pays: a region costs about 1.5 ms of V8's parsing and
   * compiling on this host's kind (about 85 us per KB of source) plus the
   * emitter's work, what interpreting its code 100 to 300 times costs. With
   * rows of one shape the interpreter got 1.5x faster, and Linux's boot to
   * the shell took 2-3 % less time at 150 than at 50 in each of three
   * alternating pairs; the built-in guest's `npm start` the same (5.9 s).
   */
  threshold: 150,
  /** 128 MiB of heap: the built-in guest's hot set holds about 25 MiB, so a flush means a pathological guest */
  cacheBytes: 128 << 20,
  /** off: lockstep runs every region twice (a debugging and test mode) */
  lockstep: false,
  /** on: a guest's self-modifying or never-repeating code must not make it slower than the interpreter */
  backOff: true,
};

export interface EngineStats extends CacheStats, LockstepCounts {
  translations: number;
  jsBytes: number;
  guestInstructionsTranslated: number;
  /** time spent compiling, all stages (compile.ms has each) */
  translateMs: number;
  /** guest instructions retired inside translated code */
  translatedInstructions: number;
  lockstepRegions: number;
  /** translated regions entered, and instructions the interpreter ran in between */
  regionRuns: number;
  /** of those, regions entered straight from another's exit (linked, or its site's last target), without the dispatcher (`runRegion`) */
  chainedRuns: number;
  interpretedSteps: number;
  /** instructions the interpreter decoded afresh (its decode cache did not hold them: runtime/interpreter.ts) */
  decodings: number;
  /** the compiler's stage times and emission counts */
  compile: CompileStats;
  /** back-off from self-modifying and never-repeating code (tiering.ts) */
  tiering: TieringStats;
}

/** Every count zero: an engine's start, and the sum over no engines (a run stopped before its first slice). */
export function emptyEngineStats(): EngineStats {
  return {
    translations: 0, jsBytes: 0, guestInstructionsTranslated: 0, hits: 0, misses: 0, invalidations: 0,
    chained: 0, cacheFlushes: 0, blockEntries: 0, translateMs: 0, translatedInstructions: 0, lockstepRegions: 0, lockstepInlinedCalls: 0, siteHits: 0,
    regionRuns: 0, chainedRuns: 0, interpretedSteps: 0, decodings: 0, compile: emptyCompileStats(), tiering: { backedOff: 0, strikes: 0, boost: 0 },
  };
}

export class Engine {
  /** the region compiler (public so that call-site inliners can be registered on it) */
  readonly compiler: RegionCompiler;
  readonly stats: EngineStats;
  private readonly cache: CodeCache;
  private readonly tiering: Tiering;
  /** regions are made of blocks the interpreter has reached (EngineOptions.backOff) */
  private readonly leavesOutUnreached: boolean;

  constructor(readonly cpu: Cpu, readonly interp: Interpreter, readonly options: EngineOptions = DEFAULT_ENGINE_OPTIONS) {
    this.compiler = new RegionCompiler(options.lockstep ? { ...DEFAULT_LIMITS, excludeExternal: true } : DEFAULT_LIMITS);
    this.compiler.wasm = options.wasm ?? 0;
    this.compiler.wasmLowering = options.wasmLowering;
    this.stats = { ...emptyEngineStats(), compile: this.compiler.stats };
    // counts past 2^31 (base/wide-fields.ts)
    widen(this.stats, ['translatedInstructions', 'interpretedSteps', 'regionRuns', 'hits', 'misses', 'siteHits']);
    widen(this, ['endedInsideBlock']);
    this.tiering = new Tiering(options.threshold, cpu.mem.pageKind.length, options.backOff ?? true);
    // with a threshold of 0 nothing has run when a region is made: it would be its entry block alone
    this.leavesOutUnreached = options.threshold > 0 && (options.backOff ?? true);
    this.stats.tiering = this.tiering.stats;
    this.cache = new CodeCache(cpu, options.cacheBytes, this.stats);
    this.cache.onInvalidated = (page, dropped) => this.tiering.invalidated(page, dropped);
    this.timed = options.timeRegions && !options.lockstep ? [] : null;
    this.plainRuns = !options.lockstep && this.timed === null;
    if (options.lockstep) {
      // every store through the journal (cpu/memory.ts): no TLB may hold write rights
      cpu.mem.noFastWrites = true;
      cpu.mmu.flushAll(false);
    }
  }

  /**
   * Run up to n guest instructions (fewer if the vCPU halts, or `stop`
   * answers true between regions). Returns how many ran. `softEnd`: n is
   * only a slice length, and the run may end before it where the next
   * region's first block does not fit in what is left, once something ran:
   * the next slice starts that region whole, where interpreting the block's
   * start would take far longer (a block of inlined VMI calls is a hundred
   * instructions, each call through the ROM when interpreted) and make the
   * next slice start mid-block, at a cold entry of its own.
   */
  run(n: number, stop?: () => boolean, softEnd = false): number {
    const cpu = this.cpu;
    const start = cpu.instructions;
    const end = start + n;
    let t: Translation | undefined;
    // the interpreter went straight on from its last instruction: EIP is no branch target (also when
    // the last slice ended there: a region starting mid-block would be one more per place a slice ends)
    let straightOn = this.endedInsideBlock === cpu.instructions && this.endedAt === cpu.eip;
    while (cpu.instructions < end) {
      if (stop !== undefined && stop()) break;
      if (this.interp.checkInterrupts()) { t = undefined; straightOn = false; }
      if (cpu.halted) break;
      // the key this iteration's lookup counted and found not hot yet (tiering.ts `credit`)
      let cold = -1;
      // single-stepping, RF, alignment checks, armed breakpoints (cpu.interpreterOnly) are the interpreter's,
      // and so is a host debugger's single step (cpu/debug.ts HostDebug; its watchpoints arm bpWrite)
      const interpreterOnly = cpu.interpreterOnly() || (cpu.hostDebug !== null && this.hostDebugHolds(cpu.hostDebug));
      if (interpreterOnly) t = undefined;
      // regions are looked up, and heat counted, only where a block starts (after a block's last
      // instruction, an interrupt or a fault): inside a block the region of its start covers the
      // address, and a lookup per interpreted instruction was a third of the interpreter's time
      else if (straightOn) t = undefined;
      else if (t === undefined || !t.valid || t.entryEip !== cpu.eip) { t = this.lookup(); cold = this.coldKey; }
      if (t === undefined) {
        // the rest of the block at once (runtime/interpreter.ts), but one instruction where the lookup could
        // not fetch: the step fills the TLB, and the block's start is looked up again, its heat counted
        const before = cpu.instructions;
        if (this.unfetchable) this.interp.step();
        else {
          // on from block to block while the gate finds nothing translated or due at their starts
          this.blockKey = cold;
          this.blockFrom = before;
          this.interp.runBlock(end, interpreterOnly ? null : this.gate);
          this.creditBlock();
        }
        this.stats.interpretedSteps += cpu.instructions - before;
        const last = this.interp.last;
        // (not when the step only filled the TLB for a lookup that could not fetch: look up again)
        straightOn = !this.unfetchable && last !== undefined && cpu.eip === last.next && !endsBlock(last);
        continue;
      }
      straightOn = false;
      const before = cpu.instructions;
      const entry = cpu.eip;
      t = this.runRegion(t, end);
      if (cpu.instructions === before && cpu.eip === entry && !cpu.halted) {
        if (softEnd && cpu.instructions > start) break;
        // its first block does not fit in the budget: the interpreter runs what is left of it
        // (looking up, or translating, the next address for one instruction each would cost far more)
        this.stats.interpretedSteps += this.interp.run(end - cpu.instructions, stop);
        const last = this.interp.last;
        straightOn = last !== undefined && cpu.eip === last.next && !endsBlock(last);
        t = undefined;
      }
    }
    this.endedInsideBlock = straightOn ? cpu.instructions : -1;
    this.endedAt = cpu.eip;
    this.stats.decodings = this.interp.decodings;
    // the slice's new regions, as WebAssembly from here on (with `wasm`)
    this.compiler.flushWasm();
    return cpu.instructions - start;
  }

  /** where the last `run` stopped, if it stopped inside a block the interpreter was running (else -1) */
  private endedInsideBlock = -1;
  private endedAt = 0;

  /**
   * Run one region, and on through the regions its linked exits lead to
   * (`chainedRuns`); returns the translation to run next, if known without
   * a lookup.
   */
  private runRegion(from: Translation, end: number): Translation | undefined {
    const cpu = this.cpu;
    this.stats.regionRuns++;
    cpu.budget = end - cpu.instructions;
    const before = cpu.instructions;
    const shadow = cpu.interruptShadow;
    cpu.interruptShadow = false;
    // the instruction count where the region run last started (per-region counts for tiering's judgement)
    let at = before;
    // regions entered straight from another's exit (counted once the chain ends, faulted or not)
    let chained = 0;
    let next: Translation | number | undefined;
    try {
      if (this.plainRuns) {
        const mem = cpu.mem;
        const epoch = mem.codeEpoch;
        next = from.fn(cpu, from.block);
        // a static exit linked to another region goes straight into it, without the dispatcher's checks
        // between regions: a region leaves by a link only where it could as well have run on into more of its
        // own code (an exit where discovery stopped, a block that did not fit, a page boundary). Everything that
        // may make the checks' answers change (an interrupt made deliverable, IF or TF set, a halt, a segment
        // load, a request for the vCPU back) either leaves through a site, which returns no link, or moves the
        // code epoch. Not after a held-back interrupt (an sti's shadow, which the first instruction ended) nor
        // under a host debugger; and only while the run makes progress within the budget.
        // A site's exit (a ret, a jump through a register, a helper's transfer such as an int or an iret) goes on
        // the same way into the target the site had last time, once the checks a site's exit may have changed
        // the answers of say nothing is due (siteChain).
        if (!shadow && cpu.hostDebug === null) {
          if (next === undefined) next = this.siteChain(from);
          while (typeof next === 'object' && cpu.instructions !== at && cpu.instructions < end && next.valid &&
            next.entryEip === cpu.eip && mem.codeEpoch === epoch && !cpu.interruptShadow && !cpu.halted) {
            from.region.executed += cpu.instructions - at;
            at = cpu.instructions;
            from = next;
            chained++;
            cpu.budget = end - at;
            next = from.fn(cpu, from.block);
            if (next === undefined) next = this.siteChain(from);
          }
        }
      } else if (this.timed !== null) next = this.timedRun(from);
      else if (lockstep(cpu, this.interp, from, this.stats)) this.stats.lockstepRegions++;
    } catch (e) {
      if (!(e instanceof Fault)) {
        // a machine stop inside a helper: the state the interpreter would have left
        const stopped = takeStopState(cpu);
        if (stopped) rollback(cpu, stopped);
        throw e;
      }
      this.countRuns(cpu.instructions - before, chained);
      deliverFault(cpu, e);
      return undefined;
    }
    this.countRuns(cpu.instructions - before, chained);
    from.region.executed += cpu.instructions - at;
    // the one-instruction shadow of an earlier sti / mov ss ends with the region's first instruction
    // (an sti inside the region sets it again); a region that ran nothing leaves it as it was
    if (cpu.instructions === before) cpu.interruptShadow = shadow;
    // a static exit not linked yet: link the exit taken, not whichever one has this EIP (a helper
    // that changed the mode, sysenter or iret, may have left for the EIP of a static exit)
    if (typeof next === 'number') return from.valid ? this.cache.link(from, next, this.lookup()) : undefined;
    return next ?? this.successor(from);
  }

  private countRuns(instructions: number, chained: number): void {
    const stats = this.stats;
    stats.translatedInstructions += instructions;
    stats.regionRuns += chained;
    stats.chainedRuns += chained;
  }

  /** Every region made so far, when regions are timed (retired ones too: their times still count). */
  private readonly timed: Translation[] | null;
  /** neither timed nor in lockstep: a region run is the call, and the chain of linked regions after it (one test per run on the dispatch path) */
  private readonly plainRuns: boolean;

  private timedRun(from: Translation): Translation | number | undefined {
    const region = from.region;
    const before = this.cpu.instructions;
    const started = host().now();
    try {
      return from.fn(this.cpu, from.block);
    } finally {
      const ms = host().now() - started;
      region.hostMs += ms;
      if (region.runs < WARM_RUNS) {
        region.warmMs += ms;
        region.warmExecuted += this.cpu.instructions - before;
      }
      region.runs++;
    }
  }

  /** The regions made so far with their runs and host time, most time first (empty unless `timeRegions`). */
  regionTimes(): RegionTime[] {
    return (this.timed ?? [])
      .filter((t) => t.runs > 0)
      .map((t) => ({ entry: t.entryEip >>> 0, instructions: t.instructions, jsBytes: t.sourceBytes, runs: t.runs, executed: t.executed, hostMs: t.hostMs, warmExecuted: t.warmExecuted, warmMs: t.warmMs }))
      .sort((a, b) => b.hostMs - a.hostMs);
  }

  /**
   * After a region left by a site: the target that site had last time, where
   * the dispatcher's checks between regions have nothing to do (segments
   * flat, no instruction only the interpreter may run, no interrupt to take:
   * a helper's transfer may have set IF or TF or loaded segments), so that
   * the chain goes on into it without the dispatcher; else undefined, and the
   * site is left for `successor`.
   */
  private siteChain(from: Translation): Translation | undefined {
    const cpu = this.cpu;
    const site = cpu.exitSite;
    if (site < 0 || !this.flatNow() || cpu.interpreterOnly() || deliverableInterrupt(cpu) >= 0) return undefined;
    const t = this.cache.siteTarget(from, site);
    if (t !== undefined) cpu.exitSite = -1;
    return t;
  }

  /** After a region left by an indirect exit or a helper: its site's target, or nothing. */
  private successor(from: Translation): Translation | undefined {
    const cpu = this.cpu;
    if (cpu.exitSite >= 0) {
      // an indirect jump: try the target this site had last time, else look it up and remember it
      const site = cpu.exitSite;
      cpu.exitSite = -1;
      // an inlined IRET leaves by an indirect exit and may have loaded segments (a return to CPL 3 nulls
      // the kernel's): the site's target was made with flat ones, which its key does not say
      if (!this.flatNow()) return undefined;
      return this.cache.siteTarget(from, site) ?? this.cache.rememberSite(from, site, this.lookup());
    }
    return undefined;
  }

  /** the last lookup found no TLB entry to fetch CS:EIP through (the interpreter's step fills it) */
  private unfetchable = false;
  private flatEpoch = -1;
  private flat = false;

  /**
   * Are code, stack and data segments flat (cpu.flatTop; re-checked only
   * after a segment load)? The TLB ceiling enforces their limits.
   */
  private flatNow(): boolean {
    const cpu = this.cpu;
    if (this.flatEpoch !== cpu.segEpoch) {
      this.flatEpoch = cpu.segEpoch;
      const top = cpu.translationFlatTop();
      this.flat = top >= 0;
      if (this.flat) cpu.mmu.setCeiling(top);
    }
    return this.flat;
  }

  private seenFlushEpoch = 0;

  /**
   * A host debugger is attached: does it keep this vCPU in the interpreter
   * for now (a single step, a watchpoint, or a breakpoint on the page of
   * EIP)? Catches up with a request to drop every translation first.
   */
  private hostDebugHolds(host: HostDebug): boolean {
    if (host.flushEpoch !== this.seenFlushEpoch) {
      this.seenFlushEpoch = host.flushEpoch;
      this.cache.flush();
    }
    return host.interprets(this.cpu.id) || host.breakOnPage((this.cpu.eip >>> 0) >>> 12);
  }

  /**
   * No translation may hold an instruction a host debugger has a breakpoint
   * on: a region covers its entry's linear page and the next (with flat
   * code, linear = EIP), so neither may have one.
   */
  private coversBreak(eip: number): boolean {
    const host = this.cpu.hostDebug;
    if (host === null || host.breakCount === 0) return false;
    const page = (eip >>> 0) >>> 12;
    return host.breakOnPage(page) || host.breakOnPage((page + 1) & 0xfffff);
  }

  /** the key the last lookup counted an execution of and found not hot yet (-1: none) */
  private coldKey = -1;

  /** The translation for CS:EIP in the current mode, translating it if it is hot. */
  private lookup(): Translation | undefined {
    const cpu = this.cpu;
    this.unfetchable = false;
    this.coldKey = -1;
    if (!cpu.protectedMode || !this.flatNow()) return undefined;
    if (this.coversBreak(cpu.eip)) return undefined;
    const key = currentKey(cpu);
    this.unfetchable = key === undefined;
    if (key === undefined) return undefined; // let the interpreter fetch (and fill the TLB)
    const hit = this.cache.get(key, cpu.eip);
    if (hit !== undefined) return hit;
    if (this.cache.isUntranslatable(key)) return undefined;
    // (a key the gate found hot was counted there)
    if (key !== this.due && !this.tiering.hot(key, physicalOfKey(key))) { this.coldKey = key; return undefined; }
    this.due = -1;
    return this.translate(key);
  }

  /** a key the gate found hot: the lookup that follows translates it without counting it again */
  private due = -1;
  /** the key of the block start the interpreter's run is in, if its heat was counted (-1: none), and the count there */
  private blockKey = -1;
  private blockFrom = 0;

  /** A long straight run heats the start of its block by its length, not as one execution (tiering.ts `credit`). */
  private creditBlock(): void {
    if (this.blockKey >= 0) this.tiering.credit(this.blockKey, this.cpu.instructions - this.blockFrom);
    this.blockKey = -1;
  }

  /**
   * The interpreter's gate (runtime/interpreter.ts `BlockGate`) at the start
   * of each block its run reaches: the lookup's work there, without leaving
   * the run, while nothing is translated there or due. Its heat is counted
   * as a lookup's; where a translation may start (the cache's filter) or
   * the count makes it hot, the run ends, for the lookup to enter or make it.
   */
  private readonly gate = (phys: number, eip: number): boolean => {
    const cpu = this.cpu;
    this.creditBlock();
    // (outside protected mode or flat segments no lookup translates, and only instructions that end runs change either)
    if (!cpu.protectedMode || !this.flatNow()) return true;
    if (this.coversBreak(eip)) return false;
    const key = keyOf(phys, modeOf(cpu));
    if (this.cache.mayHave(key)) return false;
    if (this.tiering.hot(key, phys)) { this.due = key; return false; }
    this.stats.misses++;
    this.blockKey = key;
    this.blockFrom = cpu.instructions;
    return true;
  };

  /** Is the code at `eip` where a translation starts, or a block a lookup would enter? A new region leaves for it there. */
  private readonly elsewhere = (eip: number): boolean => {
    const key = keyAt(this.cpu, eip);
    return key !== undefined && this.cache.holds(key, eip);
  };

  /** Has the interpreter never reached a block start at `eip` (tiering.ts `reached`)? A region leaves it out. */
  private readonly notReached = (eip: number): boolean => {
    const key = keyAt(this.cpu, eip);
    return key !== undefined && !this.tiering.reached(key);
  };

  private translate(key: number): Translation | undefined {
    const started = host().now();
    let t: Translation | undefined;
    try {
      t = this.compiler.compile(this.cpu, key, this.elsewhere, this.leavesOutUnreached ? this.notReached : undefined);
    } finally {
      this.stats.translateMs += host().now() - started;
    }
    if (!t) { this.cache.markUntranslatable(key); return undefined; }
    this.cache.add(t);
    this.timed?.push(t);
    this.tiering.translated(t, this.cpu.instructions);
    this.stats.translations++;
    this.stats.jsBytes += t.sourceBytes;
    this.stats.guestInstructionsTranslated += t.instructions;
    return t;
  }

  /** Drop every translation. */
  flush(): void {
    this.cache.flush();
  }

  /** Every translation currently cached (for tests, expect files and --dump). */
  translations(): Translation[] {
    return this.cache.all();
  }
}
