/**
 * `VmiOps<Expr>`: the VMI calls' operations interface (vmirom/ops.ts) as
 * generated code, so that running a call's description (vmirom/calls.ts,
 * through vmirom/rom.ts `invokeSem`) emits it at a call site. It is
 * `EmitOps` (every instruction operation, registers in locals, memory
 * through the TLB) plus the hypervisor state, just as the ROM path's
 * `RomOps` is `InterpOps` plus the same state:
 *
 * - `vif`, `deferMode`: fields of `V`, the vCPU's VMI state (`VcpuVmi`),
 *   which the region closes over (emit/abi.ts `PARAMS.vmi`);
 * - `cr(n)`, `setCr2`: the CPU's control-register fields;
 * - `linearToPhysical`: the TLB entry when it grants a supervisor read,
 *   else the ROM's page walk (`VX.walk`), as `RomOps` does;
 * - `loadPhys`/`storePhys`: the RAM view for an aligned word of plain RAM,
 *   the memory's own accessor otherwise (ROM, devices, a code page: a store
 *   there invalidates translations, which generated code notices as it
 *   notices any store to code); under lockstep every store goes through the
 *   accessor and its journal;
 * - `effect(name, ...)`: a call of `ROM_EFFECTS[name]` (`VX.name(V, ...)`),
 *   the very function the ROM path calls, preceded, for an effect that reads
 *   the clock, by bringing `cpu.instructions` to what the called path has at
 *   that point (`clockSync`, set by the inliner for the step being emitted);
 *   an effect on the registers themselves (`state`: IRET's full return) is
 *   called as a helper row is, every register and the flags written to the
 *   CPU before it (EIP too: `eipSync`) and read back after;
 * - `jump(target)`: where the inliner set `transfer` (IRET, which may
 *   return to another ring), the inliner's decision at the target; else a
 *   jump inside the region;
 * - `pollInterrupts(when)`: noted (`polled`); the inliner leaves the
 *   region at the slot's `ret` when an interrupt is deliverable (asking
 *   only where `when`, if given, holds); an effect that may
 *   stop the machine is noted too (`yields`: the inliner then also leaves
 *   when the machine wants the vCPU back). An effect that may drop
 *   TLB entries is noted too (`refetches`): the inliner checks after the
 *   call that code is still fetched from where it was. After an effect
 *   whose device may write memory (`dma`), `smc` tells whether it wrote
 *   translated code, as after a slow-path store.
 *
 * Made by the VMI inliner (vmi.ts) as the emitter of every region it
 * compiles for; only the inliner reads `polled`, `refetches` and `yields` and sets
 * `clockSync`, `eipSync` and `transfer`.
 */
import type { VmiOps } from '../../vmirom/ops.ts';
import { EFFECT_TRAITS, type EffectName } from '../../vmirom/effects.ts';
import { PageKind } from '../../cpu/memory.ts';
import { TLB_RS, tlbGrants, tlbPhysical, tlbSlot } from '../../cpu/tlb.ts';
import { X, testFor } from '../emit/expr-arith.ts';
import { EmitOps, type EmitContext } from '../emit/emit-ops.ts';
import { codeEpochMoved } from '../emit/statements.ts';
import { ALL_REGS, PAGE_KINDS, cpuField, hostFn, local, memoryField, param, reload, spill, vmiEffect, vmiField } from '../emit/abi.ts';
import { assign, bin, call, cond, exprStmt, ifStmt, index, logical, num, unary, type Expr, type Stmt } from '../emit/ast.ts';

/** What physical accesses may assume, beyond the region's facts. */
export interface PhysFacts {
  /** bytes of RAM: an aligned word below this on a RAM page is read and written through the views */
  ramBytes: number;
  /** every store through the memory's accessor (lockstep journals them) */
  journaled: boolean;
}

export class VmiEmitOps extends EmitOps implements VmiOps<Expr> {
  /** the statement that sets `cpu.instructions` for the step being emitted (an effect that reads the clock needs it) */
  clockSync: Stmt | undefined;
  /** the statement that sets `cpu.eip` where the called path has it (an effect on the registers needs it) */
  eipSync: Stmt | undefined;
  /** set by the inliner for a call that may leave the mode (IRET, SYSEXIT): what the region does at a jump's target */
  transfer: ((target: Expr) => void) | undefined;
  /**
   * the mode before an effect on the registers (`h.modeStamp`), once one
   * was emitted: a jump after it may be to another mode. Before any, the
   * description has changed nothing the mode is made of.
   */
  modeBefore: Expr | undefined;
  /**
   * the description asked for pending interrupts to be taken: `true`
   * always, or where one of these conditions holds (`pollInterrupts(when)`),
   * each with the statements it was made in
   */
  polled: boolean | { when: Expr; scope: Stmt[] }[] = false;
  /** an effect emitted may drop TLB entries or switch address spaces */
  refetches = false;
  /** an effect emitted may raise an interrupt or make the machine want the vCPU back (effects.ts `yields`) */
  yields = false;
  /** something emitted may write guest RAM besides the description's stores (a page walk, an effect that `writes`) */
  writesMemory = false;
  /** an effect's device may have written guest RAM (`dma`); such a device moves the code epoch after it does */
  deviceWrites = false;

  constructor(ctx: EmitContext, private readonly phys: PhysFacts) {
    super(ctx);
  }

  vif(): Expr { return this.fresh(cond(vmiField('vif'), num(1), num(0))); }
  paravirtual(): Expr { return this.fresh(cond(cpuField('pv'), num(1), num(0))); }
  setVif(v: Expr): void { this.out.push(assign(vmiField('vif'), unary('!', unary('!', v)))); }
  // the mask is three bits wide, as the ROM path keeps it
  deferMode(): Expr { return this.fresh(vmiField('deferMode')); }
  setDeferMode(v: Expr): void { this.out.push(assign(vmiField('deferMode'), bin('&', v, num(7)))); }

  cr(n: 0 | 2 | 3 | 4): Expr { return this.fresh(cpuField(`cr${n}`)); }

  linearToPhysical(lin: Expr): Expr {
    const a = this.fresh(lin);
    const e = this.fresh(index(local('tlb'), tlbSlot(X, a)));
    this.mayThrow = true;
    this.writesMemory = true;
    return this.fresh(cond(testFor(tlbGrants(X, e, X.c(TLB_RS))), tlbPhysical(X, e, a), call(vmiEffect('walk'), [param('vmi'), a])));
  }
  setCr2(v: Expr): void { this.out.push(assign(cpuField('cr2'), v)); }

  isPageTable(phys: Expr): Expr { return this.fresh(index(vmiField('pageTables'), bin('>>>', phys, num(12)))); }

  /** An aligned word on a page of the given kinds below the end of RAM (the page's kind masked with `kindMask`). */
  private onRam(a: Expr, kindMask: number): Expr {
    const kind = index(memoryField(PAGE_KINDS), bin('>>>', a, num(12)));
    const word = logical('&&', bin('===', bin('&', a, num(3)), num(0)), bin('<', bin('>>>', a, num(0)), num(this.phys.ramBytes)));
    return logical('&&', word, bin('===', bin('&', kind, num(kindMask)), num(PageKind.RAM)));
  }

  loadPhys(addr: Expr): Expr {
    const a = this.fresh(addr);
    // RAM and ROM read the same way (kinds 0 and 1, code marks aside)
    const fast = this.onRam(a, 0x7e);
    return this.fresh(cond(fast, index(local('m32'), bin('>>>', a, num(2))), call(hostFn('rdPhys'), [local('cpu'), a])));
  }

  storePhys(addr: Expr, v: Expr): void {
    const a = this.fresh(addr);
    this.stored = true;
    const slow: Stmt[] = [assign(local('smc'), bin('!==', call(hostFn('wrPhys'), [local('cpu'), a, v]), local('epoch')))];
    if (this.phys.journaled) { this.out.push(...slow); return; }
    // plain RAM only: a page of code (its mark is a bit of the kind) takes the accessor, which invalidates
    this.out.push(ifStmt(this.onRam(a, 0xff), [assign(index(local('m32'), bin('>>>', a, num(2))), v)], slow));
  }

  effect(name: EffectName, ...args: Expr[]): Expr {
    const traits = EFFECT_TRAITS[name];
    if (traits.clock || traits.state) {
      if (!this.clockSync) throw new Error(`effect ${name} reads the clock: the inliner must say where the call is`);
      this.out.push(this.clockSync);
    }
    if (traits.state) {
      // the registers and flags in the CPU, and EIP where the called path has it (as for a helper row)
      if (!this.eipSync) throw new Error(`effect ${name} works on the registers: the inliner must say where the call is`);
      this.regsRead = this.regsWritten = ALL_REGS;
      this.out.push(...spill(ALL_REGS), this.eipSync);
      // it may leave the mode (IRET to another ring): noted first, for the inliner's `transfer`
      this.modeBefore = this.snapshot(call(hostFn('modeStamp'), [local('cpu')]));
    }
    this.mayThrow = true;
    if (traits.tlb) this.refetches = true;
    if (traits.writes || traits.state) this.writesMemory = true;
    if (traits.yields) this.yields = true;
    const c = call(vmiEffect(name), [param('vmi'), ...args]);
    const v = traits.value ? this.fresh(c) : (this.out.push(exprStmt(c)), num(0));
    if (traits.state) {
      this.out.push(...reload(ALL_REGS));
      this.flags = { lz: null, last: null };
    }
    if (traits.dma) {
      // a device wrote memory: translated code there is stale, as after a slow-path store
      this.deviceWrites = true;
      this.out.push(assign(local('smc'), codeEpochMoved()));
    }
    return v;
  }

  effect64(name: EffectName, ...args: Expr[]): [Expr, Expr] {
    const lo = this.effect(name, ...args);
    return [lo, this.fresh(vmiField('high'))];
  }

  signalled(): Expr {
    return this.fresh(codeEpochMoved());
  }

  pollInterrupts(when?: Expr): void {
    if (when === undefined || this.polled === true) this.polled = true;
    else this.polled = [...(this.polled || []), { when: this.snapshot(when), scope: this.out }];
  }

  /**
   * Where the inliner asks the interrupt controllers (`ask`), given what
   * the description polled: undefined if it never did; `ask` alone where it
   * always did or a condition is out of scope here (made in a branch the
   * code being emitted is not in).
   */
  pollCondition(ask: Expr): Expr | undefined {
    if (this.polled === false) return undefined;
    if (this.polled === true || !this.polled.every((p) => p.scope === this.out || this.openScopes.includes(p.scope))) return ask;
    return logical('&&', this.polled.map((p) => p.when).reduce((a, b) => logical('||', a, b)), ask);
  }

  /**
   * A jump of the description (IRET's return): where the inliner set
   * `transfer` (a call that may leave the mode), it decides what the
   * region does at the target; else a jump inside the region.
   */
  override jump(target: Expr, opsize: number): void {
    if (!this.transfer) { super.jump(target, opsize); return; }
    this.transfer(this.fresh(opsize === 2 ? bin('&', target, num(0xffff)) : bin('|', target, num(0))));
  }

  /** a jump inside the region, whatever `transfer` says */
  jumpInRegion(target: Expr, opsize: number): void {
    super.jump(target, opsize);
  }
}
