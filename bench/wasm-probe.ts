/**
 * `npm run bench:wasm-probe`: what the same translated guest loop costs as
 * the JavaScript the translator emits and as WebAssembly, tier by tier, in
 * one run. A measurement for a design question, not a part of vmidbt.
 *
 * Kernel code runs a few hundred to a few thousand times per region, and
 * there most of a region's time is V8's baseline tier (Sparkplug), which
 * calls a builtin for every arithmetic operator and every element access,
 * until TurboFan has compiled it (bench/README.md, "Linux's boot with perf,
 * by V8 tier"). WebAssembly has no feedback to gather: V8 compiles a module
 * at once with its baseline compiler (Liftoff) and later tiers hot
 * functions up to TurboFan. This probe measures how much that would change
 * for code of a region's shape, before anyone builds a backend for it.
 *
 * The guest loop (five instructions an iteration) is
 *
 *     top: movzx edx, byte [esi]   ; through the software TLB
 *          add eax, edx
 *          inc esi
 *          dec ecx                 ; the lazy-flag record kept up to date
 *          jnz top
 *
 * written by hand in both forms in the shape emit/ writes (registers in
 * locals loaded at entry and stored at exit, an instruction budget checked
 * at the loop head, a TLB entry read and tested before the RAM access, a
 * slow path called on a miss, the flag record's locals), and run as a
 * region is: a call runs until its budget of guest instructions is spent
 * (`--budget`, 50 by default, about what a kernel region runs per entry),
 * then returns. Each round compiles both afresh (sources and module bytes
 * made unique, so no compilation cache answers) and times the calls in
 * phases (1-10, 11-100, ...), so the table shows each backend's cold tiers
 * and its optimised code. Both must leave the same sum in EAX, checked.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, ratioText, summaryCell } from './table.ts';
import { summarize } from './stats.ts';

/** guest instructions per loop iteration */
const PER_ITERATION = 5;
/** bytes of guest RAM the loop walks (a call's pointer starts again at its base) */
const RAM_BYTES = 1 << 16;
/** guest linear address of that RAM (its TLB entries map it) */
const GUEST_BASE = 0x00400000;

// ---- the JavaScript form -----------------------------------------------------------

/** What a region's function reads and writes of a vCPU (a small stand-in for cpu/cpu.ts). */
export interface ProbeCpu {
  regs: Int32Array;
  tlb: Int32Array;
  m8: Uint8Array;
  budget: number;
  lop: number; lres: number; la: number; lb: number;
  instructions: number;
}

/** The JavaScript of the loop, in the shape the emitter writes (a unique comment: no compilation cache). */
function jsSource(unique: number): string {
  return `return (function region(cpu) { /* ${unique} */
const R = cpu.regs; const tlb = cpu.tlb; const m8 = cpu.m8; const lim = cpu.budget;
let r0 = R[0]; let r1 = R[1]; let r2 = R[2]; let r6 = R[6];
let lop = cpu.lop; let lres = cpu.lres; let la = cpu.la; let lb = cpu.lb;
let ic = 0; let t0, t1, t2, t3, t4, t5;
try {
  top: for (;;) {
    if (ic + ${PER_ITERATION} > lim) break top;
    ic += ${PER_ITERATION};
    t0 = r6 | 0;
    t1 = tlb[t0 >>> 12];
    t2 = t1 & 1 ? m8[(t1 & -4096 | t0 & 4095) >>> 0] : slow(cpu, t0);
    r2 = t2;
    t3 = r0 + r2 | 0;
    r0 = t3;
    r6 = r6 + 1 | 0;
    t4 = r1;
    t5 = t4 - 1 | 0;
    r1 = t5;
    lop = 10; lres = t5; la = t4; lb = 1;
    if (t4 !== 1) continue top;
    break top;
  }
} finally {
  R[0] = r0; R[1] = r1; R[2] = r2; R[6] = r6;
  cpu.lop = lop; cpu.lres = lres; cpu.la = la; cpu.lb = lb;
  cpu.instructions += ic;
}
});`;
}

function slowPath(): never {
  throw new Error('wasm-probe: a TLB miss (every page of the loop is mapped)');
}

// ---- the WebAssembly form ----------------------------------------------------------

/** wasm memory: the TLB's 2^20 entries first, then the registers and flag record, then RAM */
const W_TLB = 0;
const W_STATE = 4 << 20;
const W_RAM = W_STATE + 4096;
const W_PAGES = Math.ceil((W_RAM + RAM_BYTES) / 65536);
/** byte offsets in the state area */
const S_REG = (r: number) => W_STATE + 4 * r;
const S_LOP = W_STATE + 32, S_LRES = W_STATE + 36, S_LA = W_STATE + 40, S_LB = W_STATE + 44;

function uleb(n: number): number[] {
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'latin1')];

const I32 = 0x7f;
const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, call: 0x10,
  get: 0x20, set: 0x21, load: 0x28, load8u: 0x2d, store: 0x36, const: 0x41,
  ne: 0x47, gtS: 0x4a, add: 0x6a, sub: 0x6b, and: 0x71, or: 0x72, shl: 0x74, shrU: 0x76,
} as const;

/** The module's bytes: `run(budget) -> instructions` over the memory it imports (as a backend's modules would share one), `slow` imported; `unique` in a custom section. */
export function wasmBytes(unique: number): Uint8Array<ArrayBuffer> {
  // locals after the parameter (budget, 0): r0 r1 r2 r6 lop lres la lb ic t0 t1 t4 t5
  const [lim, r0, r1, r2, r6, lop, lres, la, lb, ic, t0, t1, t4, t5] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const c = (n: number) => [op.const, ...sleb(n)];
  const get = (l: number) => [op.get, l];
  const set = (l: number) => [op.set, l];
  const load = (addr: number) => [...c(addr), op.load, 2, 0];
  const store = (addr: number, l: number) => [...c(addr), ...get(l), op.store, 2, 0];
  const body = [
    ...vec([[13, I32]]),
    ...load(S_REG(0)), ...set(r0), ...load(S_REG(1)), ...set(r1), ...load(S_REG(2)), ...set(r2), ...load(S_REG(6)), ...set(r6),
    ...load(S_LOP), ...set(lop), ...load(S_LRES), ...set(lres), ...load(S_LA), ...set(la), ...load(S_LB), ...set(lb),
    op.block, 0x40,
    op.loop, 0x40,
    // the budget: leave unless an iteration fits
    ...get(ic), ...c(PER_ITERATION), op.add, ...get(lim), op.gtS, op.brIf, 1,
    ...get(ic), ...c(PER_ITERATION), op.add, ...set(ic),
    // movzx edx, byte [esi]: the TLB entry, then RAM or the slow path
    ...get(r6), ...set(t0),
    ...get(t0), ...c(12), op.shrU, ...c(2), op.shl, op.load, 2, W_TLB, ...set(t1),
    ...get(t1), ...c(1), op.and,
    op.if, I32,
    ...get(t1), ...c(-4096), op.and, ...get(t0), ...c(4095), op.and, op.or, op.load8u, 0, 0,
    op.else,
    ...get(t0), op.call, 0,
    op.end,
    ...set(r2),
    // add eax, edx; inc esi; dec ecx and its flag record
    ...get(r0), ...get(r2), op.add, ...set(r0),
    ...get(r6), ...c(1), op.add, ...set(r6),
    ...get(r1), ...set(t4), ...get(t4), ...c(1), op.sub, ...set(t5), ...get(t5), ...set(r1),
    ...c(10), ...set(lop), ...get(t5), ...set(lres), ...get(t4), ...set(la), ...c(1), ...set(lb),
    // jnz top
    ...get(t4), ...c(1), op.ne, op.brIf, 0,
    op.end,
    op.end,
    ...store(S_REG(0), r0), ...store(S_REG(1), r1), ...store(S_REG(2), r2), ...store(S_REG(6), r6),
    ...store(S_LOP, lop), ...store(S_LRES, lres), ...store(S_LA, la), ...store(S_LB, lb),
    ...get(ic),
    op.end,
  ];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32]]), ...vec([[I32]])]])), // type 0: (i32) -> i32
    ...section(2, vec([[...name('env'), ...name('slow'), 0x00, 0x00], [...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(W_PAGES)]])),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...name('run'), 0x00, 0x01]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
    ...section(0, [...name('probe'), ...uleb(unique)]),
  ];
  return Uint8Array.from(bytes);
}

// ---- running both the same way -----------------------------------------------------

/** One backend as the harness drives it: compile afresh, then calls of one budget each. */
interface Backend {
  name: string;
  /** compile (and instantiate) afresh; returns a call that runs one budget and the guest's EAX after */
  compile(unique: number): { call: () => void; eax: () => number };
}

/** ESI for the next call: on from where the last one stopped, back to the start before it would run off the RAM */
function nextPointer(esi: number, budget: number): number {
  return esi < GUEST_BASE || esi - GUEST_BASE > RAM_BYTES - budget ? GUEST_BASE : esi;
}

/** guest RAM contents: the same bytes for both backends */
function fillRam(ram: Uint8Array): void {
  for (let k = 0; k < ram.length; k++) ram[k] = (k * 7 + 3) & 0xff;
}

function jsBackend(budget: number): Backend {
  // the TLB and RAM made once, as for the wasm form: a round times compiling and running only
  const ram = new Uint8Array(RAM_BYTES);
  const tlb = new Int32Array(1 << 20);
  for (let p = 0; p < RAM_BYTES >>> 12; p++) tlb[(GUEST_BASE >>> 12) + p] = (p << 12) | 3;
  return {
    name: 'JavaScript (emit/ shape)',
    compile(unique) {
      fillRam(ram);
      const cpu: ProbeCpu = { regs: new Int32Array(8), tlb, m8: ram, budget, lop: 0, lres: 0, la: 0, lb: 0, instructions: 0 };
      const fn = new Function('slow', jsSource(unique))(slowPath) as (c: ProbeCpu) => void;
      return {
        call: () => { cpu.regs[6] = nextPointer(cpu.regs[6], budget); cpu.regs[1] = 1 << 30; fn(cpu); },
        eax: () => cpu.regs[0],
      };
    },
  };
}

function wasmBackend(budget: number): Backend {
  // one memory for every module, made once (guest RAM and the TLB are a machine's, not a region's)
  const memory = new WebAssembly.Memory({ initial: W_PAGES });
  const i32 = new Int32Array(memory.buffer);
  return {
    name: 'WebAssembly',
    compile(unique) {
      const module = new WebAssembly.Module(wasmBytes(unique));
      const instance = new WebAssembly.Instance(module, { env: { slow: slowPath, memory } });
      const run = instance.exports.run as (b: number) => number;
      i32.fill(0, W_STATE >>> 2, W_RAM >>> 2);
      fillRam(new Uint8Array(memory.buffer, W_RAM, RAM_BYTES));
      for (let p = 0; p < RAM_BYTES >>> 12; p++) i32[(W_TLB >>> 2) + (GUEST_BASE >>> 12) + p] = (W_RAM + (p << 12)) | 3;
      return {
        call: () => { i32[S_REG(6) >>> 2] = nextPointer(i32[S_REG(6) >>> 2], budget); i32[S_REG(1) >>> 2] = 1 << 30; run(budget); },
        eax: () => i32[S_REG(0) >>> 2],
      };
    },
  };
}

/** the call phases a round times: calls [from, to] */
export function phasesUpTo(calls: number): [number, number][] {
  const out: [number, number][] = [];
  for (let lo = 1, hi = 10; lo <= calls; lo = hi + 1, hi *= 10) out.push([lo, Math.min(hi, calls)]);
  return out;
}

export interface ProbeResult {
  backend: string;
  /** ms to compile (JS: `new Function`; wasm: module and instance), one per round */
  compileMs: number[];
  /** ns per guest instruction in each phase, one per round */
  phases: { calls: [number, number]; ns: number[] }[];
  /** the guest's EAX after the last call of each round */
  eax: number[];
}

export interface ProbeOptions { rounds: number; calls: number; budget: number }

/** Run every backend `rounds` times, interleaved, each round compiling afresh. */
export function runProbe(opts: ProbeOptions, progress: (line: string) => void = () => {}): ProbeResult[] {
  const backends = [jsBackend(opts.budget), wasmBackend(opts.budget)];
  const phases = phasesUpTo(opts.calls);
  const results: ProbeResult[] = backends.map((b) => ({ backend: b.name, compileMs: [], phases: phases.map((calls) => ({ calls, ns: [] })), eax: [] }));
  const instructionsPerCall = Math.floor(opts.budget / PER_ITERATION) * PER_ITERATION;
  let unique = Date.now() % 1_000_000;
  // round 0 warms the harness itself up and is not counted
  for (let round = -1; round < opts.rounds; round++) {
    if (round >= 0) progress(`wasm probe: round ${round + 1}/${opts.rounds}`);
    // the order alternates between rounds
    const order = round % 2 ? [1, 0] : [0, 1];
    for (const k of order) {
      const t0 = performance.now();
      const compiled = backends[k].compile(unique++);
      const compileMs = performance.now() - t0;
      const ns = phases.map(([from, to]) => {
        const start = performance.now();
        for (let n = from; n <= to; n++) compiled.call();
        return ((performance.now() - start) * 1e6) / ((to - from + 1) * instructionsPerCall);
      });
      if (round < 0) continue;
      results[k].compileMs.push(compileMs);
      ns.forEach((v, p) => results[k].phases[p].ns.push(v));
      results[k].eax.push(compiled.eax());
    }
  }
  return results;
}

/** The table: compile time, then ns per guest instruction by phase, a column per backend and their ratio (per round, ~ inside the noise). */
export function formatProbe(results: ProbeResult[]): string {
  const [js, wasm] = results;
  const row = (label: string, a: number[], b: number[]) => [label, summaryCell(summarize(a)), summaryCell(summarize(b)), ratioText(a, b)];
  return formatTable(['', js.backend, wasm.backend, 'JS / wasm'], [
    row('compile, ms', js.compileMs, wasm.compileMs),
    ...js.phases.map((p, k) => row(`calls ${p.calls[0]}-${p.calls[1]}, ns/instr`, p.ns, wasm.phases[k].ns)),
  ]);
}

function parseArgs(argv: string[]): ProbeOptions & { out: string } {
  const o = { rounds: 5, calls: 100_000, budget: 50, out: 'bench/out' };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const v = () => {
      const n = Number(argv[++k]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} takes a positive whole number`);
      return n;
    };
    if (a === '--rounds') o.rounds = v();
    else if (a === '--calls') o.calls = v();
    else if (a === '--budget') o.budget = v();
    else if (a === '--out') o.out = argv[++k] ?? '';
    else if (a === '--quick') { o.rounds = 1; o.calls = 1000; }
    else throw new Error(`unknown option ${a} (--rounds N, --calls N, --budget N, --out DIR, --quick)`);
  }
  if (o.budget < PER_ITERATION) throw new Error(`--budget must be at least ${PER_ITERATION} (one iteration)`);
  return o;
}

function main(): number {
  let o;
  try { o = parseArgs(process.argv.slice(2)); } catch (e) { process.stderr.write(`wasm-probe: ${(e as Error).message}\n`); return 2; }
  const results = runProbe(o, (line) => process.stderr.write(`${line}\n`));
  const sums = new Set(results.flatMap((r) => r.eax));
  if (sums.size !== 1) { process.stderr.write(`wasm-probe: the backends disagree on EAX: ${[...sums].join(', ')}\n`); return 1; }
  console.log(`The same guest loop as JavaScript and as WebAssembly (${o.rounds} rounds, ${o.budget} guest instructions a call; median ±half range)`);
  console.log(formatProbe(results));
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, 'wasm-probe.json'), `${JSON.stringify({ options: o, results }, null, 1)}\n`);
  const last = results.map((r) => summarize(r.phases[r.phases.length - 1].ns).median);
  const first = results.map((r) => summarize(r.phases[1]?.ns ?? r.phases[0].ns).median);
  console.log(`wasm-probe: calls 11-100 JS ${first[0].toFixed(1)} ns/instr, wasm ${first[1].toFixed(1)}; last phase JS ${last[0].toFixed(2)}, wasm ${last[1].toFixed(2)}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
