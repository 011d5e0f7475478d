/**
 * The statement shapes region emission repeats, one small builder each:
 * leaving the region for an EIP, going to a block, the budget check on a
 * back-edge, the precise-fault point, the call of a helper
 * in its interpreter form, the checks that a store did not hit translated
 * code, and the check that a page of the region still maps the same frame. Each is a pure function of its arguments (numbering of exits and
 * sites is the caller's, emit/region.ts); names come from the ABI.
 */
import type { Helpers } from './host.ts';
import { ALL_REGS, CODE_EPOCH, LABELS, cpuField, hostFn, local, memoryField, perInstruction, reload, spill, reg, retiredBeforeKnown } from './abi.ts';
import { assign, bin, breakTo, call, continueAt as continueTo, exprStmt, ifStmt, index, logical, num, unary, type Expr, type Stmt } from './ast.ts';
import { X, testFor } from './expr-arith.ts';
import { tlbMaps } from '../../cpu/tlb.ts';

function breakRun(): Stmt {
  return breakTo(LABELS.run);
}

function continueAt(label: keyof typeof LABELS): Stmt {
  return continueTo(LABELS[label]);
}

/**
 * Leave the region for `target`, taking chain link `link` (0: none).
 * `skipped` instructions of the block, counted on its entry, did not run;
 * `site` numbers an indirect jump for the dispatcher's per-site cache.
 */
export function exitTo(target: Expr, link: number, skipped: number, site?: number): Stmt[] {
  const out: Stmt[] = [];
  if (skipped) out.push(assign(local('count'), num(skipped), '-='));
  if (site !== undefined) out.push(assign(cpuField('exitSite'), num(site)));
  // a linked exit's EIP is in the exit table (`XE[xl]`); `xl` is 0 until an exit sets it
  out.push(link > 0 ? assign(local('exitLink'), num(link)) : assign(local('exitEip'), target), breakRun());
  return out;
}

/** The case number of a region's dispatch case (region.ts), where an indirect jump looks for its block. */
export const DISPATCH = -1;

/** Run block `k` next. */
export function goToBlock(k: number): Stmt[] {
  return [assign(local('block'), num(k)), continueAt('run')];
}

/** Every `goToBlock` in a text, the block number its group 1 (emit/loops.ts reads and rewrites them). */
export const GO_TO_BLOCK = new RegExp(`(?<![\\w$])${goToBlock(0).join('').replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('0', '(\\d+)')}`, 'g');

/** Run the current block again, as its own inner loop. */
export function repeatBlock(): Stmt[] {
  return [continueAt('self')];
}

/** Go to the dispatch case with an indirect target. */
export function dispatch(target: Expr, dispatchCase: number): Stmt[] {
  return [assign(local('target'), target), ...goToBlock(dispatchCase)];
}

/** Leave by `exit` unless a block of `n` instructions fits in what is left of the instruction budget. */
export function budgetCheck(n: number, exit: Stmt[]): Stmt {
  return ifStmt(bin('>', bin('+', local('count'), num(n)), local('budget')), exit);
}

/** Count a block's instructions on its entry. */
export function countInstructions(n: number): Stmt {
  return assign(local('count'), num(n), '+=');
}

/** Instruction `ip` may fault from here: a fault reports it, and restores ESP from `sp0` if it saves ESP. */
export function faultPoint(ip: number, savesEsp: boolean): Stmt[] {
  return savesEsp ? [assign(local('faultIndex'), num(ip)), assign(local('espAtStart'), reg(4))] : [assign(local('faultIndex'), num(ip))];
}


/** `cpu.instructions` counting every instruction before one with `left` after it in its block (a helper may read it: rdtsc). */
export function syncInstructions(left: number): Stmt {
  return assign(cpuField('instructions'), retiredBeforeKnown(left));
}

/** How a helper call runs its row: `exec` (a helper row), `long` (its long form alone), `interp` (a semantic row through the interpreter's Ops). */
export type InterpreterForm = 'exec' | 'long' | 'interp';

/** Run instruction `ip` in its interpreter form through `h[fn]`, EIP already at `next`. */
export function callInterpreterForm(fn: keyof Helpers & InterpreterForm, ip: number, next: number): Stmt[] {
  return [
    assign(cpuField('eip'), num(next)),
    exprStmt(call(hostFn(fn), [local('cpu'), perInstruction('instrs', num(ip))])),
  ];
}

/**
 * The slow-path call of a helper row: state written back, the interpreter
 * form run, state reloaded. It may read and write every register.
 */
export function helperCall(fn: InterpreterForm, ip: number, left: number, next: number): Stmt[] {
  return [
    ...faultPoint(ip, true),
    ...spill(ALL_REGS),
    syncInstructions(left),
    // a fault inside leaves the CPU's state as the interpreter leaves it: the region's `finally` keeps it
    assign(local('inHelper'), num(1)),
    ...callInterpreterForm(fn, ip, next),
    assign(local('inHelper'), num(0)),
    ...reload(ALL_REGS),
  ];
}

/** After a slow-path store: leave by `exit` if it hit translated code. */
export function smcCheck(exit: Stmt[]): Stmt {
  return ifStmt(local('smc'), exit);
}

/**
 * Has the code epoch moved since the region began? The machine moves it for
 * a write to translated code, a device's DMA, an interrupt a device made
 * deliverable on the running vCPU and a request for the vCPU back.
 */
export function codeEpochMoved(): Expr {
  return bin('!==', memoryField(CODE_EPOCH), local('epoch'));
}

/** The code epoch as the region found it. */
export function codeEpochSame(): Expr {
  return bin('===', memoryField(CODE_EPOCH), local('epoch'));
}

/** After a helper: leave by `exit` if it wrote to translated code. */
export function epochCheck(exit: Stmt[]): Stmt {
  return ifStmt(codeEpochMoved(), exit);
}

/**
 * Code runs on only while its linear page still maps the frame it was
 * translated from, with the rights `rmask` asks (else `exit`): a block on
 * the region's second page, code after an inlined call that may change the
 * address space.
 */
export function mappingCheck(linPage: number, physPage: number, rmask: number, exit: Stmt[]): Stmt {
  const e = index(local('tlb'), num(linPage));
  return ifStmt(testFor(X.xor(tlbMaps(X, e, num(physPage & ~0xfff | 0), num(rmask)), num(1))), exit);
}

/**
 * After an inlined call that may have dropped TLB entries: code at linear
 * page `linPage` runs on only if it is fetched from `physPage` now, the TLB
 * or else a page walk, which fills the TLB and sets accessed bits exactly as
 * the called path's fetch of its next instruction does (else `exit`, and
 * the engine's fetch faults or finds the new mapping).
 */
export function fetchCheck(linPage: number, physPage: number, rmask: number, exit: Stmt[]): Stmt {
  const frame = num(physPage & ~0xfff | 0);
  const cached = testFor(tlbMaps(X, index(local('tlb'), num(linPage)), frame, num(rmask)));
  const walked = call(hostFn('fetchesFrom'), [local('cpu'), num(linPage << 12 | 0), frame]);
  return ifStmt(unary('!', logical('||', cached, walked)), exit);
}
