/**
 * Every VMI call, 4 to 85, as one table (ABI.md sections 4-8).
 *
 * A row is `{ number, name, conv, fn }`. `conv` says how the call is entered
 * and left: how many of EAX, EDX, ECX (regparm(3) order) and stack words it
 * reads, whether it returns a value in EAX or EDX:EAX, which other registers
 * it writes itself, and its clobbers ("standard": EAX ECX EDX and flags;
 * "flags": flags only). `fn(ctx, args)` is the call's only implementation.
 * The generic entry in rom.ts reads the arguments, runs `fn`, stores the
 * result and applies the clobbers; the translator (issue 5) will do the same
 * from generated code at a recognised call site, from the same row.
 *
 * Clobbered registers that are not outputs are set to 0xDEAD0000 | N on the
 * ROM path, so a guest that relies on a value the ABI does not preserve
 * fails visibly (and a register dump names the call); arithmetic flags are
 * left as they were. `fn` does every access that may fault before it changes
 * state, so a fault restarts the call cleanly (the interpreter rewinds EIP
 * to the slot's `vmicall` and ESP to its value there).
 */
import type { Cpu } from '../cpu/cpu.ts';
import { Reg, Seg } from '../isa/instr.ts';
import { Fault, Vec } from '../isa/faults.ts';
import { IF, IOPL } from '../isa/eflags.ts';
import { REP_F3 } from '../isa/instr.ts';
import { readDescriptor, readSystem, writeSystem, loadCache } from '../cpu/segments.ts';
import { Access, CR0_PE, CR0_PG, EFER_NXE } from '../cpu/mmu.ts';
import {
  clearTaskSwitched, halt, loadLdt, loadTaskRegister, readDebugRegister, readPerformanceCounter, readTableImage, sysexit,
  writeCr0, writeCr3, writeCr4, writeDebugRegister, writeTableImage,
} from '../cpu/system-ops.ts';
import { iretFrame } from '../semantics/families/far.ts';
import { readPort, writePort } from '../semantics/families/io.ts';
import { repPortString } from '../semantics/families/string.ts';
import { VMICALL_OPCODE } from '../semantics/families/vmi.ts';
import { cpuid, rdmsr, wrmsr } from '../semantics/families/system.ts';
import { VMI_CALL_NAMES } from './symbols.ts';
import { adjustCache, adjustDescriptor, adjusted, HOLE_START, reloadSegment } from './segs.ts';
import {
  AlarmClock, DEFER_CPU, DEFER_MMU, PAGE_PD, PAGE_PDP, PAGE_PML4, PAGE_PT, type ApState, type PendingPte, type VcpuVmi,
} from './state.ts';

export interface VmiArgs {
  eax: number;
  edx: number;
  ecx: number;
  /** ST(0), ST(1), ...: the words at [ESP+4], [ESP+8] ... on entry to the slot */
  stack: number[];
}

export interface Convention {
  /** how many of EAX, EDX, ECX (in that order) are inputs */
  regs: 0 | 1 | 2 | 3;
  /** stack words read */
  stack: number;
  /** where fn's return value goes */
  result: 'none' | 'eax' | 'edx:eax';
  /** registers fn writes itself (CPUID, RDMSR, string I/O): never poisoned */
  writes?: readonly number[];
  clobbers: 'standard' | 'flags';
  /** entered by jmp with a frame on the stack, and never returns (IRET, SYSEXIT) */
  noReturn?: boolean;
}

export type VmiFn = (ctx: VcpuVmi, a: VmiArgs) => number | bigint | void;

export interface VmiCall {
  number: number;
  name: string;
  conv: Convention;
  fn: VmiFn;
}

export const POISON = 0xdead0000 | 0;

// ---- conventions ------------------------------------------------------------------------

const std = (regs: Convention['regs'], result: Convention['result'] = 'none', stack = 0): Convention =>
  ({ regs, stack, result, clobbers: 'standard' });
const flagsOnly = (regs: Convention['regs'], result: Convention['result'] = 'none'): Convention =>
  ({ regs, stack: 0, result, clobbers: 'flags' });

// ---- helpers ----------------------------------------------------------------------------

function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function lo32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

function hi32(v: bigint): number {
  return Number(BigInt.asIntN(32, v >> 32n));
}

/** Physical address of a guest pointer to a page-table entry (a supervisor lookup, no write check). */
function pxePhys(ctx: VcpuVmi, lin: number): number {
  const phys = ctx.cpu.mmu.translate(lin | 0, Access.READ, false);
  const usage = ctx.rom.pageUsage.get(phys >>> 12) ?? 0;
  if (!(usage & (PAGE_PT | PAGE_PD | PAGE_PDP | PAGE_PML4))) ctx.rom.stats.unregisteredPxeWrites++;
  return phys;
}

/** A page-table write: queued in MMU deferred mode, else made now. */
function setPxe(ctx: VcpuVmi, w: PendingPte): void {
  if (ctx.deferMode & DEFER_MMU) { ctx.queuePte(w); return; }
  const mem = ctx.machine.memory;
  if (w.hi !== undefined) mem.write(w.phys + 4, 4, w.hi);
  mem.write(w.phys, 4, w.lo);
}

/**
 * The read-modify-write calls (Swap, TestAndSet, Deactivate) act on memory
 * at once; a write to the same entry still queued is applied first so the
 * old value they return is the one the guest last set.
 */
function atomicPxe(ctx: VcpuVmi, lin: number, wide: boolean, update: (old: bigint) => bigint): bigint {
  const phys = pxePhys(ctx, lin);
  ctx.flushMmuWhere((w) => w.phys === phys);
  const mem = ctx.machine.memory;
  const old = wide ? u64(mem.read(phys, 4), mem.read(phys + 4, 4)) : BigInt(mem.read(phys, 4) >>> 0);
  const v = update(old);
  if (wide) mem.write(phys + 4, 4, hi32(v));
  mem.write(phys, 4, lo32(v));
  return old;
}

/** A table-register image at DS:ptr, as a 32-bit lgdt/lidt reads it. */
function readDtImage(cpu: Cpu, ptr: number): [number, number] {
  return readTableImage(cpu, Seg.DS, ptr, 4, false);
}

/** Store one as a 32-bit sgdt/sidt does. */
function writeDtImage(cpu: Cpu, ptr: number, limit: number, base: number): void {
  writeTableImage(cpu, Seg.DS, ptr, limit, base, 4, false);
}

/** Reload every live segment register from the (new) tables. CS keeps RPL = CPL. */
function reloadLive(cpu: Cpu, onlyLdt = false): void {
  for (const s of [Seg.CS, Seg.SS, Seg.DS, Seg.ES, Seg.FS, Seg.GS]) {
    const sel = cpu.segSel[s];
    if (onlyLdt && !(sel & 4)) continue;
    reloadSegment(cpu, s, sel);
  }
}

function writeTableEntry(ctx: VcpuVmi, a: VmiArgs, adjust: boolean): void {
  const [lo, hi] = adjust ? adjustDescriptor(a.ecx, a.stack[0]) : [a.ecx, a.stack[0]];
  const at = (a.eax + (a.edx >>> 0) * 8) | 0;
  const cpu = ctx.cpu;
  // check both halves can be written before writing either
  cpu.mmu.translate(at, Access.WRITE, false);
  cpu.mmu.translate((at + 4) | 0, Access.WRITE, false);
  writeSystem(cpu, at, 4, lo);
  writeSystem(cpu, (at + 4) | 0, 4, hi);
}

function updateKernelStack(cpu: Cpu, tss: number, esp0: number): void {
  // the kernel runs at ring 1, so ring transitions take ESP1; ESP0 is kept equal for a native-minded guest
  writeSystem(cpu, (tss + 4) | 0, 4, esp0);
  writeSystem(cpu, (tss + 12) | 0, 4, esp0);
}

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
  const vmicall = (cpu.eip - VMICALL_OPCODE.length - 1) | 0;
  repPortString(cpu, { opcode, opsize: size === 1 ? 4 : size, adsize: 4, rep: REP_F3, seg: Seg.DS, eip: vmicall }, input);
}

/** CPUID features a paravirtual guest must not rely on: VME, MCE, MTRR, MCA, PAT, PSE-36 */
export const CPUID_MASKED_EDX = (1 << 1) | (1 << 7) | (1 << 12) | (1 << 14) | (1 << 16) | (1 << 17);

/** Parse an APState (ABI.md section 7) at guest pointer `ptr`. */
export function readApState(cpu: Cpu, ptr: number): ApState {
  const d = (off: number) => cpu.read(Seg.DS, (ptr + off) | 0, 4);
  const w = (off: number) => cpu.read(Seg.DS, (ptr + off) | 0, 2);
  return {
    cr0: d(0), cr2: d(4), cr3: d(8), cr4: d(12), efer: u64(d(16), d(20)),
    eip: d(24), eflags: d(28), eax: d(32), ebx: d(36), ecx: d(40), edx: d(44),
    esp: d(48), ebp: d(52), esi: d(56), edi: d(60),
    cs: w(64), ss: w(66), ds: w(68), es: w(70), fs: w(72), gs: w(74), ldtr: w(76),
    gdtrLimit: w(78), gdtrBase: d(80), idtrBase: d(84), idtrLimit: w(88),
  };
}

/** Is an APState one an AP can start from? (Protected mode with paging.) */
export function validApState(s: ApState): boolean {
  return (s.cr0 & (CR0_PE | CR0_PG)) === (CR0_PE | CR0_PG);
}

/** Put a vCPU into the state an APState describes, in paravirtual mode. */
export function applyApState(ctx: VcpuVmi, s: ApState): void {
  const cpu = ctx.cpu;
  cpu.cr0 = (s.cr0 | 0x10) | 0; // ET reads as 1
  cpu.cr2 = s.cr2;
  cpu.cr3 = s.cr3;
  cpu.cr4 = s.cr4;
  cpu.efer = Number(s.efer & BigInt(EFER_NXE));
  cpu.mmu.flushAll(false);
  cpu.gdtBase = s.gdtrBase; cpu.gdtLimit = s.gdtrLimit;
  cpu.idtBase = s.idtrBase; cpu.idtLimit = s.idtrLimit;
  const r = cpu.regs;
  r[Reg.EAX] = s.eax; r[Reg.EBX] = s.ebx; r[Reg.ECX] = s.ecx; r[Reg.EDX] = s.edx;
  r[Reg.ESP] = s.esp; r[Reg.EBP] = s.ebp; r[Reg.ESI] = s.esi; r[Reg.EDI] = s.edi;
  cpu.setCpl(s.cs & 3);
  // the LDT first: segment selectors may point into it
  if ((s.ldtr & ~3) !== 0) {
    const d = readDescriptor(cpu, s.ldtr);
    cpu.ldtSel = s.ldtr; cpu.ldtBase = d.base; cpu.ldtLimit = d.limit;
  } else {
    cpu.ldtSel = 0; cpu.ldtBase = 0; cpu.ldtLimit = 0;
  }
  const sels: [number, number][] = [[Seg.CS, s.cs], [Seg.SS, s.ss], [Seg.DS, s.ds], [Seg.ES, s.es], [Seg.FS, s.fs], [Seg.GS, s.gs]];
  for (const [seg, sel] of sels) {
    if ((sel & ~3) === 0) {
      cpu.segSel[seg] = sel; cpu.segBase[seg] = 0; cpu.segLimit[seg] = 0; cpu.segAttr[seg] = 0;
      cpu.refreshSeg(seg);
    } else {
      loadCache(cpu, seg, sel, adjusted(readDescriptor(cpu, sel)));
    }
  }
  ctx.vif = (s.eflags & IF) !== 0;
  cpu.setEflags((s.eflags & ~IOPL) | IF);
  cpu.eip = s.eip;
  cpu.halted = false;
  cpu.pv = ctx;
}

// ---- time ---------------------------------------------------------------------------------

/** Arm alarm `c` for its next expiry. */
function armAlarm(ctx: VcpuVmi, c: AlarmClock): void {
  const a = ctx.alarms[c];
  a.armed = true;
  a.handle = ctx.machine.scheduleEvent(ctx.vcpu.id, c === AlarmClock.REAL ? 'real' : 'available', a.expiry, () => fireAlarm(ctx, c));
}

/**
 * An alarm expired: deliver it, and re-arm a periodic one at the first
 * base + period * i beyond the counter's value now (a late alarm fires once,
 * not once per missed period).
 */
export function fireAlarm(ctx: VcpuVmi, c: AlarmClock): void {
  const a = ctx.alarms[c];
  a.armed = false;
  a.handle = -1;
  a.fired++;
  if (a.apic) ctx.vcpu.apic.raise(ctx.vcpu.apic.timerVector());
  else ctx.machine.raiseIrq(0);
  if (a.period > 0n) {
    const now = ctx.clock(c);
    a.expiry = now < a.base ? a.base : a.base + a.period * ((now - a.base) / a.period + 1n);
    armAlarm(ctx, c);
  }
}

export function cancelAlarm(ctx: VcpuVmi, counter: number): number {
  if (counter !== AlarmClock.REAL && counter !== AlarmClock.AVAILABLE) return 0;
  const a = ctx.alarms[counter];
  const was = a.armed;
  if (a.handle >= 0) ctx.machine.cancelEvent(a.handle);
  a.armed = false;
  a.handle = -1;
  return was ? 1 : 0;
}

export function setAlarm(ctx: VcpuVmi, flags: number, expiry: bigint, period: bigint): void {
  const counter = flags & 0xff;
  if (counter !== AlarmClock.REAL && counter !== AlarmClock.AVAILABLE) return; // stolen time has no alarm
  cancelAlarm(ctx, counter);
  const a = ctx.alarms[counter];
  a.base = a.expiry = expiry;
  a.period = flags & 0x100 ? period : 0n;
  a.apic = (flags & 0x10000) !== 0;
  armAlarm(ctx, counter);
}

/** moved by more than this relative to real time, the wall clock counts as updated */
const WALLCLOCK_SLACK_NS = 1_000_000n;

function wallOffset(ctx: VcpuVmi): bigint {
  const m = ctx.machine;
  return m.wallclockNs() - (m.cycleFrequency > 0n ? (m.realTime() * 1_000_000_000n) / m.cycleFrequency : 0n);
}

// ---- Init -----------------------------------------------------------------------------------

/**
 * Init: the kernel leaves CPL 0 for CPL 1. Every code/data descriptor in the
 * GDT is adjusted in place (DPL 0 -> 1, limits below the hole), the live
 * segment caches likewise, CS and SS take RPL 1, IOPL drops to 0, and the
 * virtual IF takes over from the real one (which is then set for good).
 * A second Init (or one on an AP started paravirtually) changes nothing.
 */
function init(ctx: VcpuVmi): number {
  const cpu = ctx.cpu;
  if (cpu.pv) return 0;
  if (!cpu.protectedMode || cpu.cpl !== 0 || (cpu.getEflags() & 0x20000) !== 0) return -1;
  for (let off = 8; off + 7 <= cpu.gdtLimit; off += 8) {
    const at = (cpu.gdtBase + off) | 0;
    const lo = readSystem(cpu, at, 4);
    const hi = readSystem(cpu, (at + 4) | 0, 4);
    const [nlo, nhi] = adjustDescriptor(lo, hi);
    if (nlo !== lo) writeSystem(cpu, at, 4, nlo);
    if (nhi !== hi) writeSystem(cpu, (at + 4) | 0, 4, nhi);
  }
  for (let s = 0; s < 6; s++) adjustCache(cpu, s);
  cpu.segSel[Seg.CS] = (cpu.segSel[Seg.CS] & ~3) | 1;
  cpu.segSel[Seg.SS] = (cpu.segSel[Seg.SS] & ~3) | 1;
  cpu.setCpl(1);
  ctx.vif = (cpu.getEflags() & IF) !== 0;
  cpu.setEflags(IF, IF | IOPL);
  ctx.wallOffset = wallOffset(ctx);
  cpu.pv = ctx;
  ctx.rom.active = true;
  return 0;
}

// ---- the table ------------------------------------------------------------------------------

const defs: Omit<VmiCall, 'name'>[] = [
  { number: 4, conv: std(0, 'eax'), fn: init },
  {
    number: 5, conv: { ...flagsOnly(3), writes: [Reg.EAX, Reg.EBX, Reg.ECX, Reg.EDX] },
    fn: (ctx, a) => {
      const cpu = ctx.cpu;
      const leaf = a.eax;
      cpuid(cpu);
      if (leaf === 1) cpu.regs[Reg.EDX] &= ~CPUID_MASKED_EDX;
    },
  },
  { number: 6, conv: std(3), fn: (ctx) => wrmsr(ctx.cpu) },
  { number: 7, conv: { ...std(3), writes: [Reg.EAX, Reg.EDX] }, fn: (ctx) => rdmsr(ctx.cpu) },
  {
    number: 8, conv: std(1),
    fn: (ctx, a) => {
      const cpu = ctx.cpu;
      const [limit, base] = readDtImage(cpu, a.eax);
      const old = [cpu.gdtBase, cpu.gdtLimit];
      cpu.gdtBase = base; cpu.gdtLimit = limit;
      // a table the live selectors cannot be reloaded from leaves the old one in place
      try { reloadLive(cpu); } catch (e) { [cpu.gdtBase, cpu.gdtLimit] = old; throw e; }
    },
  },
  {
    number: 9, conv: std(1),
    fn: (ctx, a) => {
      loadLdt(ctx.cpu, a.eax);
      if ((a.eax & 0xfffc) !== 0) reloadLive(ctx.cpu, true);
    },
  },
  {
    number: 10, conv: std(1),
    fn: (ctx, a) => {
      const [limit, base] = readDtImage(ctx.cpu, a.eax);
      ctx.cpu.idtBase = base; ctx.cpu.idtLimit = limit;
    },
  },
  {
    number: 11, conv: std(1),
    fn: (ctx, a) => loadTaskRegister(ctx.cpu, a.eax),
  },
  { number: 12, conv: std(1), fn: (ctx, a) => writeDtImage(ctx.cpu, a.eax, ctx.cpu.gdtLimit, ctx.cpu.gdtBase) },
  { number: 13, conv: std(0, 'eax'), fn: (ctx) => ctx.cpu.ldtSel & 0xffff },
  { number: 14, conv: std(1), fn: (ctx, a) => writeDtImage(ctx.cpu, a.eax, ctx.cpu.idtLimit, ctx.cpu.idtBase) },
  { number: 15, conv: std(0, 'eax'), fn: (ctx) => ctx.cpu.trSel & 0xffff },
  { number: 16, conv: std(3, 'none', 1), fn: (ctx, a) => writeTableEntry(ctx, a, true) },
  { number: 17, conv: std(3, 'none', 1), fn: (ctx, a) => writeTableEntry(ctx, a, true) },
  { number: 18, conv: std(3, 'none', 1), fn: (ctx, a) => writeTableEntry(ctx, a, false) },
  {
    number: 19, conv: std(2),
    fn: (ctx, a) => {
      const cpu = ctx.cpu;
      if (ctx.deferMode & DEFER_CPU) ctx.cpuPending.push(() => updateKernelStack(cpu, a.eax, a.edx));
      else updateKernelStack(cpu, a.eax, a.edx);
    },
  },
  { number: 20, conv: std(1), fn: (ctx, a) => writeCr0(ctx.cpu, a.eax) },
  { number: 21, conv: std(1), fn: (ctx, a) => { ctx.cpu.cr2 = a.eax; } },
  {
    number: 22, conv: std(1),
    fn: (ctx, a) => {
      const cpu = ctx.cpu;
      if (ctx.deferMode & DEFER_CPU) ctx.cpuPending.push(() => writeCr3(cpu, a.eax));
      else writeCr3(cpu, a.eax);
    },
  },
  { number: 23, conv: std(1), fn: (ctx, a) => writeCr4(ctx.cpu, a.eax) },
  { number: 24, conv: std(0, 'eax'), fn: (ctx) => ctx.cpu.cr0 },
  { number: 25, conv: std(0, 'eax'), fn: (ctx) => ctx.cpu.cr2 },
  { number: 26, conv: std(0, 'eax'), fn: (ctx) => ctx.cpu.cr3 },
  { number: 27, conv: std(0, 'eax'), fn: (ctx) => ctx.cpu.cr4 },
  { number: 28, conv: std(0), fn: () => { throw new Fault(Vec.GP, 0); } },
  { number: 29, conv: std(0), fn: () => {} },
  {
    number: 30, conv: std(2),
    fn: (ctx, a) => writeDebugRegister(ctx.cpu, a.eax & 7, a.edx),
  },
  { number: 31, conv: std(1, 'eax'), fn: (ctx, a) => readDebugRegister(ctx.cpu, a.eax & 7) },
  { number: 32, conv: std(3, 'edx:eax'), fn: (_ctx, a) => readPerformanceCounter(a.ecx) },
  { number: 33, conv: std(0, 'edx:eax'), fn: (ctx) => ctx.cpu.readTsc() },
  { number: 34, conv: std(0), fn: (ctx) => clearTaskSwitched(ctx.cpu) },
  // pending interrupts are taken at the next instruction boundary, before the slot's ret
  { number: 35, conv: flagsOnly(0), fn: (ctx) => { ctx.vif = true; } },
  { number: 36, conv: flagsOnly(0), fn: (ctx) => { ctx.vif = false; } },
  { number: 37, conv: flagsOnly(0, 'eax'), fn: (ctx) => (ctx.vif ? IF : 0) },
  { number: 38, conv: flagsOnly(1), fn: (ctx, a) => { ctx.vif = (a.eax & IF) !== 0; } },
  {
    number: 39, conv: { regs: 0, stack: 0, result: 'none', clobbers: 'flags', noReturn: true },
    fn: (ctx) => {
      const cpu = ctx.cpu;
      const image = cpu.read(Seg.SS, (cpu.regs[Reg.ESP] + 8) | 0, 4);
      iretFrame(cpu, 4);
      if (cpu.pv) {
        // IF goes to the virtual flag; the real one stays set whatever IOPL allowed iret to do
        ctx.vif = (image & IF) !== 0;
        cpu.setFlag(IF, 1);
      }
    },
  },
  {
    number: 40, conv: { regs: 0, stack: 0, result: 'none', clobbers: 'flags', noReturn: true },
    fn: (ctx) => {
      // the user segments stop below the hypervisor's hole
      sysexit(ctx.cpu, HOLE_START - 1);
      ctx.vif = true;
    },
  },
  { number: 41, conv: std(0), fn: () => {} },
  {
    number: 42, conv: std(0),
    fn: (ctx) => {
      ctx.vif = true;
      halt(ctx.cpu);
    },
  },
  {
    number: 43, conv: std(1),
    fn: (ctx, a) => ctx.machine.stop(`guest reboot (${a.eax === 1 ? 'hard' : 'soft'}) through VMI Reboot`, 0),
  },
  {
    number: 44, conv: std(0),
    fn: (ctx) => {
      ctx.vif = false;
      ctx.cpu.halted = true;
      ctx.machine.powerOffVcpu?.(ctx.vcpu.id);
    },
  },
  { number: 45, conv: std(2), fn: (ctx, a) => setPxe(ctx, { phys: pxePhys(ctx, a.edx), lo: a.eax }) },
  {
    number: 46, conv: std(1, 'eax'),
    fn: (ctx, a) => ctx.machine.memory.read(ctx.cpu.mmu.translate(a.eax, Access.READ, false), 4),
  },
  { number: 47, conv: std(2, 'eax'), fn: (ctx, a) => lo32(atomicPxe(ctx, a.edx, false, () => BigInt(a.eax >>> 0))) },
  { number: 48, conv: std(3), fn: (ctx, a) => setPxe(ctx, { phys: pxePhys(ctx, a.ecx), lo: a.eax, hi: a.edx }) },
  {
    number: 49, conv: std(1, 'edx:eax'),
    fn: (ctx, a) => {
      const phys = ctx.cpu.mmu.translate(a.eax, Access.READ, false);
      return u64(ctx.machine.memory.read(phys, 4), ctx.machine.memory.read(phys + 4, 4));
    },
  },
  { number: 50, conv: std(3, 'edx:eax'), fn: (ctx, a) => atomicPxe(ctx, a.ecx, true, () => u64(a.eax, a.edx)) },
  {
    number: 51, conv: std(2, 'eax'),
    fn: (ctx, a) => Number((atomicPxe(ctx, a.edx, false, (v) => v | (1n << BigInt(a.eax & 31))) >> BigInt(a.eax & 31)) & 1n),
  },
  {
    number: 52, conv: std(2, 'eax'),
    fn: (ctx, a) => Number((atomicPxe(ctx, a.edx, false, (v) => v & ~(1n << BigInt(a.eax & 31))) >> BigInt(a.eax & 31)) & 1n),
  },
  {
    number: 53, conv: std(2),
    fn: (ctx, a) => {
      const pfn = a.eax >>> 0;
      ctx.rom.pageUsage.set(pfn, (ctx.rom.pageUsage.get(pfn) ?? 0) | (a.edx & 0xff));
    },
  },
  {
    number: 54, conv: std(2),
    fn: (ctx, a) => {
      const pfn = a.eax >>> 0;
      // queued writes into the page land now, never after it was reused as ordinary memory
      ctx.flushMmuWhere((w) => w.phys >>> 12 === pfn);
      ctx.rom.pageUsage.delete(pfn);
    },
  },
  {
    number: 55, conv: std(1),
    fn: (ctx, a) => {
      ctx.flushMmu();
      ctx.cpu.mmu.invalidatePage(a.eax);
    },
  },
  {
    number: 56, conv: std(1),
    fn: (ctx, a) => {
      ctx.flushMmu();
      ctx.cpu.mmu.flushAll((a.eax & 2) === 0);
    },
  },
  { number: 57, conv: std(0), fn: (ctx) => ctx.flushAll() },
  {
    number: 58, conv: std(3, 'none', 1),
    fn: (ctx, a) => {
      const slot = a.eax >>> 0;
      if (slot > 3) return;
      ctx.rom.linearMappings[slot] = a.ecx === 0 ? undefined : { linear: a.edx >>> 0, pages: a.ecx >>> 0, pfn: a.stack[0] >>> 0 };
    },
  },
  { number: 59, conv: std(2, 'eax'), fn: (ctx, a) => readPort(ctx.cpu, a.edx & 0xffff, 4) },
  { number: 60, conv: std(2, 'eax'), fn: (ctx, a) => readPort(ctx.cpu, a.edx & 0xffff, 1) },
  { number: 61, conv: std(2, 'eax'), fn: (ctx, a) => readPort(ctx.cpu, a.edx & 0xffff, 2) },
  { number: 62, conv: { ...std(2), writes: [Reg.EDI, Reg.ECX] }, fn: (ctx) => stringIo(ctx, 4, true) },
  { number: 63, conv: { ...std(2), writes: [Reg.EDI, Reg.ECX] }, fn: (ctx) => stringIo(ctx, 1, true) },
  { number: 64, conv: { ...std(2), writes: [Reg.EDI, Reg.ECX] }, fn: (ctx) => stringIo(ctx, 2, true) },
  { number: 65, conv: std(2), fn: (ctx, a) => writePort(ctx.cpu, a.edx & 0xffff, 4, a.eax) },
  { number: 66, conv: std(2), fn: (ctx, a) => writePort(ctx.cpu, a.edx & 0xffff, 1, a.eax) },
  { number: 67, conv: std(2), fn: (ctx, a) => writePort(ctx.cpu, a.edx & 0xffff, 2, a.eax) },
  { number: 68, conv: { ...std(2), writes: [Reg.ESI, Reg.ECX] }, fn: (ctx) => stringIo(ctx, 4, false) },
  { number: 69, conv: { ...std(2), writes: [Reg.ESI, Reg.ECX] }, fn: (ctx) => stringIo(ctx, 1, false) },
  { number: 70, conv: { ...std(2), writes: [Reg.ESI, Reg.ECX] }, fn: (ctx) => stringIo(ctx, 2, false) },
  // the real IOPL: it governs port access; IF stays out of the guest's reach (the virtual IF decides)
  { number: 71, conv: std(1), fn: (ctx, a) => ctx.cpu.setEflags(a.eax, IOPL) },
  { number: 72, conv: std(3, 'edx:eax'), fn: (ctx, a) => atomicPxe(ctx, a.ecx, true, (v) => v & ~1n) },
  {
    number: 73, conv: std(2, 'eax'),
    fn: (ctx, a) => Number((atomicPxe(ctx, a.edx, true, (v) => v | (1n << BigInt(a.eax & 63))) >> BigInt(a.eax & 63)) & 1n),
  },
  {
    number: 74, conv: std(2, 'eax'),
    fn: (ctx, a) => Number((atomicPxe(ctx, a.edx, true, (v) => v & ~(1n << BigInt(a.eax & 63))) >> BigInt(a.eax & 63)) & 1n),
  },
  {
    number: 75, conv: std(2),
    fn: (ctx, a) => {
      const id = a.edx >>> 0;
      const s = readApState(ctx.cpu, a.eax);
      // an invalid state (or a misaligned pointer) leaves the AP with none: the SIPI will not start it
      if ((a.eax & 0xfff) === 0 && validApState(s)) ctx.rom.apStates.set(id, s);
      else ctx.rom.apStates.delete(id);
    },
  },
  { number: 76, conv: std(2), fn: (ctx, a) => ctx.vcpu.apic.write(a.eax & 0xfff, a.edx) },
  { number: 77, conv: std(1, 'eax'), fn: (ctx, a) => ctx.vcpu.apic.read(a.eax & 0xfff) },
  { number: 78, conv: std(0), fn: () => {} },
  { number: 79, conv: std(0, 'edx:eax'), fn: (ctx) => ctx.machine.cycleFrequency },
  {
    number: 80, conv: std(1, 'edx:eax'),
    fn: (ctx, a) => {
      switch (a.eax) {
        case 0: return ctx.machine.realTime();
        case 1: return ctx.vcpu.available();
        case 2: return ctx.vcpu.stolen();
        default: return 0n;
      }
    },
  },
  { number: 81, conv: std(3, 'none', 2), fn: (ctx, a) => setAlarm(ctx, a.eax, u64(a.edx, a.ecx), u64(a.stack[0], a.stack[1])) },
  { number: 82, conv: std(1, 'eax'), fn: (ctx, a) => cancelAlarm(ctx, a.eax) },
  { number: 83, conv: std(0, 'edx:eax'), fn: (ctx) => ctx.machine.wallclockNs() },
  {
    number: 84, conv: std(0, 'eax'),
    fn: (ctx) => {
      const now = wallOffset(ctx);
      const before = ctx.wallOffset ?? now;
      const delta = now > before ? now - before : before - now;
      ctx.wallOffset = now;
      return delta > WALLCLOCK_SLACK_NS ? 1 : 0;
    },
  },
  {
    number: 85, conv: std(1),
    fn: (ctx, a) => {
      const mode = a.eax & 7;
      const narrowing = (ctx.deferMode & ~mode) !== 0;
      ctx.deferMode = mode;
      if (narrowing) ctx.flushAll();
    },
  },
];

/** The call table, indexed by call number (holes below 4 and above 85). */
export const VMI_CALLS: readonly (VmiCall | undefined)[] = (() => {
  const t: (VmiCall | undefined)[] = new Array(VMI_CALL_NAMES.length).fill(undefined);
  for (const d of defs) {
    if (t[d.number]) throw new Error(`VMI call ${d.number} defined twice`);
    t[d.number] = { ...d, name: VMI_CALL_NAMES[d.number] };
  }
  return t;
})();
