/**
 * The execution engine of one vCPU: interpreter and translator in tiers.
 *
 * Code starts in the interpreter. Each time execution reaches an EIP the
 * dispatcher counts it; when the count reaches the threshold
 * (`--jit-threshold`, 0 = translate at once) the region there is translated
 * and from then on runs as JavaScript. Translations are cached by physical
 * address plus the CPU state they were specialised on (CPL, code and stack
 * size, paging), so they survive address-space switches. A region's exit to
 * a fixed EIP on its own page is chained to the translation found there the
 * first time, so a hot loop of regions does not go through the cache lookup.
 *
 * A guest write to a page that holds translated code invalidates every
 * translation made from it (cpu/memory.ts marks such pages); the
 * translation doing the write notices and leaves before its next
 * instruction. The cache is bounded (`--jit-cache MiB` of generated source)
 * and starts over when full.
 *
 * Lockstep mode runs every translated region twice from the same state, once
 * translated and once in the interpreter, and stops at the first difference
 * with a readable diff.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import type { Interpreter } from '../../runtime/interpreter.ts';
import { Fault } from '../../isa/faults.ts';
import { deliverFault } from '../../cpu/interrupts.ts';
import { CR0_PG } from '../../cpu/mmu.ts';
import { Seg } from '../../isa/instr.ts';
import { SEG_R, SEG_W } from '../../cpu/cpu.ts';
import { RegionCompiler } from '../compile/pipeline.ts';
import { prettySource, type Translation } from '../compile/assemble.ts';
import { DEFAULT_LIMITS } from '../region/discover.ts';
import { DeviceAccessRefused } from '../../cpu/memory.ts';
import { readEflags } from '../../cpu/flags.ts';
import { TF } from '../../isa/eflags.ts';

export interface EngineOptions {
  /** translate at all */
  jit: boolean;
  /** executions of an EIP before its region is translated (0: at once) */
  threshold: number;
  /** bound on generated source, in bytes */
  cacheBytes: number;
  /** compare every translated region with the interpreter */
  lockstep: boolean;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { jit: true, threshold: 50, cacheBytes: 64 << 20, lockstep: false };

export interface EngineStats {
  translations: number;
  jsBytes: number;
  guestInstructionsTranslated: number;
  hits: number;
  misses: number;
  invalidations: number;
  chained: number;
  cacheFlushes: number;
  translateMs: number;
  /** guest instructions retired inside translated code */
  translatedInstructions: number;
  lockstepRegions: number;
  /** indirect jumps whose target came from the per-site cache */
  siteHits: number;
  /** translated regions entered, and instructions the interpreter ran in between */
  regionRuns: number;
  interpretedSteps: number;
}

export class LockstepMismatch extends Error {}

export class Engine {
  readonly stats: EngineStats = {
    translations: 0, jsBytes: 0, guestInstructionsTranslated: 0, hits: 0, misses: 0, invalidations: 0,
    chained: 0, cacheFlushes: 0, translateMs: 0, translatedInstructions: 0, lockstepRegions: 0, siteHits: 0,
    regionRuns: 0, interpretedSteps: 0,
  };
  private readonly cache = new Map<number, Translation>();
  private readonly byPage = new Map<number, Set<Translation>>();
  private readonly heat = new Map<number, number>();
  /** keys that could not be translated (not worth retrying until the cache starts over) */
  private readonly untranslatable = new Set<number>();
  /** the region compiler (public so that call-site inliners can be registered on it) */
  readonly compiler: RegionCompiler;
  private cachedBytes = 0;

  constructor(readonly cpu: Cpu, readonly interp: Interpreter, readonly options: EngineOptions = DEFAULT_ENGINE_OPTIONS) {
    this.compiler = new RegionCompiler(options.lockstep ? { ...DEFAULT_LIMITS, excludeSideEffects: true } : DEFAULT_LIMITS);
    if (options.lockstep) {
      // every store through the journal (cpu/memory.ts): no TLB may hold write rights
      cpu.mem.noFastWrites = true;
      cpu.mmu.flushAll(false);
    }
    cpu.mem.onCodeInvalidated((page) => this.invalidatePage(page));
  }

  /**
   * Run up to n guest instructions (fewer if the vCPU halts, or `stop`
   * answers true between regions). Returns how many ran.
   */
  run(n: number, stop?: () => boolean): number {
    const cpu = this.cpu;
    const start = cpu.instructions;
    const end = start + n;
    let t: Translation | undefined;
    while (cpu.instructions < end) {
      if (stop !== undefined && stop()) break;
      if (this.interp.checkInterrupts()) t = undefined;
      if (cpu.halted) break;
      // single-stepping (TF) is the interpreter's: it raises #DB after each instruction;
      // so is alignment checking (#AC at CPL 3): translated accesses do not check alignment
      if (cpu.eflags & TF || cpu.alignmentChecked()) t = undefined;
      else if (t === undefined || !t.valid || t.entryEip !== cpu.eip) t = this.options.jit ? this.lookup() : undefined;
      if (t === undefined) {
        this.stats.interpretedSteps++;
        this.interp.step();
        continue;
      }
      const from = t;
      this.stats.regionRuns++;
      cpu.budget = end - cpu.instructions;
      const before = cpu.instructions;
      const shadow = cpu.interruptShadow;
      cpu.interruptShadow = false;
      try {
        t = this.options.lockstep ? this.lockstep(from) : from.fn(cpu);
      } catch (e) {
        if (!(e instanceof Fault)) throw e;
        this.stats.translatedInstructions += cpu.instructions - before;
        deliverFault(cpu, e);
        t = undefined;
        continue;
      }
      this.stats.translatedInstructions += cpu.instructions - before;
      // the one-instruction shadow of an earlier sti / mov ss ends with the region's first instruction
      // (an sti inside the region sets it again); a region that ran nothing leaves it as it was
      if (cpu.instructions === before) cpu.interruptShadow = shadow;
      if (t === undefined && cpu.exitSite >= 0) {
        // an indirect jump: try the target this site had last time, else look it up and remember it
        const site = cpu.exitSite;
        cpu.exitSite = -1;
        const cached = from.sites[site];
        if (cached !== undefined && cached.valid && cached.entryEip === cpu.eip && this.samePlace(cached)) {
          this.stats.siteHits++;
          t = cached;
        } else {
          t = this.lookup();
          if (t) from.sites[site] = t;
        }
      } else if (t === undefined && from.exitEips.length && from.valid) {
        // first time this exit is taken: link it to what runs next
        const k = from.exitEips.indexOf(cpu.eip);
        if (k >= 0) {
          const next = this.lookup();
          if (next) { from.links[k] = next; this.stats.chained++; }
          t = next;
        }
      }
    }
    return cpu.instructions - start;
  }

  /** Is a cached translation valid for the current mode and the current mapping of its page? */
  private samePlace(t: Translation): boolean {
    const e = this.cpu.mmu.tlb[this.cpu.eip >>> 12];
    return (e & this.cpu.mmu.rmask) !== 0 && (e & ~0xfff) >>> 12 === t.entryPage && t.key % 32 === this.mode();
  }

  private mode(): number {
    const cpu = this.cpu;
    return (cpu.cpl << 3) | (cpu.code32 ? 4 : 0) | (cpu.stack32 ? 2 : 0) | (cpu.cr0 & CR0_PG ? 1 : 0);
  }

  private flatEpoch = -1;
  private flat = false;

  /** The translation for CS:EIP in the current mode, translating it if it is hot. */
  private lookup(): Translation | undefined {
    const cpu = this.cpu;
    if (!cpu.protectedMode) return undefined;
    // translations assume flat code, stack and data segments (re-checked only after a segment load)
    if (this.flatEpoch !== cpu.segEpoch) {
      this.flatEpoch = cpu.segEpoch;
      const tops = [flatTop(cpu, Seg.CS, false), flatTop(cpu, Seg.SS, true), flatTop(cpu, Seg.DS, true), flatTop(cpu, Seg.ES, true)];
      this.flat = tops.every((t) => t >= 0);
      if (this.flat) cpu.mmu.setCeiling(Math.min(...tops));
    }
    if (!this.flat) return undefined;
    const eip = cpu.eip;
    const e = cpu.mmu.tlb[eip >>> 12];
    if (!(e & cpu.mmu.rmask)) return undefined; // let the interpreter fetch (and fill the TLB)
    const phys = ((e & ~0xfff) | (eip & 0xfff)) >>> 0;
    const key = phys * 32 + this.mode();
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.entryEip === eip) { this.stats.hits++; return hit; }
    this.stats.misses++;
    if (this.untranslatable.has(key)) return undefined;
    const count = (this.heat.get(key) ?? 0) + 1;
    if (count < this.options.threshold) { this.heat.set(key, count); return undefined; }
    this.heat.delete(key);
    return this.translate(key);
  }

  private translate(key: number): Translation | undefined {
    const started = performance.now();
    let t: Translation | undefined;
    try {
      t = this.compiler.compile(this.cpu, key);
    } finally {
      this.stats.translateMs += performance.now() - started;
    }
    if (!t) { this.untranslatable.add(key); return undefined; }
    if (this.cachedBytes + t.source.length > this.options.cacheBytes) this.flush();
    const old = this.cache.get(key);
    if (old) old.valid = false;
    this.cache.set(key, t);
    this.cachedBytes += t.source.length;
    for (const page of t.pages) {
      let set = this.byPage.get(page);
      if (!set) { set = new Set(); this.byPage.set(page, set); }
      set.add(t);
      this.cpu.mem.markCode(page);
    }
    this.stats.translations++;
    this.stats.jsBytes += t.source.length;
    this.stats.guestInstructionsTranslated += t.instructions;
    return t;
  }

  private invalidatePage(page: number): void {
    const set = this.byPage.get(page);
    if (!set) return;
    for (const t of set) {
      if (!t.valid) continue;
      t.valid = false;
      this.stats.invalidations++;
      if (this.cache.get(t.key) === t) this.cache.delete(t.key);
    }
    this.byPage.delete(page);
    this.untranslatable.clear();
  }

  /** Drop every translation (the cache is full). */
  flush(): void {
    for (const t of this.cache.values()) t.valid = false;
    this.cache.clear();
    this.byPage.clear();
    this.untranslatable.clear();
    this.cachedBytes = 0;
    this.stats.cacheFlushes++;
  }

  /** Every translation currently cached (for tests, expect files and --dump). */
  translations(): Translation[] {
    return [...this.cache.values()];
  }

  // ---- lockstep --------------------------------------------------------------------

  private lockstep(t: Translation): Translation | undefined {
    const cpu = this.cpu;
    const mem = cpu.mem;
    const before = snapshot(cpu);
    // the translated run, with every byte it stores journaled
    mem.journal = [];
    mem.deviceGuard = true;
    let fault: Fault | undefined;
    try {
      t.fn(cpu);
    } catch (e) {
      if (e instanceof DeviceAccessRefused) {
        // the region reached a device: undo it, and let the interpreter take one instruction alone
        undo(mem.u8, mem.journal);
        mem.journal = null;
        mem.deviceGuard = false;
        restore(cpu, before);
        this.interp.step();
        return undefined;
      }
      if (!(e instanceof Fault)) { mem.journal = null; mem.deviceGuard = false; throw e; }
      fault = e;
    } finally {
      mem.deviceGuard = false;
    }
    if (fault) deliverFault(cpu, fault);
    const jitJournal = mem.journal;
    const afterJit = snapshot(cpu);
    const jitBytes = new Map<number, number>();
    for (let k = 0; k < jitJournal.length; k += 2) jitBytes.set(jitJournal[k], mem.u8[jitJournal[k]]);
    // the same instructions again, interpreted, from the same state
    undo(mem.u8, jitJournal);
    restore(cpu, before);
    mem.journal = [];
    const steps = afterJit.instructions - before.instructions;
    try {
      for (let k = 0; k < steps; k++) this.interp.step();
    } finally {
      const interpJournal = mem.journal;
      mem.journal = null;
      // a byte only the interpreter wrote: the translated run left it at its value before both runs
      for (let k = 0; k < interpJournal.length; k += 2) if (!jitBytes.has(interpJournal[k])) jitBytes.set(interpJournal[k], interpJournal[k + 1]);
    }
    const afterInterp = snapshot(cpu);
    const diff = diffStates(afterJit, afterInterp);
    let shown = 0;
    for (const [addr, jitValue] of jitBytes) {
      const now = mem.u8[addr];
      if (jitValue !== now && shown++ < 8) diff.push(`  mem[${hex(addr)}]  translated ${jitValue.toString(16)}  interpreter ${now.toString(16)}`);
    }
    this.stats.lockstepRegions++;
    if (diff.length) {
      throw new LockstepMismatch(`lockstep: translated region at ${hex(t.entryEip)} (${steps} instructions) differs from the interpreter:\n${diff.join("\n")}\n--- generated code ---\n${prettySource(t.source)}`);
    }
    return undefined;
  }
}

/** Put back the old bytes a journal recorded, newest first. */
function undo(u8: Uint8Array, journal: number[]): void {
  for (let k = journal.length - 2; k >= 0; k -= 2) u8[journal[k]] = journal[k + 1];
}

/**
 * A segment as translations assume it: base 0, expand-up, from offset 0 to a
 * limit that ends a page (4 GiB, or below the VMI hypervisor hole); data
 * segments readable and writable. The limit itself is enforced by the TLB
 * ceiling. Returns the last valid page, or -1.
 */
function flatTop(cpu: Cpu, s: number, data: boolean): number {
  if (cpu.segBase[s] !== 0 || cpu.segLo[s] !== 0) return -1;
  const hi = cpu.segHi[s];
  if (hi < 0xfbffffff || (hi + 1) % 4096 !== 0) return -1;
  if (data && (cpu.segRights[s] & (SEG_R | SEG_W)) !== (SEG_R | SEG_W)) return -1;
  return Math.floor(hi / 4096);
}

interface Snapshot {
  regs: number[];
  eip: number;
  eflags: number;
  instructions: number;
  segSel: number[];
  cr: number[];
  halted: boolean;
  /** every scalar and typed-array field of the CPU and its x87 state, to restore from */
  fields: Map<string, unknown>;
  fpu: Map<string, unknown>;
}

function captureFields(o: object): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') m.set(k, v);
    else if (ArrayBuffer.isView(v)) m.set(k, (v as Uint8Array).slice());
  }
  return m;
}

function restoreFields(o: object, m: Map<string, unknown>): void {
  const target = o as Record<string, unknown>;
  for (const [k, v] of m) {
    if (ArrayBuffer.isView(v)) (target[k] as Uint8Array).set(v as Uint8Array);
    else target[k] = v;
  }
}

function snapshot(cpu: Cpu): Snapshot {
  return {
    regs: [...cpu.regs], eip: cpu.eip >>> 0, eflags: readEflags(cpu) >>> 0, instructions: cpu.instructions,
    segSel: [...cpu.segSel], cr: [cpu.cr0 >>> 0, cpu.cr2 >>> 0, cpu.cr3 >>> 0, cpu.cr4 >>> 0],
    halted: cpu.halted, fields: captureFields(cpu), fpu: captureFields(cpu.fpu),
  };
}

function restore(cpu: Cpu, s: Snapshot): void {
  restoreFields(cpu, s.fields);
  restoreFields(cpu.fpu, s.fpu);
  cpu.setCpl(cpu.cpl);
  // the TLB is a cache: dropping it is invisible, and it may hold entries made under the other run's paging state
  cpu.mmu.flushAll(false);
}

const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

function hex(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

function diffStates(a: Snapshot, b: Snapshot): string[] {
  const out: string[] = [];
  const row = (name: string, x: number, y: number) => { if (x !== y) out.push(`  ${name.padEnd(12)} translated ${hex(x)}  interpreter ${hex(y)}`); };
  a.regs.forEach((v, k) => row(REG_NAMES[k], v, b.regs[k]));
  row('eip', a.eip, b.eip);
  row('eflags', a.eflags & 0x3f7fd5, b.eflags & 0x3f7fd5);
  row('instructions', a.instructions, b.instructions);
  a.segSel.forEach((v, k) => row(`seg${k}`, v, b.segSel[k]));
  a.cr.forEach((v, k) => row(`cr${k}`, v, b.cr[k]));
  if (a.halted !== b.halted) out.push(`  halted       translated ${a.halted}  interpreter ${b.halted}`);
  return out;
}
