/**
 * The translator's backend of the operations interface: `V` is an
 * expression (ast.ts), and each operation appends JavaScript to the block being built.
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
 * emitted code reads like three-address code and V8 sees plain locals. The
 * arithmetic itself is the expression backend's (expr-arith.ts), and
 * operand access is semantics/operands.ts: this file only decides what to
 * bind and where state lives.
 *
 * While straight-line code runs, the translator remembers which operation
 * last set the flags and with which operands. A flag or condition read
 * then is cpu/flags.ts's formula specialised on those operands (a jcc
 * after cmp is one comparison of the operands, a setc after shl one shift)
 * instead of a call to the lazy evaluator; flags known to sit in `fl` are
 * read from it directly.
 */
import type { Ops } from '../../semantics/ops.ts';
import type { Size } from '../../base/arith.ts';
import type { Instr } from '../../isa/instr.ts';
import { Reg, Seg } from '../../isa/instr.ts';
import { fullRegister, readPart, stackMove, stackPointer, writePart } from '../../cpu/registers.ts';
import { addressRegisters, effectiveAddress, readOperand, writeOperand } from '../../semantics/operands.ts';
import { X, isInt32Expr, testFor } from './expr-arith.ts';
import { FlagKind, conditionOf, flagOf, makeLop, withCarryIn } from '../../cpu/flags.ts';
import { ARITH, CF, ZF, SF, OF, PF, CC_READS, combineFlags } from '../../isa/eflags.ts';
import { aligned, tlbGrants, tlbPhysical, tlbRight, tlbSlot } from '../../cpu/tlb.ts';
import {
  id, num, litValue, bin, cond, call, member, index, assign, ifStmt, newExpr, throwStmt, unary, logical,
  type Expr, type Stmt,
} from './ast.ts';
import { FLAG_LOCALS, cpuField, hostFn, local, param, reg, retiredBefore, retiredBeforeKnown, tempName, TEMP_PATTERN } from './abi.ts';

/** A formula of the last record: where its kind hangs on a carry, both kinds' formulas, the carry choosing. */
function byKind(last: NonNullable<FlagKnowledge['last']>, formula: (lop: number) => Expr): Expr {
  return last.carry ? X.select(last.carry, formula(withCarryIn(last.lop)), formula(last.lop)) : formula(last.lop);
}

/** What the emitter knows statically about the flags at the current point. */
interface FlagKnowledge {
  /** the lazy mask, when known */
  lz: number | null;
  /**
   * the last flag-setting operation, when it is known and its operands are
   * still in scope; `carry`: the kind is `lop`'s with a carry-in of 0 and
   * the one after it with 1 (adc, sbb), and this 0/1 says which
   */
  last: { lop: number; res: Expr; a: Expr; b: Expr; carry?: Expr } | null;
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

/**
 * The kinds of lazy-flag record whose CF an instruction that keeps CF (inc,
 * dec) computes in place when its block starts without knowing the record:
 * counted in Linux's boot, 32-bit SUB (a cmp) made three quarters of the 41
 * million host calls that made CF whole, then 32-bit ADD and logic; after
 * them, 8-bit logic and SUB (2.3 million). CF's formula for these kinds is
 * the same at every size (operands and result are zero-extended), so the
 * test is of the kind alone.
 */
const COMMON_CF_KINDS = [FlagKind.LOGIC, FlagKind.ADD, FlagKind.SUB];

/** The generated function's locals holding the general registers. */
const REGISTERS: readonly Expr[] = [0, 1, 2, 3, 4, 5, 6, 7].map((r) => reg(r));

/** `h.mat`: EFLAGS with the lazy flags in `w` computed into it, whatever the record's kind */
export function matCall(w: Expr): Expr {
  return call(hostFn('mat'), [local('eflags'), w, local('lop'), local('lres'), local('la'), local('lb')]);
}

/** Does e read only temporaries and literals (values that stay as they are to the block's end)? */
function readsOnlyTemporaries(e: Expr): boolean {
  switch (e.type) {
    case 'Literal': return true;
    case 'Identifier': return TEMP_PATTERN.test(e.name);
    case 'BinaryExpression': case 'LogicalExpression': return readsOnlyTemporaries(e.left) && readsOnlyTemporaries(e.right);
    case 'UnaryExpression': return readsOnlyTemporaries(e.argument);
    case 'ConditionalExpression': return readsOnlyTemporaries(e.test) && readsOnlyTemporaries(e.consequent) && readsOnlyTemporaries(e.alternate);
    default: return false;
  }
}

export class EmitOps implements Ops<Expr> {
  /** the statement list being appended to */
  out: Stmt[] = [];
  private temp = 0;
  /** the most temporaries a block of the region has used (the function declares that many, once) */
  temporaries = 0;
  flags: FlagKnowledge = { lz: null, last: null };
  /** the lops `carryLop` made that hang on a carry (adc, sbb), by the temporary holding each */
  private readonly carryLops = new Map<Expr, { lop: number; carry: Expr }>();
  /** set while emitting an instruction: it may throw (memory slow path, helper, raise) */
  mayThrow = false;
  /** the instruction writes ESP before an access that may fault */
  touchesEsp = false;
  /** the instruction stores to memory (a slow-path store may have hit translated code) */
  stored = false;
  /** the instruction loads from memory (whose slow path may walk the page tables, setting accessed bits) */
  loaded = false;
  /** flags written by the current instruction that something later reads */
  liveFlagsOut = ARITH;
  /** the current instruction's entry in the region's `left` table, when one instruction is emitted (undefined: read `LEFT[ip]`) */
  leftAfter: number | undefined = undefined;
  /** registers the generated function reads and writes (bit r for register r) */
  regsRead = 0;
  regsWritten = 0;
  readonly stackBytes: 2 | 4;

  constructor(private readonly ctx: EmitContext) {
    this.stackBytes = ctx.stack32 ? 4 : 2;
  }

  /** temporaries known to hold an int32 (results of bitwise operators) */
  private readonly int32 = new Set<string>();
  /** the current instruction's effective address, and the statement list its temporary was bound in */
  private eaCache: { instr: Instr; scope: Stmt[]; value: Expr } | null = null;
  /** statement lists enclosing the current one inside `if_` branches (their temporaries are in scope) */
  protected readonly openScopes: Stmt[][] = [];

  /**
   * A block of the region starts: nothing known about the flags, and
   * temporaries numbered from 0 again (no block reads another's, so they
   * share names, which the function declares once: `newTemp`).
   */
  startBlock(): void {
    this.temp = 0;
    this.int32.clear();
    this.eaCache = null;
    this.flags = { lz: null, last: null };
  }

  /**
   * A temporary's name. Blocks number theirs from 0 and the function
   * declares them once (`temporaries`): a V8 frame has a slot for every
   * variable a function declares, which an unoptimized function's every
   * call fills, so `const` temporaries per block made a large region's
   * entry cost grow with all its blocks' temporaries (bench/README.md,
   * "Temporaries declared once"). Each is still assigned once before it
   * is read, in the block that uses it.
   */
  private newTemp(): string {
    const name = tempName(this.temp++);
    if (this.temp > this.temporaries) this.temporaries = this.temp;
    return name;
  }

  protected fresh(e: Expr): Expr {
    if (e.type === 'Identifier' || litValue(e) !== undefined) return e;
    const name = this.newTemp();
    this.out.push(assign(id(name), e));
    if (isInt32Expr(e)) this.int32.add(name);
    return id(name);
  }

  private isInt32(e: Expr): boolean {
    return e.type === 'Identifier' && this.int32.has(e.name);
  }

  /**
   * Bind an expression to a new temporary even if it is an identifier
   * (snapshots a register or a field); a temporary is a constant already.
   */
  snapshot(e: Expr): Expr {
    if (litValue(e) !== undefined || (e.type === 'Identifier' && TEMP_PATTERN.test(e.name))) return e;
    const name = this.newTemp();
    this.out.push(assign(id(name), e));
    return id(name);
  }

  // ---- arithmetic: the expression backend's formula, bound to a temporary -----------

  c(n: number): Expr { return num(n); }
  add(a: Expr, b: Expr): Expr { return this.fresh(X.add(a, b)); }
  carryLop(kind: FlagKind.ADD | FlagKind.SUB, size: Size, cf: Expr): Expr {
    const lop = makeLop(kind, size);
    const e = this.fresh(X.select(cf, num(withCarryIn(lop)), num(lop)));
    if (litValue(e) === undefined) this.carryLops.set(e, { lop, carry: cf });
    return e;
  }
  sub(a: Expr, b: Expr): Expr { return this.fresh(X.sub(a, b)); }
  and(a: Expr, b: Expr): Expr { return this.fresh(X.and(a, b)); }
  or(a: Expr, b: Expr): Expr { return this.fresh(X.or(a, b)); }
  xor(a: Expr, b: Expr): Expr { return this.fresh(X.xor(a, b)); }
  not(a: Expr): Expr { return this.fresh(X.not(a)); }
  shl(a: Expr, n: Expr): Expr { return this.fresh(X.shl(a, n)); }
  shr(a: Expr, n: Expr): Expr { return this.fresh(X.shr(a, n)); }
  sar(a: Expr, n: Expr): Expr { return this.fresh(X.sar(a, n)); }
  mul(a: Expr, b: Expr): Expr { return this.fresh(X.mul(a, b)); }
  eq(a: Expr, b: Expr): Expr { return this.fresh(X.eq(a, b)); }
  ne(a: Expr, b: Expr): Expr { return this.fresh(X.ne(a, b)); }
  ltu(a: Expr, b: Expr): Expr { return this.fresh(X.ltu(a, b)); }
  lts(a: Expr, b: Expr): Expr { return this.fresh(X.lts(a, b)); }
  leu(a: Expr, b: Expr): Expr { return this.fresh(X.leu(a, b)); }
  les(a: Expr, b: Expr): Expr { return this.fresh(X.les(a, b)); }
  trunc(v: Expr, size: Size): Expr { return size === 4 && this.isInt32(v) ? v : this.fresh(X.trunc(v, size)); }
  sext(v: Expr, size: Size): Expr { return this.fresh(X.sext(v, size)); }
  select(c: Expr, a: Expr, b: Expr): Expr { return this.fresh(X.select(c, a, b)); }

  // ---- registers ---------------------------------------------------------------

  private regName(r: number): Expr {
    this.regsRead |= 1 << r;
    return reg(r);
  }

  reg(r: number, size: Size): Expr {
    if (size === 4) return this.snapshot(this.regName(r));
    return this.fresh(readPart(X, this.regName(fullRegister(r, size)), r, size));
  }

  setReg(r: number, size: Size, v: Expr): void {
    const full = fullRegister(r, size);
    if (full === Reg.ESP) this.touchesEsp = true;
    this.regsWritten |= 1 << full;
    this.out.push(assign(reg(full), writePart(X, size === 4 ? v : this.regName(full), r, size, v)));
  }

  sreg(s: number): Expr {
    return this.fresh(index(cpuField('segSel'), num(s)));
  }

  // ---- operands ----------------------------------------------------------------

  /**
   * The effective address, bound to one temporary at its first use in an
   * instruction and reused while that temporary is in scope: in the
   * statement list it was bound in, or in a branch of an `if_` nested in it.
   */
  ea(i: Instr, _n: number): Expr {
    const cached = this.eaCache;
    if (cached && cached.instr === i && (cached.scope === this.out || this.openScopes.includes(cached.scope))) return cached.value;
    this.regsRead |= addressRegisters(i);
    const value = this.fresh(effectiveAddress(X, i, REGISTERS));
    this.eaCache = { instr: i, scope: this.out, value };
    return value;
  }

  get(i: Instr, n: number): Expr { return readOperand(this, i, n); }
  set(i: Instr, n: number, v: Expr): void { writeOperand(this, i, n, v); }

  // ---- memory ------------------------------------------------------------------

  private inlineSeg(seg: number): boolean {
    // CS-relative data goes through the checked path: code segments may be execute-only
    return this.ctx.flat && (seg === Seg.DS || seg === Seg.ES || seg === Seg.SS);
  }

  /**
   * The TLB fast path (cpu/tlb.ts) of an access at linear address a: the
   * test, and the element of the RAM view it reaches. Aligned accesses use
   * the view of their width; unaligned ones take the helper.
   */
  private ramAccess(a: Expr, size: Size, write: boolean): { test: Expr; element: Expr } {
    const e = this.fresh(index(local('tlb'), tlbSlot(X, a)));
    const granted = tlbGrants(X, e, X.c(tlbRight(this.ctx.user, write)));
    const phys = tlbPhysical(X, e, a);
    // unsigned: RAM may reach past 2 GiB, where the int32 address would index below the array
    if (size === 1) return { test: testFor(granted), element: index(local('m8'), bin('>>>', phys, num(0))) };
    const view = size === 2 ? 'm16' : 'm32';
    return { test: testFor(X.and(granted, aligned(X, a, size))), element: index(local(view), X.shr(phys, X.c(size === 2 ? 1 : 2))) };
  }

  load(seg: number, off: Expr, size: Size): Expr {
    this.mayThrow = true;
    this.loaded = true;
    if (!this.inlineSeg(seg)) {
      return this.fresh(call(hostFn('rds'), [local('cpu'), num(seg), off, num(size)]));
    }
    const a = this.fresh(off);
    const { test, element } = this.ramAccess(a, size, false);
    return this.fresh(cond(test, element, call(hostFn('rdf'), [local('cpu'), num(seg), a, num(size), this.retired()])));
  }

  store(seg: number, off: Expr, size: Size, v: Expr): void {
    this.mayThrow = true;
    this.stored = true;
    // only a slow-path store can reach a code page (no TLB grants write rights to one): it
    // returns the code epoch after the store, which differs from the entry's once code was hit
    const noteSmc = (store: Expr) => assign(local('smc'), bin('!==', store, local('epoch')));
    if (!this.inlineSeg(seg)) {
      this.out.push(noteSmc(call(hostFn('wrs'), [local('cpu'), num(seg), off, num(size), v])));
      return;
    }
    const a = this.fresh(off);
    const { test, element } = this.ramAccess(a, size, true);
    this.out.push(ifStmt(test, [assign(element, v)], [noteSmc(call(hostFn('wrf'), [local('cpu'), num(seg), a, num(size), v, this.retired()]))]));
  }

  /** Instructions retired before the current one, for a slow path's devices and the clock. */
  retired(): Expr {
    return this.leftAfter === undefined ? retiredBefore(local('faultIndex')) : retiredBeforeKnown(this.leftAfter);
  }

  push(v: Expr, size: Size): void {
    this.touchesEsp = true;
    const sp = this.fresh(stackMove(X, this.regName(Reg.ESP), -size, this.ctx.stack32));
    this.store(Seg.SS, sp, size, v);
    this.setReg(Reg.ESP, this.stackBytes, sp);
  }

  pop(size: Size): Expr {
    this.touchesEsp = true;
    const sp = this.fresh(stackPointer(X, this.regName(Reg.ESP), this.ctx.stack32));
    const v = this.load(Seg.SS, sp, size);
    this.setReg(Reg.ESP, this.stackBytes, stackMove(X, sp, size, this.ctx.stack32));
    return v;
  }

  /**
   * Pop what the region itself pushed, with nothing stored and no mapping
   * changed since (an inlined call's return address): where the TLB still
   * maps the slot as RAM it holds `pushed`, and nothing is read; elsewhere
   * (a device) it is read as `pop` reads it, and `differs` runs with the
   * value when that is not `pushed`; where `mayHaveChanged` holds, it is
   * read too.
   */
  popPushed(size: Size, pushed: Expr, differs: (v: Expr) => void, mayHaveChanged?: Expr): void {
    if (!this.inlineSeg(Seg.SS)) {
      const v = this.pop(size);
      this.if_(bin('!==', v, pushed), () => differs(v));
      return;
    }
    this.touchesEsp = true;
    this.mayThrow = true;
    const sp = this.fresh(stackPointer(X, this.regName(Reg.ESP), this.ctx.stack32));
    const { test } = this.ramAccess(sp, size, false);
    const read = mayHaveChanged ? logical('||', mayHaveChanged, unary('!', test)) : unary('!', test);
    this.if_(read, () => {
      const v = this.fresh(call(hostFn('rdf'), [local('cpu'), num(Seg.SS), sp, num(size), this.retired()]));
      this.if_(bin('!==', v, pushed), () => differs(v));
    });
    this.setReg(Reg.ESP, this.stackBytes, stackMove(X, sp, size, this.ctx.stack32));
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
      } else if (stale === CF) {
        // CF alone from a record whose operation is not known here (an inc or dec after the last block's cmp,
        // or after an inlined call): the commonest kinds' formula in place, guarded by the kind, the others
        // by the host
        let update = matCall(num(CF));
        for (const kind of COMMON_CF_KINDS) {
          const cf = flagOf(X, CF, makeLop(kind, 4), local('lres'), local('la'), local('lb'));
          update = cond(bin('===', bin('>>', local('lop'), num(2)), num(kind)), X.or(X.and(local('eflags'), num(~CF)), cf), update);
        }
        const set = assign(local('eflags'), update);
        this.out.push(known === null ? ifStmt(bin('&', local('lazy'), num(CF)), [set]) : set);
      } else {
        const w = known === null ? bin('&', local('lazy'), keep) : num(stale);
        const update = assign(local('eflags'), matCall(w));
        this.out.push(known === null ? ifStmt(bin('&', local('lazy'), keep), [update]) : update);
      }
    }
    this.out.push(assign(local('lop'), lop), assign(local('lres'), res), assign(local('la'), a), assign(local('lb'), b), assign(local('lazy'), num(mask)));
    const l = litValue(lop);
    const c = l === undefined ? this.carryLops.get(lop) : undefined;
    this.flags = { lz: mask, last: l !== undefined ? { lop: l, res, a, b } : c ? { lop: c.lop, res, a, b, carry: c.carry } : null };
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
      e = bin('|', e, v === 1 ? num(f) : X.shl(k, num(Math.log2(f))));
    }
    return e;
  }

  /** Flag f as 0/1 from the formula of the last operation, when it is known and f is still lazy. */
  private knownFlag(f: number): Expr | undefined {
    const last = this.flags.last;
    if (!last || this.flags.lz === null || !(this.flags.lz & f)) return undefined;
    return byKind(last, (lop) => flagOf(X, f, lop, last.res, last.a, last.b));
  }

  /** Flag f as 0/1 without a helper: from the known last operation, or from `fl` where it is not lazy. */
  private flagValue(f: number): Expr | undefined {
    const k = this.knownFlag(f);
    if (k) return k;
    if (this.flags.lz === null || this.flags.lz & f) return undefined;
    return X.and(X.sar(local('eflags'), num(Math.log2(f))), num(1));
  }

  flag(f: number): Expr {
    return this.fresh(this.flagValue(f) ?? call(hostFn('flag'), [num(f), ...this.flagArgs()]));
  }

  setFlag(f: number, v: Expr): void {
    if (f & ARITH && (this.liveFlagsOut & f) === 0) return; // an arithmetic flag nobody reads before it is written again
    const bit = Math.log2(f);
    if (this.flags.lz === null || this.flags.lz & f) this.out.push(assign(local('lazy'), bin('&', local('lazy'), num(~f))));
    this.out.push(assign(local('eflags'), bin('|', bin('&', local('eflags'), num(~f)), bin('<<', v, num(bit)))));
    const lz = this.flags.lz === null ? null : this.flags.lz & ~f;
    this.flags = { lz, last: lz === 0 ? null : this.flags.last };
  }

  flagsRead(mask: number): boolean {
    // the arithmetic flags by liveness; any other flag is read as EFLAGS (pushf, a fault's frame)
    return (mask & ~ARITH) !== 0 || (this.liveFlagsOut & mask) !== 0;
  }

  flagBits(mask: number): Expr {
    // the system flags are never lazy: the local holds them; lazy arithmetic ones are computed in one call
    const lz = this.flags.lz;
    const lazy = (lz === null ? mask & ARITH : lz & mask) !== 0;
    return this.fresh(bin('&', lazy ? call(hostFn('mat'), this.flagArgs()) : local('eflags'), num(mask)));
  }

  setFlagBits(mask: number, v: Expr): void {
    if (this.flags.lz === null || this.flags.lz & mask) this.out.push(assign(local('lazy'), bin('&', local('lazy'), num(~mask))));
    this.out.push(assign(local('eflags'), bin('|', bin('&', local('eflags'), num(~mask)), bin('&', v, num(mask)))));
    const lz = this.flags.lz === null ? null : this.flags.lz & ~mask;
    this.flags = { lz, last: lz === 0 ? null : this.flags.last };
  }

  /**
   * Condition cc as 0/1. A formula of temporaries alone is returned as it
   * is, unbound: they keep their values to the block's end, and a jcc then
   * tests the comparison itself (`if(t2===t3)`), where a temporary holding
   * `t2===t3?1:0` made unoptimised code (V8's baseline tier, which runs
   * regions until TurboFan has compiled them) call a builtin to take that
   * number's truth at every branch.
   */
  cond(cc: number): Expr {
    const v = this.conditionValue(cc);
    if (v !== undefined && readsOnlyTemporaries(v)) return v;
    return this.fresh(v ?? call(hostFn('cond'), [num(cc), ...this.flagArgs()]));
  }

  /**
   * Condition cc as 0/1 without a helper. When every flag it reads comes from
   * the known last operation this is that operation's condition formula (a
   * jcc after cmp compares the operands); otherwise it is composed from the
   * flags one by one, if each is known or sits in `fl`.
   */
  private conditionValue(cc: number): Expr | undefined {
    const reads = CC_READS[cc];
    const { lz, last } = this.flags;
    if (last && lz !== null && (lz & reads) === reads) return byKind(last, (lop) => conditionOf(X, cc, lop, last.res, last.a, last.b));
    const value = (f: number): Expr | undefined => (reads & f ? this.flagValue(f) : num(0));
    const of = value(OF), cf = value(CF), zf = value(ZF), sf = value(SF), pf = value(PF);
    if (!of || !cf || !zf || !sf || !pf) return undefined;
    return combineFlags(X, cc, of, cf, zf, sf, pf);
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
    this.openScopes.push(saved);
    const thenOut: Stmt[] = [];
    this.out = thenOut;
    then();
    const afterThen = this.flags;
    this.flags = before;
    const elseOut: Stmt[] = [];
    if (otherwise) { this.out = elseOut; otherwise(); }
    const afterElse = this.flags;
    this.openScopes.pop();
    this.out = saved;
    this.out.push(ifStmt(testFor(c), thenOut, elseOut));
    // temporaries made inside a branch are out of scope after it; a record made before the branch
    // and left by both (an if_ nested in them makes a new knowledge object, not a new record) still is
    this.flags = {
      lz: afterThen.lz === afterElse.lz ? afterThen.lz : null,
      last: afterThen.last === before.last && afterElse.last === before.last ? before.last : null,
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

