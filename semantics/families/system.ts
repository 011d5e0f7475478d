/**
 * System instructions, part one: segment register loads and stores (mov,
 * pop, lds/les/lss/lfs/lgs), software interrupts (int, int3, into, int1) and
 * bound, hlt, the interrupt and flags instructions under the IOPL rules
 * (cli, sti, pushf, popf), cpuid, the time stamp and model-specific
 * registers (rdtsc, rdmsr, wrmsr, rdpmc), sysenter/sysexit, cmpxchg8b, and
 * the instructions with no effect on this machine (wait, invd, wbinvd) or
 * none but a fault (ud2).
 *
 * Far transfers and iret are in far.ts; descriptor tables, control and debug
 * registers and the selector tests (lar, lsl, verr, verw, arpl) are in
 * descriptors.ts.
 *
 * Segment loads end the block: translations specialise on the segment
 * registers (flatness, SS.B), and mov/pop SS inhibit interrupts for one
 * instruction. Loads of the data segments (`segLoad`) let translated code
 * go on in its region while DS, ES and SS stay flat.
 */
import type { RowSpec } from '../../isa/table.ts';
import { withCommonCase, type CommonCase, type Exec, type Ops, type Sem } from '../ops.ts';
import { Seg, Reg } from '../../isa/instr.ts';
import { ARITH, AC, DF, ID, IF, IOPL, NT, OF, RF, TF, VM, ZF } from '../../isa/eflags.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { Fault, Vec } from '../../isa/faults.ts';
import { deliver, IntKind } from '../../cpu/interrupts.ts';
import { isDataSegment, loadSegment } from '../../cpu/segments.ts';
import { CR0_MP, CR0_TS, CR4_PCE } from '../../cpu/mmu.ts';
import { halt, loadFlatSegment, readPerformanceCounter, sysexit as sysexitTo } from '../../cpu/system-ops.ts';
import { fpuPending } from './fpu-stack.ts';
import { HELPERS } from '../helpers.ts';
import { addressPlus, readFarPointer } from '../operands.ts';
import { stackCommit, stackMove } from '../../cpu/registers.ts';
import { NUM } from '../../base/arith.ts';
import { MSR, readMsr, writeMsr } from '../../cpu/msrs.ts';

/** the limit of the flat segments sysenter and sysexit load */
const FLAT_4G = 0xffffffff;

// ---- segment registers ---------------------------------------------------------------

/** mov Sw,Ew: CS cannot be loaded this way; 6 and 7 name no register */
const movToSeg: Exec = (cpu, i, o) => {
  if (i.reg === Seg.CS || i.reg > Seg.GS) throw new Fault(Vec.UD);
  loadSegment(cpu, i.reg, o.get(i, 1));
};

/**
 * mov Sw,Ew's common case: a data segment reloaded from a register with a
 * selector whose descriptor is as it was last read (a memory operand takes
 * the full load, which would read it again)
 */
const movToSegCommon: CommonCase = (o, i, rest) => {
  if (!isDataSegment(i.reg) || i.mod !== 3) { rest(); return; }
  o.if_(o.helper('keptDataSegment', o.c(i.reg), o.get(i, 1)), () => {}, rest);
};

/**
 * mov Ev,Sw: a register destination takes the operand size (the 32-bit form
 * zero-extends), a memory destination is always a 16-bit store. Simple
 * enough to be inlined.
 */
const movFromSeg: Sem = (o, i) => {
  if (i.reg > Seg.GS) { o.raise(Vec.UD); return; }
  const sel = o.get(i, 1);
  if (i.mod === 3) o.set(i, 0, sel);
  else o.store(i.seg, o.ea(i, 0), 2, sel);
};

/**
 * pop ES/SS/DS/FS/GS: ESP moves (at the old stack size) only once the load
 * succeeded. The full load runs where the common case (a data segment's,
 * below) does not apply.
 */
function popSeg(s: number): Exec {
  return (cpu, i) => {
    const size = i.opsize;
    const sel = cpu.peek(0, size) & 0xffff;
    const esp = cpu.regs[Reg.ESP];
    const newEsp = stackCommit(NUM, esp, stackMove(NUM, esp, size, cpu.stack32), cpu.stack32);
    loadSegment(cpu, s, sel);
    cpu.regs[Reg.ESP] = newEsp;
  };
}

/** pop of a data segment on a 32-bit stack, common case: the selector read, then as mov Sw,Ew's */
function popSegCommon(s: number): CommonCase {
  return (o, i, rest) => {
    if (!isDataSegment(s) || o.stackBytes !== 4) { rest(); return; }
    const esp = o.reg(Reg.ESP, 4);
    const size = i.opsize === 4 ? 4 : 2;
    const sel = o.and(o.load(Seg.SS, esp, size), o.c(0xffff));
    o.if_(o.helper('keptDataSegment', o.c(s), sel), () => o.setReg(Reg.ESP, 4, o.add(esp, o.c(size))), rest);
  };
}

/** lds/les/lss/lfs/lgs Gv,Mp: offset then selector from memory */
function loadFarPointer(s: number): Exec {
  return (cpu, i, o) => {
    const { offset, selector } = readFarPointer(o, i, 1);
    loadSegment(cpu, s, selector);
    cpu.setReg(i.reg, i.opsize, offset);
  };
}

// ---- interrupts ----------------------------------------------------------------------

const intN: Exec = (cpu, i) => deliver(cpu, i.imm & 0xff, IntKind.SOFTWARE, -1, i.next);
const int3: Exec = (cpu, i) => deliver(cpu, Vec.BP, IntKind.SOFTWARE, -1, i.next);
const into: Exec = (cpu, i) => {
  if (cpu.getFlag(OF)) deliver(cpu, Vec.OF, IntKind.SOFTWARE, -1, i.next);
};
/** icebp: a #DB trap without the gate DPL check of a software interrupt */
const int1: Exec = (cpu, i) => deliver(cpu, Vec.DB, IntKind.EXCEPTION, -1, i.next);

/** bound Gv,Ma: #BR (a fault) when the signed index lies outside [lower, upper] */
const bound: Exec = (cpu, i, o) => {
  const size = i.opsize;
  const ea = o.ea(i, 1);
  const sext = (v: number) => (size === 2 ? (v << 16) >> 16 : v | 0);
  const lower = sext(cpu.read(i.seg, ea, size));
  const upper = sext(cpu.read(i.seg, addressPlus(o, i, ea, size), size));
  const index = sext(cpu.getReg(i.reg, size));
  if (index < lower || index > upper) throw new Fault(Vec.BR);
};

const hlt: Exec = (cpu) => halt(cpu);

/** May this code change IF (sti; cli asks the same helper)? Real mode always; protected mode when CPL <= IOPL. */
function checkIopl(cpu: Cpu): void {
  if (HELPERS.interruptFlagDenied(cpu, cpu.eflags & IOPL)) throw new Fault(Vec.GP, 0);
}

/**
 * cli, a semantic row: kernels run it in every local_irq_save, so the
 * translator inlines it (the IOPL test is a small helper given IOPL).
 */
const cli: Sem = (o) => {
  o.if_(o.helper('interruptFlagDenied', o.flagBits(IOPL)), () => o.raise(Vec.GP, 0));
  o.setFlag(IF, o.c(0));
};

const sti: Exec = (cpu) => {
  checkIopl(cpu);
  // interrupts stay inhibited until after the next instruction
  if (!(cpu.eflags & IF)) cpu.interruptShadow = true;
  cpu.setFlag(IF, 1);
};

/**
 * pushf: the image never shows VM or RF. A semantic row (the arithmetic
 * flags computed from the lazy record where they are lazy), so translated
 * code goes on after it: kernels run it in every local_irq_save.
 */
const pushf: Sem = (o, i) => {
  const v = o.flagBits(~(VM | RF));
  o.push(i.opsize === 2 ? o.and(v, o.c(0xffff)) : v, i.opsize as 2 | 4);
};

/**
 * popf: RF is cleared and VM, VIF, VIP are kept; IOPL changes only at CPL 0,
 * IF only when CPL <= IOPL (no fault otherwise: the bit is silently kept).
 * The 16-bit form touches only the low word.
 */
const popf: Exec = (cpu, i) => {
  const size = i.opsize;
  const v = cpu.pop(size);
  let mask = ARITH | TF | DF | IF | IOPL | NT;
  if (size === 4) mask |= AC | ID | RF;
  if (cpu.protectedMode) {
    if (cpu.cpl > 0) mask &= ~IOPL;
    if (cpu.cpl > cpu.iopl) mask &= ~IF;
  }
  cpu.setEflags(v & ~RF, mask);
};

// ---- identification, time, model-specific registers ---------------------------------

/**
 * cpuid: the vCPU's CPU model answers (cpu/models.ts); ECX (the sub-leaf)
 * selects nothing in the leaves it has. Written against `Ops`, so the
 * translator emits it in place (a kernel runs it in loops) and the VMI
 * call of the same name runs this very description (exported with rdmsr
 * and wrmsr for the VMI calls).
 */
export function cpuid<V>(o: Ops<V>): void {
  const leaf = o.reg(Reg.EAX, 4);
  const words = [0, 1, 2, 3].map((k) => o.helper('cpuid', leaf, o.c(k)));
  o.setReg(Reg.EAX, 4, words[0]);
  o.setReg(Reg.EBX, 4, words[1]);
  o.setReg(Reg.ECX, 4, words[2]);
  o.setReg(Reg.EDX, 4, words[3]);
}

function setEdxEax(cpu: Cpu, v: bigint): void {
  cpu.regs[Reg.EAX] = Number(BigInt.asIntN(32, v));
  cpu.regs[Reg.EDX] = Number(BigInt.asIntN(32, v >> 32n));
}

/** rdtsc: the clock at this instruction (semantics/helpers.ts `tsc`), a semantic row the translator inlines */
const rdtsc: Sem = (o) => {
  o.if_(o.helper('tscDenied'), () => o.raise(Vec.GP, 0));
  const n = o.retired();
  const low = o.helper('tsc', n, o.c(0));
  const high = o.helper('tsc', n, o.c(1));
  o.setReg(Reg.EAX, 4, low);
  o.setReg(Reg.EDX, 4, high);
};

/** rdmsr: the model's MSRs (cpu/msrs.ts), then the machine's; #GP(0) for one neither has */
export function rdmsr(cpu: Cpu): void {
  const msr = cpu.regs[Reg.ECX] >>> 0;
  const v = readMsr(cpu, msr) ?? cpu.bus.rdmsr?.(cpu, msr);
  if (!v) throw new Fault(Vec.GP, 0);
  cpu.regs[Reg.EAX] = v[0];
  cpu.regs[Reg.EDX] = v[1];
}

export function wrmsr(cpu: Cpu): void {
  const msr = cpu.regs[Reg.ECX] >>> 0;
  const lo = cpu.regs[Reg.EAX];
  const hi = cpu.regs[Reg.EDX];
  if (writeMsr(cpu, msr, lo, hi)) {
    // the machine's APIC model follows the base register (enable bit, relocation)
    if (msr === MSR.APIC_BASE) cpu.bus.wrmsr?.(cpu, msr, lo, hi);
    return;
  }
  if (!cpu.bus.wrmsr?.(cpu, msr, lo, hi)) throw new Fault(Vec.GP, 0);
}

/** rdpmc: outside CPL 0 only with CR4.PCE */
const rdpmc: Exec = (cpu) => {
  if (cpu.protectedMode && cpu.cpl > 0 && !(cpu.cr4 & CR4_PCE)) throw new Fault(Vec.GP, 0);
  setEdxEax(cpu, readPerformanceCounter(cpu, cpu.regs[Reg.ECX]));
};

// ---- fast system calls ---------------------------------------------------------------

/** a model without fast system calls (the Pentium Pro, whatever its SEP bit says) has no sysenter/sysexit */
function requireSysenter(cpu: Cpu): void {
  if (!cpu.model.msrs.sysenter) throw new Fault(Vec.UD);
}

const sysenter: Exec = (cpu) => {
  requireSysenter(cpu);
  const cs = cpu.sysenterCs & 0xfffc;
  if (!cpu.protectedMode || cs === 0) throw new Fault(Vec.GP, 0);
  // under the VMI ROM the kernel runs at CPL 1: enter there and clear the virtual IF, not the real one
  const pv = cpu.pv;
  const cpl = pv ? 1 : 0;
  cpu.setEflags(0, pv ? VM | RF : VM | IF | RF);
  if (pv) pv.vif = false;
  // a paravirtual kernel's flat segments stop below the hypervisor's part of the address space
  const limit = pv ? pv.flatLimit : FLAT_4G;
  loadFlatSegment(cpu, Seg.CS, cs | cpl, cpl, limit);
  loadFlatSegment(cpu, Seg.SS, ((cs + 8) & 0xffff) | cpl, cpl, limit);
  cpu.setCpl(cpl);
  cpu.regs[Reg.ESP] = cpu.sysenterEsp;
  cpu.eip = cpu.sysenterEip;
};

/** sysexit is a CPL 0 instruction (the VMI SYSEXIT call makes the same return from the kernel's level) */
const sysexit: Exec = (cpu) => {
  requireSysenter(cpu);
  if (cpu.protectedMode && cpu.cpl !== 0) throw new Fault(Vec.GP, 0);
  sysexitTo(cpu, FLAT_4G);
};

// ---- cmpxchg8b, and the rest ---------------------------------------------------------

/**
 * cmpxchg8b Mq: the destination is written in both outcomes (the old value
 * when unequal). The high half is rewritten with its old value first, so
 * that a fault on either half happens before anything visible changes.
 * EDX:EAX always receives the old value: when equal it already holds it.
 * A semantic row: Linux's atomic64 operations are cmpxchg8b loops, and as a
 * helper each one ended its region.
 */
const cmpxchg8b: Sem = (o, i) => {
  const ea = o.ea(i, 0);
  const hiAt = addressPlus(o, i, ea, o.c(4));
  const lo = o.load(i.seg, ea, 4);
  const hi = o.load(i.seg, hiAt, 4);
  o.store(i.seg, hiAt, 4, hi);
  const equal = o.and(o.eq(lo, o.reg(Reg.EAX, 4)), o.eq(hi, o.reg(Reg.EDX, 4)));
  o.store(i.seg, ea, 4, o.select(equal, o.reg(Reg.EBX, 4), lo));
  o.store(i.seg, hiAt, 4, o.select(equal, o.reg(Reg.ECX, 4), hi));
  o.setReg(Reg.EAX, 4, lo);
  o.setReg(Reg.EDX, 4, hi);
  o.setFlag(ZF, equal);
};

/** wait: #NM when the FPU context is not ours (MP and TS), then any pending unmasked x87 exception (#MF) */
const wait: Exec = (cpu) => {
  if ((cpu.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) throw new Fault(Vec.NM);
  fpuPending(cpu);
};

const ud2: Exec = () => {
  throw new Fault(Vec.UD);
};

const nothing: Exec = () => {};

const seg = { end: true, fault: true, external: true };
/** loads of DS, ES, FS, GS may let translated code go on (RowSpec.segLoad; the mov row also loads SS, which never does) */
const dataSeg = { ...seg, segLoad: true };
const sys = { fault: true, opaque: true, external: true };
// Kernels run pushf and cli in every local_irq_save, cmpxchg8b in every atomic64
// operation, rdtsc in every delay loop: semantic rows, inlined. Enabling
// interrupts (sti, popf) still ends the region.

export const rows: RowSpec[] = [
  { op: '8E', mn: 'mov', args: 'Sw,Ew', ...withCommonCase(movToSegCommon, movToSeg), ...dataSeg },
  { op: '8C', mn: 'mov', args: 'Ev,Sw', sem: movFromSeg },
  { op: '07', mn: 'pop', args: 'ES', ...withCommonCase(popSegCommon(Seg.ES), popSeg(Seg.ES)), ...dataSeg },
  { op: '17', mn: 'pop', args: 'SS', exec: popSeg(Seg.SS), ...seg },
  { op: '1F', mn: 'pop', args: 'DS', ...withCommonCase(popSegCommon(Seg.DS), popSeg(Seg.DS)), ...dataSeg },
  { op: '0F A1', mn: 'pop', args: 'FS', ...withCommonCase(popSegCommon(Seg.FS), popSeg(Seg.FS)), ...dataSeg },
  { op: '0F A9', mn: 'pop', args: 'GS', ...withCommonCase(popSegCommon(Seg.GS), popSeg(Seg.GS)), ...dataSeg },
  { op: 'C4 m', mn: 'les', args: 'Gv,Mp', exec: loadFarPointer(Seg.ES), ...seg },
  { op: 'C5 m', mn: 'lds', args: 'Gv,Mp', exec: loadFarPointer(Seg.DS), ...seg },
  { op: '0F B2 m', mn: 'lss', args: 'Gv,Mp', exec: loadFarPointer(Seg.SS), ...seg },
  { op: '0F B4 m', mn: 'lfs', args: 'Gv,Mp', exec: loadFarPointer(Seg.FS), ...seg },
  { op: '0F B5 m', mn: 'lgs', args: 'Gv,Mp', exec: loadFarPointer(Seg.GS), ...seg },

  { op: 'CD', mn: 'int', args: 'Ib', exec: intN, end: true, fault: true, external: true },
  { op: 'CC', mn: 'int3', exec: int3, end: true, fault: true, external: true },
  { op: 'CE', mn: 'into', exec: into, end: true, fault: true, external: true },
  { op: 'F1', mn: 'int1', exec: int1, end: true, fault: true, external: true },
  { op: '62 m', mn: 'bound', args: 'Gv,Ma', exec: bound, ...sys },
  { op: 'F4', mn: 'hlt', exec: hlt, end: true, priv: true, fault: true, external: true },
  { op: 'FA', mn: 'cli', sem: cli, fault: true, fin: 0 },
  { op: 'FB', mn: 'sti', exec: sti, end: true, fault: true, external: true },
  { op: '9C', mn: 'pushf/pushfd', sem: pushf, fin: ARITH },
  { op: '9D', mn: 'popf/popfd', exec: popf, end: true, fout: ARITH, external: true },

  { op: '0F A2', mn: 'cpuid', sem: (o) => cpuid(o), fin: 0 },
  { op: '0F 31', mn: 'rdtsc', sem: rdtsc, fault: true },
  { op: '0F 32', mn: 'rdmsr', exec: rdmsr, priv: true, ...sys },
  { op: '0F 30', mn: 'wrmsr', exec: wrmsr, priv: true, end: true, ...sys },
  { op: '0F 33', mn: 'rdpmc', exec: rdpmc, ...sys },
  { op: '0F 34', mn: 'sysenter', exec: sysenter, end: true, fault: true, external: true },
  { op: '0F 35', mn: 'sysexit', exec: sysexit, end: true, fault: true, external: true },

  { op: '0F C7 /1 m', mn: 'cmpxchg8b', args: 'Mq', sem: cmpxchg8b, lock: true, fin: 0, fout: ZF },
  { op: '9B', mn: 'wait', exec: wait, ...sys },
  { op: '0F 08', mn: 'invd', exec: nothing, priv: true, fault: true, opaque: true, external: true },
  { op: '0F 09', mn: 'wbinvd', exec: nothing, priv: true, fault: true, opaque: true, external: true },
  { op: '0F 0B', mn: 'ud2', exec: ud2, ...sys },
];
