/**
 * A WebAssembly module writer, as small as the translator needs: one
 * function, its imports (host functions and the machine's memory) and one
 * export, in the binary format (WebAssembly core spec, "Binary Format";
 * exception handling as V8 ships it in Node 20: `try`, `catch_all`,
 * `rethrow`).
 *
 * Code is written into a `Code` buffer opcode by opcode: the lowering
 * (wasm-lower.ts) decides the instructions, this file only knows how they
 * are spelled. Numbers go in as LEB128, so generated code can only ever
 * carry guest data as numbers, as in the JavaScript form.
 */

export const enum Ty { I32 = 0x7f, F64 = 0x7c, VOID = 0x40 }

/** Opcodes used by the lowering (a subset of the MVP, plus exception handling). */
export const enum Op {
  unreachable = 0x00, block = 0x02, loop = 0x03, if = 0x04, else = 0x05, try = 0x06, rethrow = 0x09,
  end = 0x0b, br = 0x0c, br_if = 0x0d, br_table = 0x0e, call = 0x10, drop = 0x1a, catch_all = 0x19,
  local_get = 0x20, local_set = 0x21, local_tee = 0x22,
  i32_load = 0x28, f64_load = 0x2b, i32_load8_u = 0x2d, i32_load16_u = 0x2f, i32_store = 0x36, f64_store = 0x39,
  i32_store8 = 0x3a, i32_store16 = 0x3b,
  i32_const = 0x41, f64_const = 0x44,
  i32_eqz = 0x45, i32_eq = 0x46, i32_ne = 0x47, i32_lt_s = 0x48, i32_lt_u = 0x49, i32_gt_s = 0x4a, i32_gt_u = 0x4b,
  i32_le_s = 0x4c, i32_le_u = 0x4d, i32_ge_s = 0x4e, i32_ge_u = 0x4f,
  f64_eq = 0x61, f64_ne = 0x62, f64_lt = 0x63, f64_gt = 0x64, f64_le = 0x65, f64_ge = 0x66,
  i32_add = 0x6a, i32_sub = 0x6b, i32_mul = 0x6c, i32_and = 0x71, i32_or = 0x72, i32_xor = 0x73,
  i32_shl = 0x74, i32_shr_s = 0x75, i32_shr_u = 0x76,
  f64_neg = 0x9a, f64_add = 0xa0, f64_sub = 0xa1,
  i32_wrap_i64 = 0xa7, i64_trunc_f64_s = 0xb0,
  f64_convert_i32_s = 0xb7, f64_convert_i32_u = 0xb8,
}

function uleb(out: number[], n: number): void {
  // a negative or fractional count would never reach 0 (Math.floor of a negative stays negative)
  if (!Number.isInteger(n) || n < 0) throw new Error(`unsigned LEB128 of ${n}`);
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
}

function sleb(out: number[], n: number): void {
  // any int32
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) { out.push(b); return; }
    out.push(b | 0x80);
  }
}

/** A function body under construction. */
export class Code {
  readonly bytes: number[] = [];
  /** branch hints: the offset of an `if` in `bytes`, and whether its condition is likely true */
  readonly hints: [number, 0 | 1][] = [];
  /** mark the `if` about to be opened as likely taken (1) or not (0) */
  hint(likely: 0 | 1): this { this.hints.push([this.bytes.length, likely]); return this; }
  op(o: Op): this { this.bytes.push(o); return this; }
  /** an opcode with one unsigned immediate (local index, branch depth, function index) */
  opU(o: Op, n: number): this { this.bytes.push(o); uleb(this.bytes, n); return this; }
  i32(v: number): this { this.bytes.push(Op.i32_const); sleb(this.bytes, v); return this; }
  f64(v: number): this {
    this.bytes.push(Op.f64_const);
    const b = new Uint8Array(new Float64Array([v]).buffer);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  /** a load or store with its alignment (log2 bytes) and a constant offset */
  mem(o: Op, alignLog2: number, offset: number): this {
    this.bytes.push(o, alignLog2);
    uleb(this.bytes, offset);
    return this;
  }
  /** block, loop, if, try with a block type */
  open(o: Op.block | Op.loop | Op.if | Op.try, ty: Ty = Ty.VOID): this { this.bytes.push(o, ty); return this; }
  table(targets: number[], fallback: number): this {
    this.bytes.push(Op.br_table);
    uleb(this.bytes, targets.length);
    for (const t of targets) uleb(this.bytes, t);
    uleb(this.bytes, fallback);
    return this;
  }
  append(c: Code): this {
    const at = this.bytes.length;
    for (const [o, h] of c.hints) this.hints.push([at + o, h]);
    for (const b of c.bytes) this.bytes.push(b);
    return this;
  }
}

export interface FunctionImport { module: string; name: string; params: Ty[]; results: Ty[] }

export interface FunctionSpec {
  params: readonly Ty[];
  results: readonly Ty[];
  /** locals after the parameters, by type, in index order */
  locals: readonly Ty[];
  body: Code;
  exportName: string;
}

export interface ModuleSpec {
  /** the memory, imported as env.memory: its size in 64 KiB pages (minimum and maximum) */
  memoryPages: number;
  imports: readonly FunctionImport[];
  functions: readonly FunctionSpec[];
}

function name(out: number[], s: string): void {
  const b = new TextEncoder().encode(s);
  uleb(out, b.length);
  for (const x of b) out.push(x);
}

function vec<T>(out: number[], items: readonly T[], each: (x: T) => void): void {
  uleb(out, items.length);
  for (const x of items) each(x);
}

/** A growable byte buffer (module bodies run to megabytes: no array of numbers for them). */
class Bytes {
  buf = new Uint8Array(1 << 16);
  n = 0;
  room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  push(...xs: number[]): void { this.room(xs.length); for (const x of xs) this.buf[this.n++] = x; }
  add(xs: ArrayLike<number>): void { this.room(xs.length); for (let k = 0; k < xs.length; k++) this.buf[this.n++] = xs[k]; }
  section(id: number, content: Bytes): void {
    const len: number[] = [];
    uleb(len, content.n);
    this.push(id, ...len);
    this.room(content.n);
    this.buf.set(content.buf.subarray(0, content.n), this.n);
    this.n += content.n;
  }
}

/** The module's bytes: imported functions first (indices 0..n-1), then the defined functions, each exported. */
export function moduleBytes(m: ModuleSpec): Uint8Array<ArrayBuffer> {
  const out = new Bytes();
  out.push(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  // one type per distinct signature
  const types: string[] = [];
  const typeOf = (params: readonly Ty[], results: readonly Ty[]): number => {
    const key = `${params.join(',')}:${results.join(',')}`;
    let k = types.indexOf(key);
    if (k < 0) { k = types.length; types.push(key); }
    return k;
  };
  const importTypes = m.imports.map((i) => typeOf(i.params, i.results));
  const fnTypes = m.functions.map((f) => typeOf(f.params, f.results));
  const list = (b: Bytes, n: number) => { const x: number[] = []; uleb(x, n); b.push(...x); };
  const str = (b: Bytes, s: string) => { const x: number[] = []; name(x, s); b.add(x); };
  const typeSec = new Bytes();
  list(typeSec, types.length);
  for (const key of types) {
    const [p, r] = key.split(':').map((s) => (s ? s.split(',').map(Number) : []));
    typeSec.push(0x60);
    list(typeSec, p.length); typeSec.add(p);
    list(typeSec, r.length); typeSec.add(r);
  }
  out.section(1, typeSec);
  const importSec = new Bytes();
  list(importSec, m.imports.length + 1);
  str(importSec, 'env'); str(importSec, 'memory');
  importSec.push(0x02, 0x01);
  list(importSec, m.memoryPages); list(importSec, m.memoryPages);
  m.imports.forEach((imp, k) => {
    str(importSec, imp.module); str(importSec, imp.name);
    importSec.push(0x00);
    list(importSec, importTypes[k]);
  });
  out.section(2, importSec);
  const funcSec = new Bytes();
  list(funcSec, fnTypes.length);
  for (const t of fnTypes) list(funcSec, t);
  out.section(3, funcSec);
  const exportSec = new Bytes();
  list(exportSec, m.functions.length);
  m.functions.forEach((f, k) => { str(exportSec, f.exportName); exportSec.push(0x00); list(exportSec, m.imports.length + k); });
  out.section(7, exportSec);
  const codeSec = new Bytes();
  const headLengths: number[] = [];
  list(codeSec, m.functions.length);
  for (const f of m.functions) {
    // locals run-length encoded by type
    const head: number[] = [];
    const runs: [number, Ty][] = [];
    for (const t of f.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    vec(head, runs, ([n, t]) => { uleb(head, n); head.push(t); });
    headLengths.push(head.length);
    const size = head.length + f.body.bytes.length + 1;
    list(codeSec, size);
    codeSec.add(head);
    codeSec.add(f.body.bytes);
    codeSec.push(Op.end);
  }
  // branch hints (a custom section V8 reads with --experimental-wasm-branch-hinting): offsets from the body's start
  const hintSec = new Bytes();
  str(hintSec, 'metadata.code.branch_hint');
  const hinted = m.functions.map((f, k) => [k, f] as const).filter(([, f]) => f.body.hints.length > 0);
  list(hintSec, hinted.length);
  for (const [k, f] of hinted) {
    list(hintSec, m.imports.length + k);
    list(hintSec, f.body.hints.length);
    for (const [o, h] of f.body.hints) { list(hintSec, headLengths[k] + o); hintSec.push(1, h); }
  }
  out.section(0, hintSec);
  out.section(10, codeSec);
  return out.buf.slice(0, out.n);
}
