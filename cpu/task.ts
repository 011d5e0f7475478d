/**
 * The i386 hardware task switch (32-bit TSS), as the Intel SDM describes it
 * (vol. 3A, 7.3 "Task Switching", Table 7-1 and the JMP, CALL, INT and IRET
 * pseudo-code): through a task gate in the IDT (an exception or interrupt),
 * a far jmp or call to a TSS or a task gate, and an iret with EFLAGS.NT set
 * (back to the task named by the current TSS's link field).
 *
 * The switch has two halves, and faults belong to different tasks:
 *
 * 1. Before the commit (in the old task, so the caller delivers them with
 *    the old task's state untouched): the privilege and type checks of the
 *    new TSS descriptor, its presence (#NP) and limit (#TS), the busy bit
 *    (#GP for jmp/call/int to a busy TSS, #TS for iret to one that is not
 *    busy), reading the whole new TSS and writing the old task's state into
 *    the old TSS (a #PF there happens here too).
 * 2. The commit: busy bits, link field, NT, TR, CR0.TS, then the new task's
 *    CR3, EFLAGS, EIP, registers and selectors. The LDT and segment
 *    descriptors are checked after that (#TS, #NP, #SS), and a fault there
 *    is raised in the new task's context, at its first instruction: this
 *    module returns it and the caller delivers it without rewinding.
 *
 * The old TSS gets EIP, EFLAGS, the eight registers and the six selectors
 * (CR3 and the LDT selector are never written back); the debug trap bit of
 * the new TSS raises #DB once the new task is loaded. 16-bit TSSs and
 * virtual-8086 tasks stop the machine (not modelled).
 *
 * Callers: cpu/interrupts.ts (task gates in the IDT), the far-transfer rows
 * and iret (semantics/families/far.ts).
 */
import { Fault, MachineStop, Vec } from '../isa/faults.ts';
import { Seg } from '../isa/instr.ts';
import { NT, VM } from '../isa/eflags.ts';
import type { Cpu } from './cpu.ts';
import { CR0_PG, CR0_TS } from './mmu.ts';
import { loadCache, loadNull, readDescriptor, readSystem, setAccessed, writeSystem, type Descriptor } from './segments.ts';
import { writeCr3 } from './system-ops.ts';
import { DR6_BT } from './debug.ts';

/** What starts the switch: it decides the busy bits, the link field and NT. */
export type TaskSource = 'jmp' | 'call' | 'int' | 'iret';

/** 32-bit TSS field offsets */
const TSS = { LINK: 0x00, CR3: 0x1c, EIP: 0x20, EFLAGS: 0x24, EAX: 0x28, ES: 0x48, LDT: 0x60, TRAP: 0x64 } as const;
const TSS32_MIN_LIMIT = 0x67;
const TSS_BUSY = 0x200;

/** Is `d` a TSS descriptor (available 1/9 or busy 3/B)? */
export function isTss(d: Descriptor): boolean {
  return !d.s && (d.type & 5) === 1;
}

/**
 * jmp or call to selector `sel` (ext 0) whose descriptor `d` is a TSS or a
 * task gate; `next` is the EIP the old task resumes at. Returns a fault the
 * new task must take first, if any.
 */
export function farToTask(cpu: Cpu, sel: number, d: Descriptor, call: boolean, next: number): Fault | undefined {
  if (d.dpl < cpu.cpl || d.dpl < (sel & 3)) throw new Fault(Vec.GP, sel & ~3);
  if (d.type === 5) {
    if (!d.present) throw new Fault(Vec.NP, sel & ~3);
    return throughTaskGate(cpu, d.lo >>> 16, call ? 'call' : 'jmp', 0, next);
  }
  return switchTask(cpu, sel, d, call ? 'call' : 'jmp', 0, next);
}

/**
 * The TSS a task gate names: in the GDT (#GP otherwise), a TSS, not busy,
 * present. `ext` is the EXT bit of an error code (1 for an event the
 * program did not cause).
 */
export function throughTaskGate(cpu: Cpu, tssSel: number, source: TaskSource, ext: number, savedEip: number): Fault | undefined {
  tssSel &= 0xffff;
  if (tssSel & 4 || (tssSel & ~3) === 0) throw new Fault(Vec.GP, (tssSel & ~3) + ext);
  const d = readDescriptor(cpu, tssSel, Vec.GP, ext);
  if (!isTss(d)) throw new Fault(Vec.GP, (tssSel & ~3) + ext);
  return switchTask(cpu, tssSel, d, source, ext, savedEip);
}

/** iret with NT set: back to the task in the current TSS's link field. */
export function returnFromNestedTask(cpu: Cpu, savedEip: number): Fault | undefined {
  const link = readSystem(cpu, cpu.trBase, 2) & 0xffff;
  if (link & 4) throw new Fault(Vec.TS, link & ~3);
  const d = readDescriptor(cpu, link, Vec.TS);
  if (!isTss(d)) throw new Fault(Vec.TS, link & ~3);
  return switchTask(cpu, link, d, 'iret', 0, savedEip);
}

/** The switch itself, once the way in has been checked. */
function switchTask(cpu: Cpu, sel: number, d: Descriptor, source: TaskSource, ext: number, savedEip: number): Fault | undefined {
  const code = (sel & ~3) + ext;
  if (!d.present) throw new Fault(Vec.NP, code);
  if (d.limit < TSS32_MIN_LIMIT) throw new Fault(Vec.TS, code);
  const busy = (d.type & 2) !== 0;
  if (source === 'iret' ? !busy : busy) throw new Fault(source === 'iret' ? Vec.TS : Vec.GP, code);
  if (!(d.type & 8)) throw new MachineStop(`task switch to the 16-bit TSS 0x${sel.toString(16)}: 16-bit task switching is not supported`);

  // everything that may fault in the old task comes first: the new TSS read whole, the old one written
  const image = new Int32Array(26);
  for (let k = 0; k < 26; k++) image[k] = readSystem(cpu, (d.base + 4 * k) | 0, 4);
  // RF as it is: set when a fault's handler is a task (cpu/interrupts.ts deliverFault)
  let eflags = cpu.getEflags();
  if (source === 'iret') eflags &= ~NT;
  saveOldTask(cpu, savedEip, eflags);

  // commit
  const oldSel = cpu.trSel;
  if (source === 'jmp' || source === 'iret') markBusy(cpu, cpu.trSel, false);
  if (source !== 'iret') markBusy(cpu, sel, true);
  if (source === 'call' || source === 'int') {
    writeSystem(cpu, d.base, 2, oldSel);
    image[TSS.LINK / 4] = (image[TSS.LINK / 4] & ~0xffff) | oldSel;
  }
  cpu.trSel = sel;
  cpu.trBase = d.base;
  cpu.trLimit = d.limit;
  cpu.trType = 0xb;
  cpu.cr0 |= CR0_TS;
  return loadNewTask(cpu, image, source === 'call' || source === 'int');
}

function saveOldTask(cpu: Cpu, eip: number, eflags: number): void {
  const base = cpu.trBase;
  if ((cpu.trType & 8) === 0 || cpu.trLimit < TSS32_MIN_LIMIT) {
    throw new MachineStop('task switch from a 16-bit or undersized TSS is not supported');
  }
  writeSystem(cpu, (base + TSS.EIP) | 0, 4, eip);
  writeSystem(cpu, (base + TSS.EFLAGS) | 0, 4, eflags);
  for (let r = 0; r < 8; r++) writeSystem(cpu, (base + TSS.EAX + 4 * r) | 0, 4, cpu.regs[r]);
  for (let s = 0; s < 6; s++) writeSystem(cpu, (base + TSS.ES + 4 * s) | 0, 2, cpu.segSel[s]);
}

/** Set or clear the busy bit of the TSS descriptor `sel` names in the GDT. */
function markBusy(cpu: Cpu, sel: number, busy: boolean): void {
  const at = (cpu.gdtBase + (sel & ~7) + 4) | 0;
  const hi = readSystem(cpu, at, 4);
  writeSystem(cpu, at, 4, busy ? hi | TSS_BUSY : hi & ~TSS_BUSY);
}

/** Load the new task's state; a fault from here on belongs to the new task. */
function loadNewTask(cpu: Cpu, image: Int32Array, nested: boolean): Fault | undefined {
  const at = (off: number) => image[off / 4];
  if (cpu.cr0 & CR0_PG) writeCr3(cpu, at(TSS.CR3));
  const eflags = at(TSS.EFLAGS) | (nested ? NT : 0);
  if (eflags & VM) throw new MachineStop('task switch to a virtual-8086 task is not supported');
  cpu.setEflags(eflags);
  cpu.eip = at(TSS.EIP);
  for (let r = 0; r < 8; r++) cpu.regs[r] = at(TSS.EAX + 4 * r);
  // the selectors are loaded first with nothing behind them, then each descriptor is checked
  const sels = Array.from({ length: 6 }, (_, s) => at(TSS.ES + 4 * s) & 0xffff);
  for (let s = 0; s < 6; s++) loadNull(cpu, s, sels[s]);
  const ldt = at(TSS.LDT) & 0xffff;
  cpu.ldtSel = ldt;
  cpu.ldtBase = 0;
  cpu.ldtLimit = 0;
  cpu.setCpl(sels[Seg.CS] & 3);
  try {
    loadTaskLdt(cpu, ldt);
    loadTaskSegments(cpu, sels);
  } catch (e) {
    if (e instanceof Fault) return e;
    throw e;
  }
  // the T bit: a debug trap once the new task is loaded (DR6.BT)
  if (at(TSS.TRAP) & 1) {
    cpu.dr[6] |= DR6_BT;
    return new Fault(Vec.DB);
  }
  return undefined;
}

function loadTaskLdt(cpu: Cpu, sel: number): void {
  if ((sel & ~3) === 0) return;
  if (sel & 4) throw new Fault(Vec.TS, sel & ~3);
  const d = readDescriptor(cpu, sel, Vec.TS);
  if (d.s || d.type !== 2 || !d.present) throw new Fault(Vec.TS, sel & ~3);
  cpu.ldtBase = d.base;
  cpu.ldtLimit = d.limit;
}

/** CS, SS, then the data segments, with the checks of SDM Table 7-1. */
function loadTaskSegments(cpu: Cpu, sels: number[]): void {
  const cpl = cpu.cpl;
  const cs = sels[Seg.CS];
  if ((cs & ~3) === 0) throw new Fault(Vec.TS, 0);
  const c = readDescriptor(cpu, cs, Vec.TS);
  const conforming = (c.type & 4) !== 0;
  if (!c.s || !(c.type & 8) || (conforming ? c.dpl > cpl : c.dpl !== cpl)) throw new Fault(Vec.TS, cs & ~3);
  if (!c.present) throw new Fault(Vec.NP, cs & ~3);
  const ss = sels[Seg.SS];
  if ((ss & ~3) === 0) throw new Fault(Vec.TS, 0);
  const sd = readDescriptor(cpu, ss, Vec.TS);
  if (!sd.s || sd.type & 8 || !(sd.type & 2) || sd.dpl !== cpl || (ss & 3) !== cpl) throw new Fault(Vec.TS, ss & ~3);
  if (!sd.present) throw new Fault(Vec.SS, ss & ~3);
  setAccessed(cpu, c);
  loadCache(cpu, Seg.CS, cs, c);
  setAccessed(cpu, sd);
  loadCache(cpu, Seg.SS, ss, sd);
  for (const s of [Seg.DS, Seg.ES, Seg.FS, Seg.GS]) {
    const sel = sels[s];
    if ((sel & ~3) === 0) continue;
    const dd = readDescriptor(cpu, sel, Vec.TS);
    const readable = dd.s && (!(dd.type & 8) || (dd.type & 2) !== 0);
    const conformingCode = (dd.type & 0xc) === 0xc;
    if (!readable || (!conformingCode && (dd.dpl < cpl || dd.dpl < (sel & 3)))) throw new Fault(Vec.TS, sel & ~3);
    if (!dd.present) throw new Fault(Vec.NP, sel & ~3);
    setAccessed(cpu, dd);
    loadCache(cpu, s, sel, dd);
  }
  if (cpu.eip >>> 0 > c.limit) throw new Fault(Vec.GP, 0);
}

/** Push an exception's error code on the new task's stack (a task gate in the IDT); a fault is the new task's. */
export function pushErrorCode(cpu: Cpu, code: number): Fault | undefined {
  try {
    cpu.push(code, 4);
  } catch (e) {
    if (e instanceof Fault) return e;
    throw e;
  }
  return undefined;
}
