/**
 * A region's generated JavaScript, lowered to WebAssembly.
 *
 * Why lower the JavaScript rather than emit WebAssembly from the semantics:
 * the JavaScript emission (emit/) already holds everything a region knows
 * (lazy flags, liveness, inlined calls, precise faults, chaining), and the
 * allow-list (allowlist.ts) already pins down the small language it writes
 * (parsed here by generated-parse.ts, a parser for that language alone):
 * locals, numeric literals, integer operators, typed-array accesses, a few
 * CPU fields, calls of host functions, and one dispatch loop (or nested
 * labelled blocks, each a wasm `block`) inside a `try`/`finally`. Lowering
 * that language keeps each instruction described once; the WebAssembly is
 * a second code generator for the same text, and
 * where it meets something it does not lower it says so (`Unsupported`) and
 * the region stays JavaScript.
 *
 * What a lowered region is made of:
 * - One wasm function for the prologue's locals and the `try` block: the
 *   dispatch loop (a `br_table` over the block number), the blocks, every
 *   memory access. Guest RAM, the vCPU's TLB and its registers are in one
 *   `WebAssembly.Memory` (cpu/memory.ts `vcpuAreas`), so `m32[...]`,
 *   `tlb[...]` and `R[...]` are plain loads and stores at known offsets.
 * - A small JavaScript wrapper that passes in what the prologue reads of the
 *   CPU (instruction count, budget, code epoch, EFLAGS and the lazy-flag
 *   record), calls the function, and runs the region's own `finally` block
 *   unchanged, with the locals it reads taken back from the vCPU's state
 *   block, where the wasm function stores them on every way out (a `catch_all`
 *   stores them too and rethrows, so a fault leaves the same state the
 *   JavaScript `finally` would).
 * - Imports: the host functions the body calls (`h.*`, `hp.*`, bound to the
 *   vCPU where the JavaScript passed `cpu`), getters and setters of CPU
 *   fields the body touches beyond the prologue (around a helper row), the
 *   code epoch, `LEFT[...]`, and `throw new h.Fault(...)`.
 *
 * Numbers. JavaScript numbers are doubles; generated code keeps them int32
 * by construction (`|0`, bitwise operators) but not everywhere: `x >>> 0`
 * is unsigned, `i0 + ic - 3` is an instruction count past 2^31. Each value
 * gets one of four types: `s` (an int32 known small: block and exit
 * numbers, instruction counters, literals below 2^30, so sums of two stay
 * exact), `i` (int32), `u` (the same 32 bits read unsigned), `d` (a
 * double). Bitwise operators take ToInt32 of their operands, which for the
 * exact integers here is the wrapped i32 arithmetic, so `a + b | 0` is an
 * `i32.add`; a sum that is not truncated is computed in f64 unless both
 * sides are small; comparisons are signed, unsigned or in f64 as their
 * operands' types say. Locals take the join of every value assigned to
 * them (`s` < `i`; `i`, `u` and `d` join to `d`), found by lowering again
 * until no local changes type.
 */
import { GeneratedSyntaxError, parseGenerated } from './generated-parse.ts';
import { Code, Op, Ty, type FunctionImport } from './wasm-module.ts';
import { CALL_COUNT_PATTERN, CODE_EPOCH, FLAG_LOCALS, GLOBALS, LOCALS, MEMORY_VIEWS, PARAMS as FACTORY, TEMP_PATTERN } from '../emit/abi.ts';

/** Something the lowering does not handle: the region stays JavaScript. */
export class Unsupported extends Error {}

/** small int32, int32, uint32 (as i32 bits), double */
type VT = 's' | 'i' | 'u' | 'd';

/** Where the vCPU's state lives in the memory (cpu/memory.ts VCPU_AREA_*). */
export interface WasmLayout {
  /** byte offset of the TLB (2^20 int32 entries) */
  tlb: number;
  /** byte offset of the state block: registers at 0, `cpu.exitSite` at EXIT_SITE_SLOT, exchange slots from EXCHANGE_BASE */
  state: number;
  /** the memory's size in 64 KiB pages */
  pages: number;
}

/** byte offsets in the state block */
const EXIT_SITE_SLOT = 32;
const EXCHANGE_BASE = 64;
/** the slots of fields moved around host calls (CallSync), one per field a region names, up to STATE_LIMIT */
const SYNC_BASE = 2048;
const STATE_LIMIT = 4096;

/** How to make each import, in import order (`region`: the index in its batch of the region whose tables it reads). */
export type ImportSpec =
  | { kind: 'call'; object: HostObject; name: string; bound: Bound[]; arity: number; region: number; sync?: CallSync }
  | { kind: 'get'; object: Owner; field: string; region: number }
  | { kind: 'set'; object: Owner; field: string; region: number }
  | { kind: 'element'; object: Owner; field: string; region: number }
  | { kind: 'left'; region: number }
  | { kind: 'epoch' | 'fault' };

/**
 * The imports of a batch of regions compiled as one module: each distinct
 * host function once, whichever region calls it (wasm-region.ts).
 */
export class ImportTable {
  readonly keys = new Map<string, number>();
  readonly specs: ImportSpec[] = [];
  readonly types: FunctionImport[] = [];
}
/**
 * Fields a host call's import moves between the CPU (or the VMI state) and
 * the state block, so that the stores of fields just before the call and
 * the loads just after it cost no import call each: `before`, each field's
 * value as a double at `slot` (a byte offset in the state block), set on its
 * object before the call; `after`, each field read after the call into its
 * slot, as an int32 (ToInt32, what an i32 import result is) or, `wide`, a
 * double.
 */
export interface CallSync {
  before: { object: Owner; field: string; slot: number }[];
  after: { object: Owner; field: string; slot: number; wide: boolean }[];
}

/** an argument the JavaScript passed that is no number: the vCPU, its VMI state, or one of the region's instructions */
export interface Bound { at: number; what: 'cpu' | 'vmi' | 'instr'; index: number }
/** the objects whose fields generated code reads and writes: the CPU, the vCPU's VMI state, the memory */
export type Owner = 'cpu' | 'V' | 'MEM';
/** the host functions' objects: the host's slow paths, the value helpers, the ROM's effects */
export type HostObject = 'h' | 'hp' | 'VX';

/** The object a name in generated code stands for (emit/abi.ts), if its fields may be read or written. */
function ownerOf(name: string): Owner | undefined {
  return name === LOCALS.cpu ? 'cpu' : name === FACTORY.vmi ? 'V' : name === FACTORY.memory ? 'MEM' : undefined;
}

export interface LoweredRegion {
  /** the function's locals after its parameters, and its body */
  locals: Ty[];
  body: Code;
  /** the wrapper's source: `return(function translated(cpu,pc){...});` over the factory's parameters and WF, S, D */
  wrapper: string;
}

/** The lowered function's parameters: pc, i0, budget, code epoch, EFLAGS and the lazy-flag record. */
export const PARAMS: readonly Ty[] = [Ty.I32, Ty.F64, Ty.F64, Ty.I32, ...FLAG_LOCALS.map(() => Ty.I32)];

interface Node { type: string; start: number; end: number; [k: string]: unknown }
type N = Node & Record<string, any>;

/** the lazy-flag record's locals and the CPU fields they mirror (emit/abi.ts) */
const FLAG_FIELDS: string[] = FLAG_LOCALS.map(([, f]) => f);
/** the lowered function's parameters by name: pc, i0, budget, code epoch, then the flag record's locals in FLAG_LOCALS order */
const PARAM_NAMES: string[] = [LOCALS.block, LOCALS.i0, LOCALS.budget, LOCALS.epoch, ...FLAG_LOCALS.map(([l]) => LOCALS[l])];
/** the CPU fields the prologue reads, passed in as parameters (index: parameter) */
const PROLOGUE_FIELDS: Record<string, number> = {
  instructions: 1, budget: 2, ...Object.fromEntries(FLAG_LOCALS.map(([, f], k) => [f, 4 + k])),
};
/** CPU fields that hold numbers beyond int32 */
const WIDE_FIELDS = new Set(['instructions', 'budget']);
/** locals the ABI keeps small (emit/abi.ts): block, link and instruction counters, the helper flag, call counts */
const SMALL_NAMES = new Set<string>([LOCALS.block, LOCALS.count, LOCALS.faultIndex, LOCALS.exitLink, LOCALS.inHelper]);
const isSmall = (name: string): boolean => SMALL_NAMES.has(name) || CALL_COUNT_PATTERN.test(name);
/** element bytes of the views a region reads through: the registers, the TLB, RAM */
const VIEW_BYTES: Record<string, number> = { [LOCALS.regs]: 4, [LOCALS.tlb]: 4, [LOCALS.m32]: 4, [LOCALS.m16]: 2, [LOCALS.m8]: 1 };

interface Frame { label: string | null; breakable: boolean; loop: boolean }

function join(a: VT | undefined, b: VT): VT {
  if (a === undefined || a === b) return b;
  if ((a === 's' && b === 'i') || (a === 'i' && b === 's')) return 'i';
  return 'd';
}

/** [owner, field] of `cpu.f` or `V.f` (not cpu.exitSite, which lives in the state block) */
function fieldOf(e: N): [Owner, string] | undefined {
  if (e.type !== 'MemberExpression' || e.computed || (e.object as N).type !== 'Identifier') return undefined;
  const owner = ownerOf((e.object as N).name as string);
  const field = (e.property as N).name as string;
  if ((owner !== 'cpu' && owner !== 'V') || (owner === 'cpu' && field === 'exitSite')) return undefined;
  return [owner, field];
}

/**
 * No call, no field, nothing but locals, literals, operators and the
 * register and memory views (`R`, `tlb`, `m8`...): what may stand between a
 * field's store and the host call that moves it. Wider than `pure` (below),
 * which must also not fault when evaluated eagerly.
 */
function fieldFree(e: N): boolean {
  switch (e.type) {
    case 'Literal': case 'Identifier': return true;
    case 'UnaryExpression': return fieldFree(e.argument);
    case 'BinaryExpression': case 'LogicalExpression': return fieldFree(e.left) && fieldFree(e.right);
    case 'ConditionalExpression': return fieldFree(e.test) && fieldFree(e.consequent) && fieldFree(e.alternate);
    case 'MemberExpression': return e.computed && (e.object as N).type === 'Identifier' && (e.object as N).name in VIEW_BYTES && fieldFree(e.property);
    default: return false;
  }
}

/** `cpu.f = pure` / `V.f = pure` */
function isFieldStore(s: N): boolean {
  const x = s.type === 'ExpressionStatement' ? s.expression as N : undefined;
  return x?.type === 'AssignmentExpression' && x.operator === '=' && fieldOf(x.left) !== undefined && fieldFree(x.right);
}

/** `local = cpu.f` / `local = V.f` */
function isFieldLoad(s: N): boolean {
  const x = s.type === 'ExpressionStatement' ? s.expression as N : undefined;
  return x?.type === 'AssignmentExpression' && x.operator === '=' && (x.left as N).type === 'Identifier' && fieldOf(x.right) !== undefined;
}

/** A store of something pure to a local, a register or memory view, or the state block's exit site: it touches no field. */
function isNeutral(s: N): boolean {
  const x = s.type === 'ExpressionStatement' ? s.expression as N : undefined;
  if (x?.type !== 'AssignmentExpression' || !fieldFree(x.right)) return false;
  const left = x.left as N;
  return left.type === 'Identifier' || (fieldFree(left) && left.type === 'MemberExpression') || memberPath(left) === `${LOCALS.cpu}.exitSite`;
}

/** The host call a statement makes (`h.f(...)`, `x = hp.f(...)`), when its arguments read no field. */
function hostCallOf(s: N): N | undefined {
  if (s.type !== 'ExpressionStatement') return undefined;
  let x = s.expression as N;
  if (x.type === 'AssignmentExpression' && x.operator === '=' && (x.left as N).type === 'Identifier') x = x.right as N;
  if (x.type !== 'CallExpression') return undefined;
  const callee = x.callee as N;
  const object = callee.type === 'MemberExpression' && !callee.computed && (callee.object as N).type === 'Identifier' ? (callee.object as N).name : undefined;
  if (object !== FACTORY.host && object !== FACTORY.helpers && object !== FACTORY.vmiEffects) return undefined;
  // the arguments: the vCPU, its VMI state, an instruction of the region's, or something pure
  const passable = (a: N) => (a.type === 'Identifier' && (a.name === LOCALS.cpu || a.name === FACTORY.vmi)) ||
    (a.type === 'MemberExpression' && a.computed && (a.object as N).name === FACTORY.instrs && (a.property as N).type === 'Literal') || fieldFree(a);
  return (x.arguments as N[]).every(passable) ? x : undefined;
}

class Lowering {
  code = new Code();
  readonly locals = new Map<string, number>();
  readonly localTypes: Ty[] = [];
  readonly frames: Frame[] = [];
  /** imports this lowering added to the table (committed only when the pass is kept) */
  private readonly staged = new Map<string, number>();
  private readonly stagedList: [string, ImportSpec, FunctionImport][] = [];
  /** name to the array view it is bound to (R, tlb, m8, m16, m32) */
  readonly views = new Map<string, string>();
  changed = false;
  /**
   * The block of the dispatch switch being lowered: a temporary lives in one
   * block (emission starts each block afresh), and the same `tN` in another
   * block is another wasm local, with a type of its own
   */
  private block: number | null = null;
  /** fields moved around host calls: the stores and loads that use a slot, the calls that move them, each field's slot */
  private readonly slotStores = new Map<N, number>();
  private readonly slotLoads = new Map<N, number>();
  private readonly callSyncs = new Map<N, CallSync>();
  private readonly syncSlots = new Map<string, number>();

  constructor(readonly layout: WasmLayout, readonly types: Map<string, VT>, readonly table: ImportTable, readonly region: number) {}

  // ---- locals and imports ------------------------------------------------------------

  /** the local's name as typed and allocated: a temporary's is per block */
  private key(name: string): string {
    return this.block !== null && TEMP.test(name) ? `${name}@${this.block}` : name;
  }

  local(name: string): number {
    const key = this.key(name);
    let k = this.locals.get(key);
    if (k === undefined && key !== name && this.locals.has(name)) {
      this.declare(name);
      k = this.locals.get(key);
    }
    if (k === undefined) throw new Unsupported(`undeclared ${name}`);
    return k;
  }

  declare(name: string): void {
    const key = this.key(name);
    if (this.locals.has(key)) return;
    this.locals.set(key, PARAMS.length + this.localTypes.length);
    this.localTypes.push(this.typeOf(name) === 'd' ? Ty.F64 : Ty.I32);
  }

  scratch(ty: Ty): number {
    this.localTypes.push(ty);
    return PARAMS.length + this.localTypes.length - 1;
  }

  typeOf(name: string): VT {
    if (name === LOCALS.i0 || name === LOCALS.budget) return 'd';
    const key = this.key(name);
    if (this.types.has(key)) return this.types.get(key)!;
    return isSmall(name) ? 's' : 'i';
  }

  importOf(key: string, spec: ImportSpec, params: Ty[], results: Ty[]): number {
    const k = this.table.keys.get(key) ?? this.staged.get(key);
    if (k !== undefined) return k;
    const index = this.table.specs.length + this.stagedList.length;
    this.staged.set(key, index);
    this.stagedList.push([key, spec, { module: 'h', name: String(index), params, results }]);
    return index;
  }

  /** Add the imports this lowering asked for to the table. */
  commit(): void {
    for (const [key, spec, type] of this.stagedList) {
      this.table.keys.set(key, this.table.specs.length);
      this.table.specs.push(spec);
      this.table.types.push(type);
    }
  }

  // ---- conversions -------------------------------------------------------------------

  conv(c: Code, from: VT, to: 'i32' | 'f64'): void {
    if (to === 'i32') {
      if (from === 'd') c.op(Op.i64_trunc_f64_s).op(Op.i32_wrap_i64);
    } else if (from === 's' || from === 'i') c.op(Op.f64_convert_i32_s);
    else if (from === 'u') c.op(Op.f64_convert_i32_u);
  }

  /** Lower into a buffer of its own (to look at the type before deciding). */
  sub<T>(f: () => T): { code: Code; v: T } {
    const saved = this.code;
    this.code = new Code();
    try {
      const v = f();
      return { code: this.code, v };
    } finally {
      this.code = saved;
    }
  }

  // ---- expressions -------------------------------------------------------------------

  literal(v: unknown): VT {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Unsupported('literal');
    if (Number.isInteger(v) && v >= -(2 ** 30) && v <= 2 ** 30) { this.code.i32(v); return 's'; }
    if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) { this.code.i32(v); return 'i'; }
    if (Number.isInteger(v) && v >= 0 && v < 2 ** 32) { this.code.i32(v | 0); return 'u'; }
    this.code.f64(v);
    return 'd';
  }

  /** the value of e, with its type */
  ex(e: N): VT {
    const c = this.code;
    switch (e.type) {
      case 'Literal': return this.literal(e.value);
      case 'Identifier': {
        if (this.views.has(e.name)) throw new Unsupported(`view ${e.name} as a value`);
        c.opU(Op.local_get, this.local(e.name));
        return this.typeOf(e.name);
      }
      case 'UnaryExpression': {
        const a = e.argument as N;
        if (e.operator === '-' && a.type === 'Literal') return this.literal(-(a.value as number));
        if (e.operator === '!') { this.test(a); c.op(Op.i32_eqz); return 's'; }
        if (e.operator === '~') { this.wrapped(a); c.i32(-1).op(Op.i32_xor); return 'i'; }
        if (e.operator === '-') {
          const t = this.ex(a);
          if (t === 's') { c.i32(-1).op(Op.i32_mul); return 's'; }
          this.conv(c, t, 'f64');
          c.op(Op.f64_neg);
          return 'd';
        }
        throw new Unsupported(`unary ${e.operator}`);
      }
      case 'BinaryExpression': return this.binary(e);
      case 'LogicalExpression': return this.logical(e);
      case 'ConditionalExpression': {
        const a = this.sub(() => this.ex(e.consequent));
        const b = this.sub(() => this.ex(e.alternate));
        const t = join(a.v, b.v);
        this.test(e.test);
        const ty = t === 'd' ? Ty.F64 : Ty.I32;
        hintFor(c, e.consequent, e.alternate);
        c.open(Op.if, ty).append(a.code);
        this.conv(c, a.v, ty === Ty.F64 ? 'f64' : 'i32');
        c.op(Op.else).append(b.code);
        this.conv(c, b.v, ty === Ty.F64 ? 'f64' : 'i32');
        c.op(Op.end);
        return t === 'd' ? 'd' : t;
      }
      case 'MemberExpression': return this.member(e);
      case 'CallExpression': return this.call(e);
      default: throw new Unsupported(e.type);
    }
  }

  /** the value of e as ToInt32 gives it (sums wrap: the consumer truncates) */
  wrapped(e: N): void {
    const c = this.code;
    if (e.type === 'BinaryExpression' && (e.operator === '+' || e.operator === '-')) {
      this.wrapped(e.left);
      this.wrapped(e.right);
      c.op(e.operator === '+' ? Op.i32_add : Op.i32_sub);
      return;
    }
    if (e.type === 'Literal' && typeof e.value === 'number' && Number.isInteger(e.value) && Math.abs(e.value) < 2 ** 53) {
      c.i32(Number(BigInt.asIntN(32, BigInt(e.value))));
      return;
    }
    this.conv(c, this.ex(e), 'i32');
  }

  /** e's truth as an i32 (nonzero: true) */
  test(e: N): void {
    const c = this.code;
    // both sides plain arithmetic of locals: both evaluated and combined, no branch (`t & 1 && !(a & 3)`, every memory access's test)
    if (e.type === 'LogicalExpression' && pure(e.right)) {
      this.truth(e.left);
      this.truth(e.right);
      c.op(e.operator === '&&' ? Op.i32_and : Op.i32_or);
      return;
    }
    if (e.type === 'LogicalExpression') {
      this.test(e.left);
      c.open(Op.if, Ty.I32);
      if (e.operator === '&&') { this.test(e.right); c.op(Op.else).i32(0); } else { c.i32(1).op(Op.else); this.test(e.right); }
      c.op(Op.end);
      return;
    }
    if (e.type === 'UnaryExpression' && e.operator === '!') { this.test(e.argument); c.op(Op.i32_eqz); return; }
    const t = this.ex(e);
    if (t === 'd') c.f64(0).op(Op.f64_ne);
  }

  /** e's truth as exactly 0 or 1 */
  private truth(e: N): void {
    const c = this.code;
    if (e.type === 'UnaryExpression' && e.operator === '!') { this.test(e.argument); c.op(Op.i32_eqz); return; }
    if (e.type === 'BinaryExpression' && ['===', '!==', '==', '!=', '<', '<=', '>', '>='].includes(e.operator)) { this.ex(e); return; }
    if (e.type === 'LogicalExpression' && pure(e.right)) { this.test(e); return; }
    this.test(e);
    c.i32(0).op(Op.i32_ne);
  }

  private binary(e: N): VT {
    const c = this.code;
    const op = e.operator as string;
    const l = e.left as N, r = e.right as N;
    switch (op) {
      case '|': case '&': case '^': case '<<': case '>>': case '>>>': {
        this.wrapped(l);
        if (op === '|' && r.type === 'Literal' && r.value === 0) return 'i';
        if (op === '>>>' && r.type === 'Literal' && r.value === 0) return 'u';
        this.wrapped(r);
        c.op({ '|': Op.i32_or, '&': Op.i32_and, '^': Op.i32_xor, '<<': Op.i32_shl, '>>': Op.i32_shr_s, '>>>': Op.i32_shr_u }[op]);
        // shifted right by 1 to 31 places, an unsigned value is below 2^31: an int32 (a shift count is taken mod 32)
        if (op === '>>>' && !(r.type === 'Literal' && typeof r.value === 'number' && (r.value & 31) !== 0)) return 'u';
        return 'i';
      }
      case '+': case '-': {
        const a = this.sub(() => this.ex(l));
        const b = this.sub(() => this.ex(r));
        if (a.v === 's' && b.v === 's') {
          c.append(a.code).append(b.code).op(op === '+' ? Op.i32_add : Op.i32_sub);
          return 's';
        }
        c.append(a.code); this.conv(c, a.v, 'f64');
        c.append(b.code); this.conv(c, b.v, 'f64');
        c.op(op === '+' ? Op.f64_add : Op.f64_sub);
        return 'd';
      }
      case '===': case '==': case '!==': case '!=': case '<': case '<=': case '>': case '>=': {
        const a = this.sub(() => this.ex(l));
        const b = this.sub(() => this.ex(r));
        const nonNegative = (x: { code: Code; v: VT }, n: N) => x.v === 's' && n.type === 'Literal' && (n.value as number) >= 0;
        const signed = (a.v === 's' || a.v === 'i') && (b.v === 's' || b.v === 'i');
        const unsigned = (a.v === 'u' && (b.v === 'u' || nonNegative(b, r))) || (b.v === 'u' && nonNegative(a, l));
        const kind = op.replace('==', '=').replace('!=', '!');
        c.append(a.code);
        if (!signed && !unsigned) this.conv(c, a.v, 'f64');
        c.append(b.code);
        if (!signed && !unsigned) this.conv(c, b.v, 'f64');
        const table: Record<string, [Op, Op, Op]> = {
          '==': [Op.i32_eq, Op.i32_eq, Op.f64_eq], '!=': [Op.i32_ne, Op.i32_ne, Op.f64_ne],
          '=': [Op.i32_eq, Op.i32_eq, Op.f64_eq], '!': [Op.i32_ne, Op.i32_ne, Op.f64_ne],
          '<': [Op.i32_lt_s, Op.i32_lt_u, Op.f64_lt], '<=': [Op.i32_le_s, Op.i32_le_u, Op.f64_le],
          '>': [Op.i32_gt_s, Op.i32_gt_u, Op.f64_gt], '>=': [Op.i32_ge_s, Op.i32_ge_u, Op.f64_ge],
        };
        c.op(table[kind][signed ? 0 : unsigned ? 1 : 2]);
        return 's';
      }
      default: throw new Unsupported(`operator ${op}`);
    }
  }

  private logical(e: N): VT {
    const c = this.code;
    const a = this.sub(() => this.ex(e.left));
    const b = this.sub(() => this.ex(e.right));
    const t = join(a.v, b.v);
    const ty = t === 'd' ? Ty.F64 : Ty.I32;
    const to = ty === Ty.F64 ? 'f64' : 'i32';
    const k = this.scratch(a.v === 'd' ? Ty.F64 : Ty.I32);
    c.append(a.code).opU(Op.local_tee, k);
    if (a.v === 'd') c.f64(0).op(Op.f64_ne);
    c.open(Op.if, ty);
    // a && b: b when a is true, else a; a || b: a when a is true, else b
    const first = () => { c.opU(Op.local_get, k); this.conv(c, a.v, to); };
    const second = () => { c.append(b.code); this.conv(c, b.v, to); };
    if (e.operator === '&&') { second(); c.op(Op.else); first(); } else { first(); c.op(Op.else); second(); }
    c.op(Op.end);
    return t;
  }

  /** a typed-array element's address (left on the stack) and the memarg offset to use with it */
  private address(view: string, index: N): number {
    const c = this.code;
    const bytes = VIEW_BYTES[view];
    const shift = { 4: 2, 2: 1, 1: 0 }[bytes]!;
    // m32[(x) >>> 2] is x & -4: the shift and its undoing cancel
    if (index.type === 'BinaryExpression' && index.operator === '>>>' && (index.right as N).type === 'Literal' && (index.right as N).value === shift && view !== LOCALS.regs && view !== LOCALS.tlb) {
      this.wrapped(index.left);
      if (shift) c.i32(-bytes).op(Op.i32_and);
    } else if (index.type === 'Literal' && typeof index.value === 'number' && Number.isInteger(index.value) && index.value >= 0) {
      c.i32(0);
      return this.base(view) + index.value * bytes;
    } else {
      this.wrapped(index);
      if (shift) c.i32(shift).op(Op.i32_shl);
    }
    return this.base(view);
  }

  private base(view: string): number {
    return view === LOCALS.regs ? this.layout.state : view === LOCALS.tlb ? this.layout.tlb : 0;
  }

  private member(e: N): VT {
    const c = this.code;
    const obj = e.object as N;
    if (e.computed && obj.type === 'Identifier') {
      const view = this.views.get(obj.name);
      if (view !== undefined) {
        const offset = this.address(view, e.property);
        const bytes = VIEW_BYTES[view];
        c.mem(bytes === 4 ? Op.i32_load : bytes === 2 ? Op.i32_load16_u : Op.i32_load8_u, bytes === 4 ? 2 : bytes === 2 ? 1 : 0, offset);
        return bytes === 4 ? 'i' : 's';
      }
      if (obj.name === FACTORY.left) {
        this.wrapped(e.property);
        c.opU(Op.call, this.importOf(`left@${this.region}`, { kind: 'left', region: this.region }, [Ty.I32], [Ty.I32]));
        return 's';
      }
      throw new Unsupported(`element of ${obj.name}`);
    }
    if (e.computed) {
      // an element of an object's array: MEM.pageKind[...], V.pageTables[...], cpu.segSel[...]
      const path = memberPath(obj)?.split('.');
      const owner = path?.length === 2 ? ownerOf(path[0]) : undefined;
      if (owner === undefined) throw new Unsupported('computed member of an expression');
      this.wrapped(e.property);
      c.opU(Op.call, this.importOf(`element.${path!.join('.')}@${owner === 'V' ? this.region : ''}`, { kind: 'element', object: owner, field: path![1], region: this.region }, [Ty.I32], [Ty.I32]));
      return 'i';
    }
    const path = `${obj.type === 'Identifier' ? obj.name : '?'}.${(e.property as N).name}`;
    if (path === `${FACTORY.memory}.${CODE_EPOCH}`) {
      c.opU(Op.call, this.importOf('epoch', { kind: 'epoch' }, [], [Ty.I32]));
      return 'i';
    }
    if (obj.type === 'Identifier' && (obj.name === LOCALS.cpu || obj.name === FACTORY.vmi)) {
      const field = (e.property as N).name as string;
      const slot = this.slotLoads.get(e);
      if (slot !== undefined) {
        // read into its slot by the host call just before (CallSync)
        const wide = obj.name === LOCALS.cpu && WIDE_FIELDS.has(field);
        c.i32(0).mem(wide ? Op.f64_load : Op.i32_load, wide ? 3 : 2, this.layout.state + slot);
        return wide ? 'd' : 'i';
      }
      // written to the state block, not the CPU, until the region leaves: a read would not see the write
      if (obj.name === LOCALS.cpu && field === 'exitSite') throw new Unsupported('read of cpu.exitSite');
      const wide = obj.name === LOCALS.cpu && WIDE_FIELDS.has(field);
      const owner = ownerOf(obj.name)!;
      c.opU(Op.call, this.importOf(`get.${path}@${owner === 'V' ? this.region : ''}`, { kind: 'get', object: owner, field, region: this.region }, [], [wide ? Ty.F64 : Ty.I32]));
      return wide ? 'd' : 'i';
    }
    throw new Unsupported(`member ${path}`);
  }

  private call(e: N): VT {
    const c = this.code;
    const callee = e.callee as N;
    const args = e.arguments as N[];
    if (callee.type !== 'MemberExpression' || callee.computed || (callee.object as N).type !== 'Identifier') throw new Unsupported('callee');
    const object = (callee.object as N).name as string;
    const name = (callee.property as N).name as string;
    if (object === GLOBALS.math && name === 'imul') {
      this.wrapped(args[0]);
      this.wrapped(args[1]);
      c.op(Op.i32_mul);
      return 'i';
    }
    const host = object === FACTORY.host ? 'h' : object === FACTORY.helpers ? 'hp' : object === FACTORY.vmiEffects ? 'VX' : undefined;
    if (host === undefined) throw new Unsupported(`call of ${object}.${name}`);
    const bound: Bound[] = [];
    const params: Ty[] = [];
    const parts: Code[] = [];
    args.forEach((a, k) => {
      if (a.type === 'Identifier' && a.name === LOCALS.cpu) { bound.push({ at: k, what: 'cpu', index: 0 }); return; }
      if (a.type === 'Identifier' && a.name === FACTORY.vmi) { bound.push({ at: k, what: 'vmi', index: 0 }); return; }
      if (a.type === 'MemberExpression' && a.computed && (a.object as N).name === FACTORY.instrs && (a.property as N).type === 'Literal') {
        bound.push({ at: k, what: 'instr', index: (a.property as N).value as number });
        return;
      }
      const s = this.sub(() => this.ex(a));
      const wide = s.v === 'd' || s.v === 'u';
      this.conv(s.code, s.v, wide ? 'f64' : 'i32');
      params.push(wide ? Ty.F64 : Ty.I32);
      parts.push(s.code);
    });
    for (const p of parts) c.append(p);
    // an instruction bound in is the region's own
    const own = bound.some((b) => b.what !== 'cpu');
    const sync = this.callSyncs.get(e);
    // a call that moves fields moves them for its region's VMI state, if any is named
    const mine = own || (sync !== undefined && [...sync.before, ...sync.after].some((f) => f.object === 'V'));
    const moves = sync ? `|${sync.before.map((f) => `${f.object}.${f.field}@${f.slot}`).join(',')}>${sync.after.map((f) => `${f.object}.${f.field}@${f.slot}`).join(',')}` : '';
    const key = `${host}.${name}|${bound.map((b) => `${b.at}${b.what}${b.index}`).join(',')}|${params.join(',')}${moves}${mine ? `@${this.region}` : ''}`;
    c.opU(Op.call, this.importOf(key, { kind: 'call', object: host, name, bound, arity: args.length, region: this.region, sync }, params, [Ty.I32]));
    return 'i';
  }

  // ---- statements --------------------------------------------------------------------

  statements(list: N[]): void {
    for (let k = 0; k < list.length; k++) {
      if (isFieldStore(list[k]) || hostCallOf(list[k])) this.syncAround(list, k);
      this.statement(list[k]);
    }
  }

  /**
   * Where the field stores starting at list[k] (with statements between them
   * that touch no field and call nothing) lead to a host call, and where
   * field loads follow it the same way, the stores go to state-block slots
   * and the call's import sets the fields from them before calling, and
   * reads the loaded fields into slots after: one import call where there
   * were one per field (helper rows spill and reload the lazy-flag record
   * around their call: 13 fields). Nothing between them reads or writes a
   * field, so the CPU sees every value it would have seen.
   */
  private syncAround(list: N[], k: number): void {
    let at = k;
    while (at < list.length && (isFieldStore(list[at]) || isNeutral(list[at]))) at++;
    const call = at < list.length ? hostCallOf(list[at]) : undefined;
    if (!call || this.callSyncs.has(call)) return;
    const sync: CallSync = { before: [], after: [] };
    for (let j = k; j < at; j++) {
      if (!isFieldStore(list[j])) continue;
      const x = list[j].expression as N;
      const [object, field] = fieldOf(x.left as N)!;
      const slot = this.syncSlot(object, field);
      if (slot === undefined) return;
      if (!sync.before.some((b) => b.slot === slot)) sync.before.push({ object, field, slot });
    }
    const loads: [N, number][] = [];
    for (let j = at + 1; j < list.length && (isFieldLoad(list[j]) || isNeutral(list[j])); j++) {
      if (!isFieldLoad(list[j])) continue;
      const read = (list[j].expression as N).right as N;
      const [object, field] = fieldOf(read)!;
      const slot = this.syncSlot(object, field);
      if (slot === undefined) break;
      if (!sync.after.some((a) => a.slot === slot)) sync.after.push({ object, field, slot, wide: object === 'cpu' && WIDE_FIELDS.has(field) });
      loads.push([read, slot]);
    }
    if (sync.before.length + sync.after.length === 0) return;
    for (let j = k; j < at; j++) if (isFieldStore(list[j])) this.slotStores.set(list[j].expression as N, this.syncSlots.get(fieldOf((list[j].expression as N).left as N)!.join('.'))!);
    for (const [read, slot] of loads) this.slotLoads.set(read, slot);
    this.callSyncs.set(call, sync);
  }

  private syncSlot(object: Owner, field: string): number | undefined {
    const key = `${object}.${field}`;
    let slot = this.syncSlots.get(key);
    if (slot === undefined) {
      slot = SYNC_BASE + 8 * this.syncSlots.size;
      if (slot + 8 > STATE_LIMIT) return undefined;
      this.syncSlots.set(key, slot);
    }
    return slot;
  }

  statement(s: N): void {
    const c = this.code;
    switch (s.type) {
      case 'BlockStatement': this.statements(s.body); return;
      case 'VariableDeclaration':
        for (const d of s.declarations as N[]) {
          const name = (d.id as N).name as string;
          this.declare(name);
          if (d.init) this.assignLocal(name, d.init);
        }
        return;
      case 'ExpressionStatement': {
        const x = s.expression as N;
        if (x.type === 'AssignmentExpression') { this.assign(x); return; }
        this.ex(x);
        c.op(Op.drop);
        return;
      }
      case 'IfStatement':
        this.test(s.test);
        hintFor(c, s.consequent, s.alternate);
        c.open(Op.if);
        this.frames.push({ label: null, breakable: false, loop: false });
        this.statement(s.consequent);
        if (s.alternate) { c.op(Op.else); this.statement(s.alternate); }
        this.frames.pop();
        c.op(Op.end);
        return;
      case 'LabeledStatement': {
        const label = (s.label as N).name as string;
        const body = s.body as N;
        if (body.type === 'ForStatement') { this.loop(body, label); return; }
        if (body.type !== 'BlockStatement') throw new Unsupported('label on a statement that is no loop or block');
        // a block that `break label` leaves (a region laid out without a dispatch loop, emit/forward.ts)
        c.open(Op.block);
        this.frames.push({ label, breakable: true, loop: false });
        this.statement(body);
        this.frames.pop();
        c.op(Op.end);
        return;
      }
      case 'ForStatement': this.loop(s, null); return;
      case 'SwitchStatement': this.switch(s); return;
      case 'BreakStatement': {
        const label = s.label ? ((s.label as N).name as string) : null;
        c.opU(Op.br, this.depth((f) => f.breakable && (label === null || f.label === label) && !f.loop));
        return;
      }
      case 'ContinueStatement': {
        const label = s.label ? ((s.label as N).name as string) : null;
        c.opU(Op.br, this.depth((f) => f.loop && (label === null || f.label === label)));
        return;
      }
      case 'ThrowStatement': {
        const x = s.argument as N;
        const callee = x.callee as N | undefined;
        if (x.type !== 'NewExpression' || callee?.type !== 'MemberExpression' || (callee.property as N).name !== 'Fault') throw new Unsupported('throw');
        const args = x.arguments as N[];
        for (let k = 0; k < 2; k++) { if (args[k]) this.wrapped(args[k]); else c.i32(0); }
        c.opU(Op.call, this.importOf('fault', { kind: 'fault' }, [Ty.I32, Ty.I32], []));
        c.op(Op.unreachable);
        return;
      }
      case 'EmptyStatement': return;
      default: throw new Unsupported(s.type);
    }
  }

  /** br depth of the innermost frame that `pick` accepts */
  private depth(pick: (f: Frame) => boolean): number {
    for (let k = this.frames.length - 1; k >= 0; k--) if (pick(this.frames[k])) return this.frames.length - 1 - k;
    throw new Unsupported('jump target');
  }

  private loop(s: N, label: string | null): void {
    if (s.init || s.test || s.update) throw new Unsupported('for with clauses');
    const c = this.code;
    c.open(Op.block);
    this.frames.push({ label, breakable: true, loop: false });
    c.open(Op.loop);
    this.frames.push({ label, breakable: false, loop: true });
    this.statement(s.body);
    c.opU(Op.br, 0);
    this.frames.pop();
    c.op(Op.end);
    this.frames.pop();
    c.op(Op.end);
  }

  private switch(s: N): void {
    const c = this.code;
    const cases = s.cases as N[];
    const d = this.scratch(Ty.I32);
    const t = this.ex(s.discriminant);
    if (t === 'd' || t === 'u') throw new Unsupported('switch on a double');
    c.opU(Op.local_set, d);
    c.open(Op.block);
    this.frames.push({ label: null, breakable: true, loop: false });
    for (let k = cases.length - 1; k >= 0; k--) {
      c.open(Op.block);
      this.frames.push({ label: null, breakable: false, loop: false });
    }
    const n = cases.length;
    const values: (number | null)[] = cases.map((x) => {
      if (!x.test) return null;
      const v = x.test.type === 'UnaryExpression' && x.test.operator === '-' ? -x.test.argument.value : x.test.value;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new Unsupported('case value');
      return v;
    });
    const fallback = values.indexOf(null) >= 0 ? values.indexOf(null) : n;
    const numbers = values.filter((v): v is number => v !== null);
    const min = Math.min(...numbers), max = Math.max(...numbers);
    if (numbers.length > 2 && max - min < 4 * numbers.length + 16) {
      const targets = new Array(max - min + 1).fill(fallback);
      values.forEach((v, k) => { if (v !== null && targets[v - min] === fallback) targets[v - min] = k; });
      c.opU(Op.local_get, d);
      if (min !== 0) c.i32(min).op(Op.i32_sub);
      c.table(targets, fallback);
    } else {
      values.forEach((v, k) => { if (v !== null) c.opU(Op.local_get, d).i32(v).op(Op.i32_eq).opU(Op.br_if, k); });
      c.opU(Op.br, fallback);
    }
    const dispatch = this.block === null && (s.discriminant as N).type === 'Identifier' && (s.discriminant as N).name === LOCALS.block;
    for (let k = 0; k < n; k++) {
      this.frames.pop();
      c.op(Op.end);
      if (dispatch) this.block = k;
      this.statements(cases[k].consequent);
    }
    if (dispatch) this.block = null;
    this.frames.pop();
    c.op(Op.end);
  }

  private assign(x: N): void {
    const c = this.code;
    const target = x.left as N;
    const value: N = x.operator === '=' ? x.right : { type: 'BinaryExpression', operator: x.operator.slice(0, -1), left: target, right: x.right, start: x.start, end: x.end };
    if (target.type === 'Identifier') { this.assignLocal(target.name, value); return; }
    if (target.type !== 'MemberExpression') throw new Unsupported('assignment target');
    const obj = target.object as N;
    if (target.computed) {
      const view = obj.type === 'Identifier' ? this.views.get(obj.name) : undefined;
      if (view === undefined) throw new Unsupported('store to an array that is no view');
      const offset = this.address(view, target.property);
      this.wrapped(value);
      const bytes = VIEW_BYTES[view];
      c.mem(bytes === 4 ? Op.i32_store : bytes === 2 ? Op.i32_store16 : Op.i32_store8, bytes === 4 ? 2 : bytes === 2 ? 1 : 0, offset);
      return;
    }
    const owner = obj.type === 'Identifier' ? ownerOf(obj.name) : undefined;
    if (owner !== 'cpu' && owner !== 'V') throw new Unsupported('store to a member');
    const field = (target.property as N).name as string;
    if (owner === 'cpu' && field === 'exitSite') {
      c.i32(0);
      this.wrapped(value);
      c.mem(Op.i32_store, 2, this.layout.state + EXIT_SITE_SLOT);
      return;
    }
    const slot = this.slotStores.get(x);
    if (slot !== undefined) {
      // set on its object by the host call just after (CallSync), from a double as the setter would be given
      c.i32(0);
      this.conv(c, this.ex(value), 'f64');
      c.mem(Op.f64_store, 3, this.layout.state + slot);
      return;
    }
    const s = this.sub(() => this.ex(value));
    const wide = s.v === 'd' || s.v === 'u';
    c.append(s.code);
    this.conv(c, s.v, wide ? 'f64' : 'i32');
    c.opU(Op.call, this.importOf(`set.${owner}.${field}.${wide}@${owner === 'V' ? this.region : ''}`, { kind: 'set', object: owner, field, region: this.region }, [wide ? Ty.F64 : Ty.I32], []));
  }

  private assignLocal(name: string, value: N): void {
    const c = this.code;
    const s = this.sub(() => this.ex(value));
    // only the ABI's small locals hold `s` values as such (their sums stay exact); another local holds an int32
    const small = isSmall(name);
    const v: VT = s.v === 's' && !small ? 'i' : s.v;
    const before = this.typeOf(name);
    const key = this.key(name);
    const joined = join(this.types.get(key) ?? (small ? 's' : undefined), v);
    this.types.set(key, joined);
    if (joined !== before) {
      if (PARAM_NAMES.includes(name)) throw new Unsupported(`${name} takes a ${v}`);
      this.changed = true;
    }
    c.append(s.code);
    this.conv(c, s.v, this.typeOf(name) === 'd' ? 'f64' : 'i32');
    c.opU(Op.local_set, this.local(name));
  }
}

/** the emitter's temporaries */
const TEMP = TEMP_PATTERN;

/** The prologue's bindings: `const R=cpu.regs` and the like become views, `let fl=cpu.eflags` a parameter. */
function prologueBinding(d: N): { view?: string; param?: number } | undefined {
  const init = d.init as N | null;
  if (!init || init.type !== 'MemberExpression' || init.computed) return undefined;
  const path = memberPath(init);
  if (path === `${LOCALS.cpu}.regs`) return { view: LOCALS.regs };
  if (path === `${LOCALS.cpu}.mmu.tlb`) return { view: LOCALS.tlb };
  for (const [view, field] of Object.entries(MEMORY_VIEWS)) if (path === `${FACTORY.memory}.${field}`) return { view };
  if (path === `${FACTORY.memory}.${CODE_EPOCH}`) return { param: 3 };
  const cpuField = path?.startsWith(`${LOCALS.cpu}.`) ? path.slice(LOCALS.cpu.length + 1) : undefined;
  if (cpuField !== undefined && PROLOGUE_FIELDS[cpuField] !== undefined) return { param: PROLOGUE_FIELDS[cpuField] };
  return undefined;
}

/**
 * A branch whose one arm calls the host, throws or leaves the region (a slow
 * path, a fault, an exit) and whose other does not is hinted away from that
 * arm: V8 then keeps the arm out of line, and the loop's values in registers.
 */
function hintFor(c: Code, then: N, otherwise: N | null): void {
  const a = rare(then), b = otherwise ? rare(otherwise) : false;
  if (a !== b) c.hint(a ? 0 : 1);
}

/** the parser's answer (generated-parse.ts `rare`): a call out, a throw or a region exit */
function rare(n: N | null): boolean {
  return n !== null && n.rare === true;
}

/** Is e arithmetic of locals and literals alone (nothing it does can fault, call out or change anything)? */
function pure(e: N): boolean {
  switch (e.type) {
    case 'Identifier': case 'Literal': return true;
    case 'UnaryExpression': return pure(e.argument);
    case 'BinaryExpression': case 'LogicalExpression': return pure(e.left) && pure(e.right);
    default: return false;
  }
}

function memberPath(n: N): string | undefined {
  if (n.type === 'Identifier') return n.name;
  if (n.type === 'MemberExpression' && !n.computed) {
    const o = memberPath(n.object);
    return o && `${o}.${(n.property as N).name}`;
  }
  return undefined;
}

function identifiers(n: unknown, out: Set<string>, parent?: N, key?: string): void {
  if (!n || typeof n !== 'object') return;
  if (Array.isArray(n)) { for (const x of n) identifiers(x, out); return; }
  const node = n as N;
  if (node.type === 'Identifier' && !(parent?.type === 'MemberExpression' && key === 'property' && !parent.computed) && key !== 'label') out.add(node.name);
  for (const [k, v] of Object.entries(node)) if (k !== 'start' && k !== 'end' && v && typeof v === 'object') identifiers(v, out, node, k);
}

/** What the wrapper's `finally` may name besides the exchanged locals: the factory's and the wrapper's own. */
const WRAPPER_NAMES = new Set<string>([LOCALS.cpu, LOCALS.regs, LOCALS.i0, LOCALS.linkedEip, ...Object.values(FACTORY)]);

/**
 * Lower a region's source (assemble.ts's `return(function translated(cpu,pc){...});`).
 * Throws Unsupported for anything outside what this file handles.
 */
export function lowerRegion(source: string, layout: WasmLayout, table: ImportTable, region: number): LoweredRegion {
  let program: N;
  try {
    program = parseGenerated(source) as N;
  } catch (e) {
    if (e instanceof GeneratedSyntaxError) throw new Unsupported(`syntax: ${e.message}`);
    throw e;
  }
  const fn = program.body[0]?.argument as N | undefined;
  if (!fn || fn.type !== 'FunctionExpression' || fn.params.length !== 2) throw new Unsupported('not a region function');
  const body = fn.body.body as N[];
  const tryAt = body.findIndex((s) => s.type === 'TryStatement');
  const tryNode = body[tryAt];
  if (tryAt < 0 || !tryNode.finalizer || tryNode.handler || tryAt !== body.length - 2 || body[body.length - 1].type !== 'ReturnStatement') {
    throw new Unsupported('region frame');
  }
  const prologue = body.slice(0, tryAt);
  // The finally block's leading stores of locals to registers and to the lazy-flag fields are done by the wasm
  // function itself (registers: R is in the memory; fields: each to a slot the wrapper copies to the CPU); the
  // rest of it (where the region left, the instruction count: tables of the region) stays JavaScript, and the
  // locals that rest reads are stored for it
  const finalizer = tryNode.finalizer.body as N[];
  const flagStores: [string, string][] = [];
  const regStores: [number, string][] = [];
  let residualAt = 0;
  for (; residualAt < finalizer.length; residualAt++) {
    const x = finalizer[residualAt].expression as N | undefined;
    if (finalizer[residualAt].type !== 'ExpressionStatement' || x?.type !== 'AssignmentExpression' || x.operator !== '=' || (x.right as N).type !== 'Identifier') break;
    const left = x.left as N;
    const path = memberPath(left);
    const field = path?.startsWith(`${LOCALS.cpu}.`) ? path.slice(LOCALS.cpu.length + 1) : undefined;
    if (field !== undefined && FLAG_FIELDS.includes(field)) flagStores.push([field, (x.right as N).name]);
    else if (left.type === 'MemberExpression' && left.computed && (left.object as N).name === LOCALS.regs && (left.property as N).type === 'Literal') {
      regStores.push([(left.property as N).value as number, (x.right as N).name]);
    } else break;
  }
  const residual = finalizer.slice(residualAt);
  const read = new Set<string>();
  identifiers(residual, read);
  identifiers(body[body.length - 1], read);
  const declaredAtTop = new Set<string>();
  for (const s of prologue) for (const d of s.declarations as N[]) declaredAtTop.add((d.id as N).name);
  const exchanged = [...read].filter((n) => !WRAPPER_NAMES.has(n));
  for (const n of exchanged) if (!declaredAtTop.has(n)) throw new Unsupported(`finally reads ${n}`);
  for (const [, n] of [...flagStores, ...regStores]) if (!declaredAtTop.has(n)) throw new Unsupported(`finally stores ${n}`);
  if (EXCHANGE_BASE + 8 * (exchanged.length + flagStores.length) > STATE_LIMIT) throw new Unsupported('too many locals for the state block');

  const types = new Map<string, VT>();
  for (let pass = 0; ; pass++) {
    if (pass === 6) throw new Unsupported('local types do not settle');
    const w = new Lowering(layout, types, table, region);
    PARAM_NAMES.forEach((n, k) => w.locals.set(n, k));
    const c = w.code;
    for (const s of prologue) {
      for (const d of s.declarations as N[]) {
        const name = (d.id as N).name as string;
        const b = prologueBinding(d);
        if (b?.view) { w.views.set(name, b.view); continue; }
        if (b?.param !== undefined) {
          if (PARAM_NAMES[b.param] !== name) throw new Unsupported(`prologue binds ${name}`);
          continue;
        }
        w.declare(name);
        if (d.init) w.statement({ type: 'ExpressionStatement', expression: { type: 'AssignmentExpression', operator: '=', left: d.id, right: d.init } } as unknown as N);
      }
    }
    // every local the JavaScript side reads back, in its slot: a double as one, an int32 (read unsigned where the local is) as one
    const slotted: [string, number][] = [...exchanged.map((n, k) => [n, k] as [string, number]), ...flagStores.map(([, n], k) => [n, exchanged.length + k] as [string, number])];
    const store = () => {
      for (const [r, name] of regStores) c.i32(0).opU(Op.local_get, w.local(name)).mem(Op.i32_store, 2, layout.state + 4 * r);
      for (const [name, k] of slotted) {
        const at = layout.state + EXCHANGE_BASE + 8 * k;
        c.i32(0).opU(Op.local_get, w.local(name));
        if (w.typeOf(name) === 'd') c.mem(Op.f64_store, 3, at);
        else c.mem(Op.i32_store, 2, at);
      }
    };
    c.open(Op.try);
    w.frames.push({ label: null, breakable: false, loop: false });
    w.statements(tryNode.block.body);
    w.frames.pop();
    c.op(Op.catch_all);
    store();
    c.opU(Op.rethrow, 0);
    c.op(Op.end);
    store();
    if (w.changed) continue;

    w.commit();
    const slot = (k: number, name: string) => {
      const t = w.typeOf(name);
      return t === 'd' ? `${FACTORY.state64}[${(EXCHANGE_BASE + 8 * k) / 8}]` : `${FACTORY.state32}[${(EXCHANGE_BASE + 8 * k) / 4}]${t === 'u' ? '>>>0' : ''}`;
    };
    const takeBack = exchanged.map((n, k) => `${n}=${slot(k, n)};`).join('');
    const fields = flagStores.map(([f, name], k) => `${LOCALS.cpu}.${f}=${slot(exchanged.length + k, name)};`).join('');
    const finallyText = residual.length ? source.slice(residual[0].start, tryNode.finalizer.end - 1) : '';
    const returnText = source.slice(body[body.length - 1].start, body[body.length - 1].end);
    const declared = exchanged.length ? `let ${exchanged.join(',')};` : '';
    // the wrapper, in the ABI's names (emit/abi.ts): the prologue's reads passed in, the finally's locals taken back
    const { cpu, regs, i0, fn: name, block } = LOCALS;
    const S = FACTORY.state32, MEM = FACTORY.memory;
    const flags = FLAG_FIELDS.map((f) => `${cpu}.${f}`).join(',');
    const site = `${S}[${EXIT_SITE_SLOT / 4}]`;
    const wrapper = `return(function ${name}(${cpu},${block}){const ${regs}=${cpu}.regs;const ${i0}=${cpu}.instructions;${declared}` +
      `${site}=${cpu}.exitSite;` +
      // (a budget held to 2^30 keeps the instruction counter's sums exact in i32: the region then leaves early, at a block's start, as at any budget's end)
      `try{${FACTORY.wasmRun}(${block},${i0},${cpu}.budget>1073741824?1073741824:${cpu}.budget,${MEM}.${CODE_EPOCH},${flags});}` +
      `finally{${cpu}.exitSite=${site};${fields}${takeBack}${finallyText}}${returnText}});`;
    return { locals: w.localTypes, body: c, wrapper };
  }
}
