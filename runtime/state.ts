/**
 * A vCPU's state as a value: one snapshot and one difference, shared by
 * everything that runs the same code twice and compares (lockstep,
 * translator/engine/lockstep.ts; the differential fuzzer,
 * spec-tests/fuzz/differential.ts), and a checkpoint to go back to.
 *
 * `captureState` takes what the architecture shows: the general registers,
 * EIP, EFLAGS (lazy flags computed), the retired-instruction count, segment
 * selectors, CR0/2/3/4, the halt state and the x87 state, and under a VMI
 * ROM the paravirtual state its calls change (virtual IF, deferred mode,
 * queued work: `Paravirt.describe`). `diffStates`
 * lists the differences one line each, the two sides named by the caller.
 * Every flag is compared unless the caller names flags to ignore, and those
 * may only come from rows' `undef` (flags an instruction leaves undefined):
 * two runs of vmidbt's own semantics must agree on undefined flags too.
 *
 * `checkpoint` / `rollback` copy every scalar and typed-array field of the
 * CPU, its x87 state and its paravirtual state (the virtual IF, the
 * deferred mode, and through `Paravirt.checkpoint` its queues), to run the
 * same instructions again from the same point. Memory is the caller's: lockstep journals the bytes written, the
 * fuzzer compares two sandboxes (`diffBytes` formats either).
 */
import type { Cpu } from '../cpu/cpu.ts';
import { readEflags } from '../cpu/flags.ts';

export interface CpuState {
  regs: number[];
  eip: number;
  eflags: number;
  instructions: number;
  segSel: number[];
  /** CR0, CR2, CR3, CR4 */
  cr: number[];
  /** DR0-DR3, DR6, DR7 */
  dr: number[];
  halted: boolean;
  fpu: { top: number; tags: number; sw: number; cw: number; st: Uint8Array };
  /** the paravirtual state, as text ('' natively) */
  pv: string;
}

/** the debug registers a state holds: DR0-DR3, DR6, DR7 */
const DR_NUMBERS = [0, 1, 2, 3, 6, 7];

/** A typed array's values as a plain array (spreading one goes through its iterator: slow where lockstep calls it) */
function numbers(a: ArrayLike<number>): number[] {
  const out = new Array<number>(a.length);
  for (let k = 0; k < a.length; k++) out[k] = a[k];
  return out;
}

export function captureState(cpu: Cpu): CpuState {
  const f = cpu.fpu;
  // a C1 that waits is worked out: states compare as the architecture has them
  f.settle();
  return {
    regs: numbers(cpu.regs), eip: cpu.eip >>> 0, eflags: readEflags(cpu) >>> 0, instructions: cpu.instructions,
    segSel: numbers(cpu.segSel), cr: [cpu.cr0 >>> 0, cpu.cr2 >>> 0, cpu.cr3 >>> 0, cpu.cr4 >>> 0], halted: cpu.halted,
    dr: DR_NUMBERS.map((n) => cpu.dr[n] >>> 0),
    fpu: { top: f.top, tags: f.tags, sw: f.sw, cw: f.cw, st: new Uint8Array(f.st.slice().buffer) },
    pv: cpu.pv?.describe?.() ?? '',
  };
}

/**
 * Whether the CPU now is in state `s`, by the same comparisons as `diffStates`
 * with every flag compared and equal instruction counts, without building a
 * snapshot: lockstep compares after every region run and needs the lines
 * only when something differs.
 */
export function matchesState(cpu: Cpu, s: CpuState): boolean {
  for (let k = 0; k < 8; k++) if (cpu.regs[k] >>> 0 !== s.regs[k] >>> 0) return false;
  for (let k = 0; k < s.segSel.length; k++) if (cpu.segSel[k] !== s.segSel[k]) return false;
  if ((cpu.eip >>> 0) !== s.eip || (readEflags(cpu) >>> 0) !== s.eflags || cpu.instructions !== s.instructions || cpu.halted !== s.halted) return false;
  if ((cpu.cr0 >>> 0) !== s.cr[0] || (cpu.cr2 >>> 0) !== s.cr[1] || (cpu.cr3 >>> 0) !== s.cr[2] || (cpu.cr4 >>> 0) !== s.cr[3]) return false;
  for (let k = 0; k < DR_NUMBERS.length; k++) if ((cpu.dr[DR_NUMBERS[k]] >>> 0) !== s.dr[k]) return false;
  const f = cpu.fpu;
  f.settle();
  if (f.top !== s.fpu.top || f.tags !== s.fpu.tags || f.sw !== s.fpu.sw || f.cw !== s.fpu.cw) return false;
  const st = new Uint8Array(f.st.buffer, f.st.byteOffset, 64);
  for (let k = 0; k < 8; k++) {
    const x = st.subarray(k * 8, k * 8 + 8), y = s.fpu.st.subarray(k * 8, k * 8 + 8);
    if (!sameBytes(x, y) && !(isNaN64(x) && isNaN64(y))) return false;
  }
  return (cpu.pv?.describe?.() ?? '') === s.pv;
}

/** Eight bytes holding a NaN (V8 does not keep NaN sign and payload bits stable across its tiers: any NaN equals any). */
function isNaN64(z: Uint8Array): boolean {
  return Number.isNaN(new DataView(z.buffer, z.byteOffset, 8).getFloat64(0, true));
}

export interface DiffOptions {
  /** what the two sides are called in the lines */
  labels: readonly [string, string];
  /** flags not compared: only ever the union of rows' `undef` (0, the default: all compared) */
  ignoreFlags?: number;
  /** an EIP as the caller wants it shown beside its value (the fuzzer names the handler it stopped in) */
  describeEip?: (eip: number) => string;
  /** do the instruction counts agree (default: equal)? */
  instructionsAgree?: (a: CpuState, b: CpuState) => boolean;
}

const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const CR_NAMES = ['cr0', 'cr2', 'cr3', 'cr4'];
const DR_NAMES = ['dr0', 'dr1', 'dr2', 'dr3', 'dr6', 'dr7'];

/** Bytes as hex digits, first byte first (Buffer's 'hex'). */
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Equal bytes (lockstep compares every region's state: no strings unless they differ). */
function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  return true;
}

export function hex32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/** The differences between two states, one line each (empty when they agree). */
export function diffStates(a: CpuState, b: CpuState, opts: DiffOptions): string[] {
  const [la, lb] = opts.labels;
  const out: string[] = [];
  const line = (name: string, x: string, y: string) => out.push(`  ${name.padEnd(12)} ${la} ${x}  ${lb} ${y}`);
  const row = (name: string, x: number, y: number) => { if (x !== y) line(name, hex32(x), hex32(y)); };
  a.regs.forEach((v, k) => row(REG_NAMES[k], v, b.regs[k]));
  if (a.eip !== b.eip) {
    const show = (e: number) => (opts.describeEip ? `${hex32(e)} (${opts.describeEip(e)})` : hex32(e));
    line('eip', show(a.eip), show(b.eip));
  }
  const compared = ~(opts.ignoreFlags ?? 0);
  row('eflags', a.eflags & compared, b.eflags & compared);
  if (!(opts.instructionsAgree ?? ((x, y) => x.instructions === y.instructions))(a, b)) row('instructions', a.instructions, b.instructions);
  a.segSel.forEach((v, k) => row(`seg${k}`, v, b.segSel[k]));
  a.cr.forEach((v, k) => row(CR_NAMES[k], v, b.cr[k]));
  a.dr.forEach((v, k) => row(DR_NAMES[k], v, b.dr[k]));
  if (a.halted !== b.halted) line('halted', String(a.halted), String(b.halted));
  if (a.pv !== b.pv) line('paravirt', a.pv, b.pv);
  row('fpu.top', a.fpu.top, b.fpu.top);
  row('fpu.tags', a.fpu.tags, b.fpu.tags);
  row('fpu.sw', a.fpu.sw, b.fpu.sw);
  row('fpu.cw', a.fpu.cw, b.fpu.cw);
  for (let k = 0; k < 8; k++) {
    const x = a.fpu.st.subarray(k * 8, k * 8 + 8), y = b.fpu.st.subarray(k * 8, k * 8 + 8);
    // the same helper may store either NaN: registers holding any NaN compare equal (the x87 state is doubles anyway)
    if (!sameBytes(x, y) && !(isNaN64(x) && isNaN64(y))) line(`fpu.r${k}`, hex(x), hex(y));
  }
  return out;
}

/** Differing bytes as lines, at most `max`: [address, one side's byte, the other's]. */
export function diffBytes(bytes: Iterable<readonly [number, number, number]>, labels: readonly [string, string], max = 8): string[] {
  const out: string[] = [];
  for (const [addr, x, y] of bytes) {
    if (x === y) continue;
    if (out.length === max) break;
    out.push(`  mem[${hex32(addr)}]  ${labels[0]} ${x.toString(16).padStart(2, '0')}  ${labels[1]} ${y.toString(16).padStart(2, '0')}`);
  }
  return out;
}

/** Every scalar and typed-array field of the CPU, its x87 state and its paravirtual state, to roll back to. */
export interface Checkpoint {
  cpu: Fields;
  fpu: Fields;
  /** the virtual IF of a vCPU a VMI ROM runs (an exception delivered under the ROM clears it), its deferred mode, counters */
  pv: Fields | null;
  /** puts back the paravirtual state that is not scalars (queues) */
  pvRest: (() => void) | undefined;
}

/** One object's saved fields: names and values side by side (lockstep takes one per region run, so no Map). */
interface Fields { keys: string[]; values: unknown[] }

/**
 * The own property names of each object checkpointed, listed once: lockstep
 * checkpoints the same CPU thousands of times a second, and listing its 60-odd
 * fields each time was most of the fuzzer's time. Class fields exist from the
 * constructor on (declared ones too, as undefined), so the list does not change;
 * which of them hold a scalar is still decided at every capture.
 */
const fieldNames = new WeakMap<object, string[]>();

function captureFields(o: object): Fields {
  let names = fieldNames.get(o);
  if (!names) fieldNames.set(o, (names = Object.keys(o)));
  const source = o as Record<string, unknown>;
  const keys: string[] = [], values: unknown[] = [];
  for (const k of names) {
    const v = source[k];
    const t = typeof v;
    if (t === 'number' || t === 'boolean' || t === 'bigint') { keys.push(k); values.push(v); }
    else if (ArrayBuffer.isView(v)) { keys.push(k); values.push((v as Uint8Array).slice()); }
  }
  return { keys, values };
}

function restoreFields(o: object, f: Fields): void {
  const target = o as Record<string, unknown>;
  for (let i = 0; i < f.keys.length; i++) {
    const v = f.values[i];
    if (ArrayBuffer.isView(v)) (target[f.keys[i]] as Uint8Array).set(v as Uint8Array);
    else target[f.keys[i]] = v;
  }
}

export function checkpoint(cpu: Cpu): Checkpoint {
  return { cpu: captureFields(cpu), fpu: captureFields(cpu.fpu), pv: cpu.pv && captureFields(cpu.pv), pvRest: cpu.pv?.checkpoint?.() };
}

export function rollback(cpu: Cpu, c: Checkpoint): void {
  restoreFields(cpu, c.cpu);
  restoreFields(cpu.fpu, c.fpu);
  if (cpu.pv && c.pv) restoreFields(cpu.pv, c.pv);
  c.pvRest?.();
  cpu.setCpl(cpu.cpl);
  // the TLB is a cache: dropping it is invisible, and it may hold entries made under the other run's paging state
  cpu.mmu.flushAll(false);
}
