/**
 * The VMI ROM's calls, inlined at their call sites.
 *
 * A guest calls the ROM with `call slot` (a patched call site: `call
 * rel32`) or `call [pointer]` (through a table of function pointers), or
 * jumps to it from a function that ends with the call (a tail call, `jmp
 * slot` or `jmp [pointer]`: the slot's `ret` returns to that function's
 * caller). When the translator compiles a region, `VmiInliner.claim` looks
 * at each such call and jump: its target (the pointer's value now, for an
 * indirect one; for a call through a register or a register-based address,
 * `call eax` or `call [ebx+8]`, the slot the ROM path last saw that site
 * call, vmirom/stats.ts `SiteCallees`) must be the
 * start of a call's code in the ROM, as the CPU fetches it now (through the
 * guest's page tables: wherever the guest maps the ROM), and the call must
 * be written against `VmiOps` (vmirom/calls.ts `sem`) or be a host
 * function its row marks `inlinable` (SYSEXIT, AllocatePage, ReleasePage), and not leave
 * the region by its table row (`exits: 'always'`); IRET and SYSEXIT,
 * entered by jump, only from a `jmp`. Under lockstep a call that
 * reaches a device model is left to the ROM path (its description reaches
 * an effect with the `device` trait), since lockstep runs a region twice.
 * Everything is keyed on the shared call, so every ABI the ROM serves is
 * inlined alike.
 *
 * The claimed call is emitted as the called path runs it, step by step,
 * each step a retired guest instruction with its own fault point:
 *
 *   0  the call: for an indirect call its operand is read; the return
 *      address is pushed, as `call` pushes it (a jump pushes nothing); a
 *      guard checks that the target is still the slot (indirect) and that
 *      the slot's page still maps the ROM's frame for fetching; if not, the
 *      call was a plain one and the region leaves for its target.
 *   1  the slot's `vmicall`: vmirom/rom.ts `invokeSem` run through
 *      `VmiEmitOps` (vmi-emit-ops.ts): parameters from the registers and
 *      the stack as the ABI's convention names them, the call's one
 *      description, its result, and the clobbered registers set to the same
 *      `0xDEAD0000 | N` the ROM path writes; for a host function, a call of
 *      the ROM path's own entry from generated code (`h.vmiCall`, the state
 *      in the CPU as for a helper row). A fault here is reported at the
 *      `vmicall` with the return address pushed, as on the ROM path. IRET
 *      and SYSEXIT end here, their jumps handed to the inliner
 *      (`VmiEmitOps.transfer`): where they left the mode as it was (IRET's
 *      common case, a same-ring return; else the mode noted before the
 *      call's effect on the registers, emit/instr.ts
 *      `sameModeAfterTransfer`) and no interrupt is due, the region goes on
 *      at the target if it holds it; else it leaves for where they went, as
 *      an indirect exit (the engine goes on in whatever mode they left).
 *   2  the slot's `ret`: the return address is popped; if something changed
 *      it, the region leaves for what was popped. After a tail call the
 *      region goes where the `ret` takes it (an indirect jump).
 *
 * After the `vmicall` step: the call is counted, in a local of the region
 * that its `finally` adds to `V.inlined` (emit/abi.ts `callCountName`);
 * a description that polled for interrupts
 * (`o.pollInterrupts()`: enabling the virtual IF, an APIC write) leaves the
 * region at the slot's `ret` when one is deliverable, where the engine takes
 * it exactly as the ROM path does (the interrupt frame holds the `ret`'s
 * address, the call's return address above it; the handler's `iret`
 * resumes at the `ret`); after a port write (an effect with `yields`) it
 * also leaves there when the machine wants the vCPU back (a stop, a reset),
 * as the ROM path's `vmicall` ends its block. A call that may have dropped TLB entries or
 * switched address spaces (an effect with the `tlb` trait, or a row saying
 * `exits: 'unless-queued'`) is followed by what the ROM path's fetches
 * after it would show: before its `ret`, the slot must still be fetched from the ROM
 * (a page walk, setting the accessed bit as that fetch does; if the ROM is
 * not there, the region leaves at the `ret`, which then faults as it would);
 * after it, the region goes on only while its code pages still map the
 * frames it was translated from.
 *
 * One `VmiInliner` per vCPU (translator/engine/machine-engine.ts registers
 * it on that vCPU's compiler), bound to that vCPU's ROM state.
 */
import type { Cpu } from '../../cpu/cpu.ts';
import type { Instr } from '../../isa/instr.ts';
import { K } from '../../isa/operands.ts';
import { TLB_RS, tlbFetchesFrom } from '../../cpu/tlb.ts';
import { X, testFor } from '../emit/expr-arith.ts';
import { VMICALL_OPCODE } from '../../semantics/families/vmi.ts';
import { CALL_NAMES, type AbiCall } from '../../vmirom/abis.ts';
import { SHARED_CALLS } from '../../vmirom/calls.ts';
import { EFFECT_TRAITS, ROM_EFFECTS, type EffectName } from '../../vmirom/effects.ts';
import { ROM_SIZE } from '../../vmirom/image.ts';
import type { VmiOps } from '../../vmirom/ops.ts';
import { invokeSem, type VmiRom } from '../../vmirom/rom.ts';
import type { VcpuVmi } from '../../vmirom/state.ts';
import { hasStaticTarget, peekOf, type CompileLimits } from '../region/discover.ts';
import type { EmitContext, EmitOps } from '../emit/emit-ops.ts';
import { ProbeOps } from '../emit/probe-ops.ts';
import { sameModeAfterTransfer, type CallSite, type ClaimedCall } from '../emit/instr.ts';
import { fetchFrame } from '../emit/host.ts';
import { ALL_REGS, callCountName, cpuField, hostFn, local, param, reload, spill, vmiField, type FactoryArgs } from '../emit/abi.ts';
import { Reg } from '../../isa/instr.ts';
import type { InlineProfile } from '../../vmirom/profile-hooks.ts';
import { assign, bin, call, exprStmt, id, ifStmt, index, logical, num, unary, type Expr } from '../emit/ast.ts';
import type { CallSiteInliner } from './call-sites.ts';
import { VmiEmitOps } from './vmi-emit-ops.ts';
import { codeEpochMoved, codeEpochSame, epochCheck } from '../emit/statements.ts';

/** A slot is `vmicall N` (these bytes) and then `ret`. */
const VMICALL_BYTES = VMICALL_OPCODE.length + 1;

/** Where a call goes: its target now, and whether that is only a prediction (read from a pointer). */
interface Callee {
  target: number;
  indirect: boolean;
}

/**
 * `call`/`jmp` rel, or `call`/`jmp [disp32]` in any segment (Linux's entry
 * code calls through `%cs:`): the pointer's value now, which the guard
 * checks at run time through the segment. A `call` through a register or a
 * register-based address has no value before the code runs: its prediction
 * is the slot the ROM path saw this site call last (`slotCalledFrom`, by
 * return address), checked by the same guard.
 */
function calleeOf(i: Instr, cpu: Cpu, slotCalledFrom: (site: number) => number | undefined): Callee | undefined {
  if (i.row.flow !== 'call' && i.row.flow !== 'jump') return undefined;
  if (hasStaticTarget(i)) return { target: i.imm | 0, indirect: false };
  const o = i.row.operands[0];
  if (o?.kind !== K.E) return undefined;
  const absolute = i.mod !== 3 && i.base < 0 && i.index < 0;
  if (!absolute) {
    const seen = i.row.flow === 'call' ? slotCalledFrom(i.next >>> 0) : undefined;
    return seen === undefined ? undefined : { target: seen, indirect: true };
  }
  if (i.seg < 0) return undefined;
  const target = peekOf(cpu)((cpu.segBase[i.seg] + i.disp) | 0);
  return target === undefined ? undefined : { target: target | 0, indirect: true };
}

/** A probe of a description: does any path reach an effect with the `device` trait? */
class DeviceProbe extends ProbeOps implements VmiOps<number> {
  device = false;
  vif(): number { return 0; }
  paravirtual(): number { return 0; }
  setVif(): void {}
  deferMode(): number { return 0; }
  setDeferMode(): void {}
  cr(): number { return 0; }
  setCr2(): void {}
  linearToPhysical(): number { return 0; }
  loadPhys(): number { return 0; }
  storePhys(): void {}
  isPageTable(): number { return 0; }
  effect(name: EffectName): number {
    if (EFFECT_TRAITS[name].device) this.device = true;
    return 0;
  }
  effect64(name: EffectName): [number, number] { return [this.effect(name), 0]; }
  pollInterrupts(): void {}
  signalled(): number { return 1; }
}

export class VmiInliner implements CallSiteInliner {
  readonly name = 'vmi';
  readonly bindings: Partial<FactoryArgs>;
  private readonly reachesDevice = new Map<AbiCall, boolean>();

  constructor(private readonly rom: VmiRom, private readonly ctx: VcpuVmi, private readonly profile: InlineProfile = 'off') {
    this.bindings = { vmi: ctx, vmiEffects: ROM_EFFECTS };
  }

  emitter(c: EmitContext): EmitOps {
    const mem = this.ctx.cpu.mem;
    return new VmiEmitOps(c, { ramBytes: mem.size, journaled: mem.noFastWrites });
  }

  claim(i: Instr, cpu: Cpu, limits: CompileLimits): ClaimedCall | undefined {
    // the ROM's calls are the kernel's, near and 32-bit (from CPL 3 the ROM path raises #GP)
    if (i.opsize !== 4 || !cpu.stack32 || cpu.cpl === 3) return undefined;
    const callee = calleeOf(i, cpu, (site) => this.rom.siteCallees.slotCalledFrom(site));
    if (!callee) return undefined;
    const frame = fetchFrame(cpu, callee.target);
    const offset = (frame | (callee.target & 0xfff)) - this.rom.address;
    if (frame < 0 || offset < 0 || offset >= ROM_SIZE) return undefined;
    const abiCall = this.rom.abi.atOffset(offset);
    // IRET and SYSEXIT are jumped to (a frame on the stack): a call to one is left to the ROM
    if (!abiCall || (abiCall.conv.jump && i.row.flow !== 'jump')) return undefined;
    const shared = SHARED_CALLS[abiCall.call];
    if (!(shared.sem || shared.inlinable) || shared.exits === 'always') return undefined;
    if (limits.excludeExternal && this.device(abiCall)) return undefined;
    const call = new InlinedVmiCall(i, abiCall, callee, frame);
    if (this.profile !== 'off') {
      const site = call.transfers ? -1 : i.next >>> 0;
      // IRET and SYSEXIT have no return address: the ROM path counts them at site -1, and so do they
      const reports = !abiCall.conv.jump && (this.profile === 'report' || call.transfers);
      call.profileAs(this.rom.inlinedSites.index(site, abiCall.call), reports);
    }
    return call;
  }

  private device(c: AbiCall): boolean {
    // an inlinable hypervisor function reaches no device (calls.ts)
    if (!SHARED_CALLS[c.call].sem) return false;
    let d = this.reachesDevice.get(c);
    if (d === undefined) {
      const probe = new DeviceProbe(4);
      invokeSem(probe, c);
      this.reachesDevice.set(c, (d = probe.device));
    }
    return d;
  }
}

/** One call site of one VMI call, claimed: emitted in three steps (see the module comment). */
class InlinedVmiCall implements ClaimedCall {
  readonly name: string;
  readonly calleeEips: readonly number[];
  readonly transfers: boolean;
  /** when profiling: the call's slot in the ROM's InlinedSites, and whether it reports each run to the host (else it counts) */
  private profileSlot = -1;
  private reports = false;

  constructor(private readonly i: Instr, private readonly call: AbiCall, private readonly callee: Callee, private readonly frame: number) {
    this.name = call.call;
    // IRET and SYSEXIT never reach their slot's ret
    this.calleeEips = call.conv.jump ? [callee.target] : [callee.target, (callee.target + VMICALL_BYTES) | 0];
    this.transfers = i.row.flow === 'jump';
  }

  profileAs(slot: number, reports: boolean): void {
    this.profileSlot = slot;
    this.reports = reports;
  }

  /** The profiler's view of one run (only when profiling): a counter, or a host call with the frame pointer. */
  private emitProfile(o: VmiEmitOps): void {
    if (this.profileSlot < 0) return;
    const slot = num(this.profileSlot);
    if (!this.reports) o.out.push(assign(index(vmiField('siteHits'), slot), num(1), '+='));
    else o.out.push(exprStmt(call(hostFn('vmiSite'), [param('vmi'), slot, o.reg(Reg.EBP, 4), o.reg(Reg.ESP, 4)])));
  }

  emit(ops: EmitOps, at: CallSite): void {
    if (!(ops instanceof VmiEmitOps)) throw new Error('a VMI call is emitted with the VMI inliner\'s emitter');
    const o = ops;
    const next = num(this.i.next | 0);
    o.out.push(...at.faultPoint(0));
    // the pointer is read before the return address is pushed, as `call [pointer]` does
    const target = this.callee.indirect ? o.get(this.i, 0) : num(this.callee.target);
    if (!this.transfers) o.push(next, 4);
    this.guard(o, at, target);
    o.out.push(...at.faultPoint(1));
    const ret = (this.callee.target + VMICALL_BYTES) | 0;
    o.polled = false;
    o.refetches = false;
    o.yields = false;
    const counted = () => {
      o.out.push(assign(id(callCountName(CALL_NAMES.indexOf(this.call.call))), num(1), '+='));
      this.emitProfile(o);
    };
    // IRET, SYSEXIT: where they stayed in the region's mode (a same-ring iret) and the region holds the target,
    // it goes on there; else the region leaves for wherever they went, in whatever mode they left: an indirect
    // exit, whose per-site target the engine takes only when it is right for the new CS:EIP and mode. The
    // description's own jumps come here. Before an effect on the registers (IRET's common case) the mode is as
    // it was and only an interrupt the return let through can be due; after one (IRET's full return, SYSEXIT's
    // function), the mode noted before it is compared (emit/instr.ts `sameModeAfterTransfer`).
    const transfers = this.call.conv.jump;
    o.modeBefore = undefined;
    o.transfer = transfers ? (target: Expr) => {
      counted();
      const unchanged = codeEpochSame();
      const poll = o.pollCondition(call(hostFn('irq'), [local('cpu')]));
      const stays = o.modeBefore
        ? sameModeAfterTransfer(o.modeBefore)
        : poll ? logical('&&', unchanged, unary('!', poll)) : unchanged;
      o.if_(stays, () => o.jumpInRegion(target, 4));
      o.out.push(...at.exitAfter(1, target, true));
    } : undefined;
    // did the call touch memory (its return address aside)? If not, its `ret` pops what was pushed
    const pushStored = o.stored;
    o.stored = o.loaded = o.writesMemory = o.deviceWrites = false;
    if (SHARED_CALLS[this.call.call].sem) {
      o.clockSync = at.syncInstructions(1);
      o.eipSync = assign(cpuField('eip'), num(ret));
      invokeSem(o, this.call);
      o.clockSync = o.eipSync = undefined;
    } else {
      if (transfers) o.modeBefore = o.snapshot(call(hostFn('modeStamp'), [local('cpu')]));
      this.emitFunctionCall(o, at, ret);
      // SYSEXIT went where its registers say
      if (transfers) o.jump(cpuField('eip'), 4);
    }
    o.transfer = o.modeBefore = undefined;
    const touched = o.stored || o.loaded || o.writesMemory || !SHARED_CALLS[this.call.call].sem;
    // a device that wrote memory (DMA) moved the code epoch: the return address is read again only then
    const deviceWrote = o.deviceWrites;
    o.stored ||= pushStored || deviceWrote;
    if (transfers) return;
    counted();
    // a function that wrote translated code (none does yet) leaves at the slot's ret
    if (!SHARED_CALLS[this.call.call].sem) o.out.push(epochCheck(at.exitAfter(1, num(ret))));
    // after a TLB flush or an address-space switch the slot's ret is fetched afresh: from the ROM still?
    const refetch = o.refetches || SHARED_CALLS[this.call.call].exits === 'unless-queued';
    if (refetch) o.out.push(ifStmt(unary('!', this.fetchesRom(ret)), at.exitAfter(1, num(ret))));
    // an interrupt the call let through (or a stop a device asked for) is taken where the ROM path
    // takes it: at the slot's ret, before it runs
    const poll = o.pollCondition(call(hostFn('irq'), [local('cpu')]));
    // (a device's interrupt and the machine's wish for the vCPU both move the code epoch: ask only then)
    if (o.yields) o.out.push(ifStmt(logical('&&', codeEpochMoved(), call(hostFn('vmiLeave'), [param('vmi')])), at.exitAfter(1, num(ret))));
    else if (poll) o.out.push(ifStmt(poll, at.exitAfter(1, num(ret))));
    o.out.push(...at.faultPoint(2));
    if (!this.transfers && !touched) {
      // (a TLB flush or CR3 load only drops entries: where the slot is still mapped, it is the frame the call wrote)
      o.popPushed(4, next, (v) => o.out.push(...at.exitAfter(2, v, true)), deviceWrote ? codeEpochMoved() : undefined);
      if (refetch) o.out.push(...at.exitUnlessMapped(2, next));
      return;
    }
    const popped = o.pop(4);
    // a call returns here unless its return address was changed; a tail call returns to its function's caller
    const back = this.transfers ? popped : next;
    if (!this.transfers) o.if_(bin('!==', popped, next), () => o.out.push(...at.exitAfter(2, popped, true)));
    if (refetch) o.out.push(...at.exitUnlessMapped(2, back));
    if (this.transfers) o.jump(popped, 4);
  }

  /**
   * Step 1 of a call written as a hypervisor function (calls.ts
   * `inlinable`): that function, called from generated code as a helper
   * row is (every register and the flags in the CPU, the instructions
   * retired before the `vmicall`, EIP at the slot's `ret`, as the ROM path
   * has them), and the state read back. A fault inside it leaves the CPU as
   * it found it (the functions check before they change anything).
   */
  private emitFunctionCall(o: VmiEmitOps, at: CallSite, ret: number): void {
    o.regsRead = ALL_REGS;
    o.regsWritten = ALL_REGS;
    o.mayThrow = true;
    o.out.push(
      ...spill(ALL_REGS), at.syncInstructions(1), assign(cpuField('eip'), num(ret)),
      exprStmt(call(hostFn('vmiCall'), [param('vmi'), num(this.call.entry)])),
      ...reload(ALL_REGS),
    );
    o.flags = { lz: null, last: null };
  }

  /** Is code at `lin` (in the slot) fetched from the ROM's frame now: the TLB, else a page walk (which sets the accessed bit a fetch sets)? */
  private fetchesRom(lin: number): Expr {
    const entry = index(local('tlb'), num(lin >>> 12));
    const cached = testFor(tlbFetchesFrom(X, entry, num(this.frame), num(TLB_RS)));
    return logical('||', cached, call(hostFn('fetchesFrom'), [local('cpu'), num(lin), num(this.frame)]));
  }

  /**
   * Step 0's check that the call reaches the slot: the pointer still holds
   * it (indirect), and the slot's page is fetched from the ROM's frame (the
   * TLB, else a page walk). Otherwise the call is what it is: the region
   * leaves for its target, the return address pushed.
   */
  private guard(o: VmiEmitOps, at: CallSite, target: Expr): void {
    const { callee } = this;
    let reaches = this.fetchesRom(callee.target);
    if (callee.indirect) reaches = logical('&&', bin('===', target, num(callee.target)), reaches);
    o.out.push(ifStmt(unary('!', reaches), at.exitAfter(0, target, callee.indirect)));
  }
}
