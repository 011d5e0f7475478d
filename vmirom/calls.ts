/**
 * Every VMI call's behaviour, written once, whatever number and convention
 * an ABI gives it (abis.ts maps each ABI's numbers onto these).
 *
 * A call takes its parameters in its own order (`params`, 32-bit values;
 * a 64-bit quantity is two of them, low first) and returns nothing, a
 * 32-bit value or a 64-bit one. It is written one of two ways:
 *
 * - `sem`, against the operations interface `VmiOps<V>` (ops.ts): the
 *   simple, hot calls (virtual IF, control-register reads, page-table
 *   entries, TLB invalidation and its deferral, deferred-mode changes, the
 *   kernel stack). The ROM path runs it with numbers; the translator's
 *   inliner can run the very same function to emit it at a call site.
 * - `fn`, a hypervisor function on the vCPU's state: everything else. Calls
 *   with an instruction equivalent call that instruction's code
 *   (cpu/system-ops.ts, the instruction families).
 *
 * `exits` tells the translator whether code after the call may stay in the
 * same region: 'always' when the call changes what a region was specialised
 * on (CS, CPL, paging, segment caches, IOPL), may wait (Halt) or does not
 * return: such a call is never inlined; 'after' when it may be inlined but
 * the region ends with it unless it left the mode as it was: IRET and
 * SYSEXIT go wherever their frame or registers say, to another ring
 * perhaps, and the engine looks the target up in the new mode and takes a
 * pending interrupt first, as after the ROM path's `vmicall` (a same-ring
 * iret with nothing pending goes on inside the region); 'unless-queued' when
 * it may change the address space unless its CR3 load is only queued
 * (SetCR3 outside CPU deferred mode, and the calls that apply queued CPU
 * changes: a narrowing SetDeferredMode, FlushDeferredCalls): inlined code
 * goes on after it only while the region's code pages still map the same
 * frames; 'never' otherwise. Where a call makes interrupts deliverable its
 * description says so with `o.pollInterrupts()`.
 *
 * A call written as `fn` is inlined only when its row says `inlinable`
 * (`callable(...)` below): generated code then calls that same function in
 * place of the trip through the ROM (translator/inline/vmi.ts). Such a
 * function must reach no device (lockstep runs it twice) and its `exits`
 * must hold for it: SYSEXIT, AllocatePage and ReleasePage are.
 *
 * Rules for both forms: every access that may fault happens before the
 * first change of state, so a fault re-runs the call cleanly (the entry in
 * rom.ts rewinds to the slot's `vmicall`).
 */
import { Reg, Seg, REP_F3 } from '../isa/instr.ts';
import { Vec } from '../isa/faults.ts';
import { IF, IOPL } from '../isa/eflags.ts';
import { Access } from '../cpu/mmu.ts';
import { writeSystem } from '../cpu/segments.ts';
import {
  clearTaskSwitched, halt, loadLdt, loadTaskRegister, readDebugRegister, readPerformanceCounter, readTableImage, sysexit,
  writeCr0, writeCr4, writeDebugRegister, writeTableImage,
} from '../cpu/system-ops.ts';
import { cpuid, rdmsr, wrmsr } from '../semantics/families/system.ts';
import { iretInRing } from '../semantics/families/far.ts';
import { repPortString } from '../semantics/families/string.ts';
import { VMICALL_OPCODE } from '../semantics/families/vmi.ts';
import { CALL_NAMES, RELOC_CALL, RELOC_NONE, type CallName } from './abis.ts';
import type { VmiOps } from './ops.ts';
import { FLUSH_DEFERRED_CALLS, FLUSH_SET_DEFERRED_MODE } from './profile-hooks.ts';
import { adjustDescriptor, reloadSegment } from './segs.ts';
import { DEFER_CPU, DEFER_MMU, type VcpuVmi } from './state.ts';
import { init, readApState, validApState } from './kernel-mode.ts';
import { cancelAlarm, setAlarm, wallclockUpdated } from './clock.ts';

export type CallResult<V> = V | readonly [V, V] | void;
/** A call written against the operations interface. */
export type CallSem = <V>(o: VmiOps<V>, p: readonly V[]) => CallResult<V>;
/** A call written as a hypervisor function (a 64-bit result as a bigint). */
export type CallFn = (ctx: VcpuVmi, p: readonly number[]) => number | bigint | void;

export interface SharedCall {
  readonly name: CallName;
  /** parameter names, in order: an ABI's convention says where each comes from */
  readonly params: readonly string[];
  readonly sem?: CallSem;
  readonly fn?: CallFn;
  readonly exits: 'never' | 'always' | 'unless-queued' | 'after';
  /** a hypervisor function (`fn`) generated code may call in place of the ROM path (see the module comment) */
  readonly inlinable?: true;
}

/** bytes of a slot's `vmicall N` */
const VMICALL_LENGTH = VMICALL_OPCODE.length + 1;

/** CPUID features a paravirtual guest must not rely on: VME, MCE, MTRR, MCA, PAT, PSE-36 */
export const CPUID_MASKED_EDX = (1 << 1) | (1 << 7) | (1 << 12) | (1 << 14) | (1 << 16) | (1 << 17);

function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

// ---- descriptor tables --------------------------------------------------------------------

/** Reload every live segment register from the (new) tables. CS keeps RPL = CPL. */
function reloadLive(ctx: VcpuVmi, onlyLdt = false): void {
  const cpu = ctx.cpu;
  for (const s of [Seg.CS, Seg.SS, Seg.DS, Seg.ES, Seg.FS, Seg.GS]) {
    const sel = cpu.segSel[s];
    if (onlyLdt && !(sel & 4)) continue;
    reloadSegment(cpu, s, sel);
  }
}

/** SetGDT: a 32-bit lgdt of the image at DS:ptr, then every live segment reloads from the new table. */
const setGdt: CallFn = (ctx, [ptr]) => {
  const cpu = ctx.cpu;
  const [limit, base] = readTableImage(cpu, Seg.DS, ptr, 4, false);
  const old = [cpu.gdtBase, cpu.gdtLimit];
  cpu.gdtBase = base; cpu.gdtLimit = limit;
  // a table the live selectors cannot be reloaded from leaves the old one in place
  try { reloadLive(ctx); } catch (e) { [cpu.gdtBase, cpu.gdtLimit] = old; throw e; }
};

function writeTableEntry(ctx: VcpuVmi, [table, index, lo, hi]: readonly number[], adjust: boolean): void {
  const [l, h] = adjust ? adjustDescriptor(lo, hi) : [lo, hi];
  const at = (table + (index >>> 0) * 8) | 0;
  const cpu = ctx.cpu;
  // check both halves can be written before writing either
  cpu.mmu.translate(at, Access.WRITE, false);
  cpu.mmu.translate((at + 4) | 0, Access.WRITE, false);
  writeSystem(cpu, at, 4, l);
  writeSystem(cpu, (at + 4) | 0, 4, h);
}

// ---- page-table entries -------------------------------------------------------------------

/**
 * The physical address of the entry the guest names by linear address
 * `ptr`, as a store there would reach it (#PF if none); a write into a page
 * never registered as a page table is counted.
 */
function entryAt<V>(o: VmiOps<V>, ptr: V, write: boolean): V {
  const phys = o.linearToPhysical(ptr);
  if (write) o.if_(o.eq(o.isPageTable(phys), o.c(0)), () => o.effect('countUnregisteredPxeWrite'));
  return phys;
}

/** The 32-bit word of a 64-bit entry at `p` that holds `bit`, and the bit's index in it. */
function wordOf<V>(o: VmiOps<V>, p: V, bit: V): [V, V] {
  return [o.add(p, o.shl(o.and(o.shr(bit, o.c(5)), o.c(1)), o.c(2))), o.and(bit, o.c(31))];
}

/** Test a bit of the word at `p` and set (or clear) it; returns the old bit. */
function testAnd<V>(o: VmiOps<V>, p: V, n: V, set: boolean): V {
  const old = o.loadPhys(p);
  const mask = o.shl(o.c(1), n);
  o.storePhys(p, set ? o.or(old, mask) : o.and(old, o.not(mask)));
  return o.and(o.shr(old, n), o.c(1));
}

const testAndBit = (set: boolean, wide: boolean): CallSem => (o, [bit, ptr]) => {
  const p = entryAt(o, ptr, true);
  const [word, n] = wide ? wordOf(o, p, bit) : [p, o.and(bit, o.c(31))];
  return testAnd(o, word, n, set);
};

// ---- string I/O ---------------------------------------------------------------------------

/**
 * String I/O: exactly the instruction's `rep ins` / `rep outs` with 32-bit
 * addresses (ES:EDI or DS:ESI, count ECX, DF direction, port DX), without
 * the I/O permission check. Progress is committed per element, so a fault
 * re-runs the call from where it stopped; a destination is probed before
 * its port is read, so no port value is consumed by a faulting element.
 */
function stringIo(ctx: VcpuVmi, size: 1 | 2 | 4, input: boolean): void {
  const cpu = ctx.cpu;
  const opcode = (input ? 0x6c : 0x6e) | (size === 1 ? 0 : 1);
  // the instruction to resume at, should the loop stop early, is the slot's vmicall
  const vmicall = (cpu.eip - VMICALL_LENGTH) | 0;
  repPortString(cpu, { opcode, opsize: size === 1 ? 4 : size, adsize: 4, rep: REP_F3, seg: Seg.DS, eip: vmicall }, input);
}

// ---- linkage ------------------------------------------------------------------------------

/**
 * GetRelocationInfo(n): where call n of the running ABI is, as
 * { eip (low 32 bits), type (bits 32..39) }: CALL_REL with the address to
 * call, the ABI's jump type for IRET and SYSEXIT, NONE for a number it does
 * not serve. The address is relative to where the guest maps the ROM,
 * found from the EIP of this very call.
 */
const getRelocationInfo: CallFn = (ctx, [n]) => {
  const abi = ctx.rom.abi;
  const self = abi.calls.find((c) => c.call === 'GetRelocationInfo')!;
  const target = abi.byNumber(n >>> 0);
  if (!target) return u64(0, RELOC_NONE);
  const romBase = (ctx.cpu.eip - VMICALL_LENGTH - self.offset) | 0;
  return u64((romBase + target.offset) | 0, target.conv.jump ? abi.jumpRelocation : RELOC_CALL);
};

// ---- the table ----------------------------------------------------------------------------

type Def = Omit<SharedCall, 'name'>;
const ops = (params: string[], sem: CallSem, exits: SharedCall['exits'] = 'never'): Def => ({ params, sem, exits });
const host = (params: string[], fn: CallFn, exits: SharedCall['exits'] = 'never'): Def => ({ params, fn, exits });
/** a hypervisor function the inliner may call from generated code (it reaches no device; `exits` holds for it) */
const callable = (params: string[], fn: CallFn, exits: SharedCall['exits'] = 'never'): Def => ({ params, fn, exits, inlinable: true });
const nothing = ops([], () => {});

const getCr = (n: 0 | 2 | 3 | 4) => ops([], (o) => o.cr(n));
// the instructions' own port accesses (effects.ts), without the I/O permission check: the hypervisor acts;
// a device may raise an interrupt when read or written (and, written, stop the machine or write memory: effects.ts)
const portIn = (size: 1 | 2 | 4) => ops(['port'], (o, [port]) => {
  const v = o.effect('portRead', port, o.c(size));
  // an interrupt the device raised is announced by the machine (runtime/machine.ts interruptMayBeDue)
  o.pollInterrupts(o.signalled());
  return v;
});
const portOut = (size: 1 | 2 | 4) => ops(['value', 'port'], (o, [v, port]) => { o.effect('portWrite', port, o.c(size), v); });
const portString = (size: 1 | 2 | 4, input: boolean) => host([], (ctx) => stringIo(ctx, size, input));

const defs: Record<CallName, Def> = {
  Init: host([], (ctx) => init(ctx), 'always'),
  // the instruction's own cpuid, with the features a paravirtual guest must not rely on hidden
  CPUID: ops([], (o) => {
    const leaf = o.reg(Reg.EAX, 4);
    cpuid(o);
    o.if_(o.eq(leaf, o.c(1)), () => o.setReg(Reg.EDX, 4, o.and(o.reg(Reg.EDX, 4), o.c(~CPUID_MASKED_EDX))));
  }),
  // the instructions' registers: ECX msr, EDX:EAX value (no CPL check: the hypervisor acts)
  WRMSR: host([], (ctx) => wrmsr(ctx.cpu), 'always'),
  RDMSR: host([], (ctx) => rdmsr(ctx.cpu)),

  SetGDT: host(['image'], setGdt, 'always'),
  SetLDT: host(['selector'], (ctx, [sel]) => {
    loadLdt(ctx.cpu, sel);
    if ((sel & 0xfffc) !== 0) reloadLive(ctx, true);
  }, 'always'),
  SetIDT: host(['image'], (ctx, [ptr]) => {
    const [limit, base] = readTableImage(ctx.cpu, Seg.DS, ptr, 4, false);
    ctx.cpu.idtBase = base; ctx.cpu.idtLimit = limit;
  }),
  SetTR: host(['selector'], (ctx, [sel]) => loadTaskRegister(ctx.cpu, sel)),
  GetGDT: host(['image'], (ctx, [ptr]) => writeTableImage(ctx.cpu, Seg.DS, ptr, ctx.cpu.gdtLimit, ctx.cpu.gdtBase, 4, false)),
  GetLDT: host([], (ctx) => ctx.cpu.ldtSel & 0xffff),
  GetIDT: host(['image'], (ctx, [ptr]) => writeTableImage(ctx.cpu, Seg.DS, ptr, ctx.cpu.idtLimit, ctx.cpu.idtBase, 4, false)),
  GetTR: host([], (ctx) => ctx.cpu.trSel & 0xffff),
  WriteGDTEntry: host(['table', 'index', 'low', 'high'], (ctx, p) => writeTableEntry(ctx, p, true)),
  WriteLDTEntry: host(['table', 'index', 'low', 'high'], (ctx, p) => writeTableEntry(ctx, p, true)),
  WriteIDTEntry: host(['table', 'index', 'low', 'high'], (ctx, p) => writeTableEntry(ctx, p, false)),
  UpdateKernelStack: ops(['tss', 'ss', 'esp0'], (o, [tss, ss, esp]) => {
    o.if_(o.and(o.deferMode(), o.c(DEFER_CPU)),
      () => o.effect('queueKernelStack', tss, ss, esp),
      () => o.effect('setKernelStack', tss, ss, esp));
  }),

  SetCR0: host(['value'], (ctx, [v]) => writeCr0(ctx.cpu, v), 'always'),
  SetCR2: ops(['value'], (o, [v]) => o.setCr2(v)),
  SetCR3: ops(['value'], (o, [v]) => {
    o.if_(o.and(o.deferMode(), o.c(DEFER_CPU)), () => o.effect('queueCr3', v), () => o.effect('writeCr3', v));
  }, 'unless-queued'),
  SetCR4: host(['value'], (ctx, [v]) => writeCr4(ctx.cpu, v), 'always'),
  GetCR0: getCr(0),
  GetCR2: getCr(2),
  GetCR3: getCr(3),
  GetCR4: getCr(4),
  // invalidating caches without writing them back would lose data: not in a VM
  INVD: ops([], (o) => o.raise(Vec.GP, 0)),
  WBINVD: nothing,
  SetDR: host(['register', 'value'], (ctx, [n, v]) => writeDebugRegister(ctx.cpu, n & 7, v)),
  GetDR: host(['register'], (ctx, [n]) => readDebugRegister(ctx.cpu, n & 7)),
  RDPMC: host(['counter'], (ctx, [n]) => readPerformanceCounter(ctx.cpu, n)),
  RDTSC: host([], (ctx) => ctx.cpu.readTsc()),
  CLTS: host([], (ctx) => clearTaskSwitched(ctx.cpu)),

  // enabling takes pending interrupts at the next instruction boundary, before the slot's ret; only a
  // change from off to on can have made one deliverable (with IF on already, one pending was the engine's)
  EnableInterrupts: ops([], (o) => {
    const was = o.vif();
    o.setVif(o.c(1));
    o.pollInterrupts(o.xor(was, o.c(1)));
  }),
  DisableInterrupts: ops([], (o) => o.setVif(o.c(0))),
  GetInterruptMask: ops([], (o) => o.select(o.vif(), o.c(IF), o.c(0))),
  SetInterruptMask: ops(['mask'], (o, [m]) => {
    const was = o.vif();
    const on = o.ne(o.and(m, o.c(IF)), o.c(0));
    o.setVif(on);
    o.pollInterrupts(o.and(on, o.xor(was, o.c(1))));
  }),
  // the instruction's own iret: its common case in place (a return to the same ring and code segment),
  // else its full return, to the same ring or an outer one; with the ROM in use IF goes to the virtual
  // flag and the real one stays set, whatever IOPL let iret do
  IRET: ops([], <V>(o: VmiOps<V>) => {
    const returnTo = (eip: V, image: V) => {
      const pv = o.paravirtual();
      const on = o.ne(o.and(image, o.c(IF)), o.c(0));
      // only a virtual IF turned on can have let an interrupt through (the common case never sets IF)
      const enables = o.and(pv, o.and(on, o.xor(o.vif(), o.c(1))));
      o.if_(pv, () => {
        o.setVif(on);
        o.setFlag(IF, o.c(1));
      });
      o.pollInterrupts(enables);
      o.jump(eip, 4);
    };
    iretInRing(o, returnTo, () => {
      // the frame's EFLAGS image, read before the full return pops it
      const image = o.load(Seg.SS, o.add(o.reg(Reg.ESP, 4), o.c(8)), 4);
      returnTo(o.effect('iretFrame'), image);
    });
  }, 'after'),
  SYSEXIT: callable([], (ctx) => {
    // the user segments stop below the hypervisor's hole
    sysexit(ctx.cpu, ctx.flatLimit);
    ctx.vif = true;
  }, 'after'),
  Pause: nothing,
  Halt: host([], (ctx) => {
    ctx.vif = true;
    halt(ctx.cpu);
  }, 'always'),
  // 0 soft (INIT-like), 1 hard (reset): the machine boots again either way
  Reboot: host(['kind'], (ctx, [kind]) => ctx.machine.reset(kind === 1 ? 'hard' : 'soft'), 'always'),
  Shutdown: host([], (ctx) => {
    ctx.vif = false;
    ctx.cpu.halted = true;
    ctx.machine.powerOffVcpu?.(ctx.vcpu.id);
  }, 'always'),

  // page-table entries are written through at once, in deferred mode too (state.ts)
  SetPxE: ops(['value', 'pointer', 'flags'], (o, [v, ptr]) => o.storePhys(entryAt(o, ptr, true), v)),
  GetPxE: ops(['pointer'], (o, [ptr]) => o.loadPhys(entryAt(o, ptr, false))),
  SwapPxE: ops(['value', 'pointer'], (o, [v, ptr]) => {
    const p = entryAt(o, ptr, true);
    const old = o.loadPhys(p);
    o.storePhys(p, v);
    return old;
  }),
  SetPxELong: ops(['low', 'high', 'pointer', 'flags'], (o, [lo, hi, ptr]) => {
    const p = entryAt(o, ptr, true);
    o.storePhys(o.add(p, o.c(4)), hi);
    o.storePhys(p, lo);
  }),
  GetPxELong: ops(['pointer'], (o, [ptr]) => {
    const p = entryAt(o, ptr, false);
    return [o.loadPhys(p), o.loadPhys(o.add(p, o.c(4)))];
  }),
  SwapPxELongAtomic: ops(['low', 'high', 'pointer'], (o, [lo, hi, ptr]) => {
    const p = entryAt(o, ptr, true);
    const old: [typeof lo, typeof lo] = [o.loadPhys(p), o.loadPhys(o.add(p, o.c(4)))];
    o.storePhys(o.add(p, o.c(4)), hi);
    o.storePhys(p, lo);
    return old;
  }),
  TestAndSetPxEBit: ops(['bit', 'pointer'], testAndBit(true, false)),
  TestAndClearPxEBit: ops(['bit', 'pointer'], testAndBit(false, false)),
  TestAndSetPxELongBit: ops(['bit', 'pointer'], testAndBit(true, true)),
  TestAndClearPxELongBit: ops(['bit', 'pointer'], testAndBit(false, true)),
  DeactivatePxELongAtomic: ops(['pointer'], (o, [ptr]) => {
    const p = entryAt(o, ptr, true);
    const old: [typeof ptr, typeof ptr] = [o.loadPhys(p), o.loadPhys(o.add(p, o.c(4)))];
    o.storePhys(p, o.and(old[0], o.c(~1)));
    return old;
  }),
  // the guest wrote an entry itself: without shadow page tables there is nothing to bring up to date
  UpdatePxE: ops(['pointer', 'flags'], () => {}),
  UpdatePxELong: ops(['pointer', 'flags'], () => {}),
  // guest-physical is machine-physical here
  MachineToPhysical: ops(['address'], (_o, [a]) => a),
  PhysicalToMachine: ops(['address'], (_o, [a]) => a),

  // bookkeeping only (what a page is, for the PTE-write statistics): called in place from translated code,
  // as a fork or an exit registers and releases every page table it makes
  AllocatePage: callable(['pfn', 'usage', 'clonePfn', 'start', 'count'], (ctx, [pfn, usage]) => {
    const usages = ctx.rom.pageUsage;
    usages.set(pfn >>> 0, (usages.get(pfn >>> 0) ?? 0) | usage);
  }),
  ReleasePage: callable(['pfn', 'usage'], (ctx, [pfn]) => { ctx.rom.pageUsage.delete(pfn >>> 0); }),
  InvalPage: ops(['address'], (o, [va]) => {
    o.if_(o.and(o.deferMode(), o.c(DEFER_MMU)),
      () => o.effect('queueInvalidatePage', va), () => o.effect('invalidatePage', va));
  }),
  FlushTLB: ops(['flags'], (o, [flags]) => {
    o.if_(o.and(o.deferMode(), o.c(DEFER_MMU)), () => o.effect('queueFlushTlb', flags), () => o.effect('flushTlb', flags));
  }),
  FlushDeferredCalls: ops(['which'], (o, [which]) => o.effect('flushDeferred', which, o.c(FLUSH_DEFERRED_CALLS)), 'unless-queued'),
  // widening flushes nothing; clearing any bit flushes everything pending
  SetDeferredMode: ops(['mode'], (o, [mode]) => {
    const m = o.and(mode, o.c(7));
    const narrowing = o.and(o.deferMode(), o.not(m));
    o.setDeferMode(m);
    o.if_(o.ne(narrowing, o.c(0)), () => o.effect('flushDeferred', o.c(DEFER_MMU | DEFER_CPU), o.c(FLUSH_SET_DEFERRED_MODE)));
  }, 'unless-queued'),
  SetLinearMapping: host(['slot', 'linear', 'pages', 'pfn'], (ctx, [slot, linear, pages, pfn]) => {
    if (slot >>> 0 > 3) return;
    ctx.rom.linearMappings[slot] = pages === 0 ? undefined : { linear: linear >>> 0, pages: pages >>> 0, pfn: pfn >>> 0 };
  }),

  IN: portIn(4),
  INB: portIn(1),
  INW: portIn(2),
  INS: portString(4, true),
  INSB: portString(1, true),
  INSW: portString(2, true),
  OUT: portOut(4),
  OUTB: portOut(1),
  OUTW: portOut(2),
  OUTS: portString(4, false),
  OUTSB: portString(1, false),
  OUTSW: portString(2, false),
  // the real IOPL: it governs port access; IF stays out of the guest's reach (the virtual IF decides)
  SetIOPLMask: host(['mask'], (ctx, [mask]) => ctx.cpu.setEflags(mask, IOPL), 'always'),
  SetInitialAPState: host(['state', 'apicId'], (ctx, [ptr, id]) => {
    // the state is read now, wherever it is (Linux builds it on its stack)
    const s = readApState(ctx.cpu, ptr);
    // an invalid state leaves the AP with none: the SIPI will not start it
    if (validApState(s)) ctx.rom.apStates.set(id >>> 0, s);
    else ctx.rom.apStates.delete(id >>> 0);
  }),
  // the register's offset inside the APIC page: an absolute address or the offset alone both work;
  // an EOI, a lower TPR or a self-IPI may let a pending interrupt through
  APICWrite: ops(['register', 'value'], (o, [reg, v]) => { o.effect('apicWrite', reg, v); o.pollInterrupts(o.signalled()); }),
  APICRead: ops(['register'], (o, [reg]) => o.effect('apicRead', reg)),
  IODelay: nothing,

  GetCycleFrequency: host([], (ctx) => ctx.machine.cycleFrequency),
  GetCycleCounter: ops(['counter'], (o, [c]) => o.effect64('cycleCounter', c)),
  SetAlarm: host(['flags', 'expiryLow', 'expiryHigh', 'periodLow', 'periodHigh'],
    (ctx, [flags, elo, ehi, plo, phi]) => setAlarm(ctx, flags, u64(elo, ehi), u64(plo, phi))),
  CancelAlarm: host(['counter'], (ctx, [c]) => cancelAlarm(ctx, c)),
  GetWallclockTime: host([], (ctx) => ctx.machine.wallclockNs()),
  WallclockUpdated: host([], (ctx) => wallclockUpdated(ctx)),
  GetRelocationInfo: host(['call'], getRelocationInfo),
};

/** The shared calls by name. */
export const SHARED_CALLS: Readonly<Record<CallName, SharedCall>> = Object.fromEntries(
  CALL_NAMES.map((name) => [name, { name, ...defs[name] }]),
) as Record<CallName, SharedCall>;
