/**
 * Region emission: a region's blocks become one JavaScript function.
 *
 * Blocks are the cases of a `switch` inside a labelled loop (`run`): a jump
 * to a block of the region is `pc = k; continue run`, a block that jumps to
 * itself is its own inner loop (`self`), so is a simple loop's header with
 * the loop's blocks copied into it (loops.ts), and anything else leaves the loop
 * with the target EIP and, for a fixed target on the entry page, the number
 * of its chain link (the code cache links it to the next translation). An
 * indirect jump goes to a shared dispatch case that continues in place when
 * the target is one of the region's blocks; a jump through a table picks
 * among them itself, and a `ret` first tries in place the blocks the
 * region's calls return to (then the dispatch case), so that a loop calling
 * a function of its region is one loop to loops.ts. Back-edges and the dispatch case
 * check the instruction budget, so interrupts and time slices still happen.
 * Where every jump then goes forward and none is indirect, the loop and
 * its switch are left out (forward.ts): the blocks in order, nested in
 * labelled blocks that a jump breaks out of. An indirect jump keeps the
 * loop: its target is looked for among the blocks, and a loop closed by one
 * (a jump through a register, a far transfer going on in place) goes round
 * through the dispatch case.
 * A `try` around the blocks writes back the state as it was at the start of a
 * faulting instruction and reports that instruction's EIP.
 *
 * `emitRegion` is a function from a plan (blocks, live flags, facts) to the
 * text of a function expression and the tables it closes over. Its working state (block
 * numbering, exits, sites, the shared `EmitOps`) lives in one object made
 * per call, so nothing carries over from one region to the next. Called by
 * the compile pipeline only.
 */
import type { Instr } from '../../isa/instr.ts';
import { hasStaticTarget, isNearReturn, isTableJump, type Block } from '../region/discover.ts';
import { EmitOps, type EmitContext } from './emit-ops.ts';
import { structureLoops, type EmittedBlock } from './loops.ts';
import { forwardBlocks, nestForward } from './forward.ts';
import { emitInstruction, HOWS, type ClaimedCall, type How } from './instr.ts';
import {
  DISPATCH, budgetCheck, countInstructions, dispatch, exitTo, fetchCheck, goToBlock, mappingCheck, repeatBlock, smcCheck,
} from './statements.ts';
import { LABELS, LOCALS, addCallCounts, callCountsIn, namesIn, cpuField, cpuReg, local, param, perInstruction, prologue, spillFlags, spillRegs, usesFlags } from './abi.ts';
import {
  assign, bin, block, cond, decl, functionExpr, ifStmt, index, labelledLoop, litValue, num, ret, switchCase, switchStmt, tryFinally, unary,
  type Expr, type Stmt,
} from './ast.ts';

/** What the code was specialised on, beyond its bytes. */
export interface RegionFacts {
  /** CPL 3: user-mode TLB rights */
  user: boolean;
  stack32: boolean;
  /** [linear page, physical frame address] of the region's entry page, and of its second page if it has one */
  entryPage?: [number, number];
  secondPage?: [number, number];
  /** TLB rights a fetch needs at this privilege */
  rmask: number;
}

export interface RegionPlan {
  entry: number;
  blocks: Block[];
  /** per block, per instruction: flags live after it (region/liveness.ts) */
  liveOut: number[][];
  facts: RegionFacts;
  /** call instructions a call-site inliner claimed (translator/inline/) */
  claims: ReadonlyMap<Instr, ClaimedCall>;
  /** the emitter to build on, when inlined calls need more than EmitOps (default: EmitOps) */
  newOps?: (ctx: EmitContext) => EmitOps;
}

export interface EmittedRegion {
  /** the function expression's source */
  fn: string;
  /** per instruction index (the tables the function closes over, abi.ts PARAMS) */
  instrs: Instr[];
  eips: number[];
  left: number[];
  savesEsp: number[];
  /** EIPs of the static exits, by chain-link number (from 1: entry 0 is a placeholder for "no link") */
  exitEips: number[];
  /** the EIP each block starts at, by block number (the `pc` the function may start at), -1 for an empty one */
  blockEips: number[];
  /** indirect exit sites (per-site target cache entries) */
  sites: number;
  /** instructions by how they were emitted */
  emitted: Record<How, number>;
  /** inlined call sites, by what they call */
  replaced: Map<string, number>;
}

/** blockEips of an empty block */
export const NO_BLOCK = -1;

/** `ip` once the blocks have been left normally (no instruction is faulting). */
const NO_FAULT = -1;

export function emitRegion(plan: RegionPlan): EmittedRegion {
  return new RegionEmitter(plan).emit();
}

class RegionEmitter {
  private readonly ops: EmitOps;
  private readonly blockIndex = new Map<number, number>();
  private readonly out: EmittedRegion;
  /** the block being emitted, and whether it jumps to itself */
  private current = 0;
  private selfLoop = false;
  /** the block being emitted ends with a jump through a table */
  private tableJump = false;
  /** the block being emitted ends with a `ret` */
  private returns = false;
  /** blocks a call of the region returns to (where its callee's `ret` most likely goes) */
  private readonly returnPoints: number[];
  private indirectJumps = 0;

  constructor(private readonly plan: RegionPlan) {
    plan.blocks.forEach((b, k) => { if (b.instrs.length) this.blockIndex.set(b.eip, k); });
    const called = plan.blocks.flatMap((b) => b.instrs).filter((i) => i.row.flow === 'call' && !plan.claims.has(i) && this.blockIndex.has(i.next));
    this.returnPoints = [...new Set(called.map((i) => i.next))];
    const { user, stack32 } = plan.facts;
    const ctx: EmitContext = { user, stack32, flat: true, jump: (t) => this.jumpTo(t) };
    this.ops = plan.newOps ? plan.newOps(ctx) : new EmitOps(ctx);
    this.out = { fn: undefined!, instrs: [], eips: [], left: [], savesEsp: [], exitEips: [0], sites: 0,
      blockEips: plan.blocks.map((b) => (b.instrs.length ? b.eip : NO_BLOCK)),
      emitted: Object.fromEntries(HOWS.map((h) => [h, 0])) as Record<How, number>, replaced: new Map(),
    };
  }

  emit(): EmittedRegion {
    const emitted = this.plan.blocks.map((b, k) => this.emitBlock(b, k));
    this.out.fn = this.frame(this.body(structureLoops(emitted), emitted.map((b) => b.fallsThrough)));
    return this.out;
  }

  /**
   * The blocks in order as nested labelled blocks where every jump goes
   * forward and none is indirect (forward.ts), else as the cases of the
   * dispatch loop.
   */
  private body(blocks: Stmt[], fallsThrough: boolean[]): Stmt {
    const returnPoints = this.returnPoints.map((eip) => this.blockIndex.get(eip)!);
    const leaveFor = (k: number) => this.exitTo(num(this.out.blockEips[k]));
    const forward = forwardBlocks(blocks, fallsThrough, returnPoints, leaveFor);
    if (forward) {
      const entries = this.out.blockEips.flatMap((eip, k) => (k > 0 && eip !== NO_BLOCK ? [k] : []));
      return nestForward(forward, local('block'), entries);
    }
    const cases = blocks.map((b, k) => switchCase(k, [b]));
    if (this.indirectJumps) cases.push(this.dispatchCase());
    return labelledLoop(LABELS.run, [switchStmt(local('block'), cases)]);
  }

  /** Leave for `target`; `skipped` instructions of the block (counted on entry) did not run. */
  private exitTo(target: Expr, skipped = 0, indirect = false): Stmt[] {
    const t = litValue(target);
    let link = 0;
    if (t !== undefined && t >>> 12 === this.plan.entry >>> 12) {
      link = this.out.exitEips.indexOf(t, 1);
      if (link < 0) { link = this.out.exitEips.length; this.out.exitEips.push(t); }
    }
    // an indirect jump (ret, jmp reg) tells the dispatcher its site, for the per-site target cache; so does
    // an exit to a fixed EIP on another page: it cannot be chained (the link would skip the check that the
    // page still maps the same frame), but the site cache makes that check and spares the lookup
    const site = indirect || (t !== undefined && link === 0);
    return exitTo(target, link, skipped, site ? this.out.sites++ : undefined);
  }

  /** Continue at `target`: a block of the region, the dispatch case, or an exit. */
  private jumpTo(target: Expr): Stmt[] {
    const t = litValue(target);
    // the jumping instruction stored (a call's return address): if that hit translated code, leave for
    // the target rather than run the region's copy of it, which may be what the store just changed
    const leaveIfCodeHit = (stay: Stmt[]) => (this.ops.stored ? [smcCheck(this.exitTo(target, 0, t === undefined)), ...stay] : stay);
    if (t === undefined) {
      // a jump through a table goes somewhere else each time (a switch, a bytecode dispatch): it picks its
      // block itself rather than through the dispatch case, one pass of the block switch less a jump
      if (this.tableJump) return leaveIfCodeHit([assign(local('target'), target), this.selectBlock()]);
      this.indirectJumps++;
      // a ret most likely goes back after one of the region's calls: those are tried in place, one pass of
      // the block switch less, and loops.ts sees the way back to the caller (a loop of a call and its ret
      // took 4.35 ns through the dispatch case, 2.1 ns so; every block tried in place, 3.45 ns)
      if (this.returns && this.returnPoints.length) return leaveIfCodeHit([assign(local('target'), target), this.selectBlock(this.returnPoints, false)]);
      return leaveIfCodeHit(dispatch(target, DISPATCH));
    }
    const k = this.blockIndex.get(t);
    if (k === undefined) return this.exitTo(target);
    // every block checks on entry that it fits in the instruction budget
    return leaveIfCodeHit(k === this.current && this.selfLoop ? repeatBlock() : goToBlock(k));
  }

  private emitBlock(b: Block, k: number): EmittedBlock {
    this.current = k;
    const last = b.instrs[b.instrs.length - 1];
    this.tableJump = !!last && isTableJump(last);
    this.returns = !!last && isNearReturn(last);
    this.selfLoop = !!last && hasStaticTarget(last) && last.imm === b.eip;
    this.ops.startBlock();
    const body: Stmt[] = [];
    const second = this.plan.facts.secondPage;
    // a block that starts on the entry page may run onto the second one (an instruction across the
    // boundary, or code after it): the entry page's key says nothing of the second page's mapping
    if (second && b.instrs.some((i) => i.eip >>> 12 === second[0] || (i.eip + i.len - 1) >>> 12 === second[0])) {
      body.push(mappingCheck(second[0], second[1], this.plan.facts.rmask, this.exitTo(num(b.eip))));
    }
    // a claimed call retires the callee's instructions too: each has an entry in the tables after the call's
    const steps = b.instrs.map((i) => 1 + (this.plan.claims.get(i)?.calleeEips.length ?? 0));
    let after = steps.reduce((n, w) => n + w, 0);
    // the budget is exact: a block that would pass it leaves for its own EIP, and the engine interprets the rest
    body.push(budgetCheck(after, this.exitTo(num(b.eip))), countInstructions(after));
    let transferred = false;
    b.instrs.forEach((i, n) => {
      after -= steps[n];
      const claim = this.plan.claims.get(i);
      const ip = this.out.instrs.length;
      const eips = [i.eip, ...(claim?.calleeEips ?? [])];
      eips.forEach((eip, k) => {
        this.out.instrs.push(i);
        this.out.eips.push(eip);
        this.out.left.push(after + eips.length - 1 - k);
      });
      const exitAfter = (t: Expr, step = eips.length - 1, indirect = false) => this.exitTo(t, after + eips.length - 1 - step, indirect);
      const code = emitInstruction(i, {
        ops: this.ops, ip, left: this.out.left, liveOut: this.plan.liveOut[k][n], claim, exitTo: exitAfter,
        exitUnlessMapped: (t, step) => this.codePages().map(([lin, phys]) => {
          // the page the code goes on at is fetched afresh, as the called path's next fetch; any other must still be in the TLB
          const next = litValue(t);
          const check = next !== undefined && next >>> 12 === lin ? fetchCheck : mappingCheck;
          return check(lin, phys, this.plan.facts.rmask, exitAfter(t, step));
        }),
      });
      if (code.savesEsp) for (let j = 0; j < eips.length; j++) this.out.savesEsp[ip + j] = 1;
      this.out.emitted[code.how]++;
      if (claim) this.out.replaced.set(claim.name, (this.out.replaced.get(claim.name) ?? 0) + 1);
      body.push(...code.stmts);
      transferred = code.transferred;
    });
    // the block's own jump below is no instruction's: no store of its
    this.ops.stored = false;
    let fallsThrough = false;
    if (!transferred) {
      const next = b.stopEip ?? (last ? last.next : b.eip);
      // the next case is the next block: run on into it (a self-loop's body would repeat instead)
      fallsThrough = !this.selfLoop && this.blockIndex.get(next) === k + 1;
      if (!fallsThrough) body.push(...this.jumpTo(num(next)));
    }
    return { body, selfLoop: this.selfLoop, fallsThrough };
  }

  /** [linear page, frame] of each page the region's code is on */
  private codePages(): [number, number][] {
    const { entryPage, secondPage } = this.plan.facts;
    return [entryPage, secondPage].filter((p): p is [number, number] => p !== undefined);
  }

  /** The dispatch case: an indirect target that is a block of the region continues there. */
  private dispatchCase(): Stmt {
    return switchCase(DISPATCH, [this.selectBlock()]);
  }

  /**
   * Continue at the block whose EIP is in `target` among `eips` (every
   * block's), else leave for it (an indirect exit) or, with `orLeave`
   * false, go on to the dispatch case, which knows every block.
   */
  private selectBlock(eips = [...this.blockIndex.keys()], orLeave = true): Stmt {
    const targets = eips.map((eip) => switchCase(eip, goToBlock(this.blockIndex.get(eip)!)));
    const otherwise = orLeave ? this.exitTo(local('target'), 0, true) : goToBlock(DISPATCH);
    return block([switchStmt(local('target'), targets), ...otherwise]);
  }

  /**
   * The function around the blocks (`blocks`: the dispatch loop, or the
   * nested labelled blocks of a forward region): the prologue, then the
   * blocks in a `try` whose `finally` writes the state back once for both
   * ways out: a normal exit (`break run`, then `ip = -1`) reports the exit EIP; a fault
   * reports the faulting instruction's EIP and ESP as at its start, and the
   * exception goes on to the engine.
   */
  private frame(blocks: Stmt): string {
    // only the registers the region touches are loaded, and only those it changes are stored
    const used = this.ops.regsRead | this.ops.regsWritten | (1 << 4); // ESP is needed for sp0
    // both tables are read on every exit, link or none (their entry 0): a read that had never run
    // when V8 optimised the region (no link taken yet) sent it back to unoptimised code the first time
    // one was (191 of the 415 deoptimisations of regions in Linux's boot)
    const left: Stmt[] = [
      decl('const', LOCALS.linkedEip, index(param('exitEips'), local('exitLink'))),
      assign(cpuField('eip'), cond(local('exitLink'), local('linkedEip'), local('exitEip'))),
      assign(cpuField('instructions'), bin('+', local('i0'), local('count'))),
    ];
    const faulted: Stmt[] = [
      // ESP as at the instruction's start, if the instruction moved it before faulting
      ifStmt(perInstruction('savesEsp', local('faultIndex')), [assign(cpuReg(4), local('espAtStart'))]),
      assign(cpuField('eip'), perInstruction('eips', local('faultIndex'))),
      assign(cpuField('instructions'), bin('-', bin('+', local('i0'), local('count')), perInstruction('left', local('faultIndex')))),
    ];
    // what the blocks never name is neither declared nor written back (abi.ts prologue)
    const names = namesIn(blocks);
    const mentions = (name: string) => names.has(name);
    const writeBack = [...spillRegs(this.ops.regsWritten), ...(usesFlags(mentions) ? spillFlags() : [])];
    const callCounts = callCountsIn(names);
    const guarded = tryFinally(
      [blocks, assign(local('faultIndex'), num(NO_FAULT))],
      // registers and flags as at the start of the faulting instruction; a helper that faulted left them in
      // the CPU as the interpreter does (a rep string instruction's completed iterations included)
      [
        ...addCallCounts(callCounts),
        ...(mentions(LOCALS.inHelper) ? [ifStmt(unary('!', local('inHelper')), writeBack)] : writeBack),
        ifStmt(bin('<', local('faultIndex'), num(0)), left, faulted),
      ],
    );
    const chained = ret(index(param('links'), local('exitLink')));
    return functionExpr(LOCALS.fn, [LOCALS.cpu, LOCALS.block], [...prologue(used, this.ops.temporaries, mentions, callCounts), guarded, chained]);
  }
}
