/**
 * From guest code to one JavaScript function.
 *
 * 1. Discovery: starting at the entry EIP, decode basic blocks and follow
 *    direct branches that stay on the entry's 4 KiB page or the next one.
 *    The result is a region: a few blocks with jumps between them, so that a
 *    guest loop becomes a JavaScript loop.
 * 2. Flag liveness: a backward pass over each block finds, per instruction,
 *    which of the flags it writes are read before being overwritten; the rest
 *    are never computed.
 * 3. Emission: each instruction's semantic function runs through `EmitOps`
 *    (the same function the interpreter runs). Helper rows, and any row the
 *    emitter cannot express, become a call of their interpreter form with the
 *    state written back around it.
 * 4. The function: blocks are the cases of a `switch` inside a loop; a jump to
 *    a block of the region is `pc = k; continue`, anything else leaves with
 *    the target EIP written to the CPU. Loop back-edges check the instruction
 *    budget so interrupts and time slices still happen. A `try` around it all
 *    writes back the state as it was at the start of a faulting instruction.
 *
 * The AST is printed by astring and compiled once with `new Function`.
 */
import { generate } from 'astring';
import { parse } from 'acorn';
import type * as E from 'estree';
import type { Cpu } from '../../cpu/cpu.ts';
import { Fault } from '../../isa/faults.ts';
import { Access, TLB_RS, TLB_RU } from '../../cpu/mmu.ts';
import { HELPERS } from '../../semantics/helpers.ts';
import { decode, type CodeSource } from '../../isa/decoder.ts';
import { TABLE } from '../../semantics/table.ts';
import type { Instr } from '../../isa/instr.ts';
import { K, Sz } from '../../isa/operands.ts';
import { ARITH } from '../../isa/eflags.ts';
import { EmitOps, type EmitContext } from '../emit/emit-ops.ts';
import { effectsOf } from '../emit/probe-ops.ts';
import type { CallSiteInliner } from '../inline/call-sites.ts';
import { H } from '../emit/host.ts';
import {
  id, num, litValue, bin, logical, unary, call, member, index, assign, exprStmt, decl, ifStmt, block, ret,
  type Expr, type Stmt,
} from '../emit/ast.ts';

export interface Translation {
  /** runs the region; returns the chained successor, if one is linked for the exit taken */
  fn: (cpu: Cpu) => Translation | undefined;
  valid: boolean;
  key: number;
  entryEip: number;
  /** physical pages the region's code came from */
  pages: number[];
  /** chained successors by static exit number */
  links: (Translation | undefined)[];
  /** EIPs of the static exits, by exit number */
  exitEips: number[];
  /** per indirect-jump site: the translation its target had last time */
  sites: (Translation | undefined)[];
  /** physical page of the entry (a cached target is only reused while its page maps the same frame) */
  entryPage: number;
  source: string;
  instructions: number;
  blocks: number;
}

export interface CompileLimits {
  maxInstructions: number;
  maxBlocks: number;
  /**
   * Leave out helpers that reach devices or the machine (rows marked
   * `external`): lockstep runs a region twice, and those must happen once,
   * in the interpreter.
   */
  excludeSideEffects?: boolean;
}

export const DEFAULT_LIMITS: CompileLimits = { maxInstructions: 160, maxBlocks: 24 };

interface Block {
  eip: number;
  instrs: Instr[];
  /** the block stops before an instruction that could not be decoded at translation time */
  stopEip?: number;
}

function hasStaticTarget(i: Instr): boolean {
  return i.row.operands.some((o) => o.kind === K.J);
}

/** Does the block end after this instruction? */
function endsBlock(i: Instr): boolean {
  return !!i.row.end || !!i.row.opaque;
}

export class RegionCompiler {
  /** call sites the translator may replace with specialised code (translator/inline/call-sites.ts) */
  readonly inliners: CallSiteInliner[] = [];
  /** calls replaced so far, by inliner name */
  readonly inlined = new Map<string, number>();

  constructor(private readonly limits: CompileLimits = DEFAULT_LIMITS) {}

  /** Translate the code at the CPU's current CS:EIP. Returns undefined if it cannot be translated. */
  compile(cpu: Cpu, key: number): Translation | undefined {
    const entry = cpu.eip;
    const entryPage = entry >>> 12;
    const user = cpu.cpl === 3;
    const code32 = cpu.code32;
    // a code source over the entry page and the next, translating without leaving the region
    const physOfPage = new Map<number, number>();
    const src: CodeSource = {
      fetch8(eip: number): number {
        const page = eip >>> 12;
        if (page !== entryPage && page !== ((entryPage + 1) & 0xfffff)) throw new Fault(14, 0);
        let base = physOfPage.get(page);
        if (base === undefined) {
          base = cpu.mmu.translate(page << 12, Access.FETCH) & ~0xfff;
          if (!cpu.mem.fastReadable(base)) throw new Fault(14, 0);
          physOfPage.set(page, base);
        }
        return cpu.mem.u8[base | (eip & 0xfff)];
      },
    };

    // reads guest data without faulting or touching A/D bits more than a fetch would (jump tables)
    const peek32 = (lin: number): number | undefined => {
      try { return cpu.mem.read(cpu.mmu.translate(lin, Access.READ), 4); } catch (e) { if (e instanceof Fault) return undefined; throw e; }
    };
    const blocks = this.discover(src, entry, code32, peek32);
    if (blocks.length === 0 || blocks[0].instrs.length === 0) return undefined;
    const pages = [...physOfPage.entries()];
    const ctx = {
      user, stack32: cpu.stack32, flat: true,
      secondPage: pages.find(([lin]) => lin !== entryPage),
      rmask: user ? TLB_RU : TLB_RS,
    };
    return this.emit(cpu, key, entry, blocks, pages.map(([, phys]) => phys >>> 12), ctx);
  }

  private discover(src: CodeSource, entry: number, code32: boolean, peek32: (lin: number) => number | undefined): Block[] {
    const leaders = new Set<number>([entry]);
    const work = [entry];
    const decoded = new Map<number, Instr | null>();
    let total = 0;
    const inPages = (t: number): boolean => {
      const page = t >>> 12;
      return page === entry >>> 12 || page === (((entry >>> 12) + 1) & 0xfffff);
    };
    const decodeAt = (eip: number): Instr | null => {
      if (decoded.has(eip)) return decoded.get(eip)!;
      let i: Instr | null;
      try { i = decode(TABLE, src, eip, code32); } catch (e) { if (e instanceof Fault) i = null; else throw e; }
      decoded.set(eip, i);
      return i;
    };
    const seq = new Map<number, Block>();
    while (work.length && seq.size < this.limits.maxBlocks && total < this.limits.maxInstructions) {
      const start = work.shift()!;
      if (seq.has(start)) continue;
      const b: Block = { eip: start, instrs: [] };
      seq.set(start, b);
      let eip = start;
      for (;;) {
        if (b.instrs.length && leaders.has(eip)) break;
        if (total >= this.limits.maxInstructions) { b.stopEip = eip; break; }
        const i = decodeAt(eip);
        if (!i) { b.stopEip = eip; break; }
        if (this.limits.excludeSideEffects && i.row.external) { b.stopEip = eip; break; }
        b.instrs.push(i);
        total++;
        if (endsBlock(i)) {
          const targets: number[] = [];
          if (hasStaticTarget(i)) {
            targets.push(i.imm);
            if (i.row.flow === 'branch') targets.push(i.next);
          }
          // where a call returns to: reached by the callee's ret, an indirect jump the region can take in place
          if (i.row.flow === 'call') targets.push(i.next);
          // jmp [table + reg*4]: the table's entries are likely targets (only a hint: the jump still checks)
          if (i.row.flow === 'jump' && i.mod !== 3 && i.mod >= 0 && i.base < 0 && i.index >= 0 && i.scale === 2 && i.opsize === 4) {
            for (let k = 0; k < 64; k++) {
              const t = peek32((i.disp + 4 * k) | 0);
              if (t === undefined || !inPages(t)) break;
              targets.push(t);
            }
          }
          for (const t of targets) {
            if (inPages(t) && !leaders.has(t)) {
              leaders.add(t);
              work.push(t);
            }
          }
          break;
        }
        eip = i.next;
      }
    }
    // split blocks at leaders found after they were decoded
    const out: Block[] = [];
    for (const b of seq.values()) {
      let cur: Block = { eip: b.eip, instrs: [] };
      for (const i of b.instrs) {
        if (cur.instrs.length && leaders.has(i.eip)) { out.push(cur); cur = { eip: i.eip, instrs: [] }; }
        cur.instrs.push(i);
      }
      cur.stopEip = b.stopEip;
      out.push(cur);
    }
    // the entry block first; drop empty blocks that only mark a stop
    out.sort((x, y) => (x.eip === entry ? -1 : y.eip === entry ? 1 : 0));
    return out.filter((b, k) => k === 0 || b.instrs.length > 0);
  }

  private emit(cpu: Cpu, key: number, entry: number, blocks: Block[], pages: number[],
    region: { user: boolean; stack32: boolean; secondPage?: [number, number]; rmask: number }): Translation {
    const blockIndex = new Map<number, number>();
    blocks.forEach((b, k) => { if (b.instrs.length) blockIndex.set(b.eip, k); });
    const instrs: Instr[] = [];
    const eips: number[] = [];
    const left: number[] = [];
    const exitEips: number[] = [];
    const entryPage = entry >>> 12;
    let current = 0;
    let selfLoop = false;
    let indirectSites = 0;
    const DISPATCH = -1;

    let sites = 0;
    /** leave for `target`; `skipped` instructions of the block (counted on entry) did not run */
    const exitTo = (target: Expr, skipped = 0, indirect = false): Stmt[] => {
      const t = litValue(target);
      let link = -1;
      if (t !== undefined && t >>> 12 === entryPage) {
        link = exitEips.indexOf(t);
        if (link < 0) { link = exitEips.length; exitEips.push(t); }
      }
      const out: Stmt[] = [];
      if (skipped) out.push(assign(id('ic'), num(skipped), '-='));
      // an indirect jump (ret, jmp reg): tell the dispatcher which site, for its per-site target cache
      if (indirect) out.push(assign(member(id('cpu'), 'exitSite'), num(sites++)));
      out.push(assign(id('xe'), target), assign(id('xl'), num(link)), { type: 'BreakStatement', label: id('run') });
      return out;
    };
    const jumpTo = (target: Expr): Stmt[] => {
      const t = litValue(target);
      if (t === undefined) {
        // an indirect jump: the region's shared dispatch case continues in place if it lands on one of its blocks
        indirectSites++;
        return [assign(id('xt'), target), assign(id('pc'), num(DISPATCH)), { type: 'ContinueStatement', label: id('run') }];
      }
      const k = blockIndex.get(t);
      if (k === undefined) return exitTo(target, 0, false);
      // a block jumping to itself is its own inner loop: no trip through the switch
      const go: Stmt[] = k === current && selfLoop
        ? [{ type: 'ContinueStatement', label: id('self') }]
        : [assign(id('pc'), num(k)), { type: 'ContinueStatement', label: id('run') }];
      if (k > current) return go;
      // a back-edge: leave when the instruction budget is spent
      return [ifStmt(bin('>=', id('ic'), id('lim')), exitTo(target)), ...go];
    };
    const ctx: EmitContext = { user: region.user, stack32: region.stack32, flat: true, jump: (t) => jumpTo(t) };
    const ops = new EmitOps(ctx);
    this.writeBacks = [];
    this.placeholders = [];
    this.savesEsp = [];

    const cases: E.SwitchCase[] = [];
    for (let k = 0; k < blocks.length; k++) {
      current = k;
      const b = blocks[k];
      const last = b.instrs[b.instrs.length - 1];
      selfLoop = !!last && hasStaticTarget(last) && last.imm === b.eip;
      const body: Stmt[] = [];
      ops.out = body;
      ops.flags = { lz: null, last: null };
      // the part of the region on the next page is only valid while that page maps the same frame
      if (region.secondPage && b.eip >>> 12 === region.secondPage[0]) {
        const [linPage, phys] = region.secondPage;
        const e = index(id('tlb'), num(linPage));
        body.push(ifStmt(logical('||', bin('!==', bin('&', e, num(~0xfff)), num(phys & ~0xfff | 0)), unary('!', bin('&', e, num(region.rmask)))),
          exitTo(num(b.eip))));
      }
      body.push(assign(id('ic'), num(b.instrs.length), '+='));
      // flag liveness, backwards over the block. Everything is live at its end, and
      // wherever state can be seen mid-block: before an instruction that may fault
      // (the fault shows the state before it) and after a store (a store to
      // translated code ends the region right after it).
      const liveOut: number[] = new Array(b.instrs.length);
      let live = ARITH;
      for (let n = b.instrs.length - 1; n >= 0; n--) {
        const fx = effectsOf(b.instrs[n], region.stack32 ? 4 : 2);
        if (fx.stores) live = ARITH;
        liveOut[n] = live;
        const row = b.instrs[n].row;
        // only flags the semantics really write for this instruction (a shift count masked to 0 writes none)
        live = (live & ~(row.fout & fx.flagsWritten)) | row.fin;
        if (fx.loads || fx.stores || fx.raises) live = ARITH;
      }
      let transferred = false;
      b.instrs.forEach((i, n) => {
        const ip = instrs.length;
        instrs.push(i);
        eips.push(i.eip);
        left.push(b.instrs.length - 1 - n);
        const skipped = b.instrs.length - 1 - n;
        transferred = this.emitInstr(ops, i, ip, liveOut[n], body, (t) => exitTo(t, skipped));
      });
      if (!transferred) {
        const last = b.instrs[b.instrs.length - 1];
        const next = b.stopEip ?? (last ? last.next : b.eip);
        body.push(...jumpTo(num(next)));
      }
      const inner: Stmt = selfLoop
        ? { type: 'LabeledStatement', label: id('self'), body: { type: 'ForStatement', init: null, test: null, update: null, body: block(body) } }
        : block(body);
      cases.push({ type: 'SwitchCase', test: num(k), consequent: [inner] });
    }

    if (indirectSites) {
      // the dispatch case: an indirect target that is a block of the region continues there
      const targets: E.SwitchCase[] = [...blockIndex.entries()].map(([eip, k]) => ({
        type: 'SwitchCase' as const, test: num(eip), consequent: [assign(id('pc'), num(k)), { type: 'ContinueStatement' as const, label: id('run') }],
      }));
      cases.push({
        type: 'SwitchCase', test: num(DISPATCH), consequent: [block([
          ifStmt(bin('>=', id('ic'), id('lim')), exitTo(id('xt'), 0, true)),
          { type: 'SwitchStatement', discriminant: id('xt'), cases: targets },
          ...exitTo(id('xt'), 0, true),
        ])],
      });
    }
    const fnAst = this.wrap(cases, ops.regsRead | ops.regsWritten, ops.regsWritten);
    // drop the placeholders that stayed empty
    const empty = new Set(this.placeholders.filter((p) => p.node.body.length === 0).map((p) => p.node));
    for (const parent of new Set(this.placeholders.map((p) => p.parent))) {
      let w = 0;
      for (let r = 0; r < parent.length; r++) if (!empty.has(parent[r] as E.BlockStatement)) parent[w++] = parent[r];
      parent.length = w;
    }
    const program: E.Program = { type: 'Program', sourceType: 'script', body: [ret(fnAst)] };
    // compact: V8 parses less; prettySource() re-indents for people
    const source = generate(program, { indent: '', lineEnd: '\n' });
    const factory = new Function('h', 'hp', 'INS', 'L', 'MEM', 'EIPS', 'LEFT', 'SPX', 'T', source) as (...a: unknown[]) => (cpu: Cpu) => Translation | undefined;
    const t: Translation = {
      fn: undefined as unknown as Translation['fn'], valid: true, key, entryEip: entry, pages,
      links: [], exitEips, source, instructions: instrs.length, blocks: blocks.length,
      sites: new Array(sites).fill(undefined), entryPage: pages[0] ?? -1,
    };
    t.links = new Array(exitEips.length).fill(undefined);
    t.fn = factory(H, HELPERS, instrs, t.links, cpu.mem, eips, left, this.savesEsp, t);
    return t;
  }

  /**
   * Emit one instruction. Returns true if it ended with an unconditional
   * transfer of control (nothing after it runs).
   */
  /** Write-back blocks made so far; filled in once the region's register sets are known. */
  private writeBacks: E.BlockStatement[] = [];
  /** per instruction index: 1 when it saved ESP in sp0 at its start (a fault restores it from there) */
  private savesEsp: number[] = [];
  /** statements that leave `cpu.instructions` counting every instruction before `ip` (a helper may read it: rdtsc) */
  private syncInstructions(ip: number): Stmt {
    return assign(member(id('cpu'), 'instructions'), bin('-', bin('+', id('i0'), id('ic')), bin('+', index(id('LEFT'), num(ip)), num(1))));
  }
  /** blocks emitted in advance that may stay empty, with the statement list holding them */
  private placeholders: { parent: Stmt[]; node: E.BlockStatement }[] = [];

  /** A write-back of registers and flags, to be filled in at the end of emission. */
  private writeBack(): Stmt {
    const b = block([]);
    this.writeBacks.push(b);
    return b;
  }

  private emitInstr(ops: EmitOps, i: Instr, ip: number, liveOut: number, body: Stmt[], exitTo: (t: Expr) => Stmt[]): boolean {
    const row = i.row;
    const start = body.length;
    // `ip` (and ESP) at the instruction's start, for a precise fault; filled in once we know it may fault
    const pre = block([]);
    body.push(pre);
    this.placeholders.push({ parent: body, node: pre });
    const mark = (touchesEsp: boolean) => {
      pre.body.push(assign(id('ip'), num(ip)));
      if (touchesEsp) { pre.body.push(assign(id('sp0'), id('r4'))); this.savesEsp[ip] = 1; }
    };
    // a direct call an inliner claims becomes its specialised code, and the region goes on after it
    if (row.flow === 'call' && hasStaticTarget(i) && this.inliners.length) {
      for (const inliner of this.inliners) {
        ops.mayThrow = false;
        ops.touchesEsp = false;
        ops.stored = false;
        ops.liveFlagsOut = ARITH;
        if (inliner.inline(i, i.imm, ops)) {
          this.inlined.set(inliner.name, (this.inlined.get(inliner.name) ?? 0) + 1);
          if (ops.mayThrow || ops.touchesEsp) mark(ops.touchesEsp);
          if (ops.stored) body.push(ifStmt(id('smc'), exitTo(num(i.next))));
          return false;
        }
        body.length = start + 1;
      }
    }
    const useHelper = !!row.exec || row.priv || row.fpu;
    if (!useHelper && row.sem) {
      ops.mayThrow = false;
      ops.touchesEsp = false;
      ops.stored = false;
      ops.liveFlagsOut = liveOut;
      const saved = ops.flags;
      try {
        row.sem(ops, i);
        if (ops.mayThrow || ops.touchesEsp) mark(ops.touchesEsp);
        // did a store hit translated code? then leave before running stale code
        if (ops.stored) body.push(ifStmt(id('smc'), exitTo(num(i.next))));
        return !!row.end && row.flow !== 'branch';
      } catch (e) {
        // the emitter cannot express this form: run its interpreter form instead
        body.length = start;
        ops.flags = saved;
        void e;
      }
    }
    if (row.exec && row.fpu) return this.emitX87(ops, i, ip, body, exitTo);
    // helper: state goes back to the CPU, the interpreter form runs, state comes back;
    // it may read and write any register
    ops.regsRead = 0xff;
    ops.regsWritten = 0xff;
    body.push(assign(id('ip'), num(ip)), assign(id('sp0'), id('r4')));
    this.savesEsp[ip] = 1;
    body.push(this.writeBack());
    body.push(this.syncInstructions(ip));
    body.push(assign(member(id('cpu'), 'eip'), num(i.next)));
    body.push(exprStmt(call(member(id('h'), row.exec ? 'exec' : 'interp'), [id('cpu'), index(id('INS'), num(ip))])));
    body.push(...reload());
    ops.flags = { lz: null, last: null };
    if (endsBlock(i) || !row.exec) {
      body.push(...exitTo(member(id('cpu'), 'eip')));
      return true;
    }
    body.push(ifStmt(bin('!==', member(id('MEM'), 'codeEpoch'), id('ep')), exitTo(num(i.next))));
    return false;
  }

  /**
   * An x87 helper. Its state lives in the CPU already, so only what the row
   * touches crosses over: the registers of its memory operand, the flags if
   * it reads them (fcmov), and back the flags it writes (fcomi) and the
   * registers it names (fnstsw ax).
   */
  private emitX87(ops: EmitOps, i: Instr, ip: number, body: Stmt[], exitTo: (t: Expr) => Stmt[]): boolean {
    const row = i.row;
    body.push(assign(id('ip'), num(ip)), assign(id('sp0'), id('r4')));
    this.savesEsp[ip] = 1;
    body.push(this.syncInstructions(ip));
    const memory = i.mod >= 0 && i.mod !== 3;
    // registers it writes go over too: a 16-bit write (fnstsw ax) keeps the rest of the register
    const written = new Set<number>();
    for (const o of row.operands) {
      const r = o.kind === K.FixedReg ? o.fixed : o.kind === K.E && i.mod === 3 ? i.rm : o.kind === K.G ? i.reg : -1;
      if (r >= 0) written.add(o.size === Sz.b ? r & 3 : r);
    }
    for (const r of new Set([...(memory ? [i.base, i.index] : []), ...written])) {
      if (r < 0) continue;
      ops.regsRead |= 1 << r;
      body.push(assign(index(id('R'), num(r)), id(`r${r}`)));
    }
    // flags go over whole: a row that writes some of them must not lose the others (DF, IF)
    if (row.fin || row.fout) body.push(...flagWriteBack());
    body.push(assign(member(id('cpu'), 'eip'), num(i.next)));
    body.push(exprStmt(call(member(id('h'), 'exec'), [id('cpu'), index(id('INS'), num(ip))])));
    for (const r of written) {
      ops.regsWritten |= 1 << r;
      body.push(assign(id(`r${r}`), index(id('R'), num(r))));
    }
    if (row.fout) {
      body.push(...flagReload());
      ops.flags = { lz: null, last: null };
    }
    if (memory) body.push(ifStmt(bin('!==', member(id('MEM'), 'codeEpoch'), id('ep')), exitTo(num(i.next))));
    return false;
  }

  private wrap(cases: E.SwitchCase[], used: number, written: number): E.FunctionExpression {
    // only the registers the region touches are loaded, and only those it changes are stored
    used |= 1 << 4; // ESP is needed for sp0
    const regs = [0, 1, 2, 3, 4, 5, 6, 7].filter((r) => used & (1 << r));
    for (const b of this.writeBacks) b.body.push(...writeBackStatements(written));
    const pre: Stmt[] = [
      decl('const', 'R', member(id('cpu'), 'regs')),
      decl('const', 'tlb', member(member(id('cpu'), 'mmu'), 'tlb')),
      decl('const', 'm8', member(id('MEM'), 'u8')),
      decl('const', 'm16', member(id('MEM'), 'u16')),
      decl('const', 'm32', member(id('MEM'), 'i32')),
      decl('const', 'ep', member(id('MEM'), 'codeEpoch')),
      decl('const', 'lim', member(id('cpu'), 'budget')),
      ...regs.map((r) => decl('let', `r${r}`, index(id('R'), num(r)))),
      decl('let', 'fl', member(id('cpu'), 'eflags')),
      decl('let', 'lz', member(id('cpu'), 'lazy')),
      decl('let', 'lop', member(id('cpu'), 'lop')),
      decl('let', 'lres', member(id('cpu'), 'lres')),
      decl('let', 'la', member(id('cpu'), 'la')),
      decl('let', 'lb', member(id('cpu'), 'lb')),
      decl('const', 'i0', member(id('cpu'), 'instructions')),
      decl('let', 'ic', num(0)),
      decl('let', 'ip', num(0)),
      decl('let', 'sp0', id('r4')),
      decl('let', 'pc', num(0)),
      decl('let', 'xe', num(0)),
      decl('let', 'xl', num(-1)),
      decl('let', 'smc', num(0)),
      decl('let', 'xt', num(0)),
    ];
    const loop: Stmt = {
      type: 'LabeledStatement', label: id('run'),
      body: { type: 'ForStatement', init: null, test: null, update: null, body: block([{ type: 'SwitchStatement', discriminant: id('pc'), cases }]) },
    };
    const onFault: Stmt[] = [
      // registers and flags as at the start of instruction `ip` (the CPU already has them after a helper)
      ...writeBackStatements(written),
      // ESP as at the instruction's start, if the instruction moved it before faulting
      ifStmt(index(id('SPX'), id('ip')), [assign(index(id('R'), num(4)), id('sp0'))]),
      assign(member(id('cpu'), 'eip'), index(id('EIPS'), id('ip'))),
      assign(member(id('cpu'), 'instructions'), bin('-', bin('+', id('i0'), id('ic')), index(id('LEFT'), id('ip')))),
      { type: 'ThrowStatement', argument: id('ex') },
    ];
    const tryStmt: Stmt = {
      type: 'TryStatement', block: block([loop]),
      handler: { type: 'CatchClause', param: id('ex'), body: block(onFault) }, finalizer: null,
    };
    const post: Stmt[] = [
      ...writeBackStatements(written),
      assign(member(id('cpu'), 'eip'), id('xe')),
      assign(member(id('cpu'), 'instructions'), bin('+', id('i0'), id('ic'))),
      ret({ type: 'ConditionalExpression', test: bin('>=', id('xl'), num(0)), consequent: index(id('L'), id('xl')), alternate: id('undefined') }),
    ];
    return { type: 'FunctionExpression', id: id('translated'), params: [id('cpu')], body: block([...pre, tryStmt, ...post]), generator: false, async: false };
  }
}

/** Generated source re-indented for reading (expect files, --dump, lockstep reports). */
export function prettySource(source: string): string {
  return generate(parse(source, { ecmaVersion: 'latest', allowReturnOutsideFunction: true }) as unknown as E.Program);
}

/** Locals back into the CPU: the registers in `regs` (a bit mask) and the flag record. */
function writeBackStatements(regs: number): Stmt[] {
  const out: Stmt[] = [];
  for (let r = 0; r < 8; r++) if (regs & (1 << r)) out.push(assign(index(id('R'), num(r)), id(`r${r}`)));
  for (const [local, field] of [['fl', 'eflags'], ['lz', 'lazy'], ['lop', 'lop'], ['lres', 'lres'], ['la', 'la'], ['lb', 'lb']]) {
    out.push(assign(member(id('cpu'), field), id(local)));
  }
  return out;
}

const FLAG_FIELDS = [['fl', 'eflags'], ['lz', 'lazy'], ['lop', 'lop'], ['lres', 'lres'], ['la', 'la'], ['lb', 'lb']];

function flagWriteBack(): Stmt[] {
  return FLAG_FIELDS.map(([local, field]) => assign(member(id('cpu'), field), id(local)));
}

function flagReload(): Stmt[] {
  return FLAG_FIELDS.map(([local, field]) => assign(id(local), member(id('cpu'), field)));
}

/** The CPU back into locals (after a helper ran). */
function reload(): Stmt[] {
  const out: Stmt[] = [];
  for (let r = 0; r < 8; r++) out.push(assign(id(`r${r}`), index(id('R'), num(r))));
  for (const [local, field] of [['fl', 'eflags'], ['lz', 'lazy'], ['lop', 'lop'], ['lres', 'lres'], ['la', 'la'], ['lb', 'lb']]) {
    out.push(assign(id(local), member(id('cpu'), field)));
  }
  return out;
}

