/**
 * One instruction of a region becomes statements, in one of four ways,
 * decided from its row before anything is emitted (`emissionOf`):
 *
 * - inline: the row's semantic function runs through `EmitOps` and leaves
 *   specialised code (most rows);
 * - x87: an x87 row, whose state lives in the CPU already. A kernel row
 *   (semantics/families/fpu.ts) is a direct call of its kernel with the
 *   decoded numbers as literals and the operand's offset computed in place;
 *   nothing crosses over but fcomi's flags. Any other x87 row runs its
 *   helper: only the registers of its memory operand and those it names
 *   cross over, and the flags if it reads or writes them;
 * - helper call: every register and the flags go back to the CPU, the row's
 *   interpreter form runs (`h.exec` for a helper row, `h.interp` for a
 *   semantic row the emitter is told not to inline), and state comes back;
 * - common case: a helper row's common case (semantics/ops.ts
 *   `CommonCase`) inline, with the helper call where it does not apply.
 *
 * The decision names its reason, so the compiler can count how many
 * instructions were not inlined and why. There is no fall-back after the
 * fact: an exception while emitting is a translator bug and propagates.
 *
 * A call (or a tail call's jump) a call-site inliner claimed before emission
 * (translator/inline/, `ClaimedCall`) is emitted by its claim instead: the
 * call, what the callee runs and its return, in place; after a call the
 * region goes on.
 *
 * Called by region emission (region.ts), once per instruction, in order.
 */
import type { Instr } from '../../isa/instr.ts';
import type { Row } from '../../isa/table.ts';
import { K, Sz } from '../../isa/operands.ts';
import { ARITH } from '../../isa/eflags.ts';
import { endsBlock, goesOnAfterSegmentLoad } from '../region/discover.ts';
import { matCall, type EmitOps } from './emit-ops.ts';
import { cpuField, cpuReg, hostFn, local, reg, reloadFlags, spillFlags } from './abi.ts';
import { callInterpreterForm, codeEpochSame, epochCheck, faultPoint, helperCall, smcCheck, syncInstructions, type InterpreterForm } from './statements.ts';
import { assign, bin, call, cond, exprStmt, ifStmt, logical, num, unary, type Expr, type Stmt } from './ast.ts';
import { x87Arg, type X87Call } from '../../semantics/ops.ts';
import { fopOf } from '../../semantics/families/fpu-stack.ts';
import type { X87KernelName } from '../../semantics/families/fpu.ts';

/** Why an instruction is not inlined. */
export type HelperReason =
  /** a helper row (`exec`): it runs in its interpreter form by design */
  | 'helper'
  /** a semantic row with an admission check (CPL, x87 availability) only the interpreter form makes */
  | 'admission'
  /** a semantic row with an operand kind `EmitOps` cannot read or write */
  | 'operand';

export type Emission = { kind: 'inline' } | { kind: 'common' } | { kind: 'x87' } | { kind: 'helper'; reason: HelperReason };

/** How an instruction was emitted: inlined, replaced by a call replacer, as an x87 helper, or as a helper call for a reason. */
export type How = 'inline' | 'replaced' | 'x87' | HelperReason;

/** Every `How`, in the order statistics list them. */
export const HOWS: readonly How[] = ['inline', 'replaced', 'x87', 'helper', 'admission', 'operand'];

/** Operand kinds `EmitOps.get` and `set` express (the rest exist only in helper rows). */
const EMITTABLE_OPERANDS: ReadonlySet<K> = new Set([
  K.E, K.G, K.M, K.R, K.I, K.J, K.O, K.S, K.Z, K.A, K.X, K.Y, K.FixedReg, K.FixedSeg, K.One,
]);

const INLINE: Emission = { kind: 'inline' };
const COMMON: Emission = { kind: 'common' };
const X87: Emission = { kind: 'x87' };

/** How a row is emitted, decided before emission. */
export function emissionOf(row: Row): Emission {
  if (row.exec) return row.fpu ? X87 : row.common ? COMMON : { kind: 'helper', reason: 'helper' };
  if (!row.sem) throw new Error(`row ${row.opcodeText} ${row.mn} has neither semantics nor a helper`);
  if (row.priv || row.fpu) return { kind: 'helper', reason: 'admission' };
  if (!row.operands.every((o) => EMITTABLE_OPERANDS.has(o.kind))) return { kind: 'helper', reason: 'operand' };
  return INLINE;
}

/**
 * A call instruction a call-site inliner claimed before emission
 * (translator/inline/call-sites.ts): emitted in its place, it has the whole
 * effect of the call, of what the callee runs and of its return, and the
 * region goes on after it. A jump to the callee (a tail call) may be
 * claimed too: its callee's return leaves for wherever it returns to. The callee's instructions count as retired guest
 * instructions (`calleeEips`, one entry each in the region's per-instruction
 * tables), so instruction counts, guest time, and the state a fault inside
 * the callee shows are those of the called path.
 */
export interface ClaimedCall {
  /** what is inlined, for statistics (the VMI call's name) */
  readonly name: string;
  /** EIPs of the instructions the callee retires, in order (a fault inside the callee reports one of them) */
  readonly calleeEips: readonly number[];
  /** the claimed instruction is a jump (a tail call): its code ends with a transfer of control, nothing after it runs */
  readonly transfers: boolean;
  emit(ops: EmitOps, at: CallSite): void;
}

/** What a claimed call is given to emit itself with: fault points and exits by step (0 the call, k the callee's k-th instruction). */
export interface CallSite {
  /** a fault from here on is reported at step k, with ESP as it is now */
  faultPoint(k: number): Stmt[];
  /** leave the region for `target` once step k has run (`indirect`: a target only known at run time) */
  exitAfter(k: number, target: Expr, indirect?: boolean): Stmt[];
  /** after step k, leave for `target` unless the region's code pages still map the frames it was made from */
  exitUnlessMapped(k: number, target: Expr): Stmt[];
  /** `cpu.instructions` as the called path has it while step k runs (the steps before it retired) */
  syncInstructions(k: number): Stmt;
}

/** What region emission hands each instruction. */
export interface InstrSite {
  ops: EmitOps;
  /** the instruction's index in the region (a claimed call's steps take the indices after it) */
  ip: number;
  /** per instruction index: instructions after it in its block (the region's `left` table, filled up to this one's steps) */
  left: readonly number[];
  /** flags live after it (liveness) */
  liveOut: number;
  /** statements that leave the region for `target` after this instruction (after step k of a claimed call), `indirect` for a run-time target */
  exitTo(target: Expr, k?: number, indirect?: boolean): Stmt[];
  /** the claim on this call instruction, if an inliner made one */
  claim?: ClaimedCall;
  /** after step k of a claimed call, leave for `target` unless the region's code pages still map the same frames */
  exitUnlessMapped(target: Expr, k: number): Stmt[];
}

export interface InstrCode {
  stmts: Stmt[];
  /** it ended with an unconditional transfer of control: nothing after it runs */
  transferred: boolean;
  /** it saved ESP in sp0 at its start (a fault restores it from there); a claimed call saves it at every step */
  savesEsp: boolean;
  how: How;
}

/** Emit one instruction. */
export function emitInstruction(i: Instr, site: InstrSite): InstrCode {
  if (site.claim) return emitClaimedCall(i, site.claim, site);
  const e = emissionOf(i.row);
  if (e.kind === 'inline') return emitInline(i, site);
  if (e.kind === 'common') return emitCommonCase(i, site);
  if (e.kind === 'x87') return emitX87(i, site);
  return emitHelperCall(i, site, e.reason);
}

/** Start an instruction on the shared emitter: its own statement list, nothing noted yet. */
function begin(ops: EmitOps, liveOut: number): Stmt[] {
  const out: Stmt[] = [];
  ops.out = out;
  ops.mayThrow = false;
  ops.touchesEsp = false;
  ops.stored = false;
  ops.loaded = false;
  ops.liveFlagsOut = liveOut;
  return out;
}

/** The fault point ahead of an instruction's code, if what it emitted may fault or moved ESP first. */
function precise(ops: EmitOps, ip: number, code: Stmt[]): Stmt[] {
  return ops.mayThrow || ops.touchesEsp ? [...faultPoint(ip, ops.touchesEsp), ...code] : code;
}

function emitInline(i: Instr, site: InstrSite): InstrCode {
  const { ops } = site;
  const code = begin(ops, site.liveOut);
  ops.leftAfter = site.left[site.ip];
  i.row.sem!(ops, i);
  const transferred = !!i.row.end && i.row.flow !== 'branch';
  // did a store hit translated code? then leave before running stale code (an instruction that transfers
  // checks before its jump: region.ts jumpTo)
  if (ops.stored && !transferred) code.push(smcCheck(site.exitTo(num(i.next))));
  return { stmts: precise(ops, site.ip, code), transferred, savesEsp: ops.touchesEsp, how: 'inline' };
}

/**
 * A helper row with a common case (semantics/ops.ts `CommonCase`): the case
 * in place, and where it does not apply the helper call a helper row gets,
 * of the row's long form alone (the case's test is not run twice).
 * Counted as inline: what runs most is.
 */
function emitCommonCase(i: Instr, site: InstrSite): InstrCode {
  const { ops } = site;
  const code = begin(ops, site.liveOut);
  ops.leftAfter = site.left[site.ip];
  i.row.common!(ops, i, () => {
    const branch = ops.out;
    const helper = emitHelperCall(i, site, 'helper', 'long', true);
    ops.out = branch;
    branch.push(...helper.stmts);
  });
  // it ends the region where its helper call would (iret); a data segment load goes on while the segments
  // stay flat, as after the helper: asked here once for both paths
  const goesOn = goesOnAfterSegmentLoad(i);
  const transferred = endsBlock(i) && !goesOn;
  if (goesOn) code.push(leaveUnlessFlat(site, num(i.next)));
  if (ops.stored && !transferred) code.push(smcCheck(site.exitTo(num(i.next))));
  // (the helper's fault point keeps ESP as the instruction found it, as a helper row's does)
  return { stmts: precise(ops, site.ip, code), transferred, savesEsp: true, how: 'inline' };
}

/** A claimed call: the claim emits its steps with their own fault points; the region goes on after it. */
function emitClaimedCall(i: Instr, claim: ClaimedCall, site: InstrSite): InstrCode {
  const { ops, ip } = site;
  const code = begin(ops, ARITH);
  // the steps set `ip` as they go: an access reads the count from the table
  ops.leftAfter = undefined;
  const steps = claim.calleeEips.length;
  claim.emit(ops, {
    faultPoint: (k) => faultPoint(ip + k, true),
    exitAfter: (k, target, indirect) => site.exitTo(target, k, indirect),
    exitUnlessMapped: (k, target) => site.exitUnlessMapped(target, k),
    syncInstructions: (k) => syncInstructions(site.left[ip + k]),
  });
  // did a store hit translated code? then leave before running stale code
  if (ops.stored) code.push(smcCheck(site.exitTo(num(i.next), steps)));
  return { stmts: code, transferred: claim.transfers, savesEsp: true, how: 'replaced' };
}

/** A helper row, or a semantic row run in its interpreter form: state written back around the call. */
function emitHelperCall(
  i: Instr, site: InstrSite, reason: HelperReason, form: InterpreterForm = i.row.exec ? 'exec' : 'interp',
  /** the caller asks whether the segments stay flat after this call (a common case's miss path) */
  flatAskedAfter = false,
): InstrCode {
  const { ops } = site;
  ops.regsRead = 0xff;
  ops.regsWritten = 0xff;
  // a far transfer notes the mode first, to go on in the region if it stays in it (host.ts goesOnAfterTransfer)
  ops.out = [];
  const stamp = i.row.goesOnInMode ? ops.snapshot(call(hostFn('modeStamp'), [local('cpu')])) : undefined;
  const stmts = [...ops.out, ...helperCall(form, site.ip, site.left[site.ip], i.next)];
  ops.flags = { lz: null, last: null };
  if (stamp) {
    ops.out = stmts;
    ops.if_(sameModeAfterTransfer(stamp), () => ops.jump(bin('|', cpuField('eip'), num(0)), 4));
  }
  // a helper that may change what the region relies on goes back to the dispatcher; a data segment
  // load only when the segments are no longer flat to the TLB's ceiling (the engine looks at them then)
  const goesOn = goesOnAfterSegmentLoad(i);
  const leaves = (endsBlock(i) && !goesOn) || !i.row.exec;
  if (goesOn && !flatAskedAfter) stmts.push(leaveUnlessFlat(site, cpuField('eip')));
  // a rep string instruction that stopped after a chunk (semantics/families/string.ts REP_CHUNK) resumes from the dispatcher
  if (!leaves && i.row.string && i.rep) stmts.push(ifStmt(bin('!==', cpuField('eip'), num(i.next)), site.exitTo(cpuField('eip'))));
  // where a helper left for (an int's handler, an iret's or sysexit's return point, the instruction after an
  // sti) is mostly where it left for last time: its exit names a site, so the site cache spares the lookup
  stmts.push(...(leaves ? site.exitTo(cpuField('eip'), undefined, true) : [epochCheck(site.exitTo(num(i.next)))]));
  return { stmts, transferred: leaves, savesEsp: true, how: reason };
}

/** After a data segment load: leave for `target` unless the segments are still flat to the TLB's ceiling (the engine looks at them then). */
function leaveUnlessFlat(site: InstrSite, target: Expr): Stmt {
  return ifStmt(unary('!', call(hostFn('stillFlat'), [local('cpu')])), site.exitTo(target));
}

/**
 * After a far transfer: did it leave the mode the region was made for as it
 * was (`stamp` from h.modeStamp before it), with nothing due between
 * regions, and no write to translated code? Then its target, if the region
 * holds it, goes on in place (a same-ring iret back into a loop).
 */
export function sameModeAfterTransfer(stamp: Expr): Expr {
  return logical('&&', codeEpochSame(), call(hostFn('goesOnAfterTransfer'), [local('cpu'), stamp]));
}

/**
 * An x87 helper. Its state lives in the CPU already, so only what the row
 * touches crosses over: the registers of its memory operand, the flags if
 * it reads them (fcmov), and back the flags it writes (fcomi) and the
 * registers it names (fnstsw ax).
 */
function emitX87(i: Instr, site: InstrSite): InstrCode {
  const { ops, ip } = site;
  const row = i.row;
  if (row.x87) return emitX87Kernel(i, site, row.x87);
  const stmts: Stmt[] = [...faultPoint(ip, true), syncInstructions(site.left[ip])];
  const memory = i.mod >= 0 && i.mod !== 3;
  const written = namedRegisters(i);
  for (const r of new Set([...(memory ? [i.base, i.index] : []), ...written])) {
    if (r < 0) continue;
    ops.regsRead |= 1 << r;
    stmts.push(assign(cpuReg(r), reg(r)));
  }
  // flags go over whole: a row that writes some of them must not lose the others (DF, IF)
  if (row.fin || row.fout) stmts.push(...spillFlags());
  stmts.push(...callInterpreterForm('exec', ip, i.next));
  for (const r of written) {
    ops.regsWritten |= 1 << r;
    stmts.push(assign(reg(r), cpuReg(r)));
  }
  if (row.fout) {
    stmts.push(...reloadFlags());
    ops.flags = { lz: null, last: null };
  }
  if (memory) stmts.push(epochCheck(site.exitTo(num(i.next))));
  return { stmts, transferred: false, savesEsp: true, how: 'x87' };
}

/**
 * An x87 row that is one kernel call (semantics/families/fpu.ts): the same
 * call its interpreter form makes, with the decoded numbers as literals and
 * the operand's offset computed in place from the registers in locals. A
 * kernel touches no general register and no flag but fcomi's, so nothing
 * crosses over but those flags. A fault inside leaves the state at the
 * instruction's start: nothing of it has changed before the kernel's checks.
 */
function emitX87Kernel(i: Instr, site: InstrSite, x87: X87Call): InstrCode {
  const { ops, ip } = site;
  const row = i.row;
  const stmts: Stmt[] = [...faultPoint(ip, false)];
  ops.out = [];
  let off: Expr = num(0);
  if (x87.memory) {
    off = ops.ea(i, 0);
    // a device behind the access may read machine time
    stmts.push(...ops.out.splice(0), syncInstructions(site.left[ip]));
  }
  if (row.fin) throw new Error(`x87 row ${row.opcodeText} reads flags, which a kernel is never given`);
  const kernelCall = call(hostFn(x87.kernel as X87KernelName), [local('cpu'), off, num(i.eip), num(fopOf(i)), ...x87.args.map((a) => num(x87Arg(i, a)))]);
  if (x87.flagsOut) {
    // the flags it returns replace the arithmetic ones; where it sets none, the lazy ones are computed
    // into EFLAGS as they stand, so that either way every flag is in `fl` after it
    const t = ops.snapshot(kernelCall);
    stmts.push(...ops.out.splice(0));
    stmts.push(assign(local('eflags'), cond(bin('<', t, num(0)), matCall(local('lazy')), bin('|', bin('&', local('eflags'), num(~ARITH)), t))));
    stmts.push(assign(local('lazy'), num(0)));
    ops.flags = { lz: 0, last: null };
  } else {
    stmts.push(exprStmt(kernelCall));
    if (row.fout) throw new Error(`x87 row ${row.opcodeText} writes flags but its kernel does not return them`);
  }
  // a store may have hit translated code
  if (x87.stores) stmts.push(epochCheck(site.exitTo(num(i.next))));
  return { stmts, transferred: false, savesEsp: false, how: 'x87' };
}

/** General registers an x87 row names as operands (a 16-bit write, fnstsw ax, keeps the rest of the register). */
function namedRegisters(i: Instr): Set<number> {
  const regs = new Set<number>();
  for (const o of i.row.operands) {
    const r = o.kind === K.FixedReg ? o.fixed : o.kind === K.E && i.mod === 3 ? i.rm : o.kind === K.G ? i.reg : -1;
    if (r >= 0) regs.add(o.size === Sz.b ? r & 3 : r);
  }
  return regs;
}
