/**
 * The translator's backend of the operations interface: `V` is an ESTree
 * expression, and each operation appends JavaScript to the block being built.
 *
 * Running an instruction's semantic function through this object specialises
 * it: everything that depends only on the decoded instruction (sizes,
 * immediates, which register, which flags) is decided now, so the emitted
 * code holds only what depends on register and memory contents.
 *
 * The generated function keeps guest state in JS locals (general registers,
 * EFLAGS and the lazy-flag record) and reaches memory through the software
 * TLB and typed-array views of RAM, calling helpers in `h` on a TLB miss;
 * every such name comes from the ABI module (abi.ts).
 *
 * Values are bound to `const` temporaries as they are computed, so the
 * emitted code reads like three-address code and V8 sees plain locals.
 * While straight-line code runs, the translator remembers which operation
 * last set the flags and with which operands; a condition that reads those
 * flags (a jcc after cmp, a setcc after test) is then emitted as one
 * comparison of the operands instead of flag arithmetic.
 */
import type * as E from 'estree';
import type { Ops, Size } from '../../semantics/ops.ts';
import type { Instr } from '../../isa/instr.ts';
import { Seg } from '../../isa/instr.ts';
import { K, operandBytes } from '../../isa/operands.ts';
import { FlagKind } from '../../cpu/flags.ts';
import { ARITH, CF, ZF, SF, OF, CC_READS } from '../../isa/eflags.ts';
import { TLB_RS, TLB_WS, TLB_RU, TLB_WU } from '../../cpu/mmu.ts';
import {
  id, num, litValue, bin, logical, unary, cond, call, member, index, assign, exprStmt, decl, ifStmt, newExpr, throwStmt,
  type Expr, type Stmt,
} from './ast.ts';
import { CODE_EPOCH, FLAG_LOCALS, GLOBALS, cpuField, hostFn, local, memoryField, param, reg, tempName } from './abi.ts';
import type { Helpers } from './host.ts';

/** What the emitter knows statically about the flags at the current point. */
interface FlagKnowledge {
  /** the lazy mask, when known */
  lz: number | null;
  /** the last flag-setting operation, when it is known and its operands are still in scope */
  last: { lop: number; res: Expr; a: Expr; b: Expr } | null;
}

/** The translation-time facts an emitter specialises on. */
export interface EmitContext {
  /** CPL 3: user-mode TLB rights */
  user: boolean;
  stack32: boolean;
  /** DS, ES, SS are flat, readable and writable (base 0, 4 GiB): linear address = offset */
  flat: boolean;
  /** statements that leave the function for a guest EIP (writes state back) */
  jump(target: Expr, opsize: number): Stmt[];
}

export class EmitOps implements Ops<Expr> {
  /** the statement list being appended to */
  out: Stmt[] = [];
  private temp = 0;
  flags: FlagKnowledge = { lz: null, last: null };
  /** set while emitting an instruction: it may throw (memory slow path, helper, raise) */
  mayThrow = false;
  /** the instruction writes ESP before an access that may fault */
  touchesEsp = false;
  /** the instruction stores to memory (a slow-path store may have hit translated code) */
  stored = false;
  /** flags written by the current instruction that something later reads */
  liveFlagsOut = ARITH;
  /** registers the generated function reads and writes (bit r for register r) */
  regsRead = 0;
  regsWritten = 0;
  readonly stackBytes: 2 | 4;

  constructor(private readonly ctx: EmitContext) {
    this.stackBytes = ctx.stack32 ? 4 : 2;
  }

  /** temporaries known to hold an int32 (results of bitwise operators) */
  private readonly int32 = new Set<string>();

  private fresh(e: Expr): Expr {
    if (e.type === 'Identifier' || litValue(e) !== undefined) return e;
    const name = tempName(this.temp++);
    this.out.push(decl('const', name, e));
    if (e.type === 'BinaryExpression' && ['|', '&', '^', '<<', '>>'].includes(e.operator)) this.int32.add(name);
    else if (e.type === 'UnaryExpression' && e.operator === '~') this.int32.add(name);
    return id(name);
  }

  private isInt32(e: Expr): boolean {
    return e.type === 'Identifier' && this.int32.has(e.name);
  }

  /** Bind an expression to a new temporary even if it is an identifier (snapshots a register). */
  private snapshot(e: Expr): Expr {
    if (litValue(e) !== undefined) return e;
    const name = tempName(this.temp++);
    this.out.push(decl('const', name, e));
    return id(name);
  }

  c(n: number): Expr { return num(n); }

  private fold(a: Expr, b: Expr, f: (x: number, y: number) => number): Expr | undefined {
    const x = litValue(a), y = litValue(b);
    return x !== undefined && y !== undefined ? num(f(x, y)) : undefined;
  }

  add(a: Expr, b: Expr): Expr {
    if (litValue(b) === 0) return this.fresh(bin('|', a, num(0)));
    return this.fold(a, b, (x, y) => (x + y) | 0) ?? this.fresh(bin('|', bin('+', a, b), num(0)));
  }
  sub(a: Expr, b: Expr): Expr { return this.fold(a, b, (x, y) => (x - y) | 0) ?? this.fresh(bin('|', bin('-', a, b), num(0))); }
  and(a: Expr, b: Expr): Expr { return this.fold(a, b, (x, y) => x & y) ?? this.fresh(bin('&', a, b)); }
  or(a: Expr, b: Expr): Expr { return this.fold(a, b, (x, y) => x | y) ?? this.fresh(bin('|', a, b)); }
  xor(a: Expr, b: Expr): Expr { return this.fold(a, b, (x, y) => x ^ y) ?? this.fresh(bin('^', a, b)); }
  not(a: Expr): Expr { const x = litValue(a); return x !== undefined ? num(~x) : this.fresh(unary('~', a)); }
  shl(a: Expr, n: Expr): Expr { return this.fold(a, n, (x, y) => x << y) ?? this.fresh(bin('<<', a, n)); }
  shr(a: Expr, n: Expr): Expr { return this.fold(a, n, (x, y) => (x >>> y) | 0) ?? this.fresh(bin('|', bin('>>>', a, n), num(0))); }
  sar(a: Expr, n: Expr): Expr { return this.fold(a, n, (x, y) => x >> y) ?? this.fresh(bin('>>', a, n)); }
  mul(a: Expr, b: Expr): Expr { return this.fold(a, b, Math.imul) ?? this.fresh(call(member(id(GLOBALS.math), 'imul'), [a, b])); }
  private bool(test: Expr): Expr { return this.fresh(cond(test, num(1), num(0))); }
  eq(a: Expr, b: Expr): Expr { return this.fold(a, b, (x, y) => (x === y ? 1 : 0)) ?? this.bool(bin('===', a, b)); }
  ne(a: Expr, b: Expr): Expr { return this.fold(a, b, (x, y) => (x !== y ? 1 : 0)) ?? this.bool(bin('!==', a, b)); }
  ltu(a: Expr, b: Expr): Expr { return this.bool(bin('<', bin('>>>', a, num(0)), bin('>>>', b, num(0)))); }
  lts(a: Expr, b: Expr): Expr { return this.bool(bin('<', bin('|', a, num(0)), bin('|', b, num(0)))); }
  trunc(v: Expr, size: Size): Expr {
    const x = litValue(v);
    if (x !== undefined) return num(size === 4 ? x | 0 : size === 2 ? x & 0xffff : x & 0xff);
    if (size === 4 && this.isInt32(v)) return v;
    return this.fresh(size === 4 ? bin('|', v, num(0)) : bin('&', v, num(size === 2 ? 0xffff : 0xff)));
  }
  sext(v: Expr, size: Size): Expr {
    const x = litValue(v);
    if (x !== undefined) return num(size === 4 ? x | 0 : size === 2 ? (x << 16) >> 16 : (x << 24) >> 24);
    if (size === 4) return this.fresh(bin('|', v, num(0)));
    const shift = num(size === 2 ? 16 : 24);
    return this.fresh(bin('>>', bin('<<', v, shift), shift));
  }
  select(c: Expr, a: Expr, b: Expr): Expr {
    const x = litValue(c);
    if (x !== undefined) return x ? a : b;
    return this.fresh(cond(c, a, b));
  }

  // ---- registers ---------------------------------------------------------------

  private regName(r: number): E.Identifier {
    this.regsRead |= 1 << r;
    return reg(r);
  }

  reg(r: number, size: Size): Expr {
    if (size === 4) return this.snapshot(this.regName(r));
    if (size === 2) return this.fresh(bin('&', this.regName(r), num(0xffff)));
    if (r < 4) return this.fresh(bin('&', this.regName(r), num(0xff)));
    return this.fresh(bin('&', bin('>>', this.regName(r - 4), num(8)), num(0xff)));
  }

  setReg(r: number, size: Size, v: Expr): void {
    if (r === 4) this.touchesEsp = true;
    this.regsWritten |= 1 << (size === 1 && r >= 4 ? r - 4 : r);
    if (size === 4) { this.out.push(assign(this.regName(r), v)); return; }
    if (size === 2) { this.out.push(assign(this.regName(r), bin('|', bin('&', this.regName(r), num(~0xffff)), bin('&', v, num(0xffff))))); return; }
    if (r < 4) { this.out.push(assign(this.regName(r), bin('|', bin('&', this.regName(r), num(~0xff)), bin('&', v, num(0xff))))); return; }
    const q = r - 4;
    if (q === 4) this.touchesEsp = true;
    this.out.push(assign(this.regName(q), bin('|', bin('&', this.regName(q), num(~0xff00)), bin('<<', bin('&', v, num(0xff)), num(8)))));
  }

  // ---- operands ----------------------------------------------------------------

  ea(i: Instr, _n: number): Expr {
    let e: Expr | undefined;
    if (i.base >= 0) e = this.regName(i.base);
    if (i.index >= 0) {
      const scaled = i.scale ? bin('<<', this.regName(i.index), num(i.scale)) : this.regName(i.index);
      e = e ? bin('+', e, scaled) : scaled;
    }
    if (!e) return num(i.adsize === 2 ? i.disp & 0xffff : i.disp | 0);
    if (i.disp) e = bin('+', e, num(i.disp));
    return this.fresh(i.adsize === 2 ? bin('&', e, num(0xffff)) : bin('|', e, num(0)));
  }

  get(i: Instr, n: number): Expr {
    const o = i.row.operands[n];
    const size = operandBytes(o.size, i.opsize) as Size;
    switch (o.kind) {
      case K.E:
        if (i.mod === 3) return this.reg(i.rm, size);
        return this.load(i.seg, this.ea(i, n), size);
      case K.M: case K.O: return this.load(i.seg, this.ea(i, n), size);
      case K.G: return this.reg(i.reg, size);
      case K.R: return this.reg(i.rm, size);
      case K.Z: return this.reg(i.opcode & 7, size);
      case K.FixedReg: return this.reg(o.fixed, size);
      case K.J: return num(i.imm); // already absolute (decoder)
      case K.I: case K.A: {
        const v = o.slot === 0 ? i.imm : i.imm2;
        return num(size === 4 ? v | 0 : size === 2 ? v & 0xffff : v & 0xff);
      }
      case K.One: return num(1);
      case K.FixedSeg: return this.fresh(index(cpuField('segSel'), num(o.fixed)));
      case K.S: return this.fresh(index(cpuField('segSel'), num(i.reg)));
    }
    throw new Error(`operand ${o.text} cannot be read by generated code`);
  }

  set(i: Instr, n: number, v: Expr): void {
    const o = i.row.operands[n];
    const size = operandBytes(o.size, i.opsize) as Size;
    switch (o.kind) {
      case K.E:
        if (i.mod === 3) { this.setReg(i.rm, size, v); return; }
        this.store(i.seg, this.ea(i, n), size, v);
        return;
      case K.M: case K.O: this.store(i.seg, this.ea(i, n), size, v); return;
      case K.G: this.setReg(i.reg, size, v); return;
      case K.R: this.setReg(i.rm, size, v); return;
      case K.Z: this.setReg(i.opcode & 7, size, v); return;
      case K.FixedReg: this.setReg(o.fixed, size, v); return;
    }
    throw new Error(`operand ${o.text} cannot be written by generated code`);
  }

  // ---- memory ------------------------------------------------------------------

  private inlineSeg(seg: number): boolean {
    // CS-relative data goes through the checked path: code segments may be execute-only
    return this.ctx.flat && (seg === Seg.DS || seg === Seg.ES || seg === Seg.SS);
  }

  load(seg: number, off: Expr, size: Size): Expr {
    this.mayThrow = true;
    if (!this.inlineSeg(seg)) {
      return this.fresh(call(hostFn('rds'), [local('cpu'), num(seg), off, num(size)]));
    }
    const a = this.fresh(off);
    const e = this.fresh(index(local('tlb'), bin('>>>', a, num(12))));
    const rmask = num(this.ctx.user ? TLB_RU : TLB_RS);
    const phys = bin('|', bin('&', e, num(~0xfff)), bin('&', a, num(0xfff)));
    const slow = call(hostFn(`rd${size * 8}` as keyof Helpers), [local('cpu'), a]);
    if (size === 1) {
      return this.fresh(cond(bin('&', e, rmask), index(local('m8'), phys), slow));
    }
    // aligned accesses use the widest view; unaligned ones take the helper
    const view = size === 2 ? 'm16' : 'm32';
    const fast = logical('&&', bin('&', e, rmask), bin('===', bin('&', a, num(size - 1)), num(0)));
    return this.fresh(cond(fast, index(local(view), bin('>>>', phys, num(size === 2 ? 1 : 2))), slow));
  }

  store(seg: number, off: Expr, size: Size, v: Expr): void {
    this.mayThrow = true;
    this.stored = true;
    // only a slow-path store can reach a code page (no TLB grants write rights to one)
    const noteSmc = assign(local('smc'), bin('!==', memoryField(CODE_EPOCH), local('epoch')));
    if (!this.inlineSeg(seg)) {
      this.out.push(exprStmt(call(hostFn('wrs'), [local('cpu'), num(seg), off, num(size), v])), noteSmc);
      return;
    }
    const a = this.fresh(off);
    const e = this.fresh(index(local('tlb'), bin('>>>', a, num(12))));
    const wmask = num(this.ctx.user ? TLB_WU : TLB_WS);
    const phys = bin('|', bin('&', e, num(~0xfff)), bin('&', a, num(0xfff)));
    const slow = exprStmt(call(hostFn(`wr${size * 8}` as keyof Helpers), [local('cpu'), a, v]));
    let test: Expr = bin('&', e, wmask);
    let target: E.MemberExpression;
    if (size === 1) {
      target = index(local('m8'), phys);
    } else {
      test = logical('&&', test, bin('===', bin('&', a, num(size - 1)), num(0)));
      target = index(local(size === 2 ? 'm16' : 'm32'), bin('>>>', phys, num(size === 2 ? 1 : 2)));
    }
    this.out.push(ifStmt(test, [assign(target, v)], [slow, noteSmc]));
  }

  push(v: Expr, size: Size): void {
    this.touchesEsp = true;
    this.regsRead |= 1 << 4;
    const sp = this.ctx.stack32
      ? this.fresh(bin('|', bin('-', reg(4), num(size)), num(0)))
      : this.fresh(bin('&', bin('-', reg(4), num(size)), num(0xffff)));
    this.store(Seg.SS, sp, size, v);
    this.regsWritten |= 1 << 4;
    if (this.ctx.stack32) this.out.push(assign(reg(4), sp));
    else this.setReg(4, 2, sp);
  }

  pop(size: Size): Expr {
    this.touchesEsp = true;
    const sp = this.ctx.stack32 ? reg(4) : this.fresh(bin('&', reg(4), num(0xffff)));
    const v = this.load(Seg.SS, sp, size);
    this.regsWritten |= 1 << 4;
    this.regsRead |= 1 << 4;
    if (this.ctx.stack32) this.out.push(assign(reg(4), bin('|', bin('+', reg(4), num(size)), num(0))));
    else this.setReg(4, 2, bin('+', sp, num(size)));
    return v;
  }

  // ---- flags -------------------------------------------------------------------

  private flagArgs(): Expr[] {
    return FLAG_LOCALS.map(([l]) => local(l));
  }

  setFlags(lop: Expr, res: Expr, a: Expr, b: Expr, mask: number): void {
    if ((this.liveFlagsOut & mask) === 0) return; // nobody reads these flags: drop the update
    const known = this.flags.lz;
    const stale = known === null ? ARITH & ~mask : known & ~mask;
    if (stale !== 0) {
      // flags outside `mask` that are still lazy must be computed before the record is replaced
      const keep = num(ARITH & ~mask);
      const direct = known === null ? undefined : this.materializeKnown(stale);
      if (direct) {
        this.out.push(assign(local('eflags'), direct));
      } else {
        const w = known === null ? bin('&', local('lazy'), keep) : num(stale);
        const update = assign(local('eflags'), call(hostFn('mat'), [local('eflags'), w, local('lop'), local('lres'), local('la'), local('lb')]));
        this.out.push(known === null ? ifStmt(bin('&', local('lazy'), keep), [update]) : update);
      }
    }
    this.out.push(assign(local('lop'), lop), assign(local('lres'), res), assign(local('la'), a), assign(local('lb'), b), assign(local('lazy'), num(mask)));
    const l = litValue(lop);
    this.flags = { lz: mask, last: l !== undefined ? { lop: l, res, a, b } : null };
  }

  /** `fl` with the flags in `w` computed from the known last operation, if each can be. */
  private materializeKnown(w: number): Expr | undefined {
    let e: Expr = bin('&', local('eflags'), num(~w));
    for (let f = 1; f <= OF; f <<= 1) {
      if (!(w & f)) continue;
      const k = this.knownFlag(f);
      if (!k) return undefined;
      const v = litValue(k);
      if (v === 0) continue;
      e = bin('|', e, v === 1 ? num(f) : bin('<<', k, num(Math.log2(f))));
    }
    return e;
  }

  /** An expression for flag f as 0/1 when the last operation is known. */
  private knownFlag(f: number): Expr | undefined {
    const last = this.flags.last;
    if (!last || this.flags.lz === null || !(this.flags.lz & f)) return undefined;
    const kind = last.lop >> 2;
    const bits = [8, 16, 32][last.lop & 3];
    const { res, a, b } = last;
    const u = (e: Expr) => bin('>>>', e, num(0));
    const top = num(bits - 1);
    switch (f) {
      case ZF: return cond(bin('===', bits === 32 ? res : bin('&', res, num(bits === 8 ? 0xff : 0xffff)), num(0)), num(1), num(0));
      case SF: return bin('&', bin('>>>', res, top), num(1));
      case CF:
        if (kind === FlagKind.SUB) return cond(bin('<', u(a), u(b)), num(1), num(0));
        if (kind === FlagKind.ADD) return cond(bin('<', u(res), u(a)), num(1), num(0));
        if (kind === FlagKind.LOGIC) return num(0);
        return undefined;
      case OF:
        if (kind === FlagKind.LOGIC) return num(0);
        if (kind === FlagKind.SUB) return bin('&', bin('>>>', bin('&', bin('^', a, b), bin('^', a, res)), top), num(1));
        if (kind === FlagKind.ADD) return bin('&', bin('>>>', bin('&', bin('^', a, res), bin('^', b, res)), top), num(1));
        return undefined;
    }
    return undefined;
  }

  flag(f: number): Expr {
    const k = this.knownFlag(f);
    if (k) return this.fresh(k);
    if (this.flags.lz !== null && !(this.flags.lz & f)) {
      const bit = Math.log2(f);
      return this.fresh(bin('&', bin('>>', local('eflags'), num(bit)), num(1)));
    }
    return this.fresh(call(hostFn('flag'), [num(f), ...this.flagArgs()]));
  }

  setFlag(f: number, v: Expr): void {
    const bit = Math.log2(f);
    if (this.flags.lz === null || this.flags.lz & f) this.out.push(assign(local('lazy'), bin('&', local('lazy'), num(~f))));
    this.out.push(assign(local('eflags'), bin('|', bin('&', local('eflags'), num(~f)), bin('<<', v, num(bit)))));
    const lz = this.flags.lz === null ? null : this.flags.lz & ~f;
    this.flags = { lz, last: lz === 0 ? null : this.flags.last };
  }

  cond(cc: number): Expr {
    const fused = this.fusedCondition(cc);
    if (fused) return this.fresh(cond(fused, num(1), num(0)));
    return this.fresh(call(hostFn('cond'), [num(cc), ...this.flagArgs()]));
  }

  /** cmp/sub and test/and/or/xor followed by a condition: compare the operands directly. */
  private fusedCondition(cc: number): Expr | undefined {
    const last = this.flags.last;
    if (!last || this.flags.lz === null || (this.flags.lz & CC_READS[cc]) !== CC_READS[cc]) return undefined;
    const kind = last.lop >> 2;
    const bits = [8, 16, 32][last.lop & 3];
    const { res, a, b } = last;
    const neg = (cc & 1) === 1;
    const u = (e: Expr) => bin('>>>', e, num(0));
    const s = (e: Expr) => (bits === 32 ? bin('|', e, num(0)) : bin('>>', bin('<<', e, num(32 - bits)), num(32 - bits)));
    let test: Expr | undefined;
    if (kind === FlagKind.SUB) {
      switch (cc >> 1) {
        case 1: test = bin('<', u(a), u(b)); break; // b / ae
        case 2: test = bin('===', a, b); break; // e / ne
        case 3: test = bin('<=', u(a), u(b)); break; // be / a
        case 4: test = bin('!==', bin('&', bin('>>>', res, num(bits - 1)), num(1)), num(0)); break; // s / ns
        case 6: test = bin('<', s(a), s(b)); break; // l / ge
        case 7: test = bin('<=', s(a), s(b)); break; // le / g
      }
    } else if (kind === FlagKind.LOGIC) {
      const sign = bin('!==', bin('&', bin('>>>', res, num(bits - 1)), num(1)), num(0));
      const zero = bin('===', res, num(0));
      switch (cc >> 1) {
        case 0: test = bin('!==', num(0), num(0)); break; // o: OF = 0
        case 1: test = bin('!==', num(0), num(0)); break; // b: CF = 0
        case 2: case 3: test = zero; break; // e, be (CF = 0)
        case 4: case 6: test = sign; break; // s, l (OF = 0)
        case 7: test = logical('||', zero, sign); break;
      }
    } else if (kind === FlagKind.ADD && (cc >> 1 === 2 || cc >> 1 === 4)) {
      test = cc >> 1 === 2 ? bin('===', res, num(0)) : bin('!==', bin('&', bin('>>>', res, num(bits - 1)), num(1)), num(0));
    }
    if (!test) test = this.composedCondition(cc & ~1);
    if (!test) return undefined;
    return neg ? unary('!', test) : test;
  }

  /** A condition built from the individual flags the known last operation gives. */
  private composedCondition(cc: number): Expr | undefined {
    const f = (flag: number) => this.knownFlag(flag);
    const ne0 = (e: Expr) => bin('!==', e, num(0));
    switch (cc >> 1) {
      case 0: { const o = f(OF); return o && ne0(o); }
      case 1: { const c = f(CF); return c && ne0(c); }
      case 3: { const c = f(CF), z = f(ZF); return c && z && logical('||', ne0(c), ne0(z)); }
      case 6: { const sg = f(SF), o = f(OF); return sg && o && bin('!==', sg, o); }
      case 7: { const z = f(ZF), sg = f(SF), o = f(OF); return z && sg && o && logical('||', ne0(z), bin('!==', sg, o)); }
    }
    return undefined;
  }

  // ---- control -----------------------------------------------------------------

  jump(target: Expr, opsize: number): void {
    const t = litValue(target);
    const masked = t !== undefined ? num(opsize === 2 ? t & 0xffff : t | 0) : this.fresh(opsize === 2 ? bin('&', target, num(0xffff)) : target);
    this.out.push(...this.ctx.jump(masked, opsize));
  }

  if_(c: Expr, then: () => void, otherwise?: () => void): void {
    const x = litValue(c);
    if (x !== undefined) { if (x) then(); else otherwise?.(); return; }
    const saved = this.out;
    const before = this.flags;
    const thenOut: Stmt[] = [];
    this.out = thenOut;
    then();
    const afterThen = this.flags;
    this.flags = before;
    const elseOut: Stmt[] = [];
    if (otherwise) { this.out = elseOut; otherwise(); }
    const afterElse = this.flags;
    this.out = saved;
    this.out.push(ifStmt(c, thenOut, elseOut));
    // temporaries made inside a branch are out of scope after it
    this.flags = {
      lz: afterThen.lz === afterElse.lz ? afterThen.lz : null,
      last: afterThen === before && afterElse === before ? before.last : null,
    };
  }

  helper(name: string, ...args: Expr[]): Expr {
    return this.fresh(call(member(param('helpers'), name), [local('cpu'), ...args]));
  }

  raise(vector: number, code?: number): void {
    this.mayThrow = true;
    this.out.push(throwStmt(newExpr(hostFn('Fault'), [num(vector), num(code ?? 0)])));
  }
}

