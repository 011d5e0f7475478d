/**
 * Delivering exceptions and interrupts, and the double/triple fault rules.
 *
 * Real mode vectors through the IVT. Protected mode vectors through the IDT:
 * 16- and 32-bit interrupt and trap gates, with the privilege change and stack
 * switch from the TSS when the handler is more privileged than the
 * interrupted code; task gates switch tasks (cpu/task.ts). Every stack write happens before any register changes, so a
 * fault during delivery leaves the interrupted state intact for the next
 * attempt (which is how a #PF during delivery becomes a #DF).
 */
import { EXIT_TRIPLE_FAULT } from '../base/exit-status.ts';
import { Fault, MachineStop, Vec, VECTOR_NAMES, hasErrorCode } from '../isa/faults.ts';
import type { Cpu } from './cpu.ts';
import { Seg, Reg } from '../isa/instr.ts';
import { AC, IF, NT, RF, TF, VM } from '../isa/eflags.ts';
import { throughTaskGate, pushErrorCode } from './task.ts';
import { readDescriptor, readSystem, loadCache, setAccessed, type Descriptor } from './segments.ts';
import { writeFrame, writeFrameOnNewStack } from './stack.ts';
import { stackCommit } from './registers.ts';
import { NUM } from '../base/arith.ts';

export const enum IntKind {
  /** a CPU exception (fault or trap) */
  EXCEPTION,
  /** an external interrupt from the PIC or APIC */
  EXTERNAL,
  /** INT n, INT3, INTO: gate DPL is checked */
  SOFTWARE,
}

const CONTRIBUTORY = new Set([Vec.DE, Vec.TS, Vec.NP, Vec.SS, Vec.GP]);

/** Raised by delivery when the machine triple-faults; carries a dump. */
export class TripleFault extends MachineStop {
  constructor(cpu: Cpu, first: string, last: string) {
    super(`triple fault (${first}, then ${last} while delivering #DF) at EIP ${(cpu.eip >>> 0).toString(16)}\n${cpu.describe()}`, EXIT_TRIPLE_FAULT);
  }
}

/**
 * Deliver a fault raised by the instruction at `cpu.eip` (the caller has
 * rewound state to the instruction's start), escalating to #DF and a triple
 * fault as the architecture does.
 */
export function deliverFault(cpu: Cpu, f: Fault): void {
  // the frame of a fault has RF set, so the handler's iret restarts the instruction past its
  // instruction breakpoint (SDM 17.3.1.1); the #DB of an instruction breakpoint itself is delivered
  // directly with RF clear (runtime/interpreter.ts)
  cpu.setEflags(RF, RF);
  let current = f;
  let first: Fault | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      deliver(cpu, current.vector, IntKind.EXCEPTION, current.hasCode ? current.code : -1, cpu.eip);
      return;
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      if (current.vector === Vec.DF) {
        throw new TripleFault(cpu, String(first ?? current), String(e));
      }
      const a = current.vector;
      const b = e.vector;
      first ??= current;
      if ((CONTRIBUTORY.has(a) && CONTRIBUTORY.has(b)) || (a === Vec.PF && (b === Vec.PF || CONTRIBUTORY.has(b)))) {
        current = new Fault(Vec.DF, 0);
      } else {
        current = e;
      }
      if (attempt > 8) throw new TripleFault(cpu, String(first), String(e));
    }
  }
}

/**
 * Transfer control to the handler of `vector`. `code` is the error code to
 * push or -1; `returnEip` is the EIP the handler's IRET goes back to.
 */
export function deliver(cpu: Cpu, vector: number, kind: IntKind, code: number, returnEip: number): void {
  cpu.halted = false;
  const pv = cpu.pv;
  pv?.onDeliver?.(cpu, vector);
  if (!cpu.protectedMode) {
    deliverReal(cpu, vector, returnEip);
    return;
  }
  const ext = kind === IntKind.EXTERNAL ? 1 : 0;
  const idtCode = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > cpu.idtLimit) throw new Fault(Vec.GP, idtCode);
  const gaddr = (cpu.idtBase + vector * 8) | 0;
  const lo = readSystem(cpu, gaddr, 4);
  const hi = readSystem(cpu, (gaddr + 4) | 0, 4);
  const type = (hi >>> 8) & 0x1f;
  const gateDpl = (hi >>> 13) & 3;
  if (type === 0x05) {
    if (kind === IntKind.SOFTWARE && gateDpl < cpu.cpl) throw new Fault(Vec.GP, idtCode);
    if (!(hi & 0x8000)) throw new Fault(Vec.NP, idtCode);
    viaTaskGate(cpu, lo >>> 16, ext, code, returnEip);
    return;
  }
  const is32 = type === 0x0e || type === 0x0f;
  const isTrap = type === 0x0f || type === 0x07;
  if (!(is32 || type === 0x06 || type === 0x07)) throw new Fault(Vec.GP, idtCode);
  if (kind === IntKind.SOFTWARE && gateDpl < cpu.cpl) throw new Fault(Vec.GP, idtCode);
  if (!(hi & 0x8000)) throw new Fault(Vec.NP, idtCode);
  const sel = lo >>> 16;
  const offset = is32 ? (lo & 0xffff) | (hi & 0xffff0000) : lo & 0xffff;
  if ((sel & ~3) === 0) throw new Fault(Vec.GP, ext);
  const cs = readDescriptor(cpu, sel);
  if (!cs.s || !(cs.type & 8) || cs.dpl > cpu.cpl) throw new Fault(Vec.GP, (sel & ~3) + ext);
  if (!cs.present) throw new Fault(Vec.NP, (sel & ~3) + ext);
  if (cpu.getEflags() & VM) throw new MachineStop('interrupt from virtual-8086 mode is not supported');

  const eflags = cpu.getEflags();
  const size = is32 ? 4 : 2;
  const conforming = (cs.type & 4) !== 0;
  const newCpl = conforming ? cpu.cpl : cs.dpl;
  const oldCs = cpu.segSel[Seg.CS];
  const frame: number[] = [];
  let ss: { sel: number; d: Descriptor } | undefined;
  let newEsp: number;

  if (newCpl < cpu.cpl) {
    // inner privilege: the new stack comes from the TSS
    const { sel: ssSel, esp } = tssStack(cpu, newCpl, ext);
    if ((ssSel & ~3) === 0) throw new Fault(Vec.TS, ext);
    const d = readDescriptor(cpu, ssSel, Vec.TS);
    if ((ssSel & 3) !== newCpl || d.dpl !== newCpl || !d.s || d.type & 8 || !(d.type & 2)) {
      throw new Fault(Vec.TS, (ssSel & ~3) + ext);
    }
    if (!d.present) throw new Fault(Vec.SS, (ssSel & ~3) + ext);
    ss = { sel: ssSel, d };
    frame.push(cpu.segSel[Seg.SS], cpu.regs[Reg.ESP]);
    newEsp = esp;
  } else {
    newEsp = cpu.regs[Reg.ESP];
  }
  // paravirtual: the frame carries the virtual IF, which the VMI IRET restores from it
  frame.push(pv ? (eflags & ~IF) | (pv.vif ? IF : 0) : eflags, oldCs, returnEip);
  if (code >= 0) frame.push(code);

  // write the frame first: a fault here leaves every register untouched
  const stackBig = ss ? (ss.d.attr & 0x4000) !== 0 : cpu.stack32;
  const sp = ss ? writeFrameOnNewStack(cpu, ss.d, newEsp, frame, size, ext) : writeFrame(cpu, frame, size);

  if (ss) {
    setAccessed(cpu, ss.d);
    loadCache(cpu, Seg.SS, ss.sel, ss.d);
  }
  cpu.regs[Reg.ESP] = stackCommit(NUM, cpu.regs[Reg.ESP], sp, stackBig);
  setAccessed(cpu, cs);
  loadCache(cpu, Seg.CS, (sel & ~3) | newCpl, cs);
  cpu.setCpl(newCpl);
  if (ss) {
    // data segments the handler may not use are nulled on an inward change only for VM86; nothing to do here
  }
  let clear = TF | NT | RF | VM;
  if (!isTrap) clear |= IF;
  if (pv) {
    // an interrupt gate clears the virtual IF; the real one stays set
    clear &= ~IF;
    if (!isTrap) pv.vif = false;
  }
  cpu.setEflags(eflags & ~clear);
  cpu.eip = offset;
}

/**
 * An exception or interrupt through a task gate: switch to the handler's
 * task (the old task resumes at `returnEip`), then push the error code on
 * its stack. A fault from loading the new task or from the push is the new
 * task's, delivered here at its first instruction.
 */
function viaTaskGate(cpu: Cpu, tssSel: number, ext: number, code: number, returnEip: number): void {
  let f = throughTaskGate(cpu, tssSel, 'int', ext, returnEip);
  if (!f && code >= 0) f = pushErrorCode(cpu, code);
  if (f) deliverFault(cpu, f);
}

/**
 * The stack for privilege level `cpl`: the current TSS's, unless a
 * paravirtual kernel's hypervisor keeps that level's stack itself.
 */
export function tssStack(cpu: Cpu, cpl: number, ext = 0): { sel: number; esp: number } {
  const kernel = cpu.pv?.kernelStack;
  if (kernel && (kernel.sel & 3) === cpl) return kernel;
  const is32 = (cpu.trType & 8) !== 0;
  const off = is32 ? 4 + cpl * 8 : 2 + cpl * 4;
  const need = is32 ? off + 5 : off + 3;
  if (need > cpu.trLimit) throw new Fault(Vec.TS, (cpu.trSel & ~3) + ext);
  if (is32) {
    return { esp: readSystem(cpu, (cpu.trBase + off) | 0, 4), sel: readSystem(cpu, (cpu.trBase + off + 4) | 0, 2) };
  }
  return { esp: readSystem(cpu, (cpu.trBase + off) | 0, 2), sel: readSystem(cpu, (cpu.trBase + off + 2) | 0, 2) };
}

function deliverReal(cpu: Cpu, vector: number, returnEip: number): void {
  if (vector * 4 + 3 > cpu.idtLimit) throw new Fault(Vec.GP, 0);
  const entry = cpu.mmu.read((cpu.idtBase + vector * 4) | 0, 4);
  const eflags = cpu.getEflags();
  cpu.push(eflags & 0xffff, 2);
  cpu.push(cpu.segSel[Seg.CS], 2);
  cpu.push(returnEip & 0xffff, 2);
  cpu.setRealSeg(Seg.CS, entry >>> 16);
  cpu.eip = entry & 0xffff;
  cpu.setEflags(eflags & ~(IF | TF | AC | RF));
}

/** Human-readable name of a vector for messages. */
/**
 * The vector of the external interrupt the CPU would take now, or -1: IF
 * (under a VMI ROM the virtual IF) set, no interrupt shadow, and one
 * pending on the bus. Nothing is acknowledged.
 */
export function deliverableInterrupt(cpu: Cpu): number {
  const pv = cpu.pv;
  if (!(pv ? pv.vif : cpu.eflags & IF) || cpu.interruptShadow) return -1;
  return cpu.bus.pendingInterrupt(cpu);
}

export function vectorName(v: number): string {
  return VECTOR_NAMES[v] ?? `vector 0x${v.toString(16)}`;
}

export { hasErrorCode };
