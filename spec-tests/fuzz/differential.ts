/**
 * Differential fuzzing: the same random guest code, from the same random
 * state, run by the interpreter alone and by the engine translating
 * everything at once (threshold 0); the final states must be identical.
 *
 * Two sandboxes (a test world each, spec-tests/world.ts: flat CPL 0, an IDT
 * of 32 vectors whose handlers are each `jmp $`, the VMI ROM behind a fake
 * machine, the vCPU paravirtual) are set up identically: random
 * bytes in the data area, random registers, arithmetic flags, DF and x87
 * registers, and the code (generate.ts) ending in `jmp $`. The engine
 * inlines the ROM's calls (translator/inline/vmi.ts); the interpreter runs
 * them through the ROM. The interpreter
 * steps until EIP reaches a `jmp $` (the end, or a handler after an
 * exception or trap) and so learns how many instructions the sequence takes;
 * the engine then runs that many. Compared, by the state snapshot and diff
 * lockstep uses too (runtime/state.ts): the registers, EIP (which handler it
 * is in, after an exception), the whole of EFLAGS (undefined flags included:
 * both engines run the same semantics), segment selectors, control
 * registers, the x87 state, the paravirtual state (virtual IF, deferred
 * mode, queued work); and every byte of RAM (data area, stack, exception
 * frames). The engine may run one more instruction than the
 * interpreter: the terminator `jmp $` a region reaches before its back-edge
 * checks the budget.
 *
 * A case is its seed: `caseFromSeed` rebuilds the code and the state, so a
 * failure is reproduced by its seed alone, and `minimise` drops units while
 * the mismatch persists.
 */
import { testWorld, vectorAt, type World } from '../world.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../../translator/engine/engine.ts';
import type { WasmStats } from '../../translator/compile/wasm-region.ts';
import { VmiInliner } from '../../translator/inline/vmi.ts';
import { captureState, diffBytes, diffStates, hex32 as hex } from '../../runtime/state.ts';
import { disassembleRange, hexBytes } from '../../isa/disasm.ts';
import { vectorName } from '../../cpu/interrupts.ts';
import { LAYOUT, Rng, VMI_POOL, assemble, randomUnits, vmiSlot, AVOID_KNOWN, type Avoid, type Unit } from './generate.ts';
import { TABLE } from '../../semantics/table.ts';
import { CPU_MODELS, type CpuModel } from '../../cpu/models.ts';
import { armBreakpoints } from '../../cpu/debug.ts';

const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

export interface FuzzCase {
  seed: number;
  units: Unit[];
  start: number;
  regs: Int32Array;
  eflags: number;
  /** data-area contents */
  data: Uint8Array;
  /** x87: TOP, tags and register values */
  fpu: { top: number; tags: number; st: Float64Array };
  /** the CPU model both sandboxes are (its cpuid leaves and MSRs) */
  model: CpuModel;
}

/** Build a case (code and initial state) from its seed. */
export function caseFromSeed(seed: number, avoid: Avoid = AVOID_KNOWN, maxUnits = 12): FuzzCase {
  const rng = new Rng(seed ^ 0x5eed1e55);
  const units = randomUnits(rng, 1 + rng.int(maxUnits), avoid);
  const regs = new Int32Array(8);
  for (let r = 0; r < 8; r++) regs[r] = rng.u32() | 0;
  regs[4] = LAYOUT.stackTop - 0x800 - rng.int(16);
  // arithmetic flags and DF at random; IF clear, no trap flag
  const eflags = 2 | (rng.u32() & 0x8d5) | (rng.chance(0.2) ? 0x400 : 0);
  const data = new Uint8Array(LAYOUT.dataSize);
  for (let k = 0; k < data.length; k += 4) {
    const v = rng.chance(0.1) ? rng.int(4) : rng.u32();
    data[k] = v; data[k + 1] = v >>> 8; data[k + 2] = v >>> 16; data[k + 3] = v >>> 24;
  }
  const st = new Float64Array(8);
  for (let k = 0; k < 8; k++) st[k] = rng.chance(0.2) ? rng.int(100) : (rng.u32() / 0x10000 - 0x8000) * Math.pow(2, rng.int(40) - 20);
  let tags = 0;
  for (let k = 0; k < 8; k++) tags |= (rng.chance(0.3) ? 3 : st[k] === 0 ? 1 : 0) << (2 * k);
  const size = units.reduce((n, u) => n + u.bytes.length + (u.branch?.rel ?? 0), 0) + 2;
  // sometimes straddle the page boundary at 0x2000 or 0x3000
  const start = rng.chance(0.3)
    ? Math.max(LAYOUT.codeLo, (rng.chance(0.5) ? 0x2000 : 0x3000) - rng.int(size))
    : LAYOUT.codeLo + rng.int(LAYOUT.codeHi - LAYOUT.codeLo - size);
  const top = rng.int(8);
  return { seed, units, start, regs, eflags, data, fpu: { top, tags, st }, model: rng.pick(CPU_MODELS) };
}

/** The IDT's size in a sandbox: the exceptions. */
const VECTORS = 32;

/** A sandbox: the world, the VMI ROM at LAYOUT.romAt with its table of slot addresses, the vCPU in paravirtual mode. */
function sandbox(wasm = false): World {
  const w = testWorld({ memBytes: LAYOUT.memBytes, vectors: VECTORS, rom: { address: LAYOUT.romAt }, wasm });
  VMI_POOL.forEach((c, k) => w.w32(LAYOUT.vmiPointers + 4 * k, vmiSlot(c)));
  w.cpu.pv = w.rom!.vcpus[0];
  return w;
}

/** The bytes an empty sandbox has where guest code may write: descriptor tables, handlers, the VMI pointer table. */
const BASE = sandbox().mem.u8.slice(0, LAYOUT.scratchEnd);

/** Where a run stopped: the end of the code, or the handler of an exception. */
export function stopName(eip: number, end: number): string {
  const a = eip >>> 0;
  if (a === end) return 'end';
  const v = vectorAt(a, VECTORS);
  if (v >= 0) return vectorName(v);
  return `eip ${a.toString(16)}`;
}

const LABELS = ['interpreter', 'translator'] as const;

/** Bytes that differ between two RAM images, as [address, a, b]. */
function* differingBytes(x: Uint8Array, y: Uint8Array): Generator<[number, number, number]> {
  if (Buffer.compare(x, y) === 0) return;
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) yield [k, x[k], y[k]];
}

/** Differences between the interpreter's final state (a) and the engine's (b), one line each. */
function diff(a: World, b: World, end: number): string[] {
  const out = diffStates(captureState(a.cpu), captureState(b.cpu), {
    labels: LABELS,
    describeEip: (eip) => stopName(eip, end),
    // the engine may have run the terminator once more before noticing the budget
    instructionsAgree: (x, y) => y.instructions === x.instructions || (y.instructions === x.instructions + 1 && y.eip === x.eip),
  });
  return [...out, ...diffBytes(differingBytes(a.mem.u8, b.mem.u8), LABELS)];
}

export interface Outcome {
  /** empty when both engines agree */
  diff: string[];
  /** how the interpreter's run ended: 'end' or the exception's name */
  stop: string;
  instructions: number;
  bytes: Uint8Array;
  start: number;
  end: number;
}

/** Both sandboxes and the engine, reused across cases (the engine's code cache is invalidated as code is reloaded). */
export class Differential {
  private readonly a: World = sandbox();
  private readonly b: World;
  readonly engine: Engine;
  /** instructions run by the interpreter, over all cases */
  instructions = 0;

  /** `wasm`: the engine's regions as WebAssembly, each compiled as it is made (the lowering loaded first: compile/wasm-region.ts) */
  constructor(wasm = false) {
    this.b = sandbox(wasm);
    this.engine = new Engine(this.b.cpu, this.b.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0, backOff: false, wasm: wasm ? 1 : 0 });
    this.engine.compiler.inliners.push(new VmiInliner(this.b.rom!, this.b.rom!.vcpus[0]));
  }

  private reset(s: World, c: FuzzCase, code: Uint8Array): void {
    const { cpu, mem } = s;
    mem.u8.set(BASE);
    // the ROM's state for the vCPU and the fake APIC behind it, as after Init
    const vmi = s.rom!.vcpus[0];
    vmi.vif = false; vmi.deferMode = 0; vmi.high = 0; vmi.kernelStack = undefined;
    vmi.tlbPending.pages.length = 0; vmi.tlbPending.flush = 0; vmi.cpuPending.length = 0;
    s.machine!.vcpus[0].apic.regs.clear();
    mem.u8.set(c.data, LAYOUT.data);
    // through `load`, so that translations and decodings made from the previous case's code are dropped
    mem.load(LAYOUT.codeLo, new Uint8Array(LAYOUT.codeHi - LAYOUT.codeLo));
    mem.load(c.start, code);
    s.installTables(cpu);
    // the model's MSRs as at power-on, and no breakpoint left armed by the previous case
    cpu.setModel(c.model);
    cpu.tscOffset = 0n;
    cpu.dr.fill(0);
    cpu.dr[6] = 0xffff0ff0 | 0;
    cpu.dr[7] = 0x400;
    armBreakpoints(cpu);
    cpu.dbHits = cpu.pendingDebug = 0;
    cpu.debugShadow = false;
    cpu.regs.set(c.regs);
    cpu.eip = c.start;
    cpu.eflags = c.eflags;
    cpu.lazy = 0; cpu.lop = 0; cpu.lres = 0; cpu.la = 0; cpu.lb = 0;
    cpu.instructions = 0;
    cpu.halted = false;
    cpu.interruptShadow = false;
    cpu.exitSite = -1;
    cpu.cr2 = 0;
    cpu.cr3 = 0;
    cpu.fpu.reset();
    cpu.fpu.top = c.fpu.top;
    cpu.fpu.tags = c.fpu.tags;
    cpu.fpu.st.set(c.fpu.st);
  }

  /** Run one case (optionally with only some of its units) through both engines. */
  run(c: FuzzCase, units: Unit[] = c.units): Outcome {
    const { bytes, end } = assemble(units, c.start);
    this.reset(this.a, c, bytes);
    this.reset(this.b, c, bytes);
    const { cpu, interp } = this.a;
    const stopped = (eip: number) => eip === end || vectorAt(eip, VECTORS) >= 0;
    let n = 0;
    // forward branches only: every sequence ends; the bound is a guard against a generator bug
    while (n < 20000 && !cpu.halted) {
      interp.step();
      n++;
      if (stopped(cpu.eip >>> 0)) break;
    }
    this.instructions += n;
    this.engine.run(n);
    return { diff: diff(this.a, this.b, end), stop: stopName(cpu.eip, end), instructions: n, bytes, start: c.start, end };
  }

  /** Drop units (one at a time, to a fixed point) while the engines still disagree. */
  minimise(c: FuzzCase): Unit[] {
    let units = c.units;
    for (let changed = true; changed;) {
      changed = false;
      for (let k = 0; k < units.length; k++) {
        const fewer = units.filter((_, j) => j !== k);
        if (fewer.length && this.run(c, fewer).diff.length) { units = fewer; changed = true; k--; }
      }
    }
    return units;
  }
}

/** A failing case as text: seed, initial registers, listing, and the differences. */
export function report(c: FuzzCase, o: Outcome): string {
  const lines = [`seed ${c.seed} (${o.instructions} instructions, interpreter stopped at ${o.stop})`];
  lines.push(`  initial: ${[...c.regs].map((v, k) => `${REG_NAMES[k]}=${hex(v)}`).join(' ')} eflags=${hex(c.eflags)} fpu.top=${c.fpu.top} fpu.tags=${c.fpu.tags.toString(16)}`);
  lines.push(`  code at ${hex(o.start)}: ${hexBytes(o.bytes)}`);
  for (const l of disassembleRange(TABLE, o.bytes, o.start, true)) lines.push(`    ${hex(l.addr)}  ${hexBytes(l.bytes).padEnd(36)} ${l.text}`);
  lines.push('  differences:', ...o.diff);
  return lines.join('\n');
}

export interface CampaignResult {
  cases: number;
  /** cases where the engines disagreed */
  failed: number;
  instructions: number;
  failures: { seed: number; text: string }[];
  /** how runs ended, by stop name */
  stops: Map<string, number>;
  ms: number;
  /** with `wasm`: regions the engine ran as WebAssembly, and why others stayed JavaScript */
  wasm?: WasmStats;
}

/**
 * A hang guard for the CI campaigns' tests, not a speed assertion: 50,000
 * cases take about 40 s on an idle host and several times that on a busy one.
 */
export const CAMPAIGN_TIMEOUT_MS = 900_000;

/** Run `count` cases with seeds seed, seed+1, ...; minimise and report up to `keep` failures. */
export function campaign(seed: number, count: number, keep = 5, avoid: Avoid = AVOID_KNOWN, onProgress?: (done: number) => void, wasm = false): CampaignResult {
  const d = new Differential(wasm);
  const started = performance.now();
  const failures: { seed: number; text: string }[] = [];
  const stops = new Map<string, number>();
  let failed = 0;
  for (let k = 0; k < count; k++) {
    const c = caseFromSeed((seed + k) | 0, avoid);
    const o = d.run(c);
    stops.set(o.stop, (stops.get(o.stop) ?? 0) + 1);
    if (o.diff.length) failed++;
    if (o.diff.length && failures.length < keep) {
      const units = d.minimise(c);
      const small = d.run(c, units);
      failures.push({ seed: c.seed, text: report(c, small.diff.length ? small : o) });
    }
    if (onProgress && (k + 1) % 10000 === 0) onProgress(k + 1);
  }
  return { cases: count, failed, instructions: d.instructions, failures, stops, ms: performance.now() - started, wasm: wasm ? d.engine.stats.compile.wasm : undefined };
}

/**
 * `campaign` in chunks, yielding to the event loop between them: a vitest
 * worker that stays busy for a minute misses its runner's calls and the run
 * reports an error, which a long campaign on a busy host would otherwise do.
 */
export async function campaignInChunks(seed: number, count: number, keep = 5, chunk = 500): Promise<CampaignResult> {
  const total: CampaignResult = { cases: 0, failed: 0, instructions: 0, failures: [], stops: new Map(), ms: 0 };
  for (let done = 0; done < count; done += chunk) {
    const r = campaign((seed + done) | 0, Math.min(chunk, count - done), keep - total.failures.length);
    total.cases += r.cases; total.failed += r.failed; total.instructions += r.instructions; total.ms += r.ms;
    total.failures.push(...r.failures);
    for (const [k, v] of r.stops) total.stops.set(k, (total.stops.get(k) ?? 0) + v);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return total;
}
