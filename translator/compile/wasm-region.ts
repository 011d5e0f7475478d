/**
 * Regions as WebAssembly, a tier above their JavaScript: a region is
 * compiled to JavaScript as always and put in the vCPU's batch; the batch
 * is handed over to be lowered and compiled (wasm-batch.ts: on this thread
 * at once, or on a worker thread) when it is full or when the engine's
 * slice ends (`flush`, which also installs the batches done by then), and
 * each region of it then runs its WebAssembly function through a small
 * JavaScript wrapper, swapped into its translation (and the entries made
 * into its blocks) in place of the JavaScript function.
 *
 * Why batches: V8 gives each module a native module of its own, with its
 * code space and the wrappers of its imports compiled by TurboFan; for a
 * region alone that was more than the compilation of its code (about a
 * millisecond each, measured in bench/README.md), for 32 at once it is paid
 * once. Why after the JavaScript: a region is needed the moment it is made,
 * and until its batch is back its JavaScript runs in V8's cheap tiers; the
 * optimising compiler rarely gets to it.
 *
 * The lowering (and its parser) is loaded on demand, so that a start
 * without `--wasm` does not run its modules: an entry point that turns
 * WebAssembly regions on awaits `loadWasmLowering()` first (cli/run.ts for
 * `--wasm`), and asking for them without it is an error, never a silent
 * fallback.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import { VCPU_AREA_STATE, VCPU_AREA_TLB, VCPU_STATE_BYTES } from '../../cpu/memory.ts';
import { HELPERS } from '../../semantics/helpers.ts';
import { H } from '../emit/host.ts';
import type { FactoryArgs } from '../emit/abi.ts';
import type { BatchLowering, LoweredBatch } from './wasm-batch.ts';
import type { CallSync, ImportSpec, Owner, WasmLayout } from './wasm-lower.ts';

/** What a batch needs of a translation (assemble.ts `Translation`): its source, whether it still holds, where its function goes. */
export interface Swappable {
  fn: (...a: never[]) => unknown;
  valid: boolean;
  source: string;
  entries: Swappable[];
}

let lowering: typeof import('./wasm-batch.ts') | undefined;

/** Load the lowering, once. */
export async function loadWasmLowering(): Promise<void> {
  lowering ??= await import('./wasm-batch.ts');
}

/** Regions lowered, batches compiled, regions left JavaScript by the first thing the lowering refused in each, regions handed over and not yet back. */
export interface WasmStats {
  regions: number;
  batches: number;
  refused: Record<string, number>;
  pending: number;
}

export function emptyWasmStats(): WasmStats {
  return { regions: 0, batches: 0, refused: {}, pending: 0 };
}

/** Regions a batch holds before it is compiled without waiting for the slice's end (`vmidbt run --wasm`). */
export const BATCH_REGIONS = 32;

interface Member {
  t: Swappable;
  args: FactoryArgs;
  /** the source as assembled (a retired translation lets go of its own) */
  source: string;
}

/** Makes a wrapper's function from its source and the factory's arguments (assemble.ts `bind`, passed in: no import cycle). */
export type Binder = (source: string, args: FactoryArgs) => Swappable['fn'];

/** One vCPU's regions on their way to WebAssembly. */
export class WasmBatch {
  private members: Member[] = [];
  private readonly state32: Int32Array;
  private readonly state64: Float64Array;
  private readonly layout: WasmLayout;

  /** `where`: where batches are lowered (wasm-batch.ts; by default here, as they are submitted) */
  constructor(readonly cpu: Cpu, readonly stats: WasmStats, private readonly bind: Binder, readonly size = BATCH_REGIONS,
    private readonly where: BatchLowering = lowering?.lowerHere!) {
    if (!lowering) throw new Error('WebAssembly regions asked for, but the lowering is not loaded: the entry point must await loadWasmLowering() (compile/wasm-region.ts)');
    if (!cpu.mem.wasm || cpu.area === undefined) throw new Error('WebAssembly regions need the machine made with `wasm` (its memory a WebAssembly memory)');
    const at = cpu.area + VCPU_AREA_STATE;
    this.state32 = new Int32Array(cpu.mem.buffer, at, VCPU_STATE_BYTES / 4);
    this.state64 = new Float64Array(cpu.mem.buffer, at, VCPU_STATE_BYTES / 8);
    this.layout = { tlb: cpu.area + VCPU_AREA_TLB, state: at, pages: cpu.mem.buffer.byteLength / 65536 };
  }

  /** Put a region just assembled as JavaScript (`args`: its factory's arguments) in the batch. */
  add(t: Swappable, args: FactoryArgs): void {
    this.members.push({ t, args, source: t.source });
    if (this.members.length >= this.size) this.submit();
  }

  /** Hand the waiting regions over to be lowered, and install the batches done by now. */
  flush(): void {
    this.submit();
    this.where.poll();
  }

  private submit(): void {
    const members = this.members;
    if (members.length === 0) return;
    this.members = [];
    this.stats.pending += members.length;
    this.where.submit({ sources: members.map((m) => m.source), layout: this.layout }, (r) => this.install(members, r));
  }

  /** Give each region of a lowered batch that is still valid its WebAssembly function; count the refused. */
  private install(members: Member[], batch: LoweredBatch): void {
    this.stats.pending -= members.length;
    batch.regions.forEach((r) => { if (r.refused !== undefined) this.stats.refused[r.refused] = (this.stats.refused[r.refused] ?? 0) + 1; });
    if (!batch.module) return;
    const imports: Record<string, AnyFn> = {};
    batch.imports.forEach((spec, k) => { imports[k] = importFunction(spec, this.cpu, members, this.state32, this.state64); });
    const instance = new WebAssembly.Instance(batch.module, { env: { memory: this.cpu.mem.wasm! }, h: imports as unknown as WebAssembly.ModuleImports });
    this.stats.batches++;
    members.forEach((m, k) => {
      const wrapper = batch.regions[k].wrapper;
      if (wrapper === undefined || !m.t.valid) return;
      const fn = this.bind(wrapper, { ...m.args, wasmRun: instance.exports[`r${k}`], state32: this.state32, state64: this.state64 });
      m.t.fn = fn;
      for (const e of m.t.entries) e.fn = fn;
      this.stats.regions++;
    });
  }
}

type AnyFn = (...a: unknown[]) => unknown;

/**
 * How a JavaScript value crosses into WebAssembly and back, as source text
 * for the generated import functions below (each is made once per text, so
 * that its property accesses are named and its closures share feedback):
 * a value read is a number as it is, anything else by its truth (generated
 * code only tests such fields: `cpu.pv ? 1 : 0`); a field written that
 * holds a boolean (the VMI state's `vif`) stays one, as WebAssembly hands
 * over 0 or 1.
 */
const asNumber = (v: string) => `typeof ${v}==='number'?${v}:${v}?1:0`;
const assignFrom = (field: string, v: string) => `${field}=typeof ${field}==='boolean'?${v}!==0:${v};`;

/** A function made from `text` over `params`, one factory per distinct text. */
function made(params: string[], text: string): (...a: unknown[]) => AnyFn {
  const key = `${params.join(',')}|${text}`;
  let make = factories.get(key);
  if (make === undefined) {
    make = new Function(...params, text) as (...a: unknown[]) => AnyFn;
    factories.set(key, make);
  }
  return make;
}
const factories = new Map<string, (...a: unknown[]) => AnyFn>();

/**
 * A host call that also moves fields (wasm-lower.ts `CallSync`): sets the
 * fields stored just before it from their state-block slots, calls, and
 * reads the fields loaded just after it into theirs, as the setter and
 * getter imports would have. Straight-line code per call site: a loop over
 * field names would be a keyed access each.
 */
export function synced(call: AnyFn, params: number, sync: CallSync, cpu: Cpu, vmi: unknown, state32: Int32Array, state64: Float64Array): AnyFn {
  const at = (o: Owner, field: string) => `${o === 'cpu' ? 'c' : 'v'}[${JSON.stringify(field)}]`;
  const before = sync.before.map((f) => assignFrom(at(f.object, f.field), `D[${f.slot / 8}]`)).join('');
  const after = sync.after.map((f) => `t=${at(f.object, f.field)};${f.wide ? `D[${f.slot / 8}]` : `S[${f.slot / 4}]`}=${asNumber('t')};`).join('');
  const args = Array.from({ length: params }, (_, k) => `a${k}`).join(',');
  return made(['c', 'v', 'S', 'D', 'call'], `return function(${args}){${before}const r=call(${args});let t;${after}return r;};`)(cpu, vmi, state32, state64, call);
}

/** A field import's function: its property named in its text (one shared literal would see every field: megamorphic). */
function fieldAccess(kind: 'get' | 'set' | 'element', field: string, owner: object): AnyFn {
  const at = `o[${JSON.stringify(field)}]`;
  const body = kind === 'get' ? `return()=>{const v=${at};return ${asNumber('v')};};`
    : kind === 'set' ? `return(v)=>{${assignFrom(at, 'v')}};`
      : `return(k)=>{const v=${at}[k];return ${asNumber('v')};};`;
  return made(['o'], body)(owner);
}

/** The object a field import reads or writes: the vCPU, its VMI state (the region's `V`), the memory. */
function ownerOf(spec: { object: Owner; region: number }, cpu: Cpu, members: readonly Member[]): Record<string, unknown> {
  return (spec.object === 'cpu' ? cpu : spec.object === 'MEM' ? cpu.mem : members[spec.region].args.vmi) as Record<string, unknown>;
}

/** One import: the host function the JavaScript called, with what it passed that is no number put back. */
function importFunction(spec: ImportSpec, cpu: Cpu, members: readonly Member[], state32: Int32Array, state64: Float64Array): AnyFn {
  switch (spec.kind) {
    case 'epoch': return () => cpu.mem.codeEpoch;
    case 'left': { const left = members[spec.region].args.left as number[]; return (k) => left[k as number]; }
    case 'fault': return (v, c) => { throw new H.Fault(v as number, c as number); };
    // (how values cross: asNumber, assignFrom above)
    case 'get': case 'set': case 'element': return fieldAccess(spec.kind, spec.field, ownerOf(spec, cpu, members));
    case 'call': {
      const call = hostCall(spec, cpu, members);
      if (!spec.sync) return call;
      return synced(call, spec.arity - spec.bound.length, spec.sync, cpu, members[spec.region].args.vmi, state32, state64);
    }
  }
}

/** A host call's import: the host function, with what the JavaScript passed that is no number put back. */
function hostCall(spec: ImportSpec & { kind: 'call' }, cpu: Cpu, members: readonly Member[]): AnyFn {
  const owner = (spec.object === 'h' ? H : spec.object === 'hp' ? HELPERS : members[spec.region].args.vmiEffects) as Record<string, AnyFn>;
  const fn = owner[spec.name];
  if (typeof fn !== 'function') throw new Error(`generated code calls ${spec.object}.${spec.name}, which is no host function`);
  const b = spec.bound;
  // the shapes generated code has: the vCPU first, then perhaps its instruction; anything else in general
  if (b.length === 0) return (...a) => fn.apply(owner, a);
  if (b.length === 1 && b[0].at === 0 && b[0].what !== 'instr') {
    // the vCPU or its VMI state first, and as many arguments as the JavaScript passed (a helper may count them)
    const first = b[0].what === 'cpu' ? cpu : members[spec.region].args.vmi;
    switch (spec.arity) {
      case 1: return () => fn.call(owner, first);
      case 2: return (p) => fn.call(owner, first, p);
      case 3: return (p, q) => fn.call(owner, first, p, q);
      case 4: return (p, q, r) => fn.call(owner, first, p, q, r);
      case 5: return (p, q, r, s) => fn.call(owner, first, p, q, r, s);
      case 6: return (p, q, r, s, t) => fn.call(owner, first, p, q, r, s, t);
    }
  }
  const instrs = members[spec.region].args.instrs as unknown[];
  const bound = b.map((x) => (x.what === 'cpu' ? cpu : x.what === 'vmi' ? members[spec.region].args.vmi : instrs[x.index]));
  return (...a) => {
    const args: unknown[] = [];
    let next = 0, k = 0;
    for (let at = 0; at < spec.arity; at++) args.push(k < b.length && b[k].at === at ? bound[k++] : a[next++]);
    return fn.apply(owner, args);
  };
}
