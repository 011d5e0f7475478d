/**
 * Far control transfers: call far and jmp far (pointer immediate or memory),
 * retf / retf imm16, and iret, in real mode and protected mode.
 *
 * Protected mode follows the Intel manual's pseudo-code: direct transfers to
 * conforming and non-conforming code segments at the same privilege, call
 * gates (16- and 32-bit) including the inward call with the stack switch from
 * the TSS and the copy of the gate's parameters, and returns to an outer
 * privilege level that pop SS:ESP and null the data segment registers the
 * outer level may not use. Task gates and TSS targets of jmp and call, and
 * iret with NT set, switch tasks (cpu/task.ts); virtual-8086 returns stop
 * the machine (not modelled).
 *
 * Every check and every stack write happens before the first register,
 * segment or flag is changed, so a fault leaves the caller's state intact.
 */
import type { RowSpec } from '../../isa/table.ts';
import { withCommonCase, type CommonCase, type Exec, type Ops } from '../ops.ts';
import { Seg, Reg } from '../../isa/instr.ts';
import { ARITH, TF, DF, IF, IOPL, NT, RF, AC, ID, VM, VIF, VIP } from '../../isa/eflags.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { Fault, MachineStop, Vec } from '../../isa/faults.ts';
import { deliverFault, tssStack } from '../../cpu/interrupts.ts';
import { farToTask, returnFromNestedTask } from '../../cpu/task.ts';
import { writeFrame, writeFrameOnNewStack } from '../../cpu/stack.ts';
import { stackCommit, stackMove } from '../../cpu/registers.ts';
import { NUM } from '../../base/arith.ts';
import { readFarPointer } from '../operands.ts';
import {
  checkCodeTarget, loadCache, loadCodeSegment, nullInaccessibleSegments, readDescriptor, setAccessed,
  type Descriptor,
} from '../../cpu/segments.ts';

/** jmp far / call far to sel:off; `ret` is the return EIP a call pushes. */
export function farTransfer(cpu: Cpu, sel: number, off: number, call: boolean, opsize: number, ret: number): void {
  sel &= 0xffff;
  if (opsize === 2) off &= 0xffff;
  if (!cpu.protectedMode) {
    if (off >>> 0 > cpu.segLimit[Seg.CS]) throw new Fault(Vec.GP, 0);
    const sp = call ? writeFrame(cpu, [cpu.segSel[Seg.CS], ret], opsize) : cpu.sp;
    cpu.sp = sp;
    cpu.setRealSeg(Seg.CS, sel);
    cpu.eip = off;
    return;
  }
  if ((sel & ~3) === 0) throw new Fault(Vec.GP, 0);
  const d = readDescriptor(cpu, sel);
  if (d.s) {
    checkCodeTarget(cpu, sel, d);
    const sp = call ? writeFrame(cpu, [cpu.segSel[Seg.CS], ret], opsize) : cpu.sp;
    if (off >>> 0 > d.limit) throw new Fault(Vec.GP, 0);
    cpu.sp = sp;
    loadCodeSegment(cpu, sel, d, cpu.cpl);
    cpu.eip = off;
    return;
  }
  switch (d.type) {
    case 0x4: case 0xc:
      viaCallGate(cpu, sel, d, call, ret);
      return;
    case 0x1: case 0x9: case 0x5: {
      // a task switch: the new task runs from its TSS's EIP; a fault loading it is the new task's
      const f = farToTask(cpu, sel, d, call, ret);
      if (f) deliverFault(cpu, f);
      return;
    }
    default:
      throw new Fault(Vec.GP, sel & ~3);
  }
}

function viaCallGate(cpu: Cpu, gateSel: number, gate: Descriptor, call: boolean, ret: number): void {
  if (gate.dpl < cpu.cpl || gate.dpl < (gateSel & 3)) throw new Fault(Vec.GP, gateSel & ~3);
  if (!gate.present) throw new Fault(Vec.NP, gateSel & ~3);
  const big = gate.type === 0xc;
  const size = big ? 4 : 2;
  const sel = gate.lo >>> 16;
  const off = big ? (gate.lo & 0xffff) | (gate.hi & 0xffff0000) : gate.lo & 0xffff;
  if ((sel & ~3) === 0) throw new Fault(Vec.GP, 0);
  const d = readDescriptor(cpu, sel);
  if (!d.s || !(d.type & 8) || d.dpl > cpu.cpl) throw new Fault(Vec.GP, sel & ~3);
  const conforming = (d.type & 4) !== 0;
  // a jmp through a gate never changes privilege: non-conforming targets must be at CPL
  if (!call && !conforming && d.dpl !== cpu.cpl) throw new Fault(Vec.GP, sel & ~3);
  if (!d.present) throw new Fault(Vec.NP, sel & ~3);

  if (!call || conforming || d.dpl === cpu.cpl) {
    const sp = call ? writeFrame(cpu, [cpu.segSel[Seg.CS], ret & (size === 2 ? 0xffff : -1)], size) : cpu.sp;
    if (off >>> 0 > d.limit) throw new Fault(Vec.GP, 0);
    cpu.sp = sp;
    loadCodeSegment(cpu, sel, d, cpu.cpl);
    cpu.eip = off;
    return;
  }

  // inward call: switch to the TSS stack of the target level and copy the parameters
  const newCpl = d.dpl;
  const { sel: ssSel, esp } = tssStack(cpu, newCpl);
  if ((ssSel & ~3) === 0) throw new Fault(Vec.TS, 0);
  const sd = readDescriptor(cpu, ssSel, Vec.TS);
  if ((ssSel & 3) !== newCpl || sd.dpl !== newCpl || !sd.s || sd.type & 8 || !(sd.type & 2)) {
    throw new Fault(Vec.TS, ssSel & ~3);
  }
  if (!sd.present) throw new Fault(Vec.SS, ssSel & ~3);
  const count = gate.hi & 0x1f;
  const oldSp = cpu.sp;
  const frame = [cpu.segSel[Seg.SS], size === 2 ? oldSp & 0xffff : cpu.regs[Reg.ESP]];
  // parameter k sits at oldSp + k*size; copying the highest first keeps their order
  for (let k = count - 1; k >= 0; k--) {
    frame.push(cpu.read(Seg.SS, stackMove(NUM, oldSp, k * size, cpu.stack32), size));
  }
  frame.push(cpu.segSel[Seg.CS], ret & (size === 2 ? 0xffff : -1));
  const sp = writeFrameOnNewStack(cpu, sd, esp, frame, size, ssSel & ~3);
  if (off >>> 0 > d.limit) throw new Fault(Vec.GP, 0);

  setAccessed(cpu, sd);
  loadCache(cpu, Seg.SS, ssSel, sd);
  cpu.regs[Reg.ESP] = stackCommit(NUM, esp, sp, (sd.attr & 0x4000) !== 0);
  loadCodeSegment(cpu, sel, d, newCpl);
  cpu.eip = off;
}

/** The code segment a far return or iret goes back to (RPL is the new CPL). */
function checkReturnCs(cpu: Cpu, sel: number): Descriptor {
  if ((sel & ~3) === 0) throw new Fault(Vec.GP, 0);
  const d = readDescriptor(cpu, sel);
  const rpl = sel & 3;
  if (!d.s || !(d.type & 8) || rpl < cpu.cpl) throw new Fault(Vec.GP, sel & ~3);
  const conforming = (d.type & 4) !== 0;
  if (conforming ? d.dpl > rpl : d.dpl !== rpl) throw new Fault(Vec.GP, sel & ~3);
  if (!d.present) throw new Fault(Vec.NP, sel & ~3);
  return d;
}

/** The stack segment popped by a return to an outer level. */
function checkReturnSs(cpu: Cpu, ssSel: number, rpl: number): Descriptor {
  if ((ssSel & ~3) === 0) throw new Fault(Vec.GP, 0);
  const d = readDescriptor(cpu, ssSel);
  if ((ssSel & 3) !== rpl || !d.s || d.type & 8 || !(d.type & 2) || d.dpl !== rpl) {
    throw new Fault(Vec.GP, ssSel & ~3);
  }
  if (!d.present) throw new Fault(Vec.SS, ssSel & ~3);
  return d;
}

/** Commit a return to an outer level: CS, SS:ESP, then the segment nulling. */
function returnOuter(cpu: Cpu, sel: number, d: Descriptor, eip: number, ssSel: number, sd: Descriptor, esp: number, size: number): void {
  const rpl = sel & 3;
  loadCodeSegment(cpu, sel, d, rpl);
  setAccessed(cpu, sd);
  loadCache(cpu, Seg.SS, ssSel, sd);
  if (size === 4) cpu.regs[Reg.ESP] = esp;
  else if (cpu.stack32) cpu.regs[Reg.ESP] = esp & 0xffff;
  else cpu.sp = esp;
  cpu.eip = eip;
  nullInaccessibleSegments(cpu);
}

const retf: Exec = (cpu, i) => {
  const size = i.opsize;
  const release = i.row.operands.length ? i.imm & 0xffff : 0;
  let eip = cpu.peek(0, size);
  if (size === 2) eip &= 0xffff;
  const sel = cpu.peek(size, 2);
  if (!cpu.protectedMode) {
    if (eip >>> 0 > cpu.segLimit[Seg.CS]) throw new Fault(Vec.GP, 0);
    cpu.sp = cpu.sp + 2 * size + release;
    cpu.setRealSeg(Seg.CS, sel);
    cpu.eip = eip;
    return;
  }
  const d = checkReturnCs(cpu, sel);
  const rpl = sel & 3;
  if (rpl === cpu.cpl) {
    if (eip >>> 0 > d.limit) throw new Fault(Vec.GP, 0);
    cpu.sp = cpu.sp + 2 * size + release;
    loadCodeSegment(cpu, sel, d, rpl);
    cpu.eip = eip;
    return;
  }
  const esp = cpu.peek(2 * size + release, size);
  const ssSel = cpu.peek(3 * size + release, 2);
  const sd = checkReturnSs(cpu, ssSel, rpl);
  if (eip >>> 0 > d.limit) throw new Fault(Vec.GP, 0);
  returnOuter(cpu, sel, d, eip, ssSel, sd, esp, size);
  // the immediate releases the caller's parameters on the outer stack too
  if (release) cpu.sp = cpu.sp + release;
};

/** The `size` bytes `k` above the top of the stack: from RAM at `frame` + `k` where the whole frame lies there (`Cpu.stackInRam`), else a peek. */
function frameSlot(cpu: Cpu, frame: number, k: number, size: number): number {
  return frame >= 0 ? cpu.mmu.mem.ramRead(frame + k, size) : cpu.peek(k, size);
}

/** iret with a frame of `size`-byte slots; the VMI ROM's IRET call (vmirom/calls.ts) runs it with 4 */
export function iretFrame(cpu: Cpu, size: number): void {
  // every iret ends the blocking of NMIs, even one that faults (as the hardware does)
  if (cpu.nmiBlocked) {
    cpu.nmiBlocked = false;
    cpu.bus.nmiUnblocked?.(cpu);
  }
  const eflags = cpu.getEflags();
  if (eflags & VM) throw new MachineStop('iret in virtual-8086 mode is not supported');
  // the frame with the outer stack's two slots, where all five lie readable in RAM (else slot by slot)
  const frame = cpu.stackInRam(0, 5 * size, false);
  let eip = frameSlot(cpu, frame, 0, size);
  if (size === 2) eip &= 0xffff;
  const sel = frameSlot(cpu, frame, size, 2);
  const flags = frameSlot(cpu, frame, 2 * size, size);
  if (!cpu.protectedMode) {
    if (eip >>> 0 > cpu.segLimit[Seg.CS]) throw new Fault(Vec.GP, 0);
    cpu.sp = cpu.sp + 3 * size;
    cpu.setRealSeg(Seg.CS, sel);
    cpu.eip = eip;
    // real mode is CPL 0: everything but VM, VIF, VIP (the 16-bit form: the low word)
    cpu.setEflags(flags, size === 4 ? 0x257fd5 : 0x7fd5);
    return;
  }
  if (eflags & NT) {
    // return from a nested task: to the task named by this TSS's link field
    const f = returnFromNestedTask(cpu, cpu.eip);
    if (f) deliverFault(cpu, f);
    return;
  }
  if (size === 4 && flags & VM && cpu.cpl === 0) throw new MachineStop('iret to virtual-8086 mode is not supported');
  const d = checkReturnCs(cpu, sel);
  const rpl = sel & 3;
  // which flags the popped image may change depends on the privilege before the return
  let mask = ARITH | TF | DF | NT;
  if (size === 4) mask |= RF | AC | ID;
  if (cpu.cpl <= cpu.iopl) mask |= IF;
  if (cpu.cpl === 0) mask |= IOPL | (size === 4 ? VIF | VIP : 0);
  if (rpl === cpu.cpl) {
    if (eip >>> 0 > d.limit) throw new Fault(Vec.GP, 0);
    cpu.sp = cpu.sp + 3 * size;
    loadCodeSegment(cpu, sel, d, rpl);
    cpu.eip = eip;
    cpu.setEflags(flags, mask);
    return;
  }
  const esp = frameSlot(cpu, frame, 3 * size, size);
  const ssSel = frameSlot(cpu, frame, 4 * size, 2);
  const sd = checkReturnSs(cpu, ssSel, rpl);
  if (eip >>> 0 > d.limit) throw new Fault(Vec.GP, 0);
  cpu.setEflags(flags, mask);
  returnOuter(cpu, sel, d, eip, ssSel, sd, esp, size);
};

/** the flags iret's common case copies from the image (TF, NT and RF are clear there: it checked) */
const IN_RING_COPIED = ARITH | TF | DF | NT | RF | AC | ID;
/** the flags iret's common case looks at as they are now */
const IN_RING_NOW = IF | NT | IOPL | VIF | VIP;

/**
 * iret's common case, written against `Ops` so that the translator emits it
 * in place and the VMI ROM's IRET runs it: a 32-bit return on a 32-bit
 * stack to the same ring and the same code segment (a kernel's return from
 * an interrupt that came in the kernel). Where it applies it is exactly
 * what `iretFrame` does, minus the work that changes nothing: the frame is
 * read as iretFrame reads it (the same faults, nothing changed before), then
 * the helper `iretInRing` (semantics/helpers.ts) checks that the return
 * keeps CS as it is (the same descriptor in its table, already accessed),
 * stays within its limit, and takes no flag that would need more than a
 * copy (TF, NT, RF, VM, a change of IOPL, VIF or VIP, interrupts enabled).
 * Then ESP and the flags are written and `returned(eip, image)` runs (it
 * jumps); else `otherwise()` runs with nothing changed (the full iret).
 */
export function iretInRing<V>(o: Ops<V>, returned: (eip: V, image: V) => void, otherwise: () => void): void {
  if (o.stackBytes !== 4) { otherwise(); return; }
  // an iret that ends NMI blocking does so before it reads its frame: the full path
  o.if_(o.helper('iretFrameFirst'), () => {
    const esp = o.reg(Reg.ESP, 4);
    const eip = o.load(Seg.SS, esp, 4);
    const sel = o.load(Seg.SS, o.add(esp, o.c(4)), 2);
    const image = o.load(Seg.SS, o.add(esp, o.c(8)), 4);
    const verdict = o.helper('iretInRing', eip, sel, image, o.flagBits(IN_RING_NOW));
    o.if_(verdict, () => {
      o.setReg(Reg.ESP, 4, o.add(esp, o.c(12)));
      o.setFlagBits(IN_RING_COPIED, image);
      // IF only where CPL <= IOPL
      o.if_(o.and(verdict, o.c(2)), () => o.setFlagBits(IF, image));
      returned(eip, image);
    }, otherwise);
  }, otherwise);
}

/** iret's common case (32-bit, within the ring) in place where it applies, else `rest`: the full return */
const iretCommon: CommonCase = (o, i, rest) => {
  if (i.opsize === 4) iretInRing(o, (eip) => o.jump(eip, 4), rest);
  else rest();
};

const iretLong: Exec = (cpu, i) => iretFrame(cpu, i.opsize === 4 ? 4 : 2);

const farAp: (call: boolean) => Exec = (call) => (cpu, i) => farTransfer(cpu, i.imm2, i.imm, call, i.opsize, i.next);

const farMp: (call: boolean) => Exec = (call) => (cpu, i, o) => {
  const { offset, selector } = readFarPointer(o, i, 0);
  farTransfer(cpu, selector, offset, call, i.opsize, i.next);
};

const far = { end: true, fault: true, external: true, goesOnInMode: true };

export const rows: RowSpec[] = [
  { op: '9A', mn: 'call', args: 'Ap', exec: farAp(true), ...far, flow: 'call' },
  { op: 'EA', mn: 'jmp', args: 'Ap', exec: farAp(false), ...far, flow: 'jump' },
  { op: 'FF /3 m', mn: 'call', args: 'Mp', exec: farMp(true), ...far, flow: 'call' },
  { op: 'FF /5 m', mn: 'jmp', args: 'Mp', exec: farMp(false), ...far, flow: 'jump' },
  { op: 'CB', mn: 'retf', exec: retf, ...far },
  { op: 'CA', mn: 'retf', args: 'Iw', exec: retf, ...far },
  { op: 'CF', mn: 'iret/iretd', ...withCommonCase(iretCommon, iretLong), ...far, fout: ARITH },
];
