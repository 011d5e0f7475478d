/**
 * System instructions, part two: the descriptor-table registers (lgdt, lidt,
 * sgdt, sidt, lldt, ltr, sldt, str), the control and debug registers (mov
 * to/from CRn and DRn, smsw, lmsw, clts, invlpg), and the selector tests that
 * report through ZF instead of faulting (lar, lsl, verr, verw, arpl).
 *
 * CR0/CR3/CR4 writes keep the MMU's TLB coherent the way the architecture
 * does: a CR3 load drops non-global translations, changes of CR0.PG/WP or
 * CR4.PSE/PGE/PAE drop all of them. A CR0.PE change recomputes the segment
 * caches' derived state (code and stack size depend on the mode).
 */
import type { RowSpec } from '../../isa/table.ts';
import type { Exec, Ops } from '../ops.ts';
import type { Instr } from '../../isa/instr.ts';
import { ZF } from '../../isa/eflags.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { Fault, Vec } from '../../isa/faults.ts';
import { readDescriptor, type Descriptor } from '../../cpu/segments.ts';
import { CR0_PE } from '../../cpu/mmu.ts';
import {
  checkGeneralDetect, clearTaskSwitched, loadLdt, loadTaskRegister, readDebugRegister, readTableImage, writeCr0, writeCr3, writeCr4,
  writeDebugRegister, writeTableImage,
} from '../../cpu/system-ops.ts';

/** sldt/str/smsw Ew: a register takes the operand size (zero-extended), memory gets 16 bits */
function storeSelectorLike(cpu: Cpu, i: Instr, o: Ops<number>, v: number): void {
  if (i.mod === 3) cpu.setReg(i.rm, i.opsize, v);
  else cpu.write(i.seg, o.ea(i, 0), 2, v);
}

/** These instructions do not exist in real mode. */
function requireProtected(cpu: Cpu): void {
  if (!cpu.protectedMode) throw new Fault(Vec.UD);
}

// ---- descriptor-table registers ------------------------------------------------------

/** lgdt/lidt Ms: limit then base (cpu/system-ops.ts reads the image) */
function loadTable(idt: boolean): Exec {
  return (cpu, i, o) => {
    const [limit, base] = readTableImage(cpu, i.seg, o.ea(i, 0), i.opsize, i.adsize === 2);
    if (idt) { cpu.idtBase = base; cpu.idtLimit = limit; } else { cpu.gdtBase = base; cpu.gdtLimit = limit; }
  };
}

/** sgdt/sidt Ms */
function storeTable(idt: boolean): Exec {
  return (cpu, i, o) => {
    const [limit, base] = idt ? [cpu.idtLimit, cpu.idtBase] : [cpu.gdtLimit, cpu.gdtBase];
    writeTableImage(cpu, i.seg, o.ea(i, 0), limit, base, i.opsize, i.adsize === 2);
  };
}

const lldt: Exec = (cpu, i, o) => {
  requireProtected(cpu);
  loadLdt(cpu, o.get(i, 0));
};

const ltr: Exec = (cpu, i, o) => {
  requireProtected(cpu);
  loadTaskRegister(cpu, o.get(i, 0));
};

const sldt: Exec = (cpu, i, o) => {
  requireProtected(cpu);
  storeSelectorLike(cpu, i, o, cpu.ldtSel);
};

const str: Exec = (cpu, i, o) => {
  requireProtected(cpu);
  storeSelectorLike(cpu, i, o, cpu.trSel);
};

// ---- control and debug registers -----------------------------------------------------

/** mov Rd,Cd (every ModRM mod is the register form: the decoder reads no memory operand) */
const movFromCr: Exec = (cpu, i) => {
  let v: number;
  switch (i.reg) {
    case 0: v = cpu.cr0; break;
    case 2: v = cpu.cr2; break;
    case 3: v = cpu.cr3; break;
    case 4: v = cpu.cr4; break;
    default: throw new Fault(Vec.UD);
  }
  cpu.setReg(i.rm, 4, v);
};

const movToCr: Exec = (cpu, i) => {
  const v = cpu.getReg(i.rm, 4);
  switch (i.reg) {
    case 0: writeCr0(cpu, v); return;
    case 2: cpu.cr2 = v; return;
    case 3: writeCr3(cpu, v); return;
    case 4: writeCr4(cpu, v); return;
    default: throw new Fault(Vec.UD);
  }
};

const movFromDr: Exec = (cpu, i) => {
  checkGeneralDetect(cpu);
  cpu.setReg(i.rm, 4, readDebugRegister(cpu, i.reg));
};

const movToDr: Exec = (cpu, i) => {
  checkGeneralDetect(cpu);
  writeDebugRegister(cpu, i.reg, cpu.getReg(i.rm, 4));
};

/** smsw: the low word of CR0 (all of it for a 32-bit register destination) */
const smsw: Exec = (cpu, i, o) => storeSelectorLike(cpu, i, o, i.mod === 3 && i.opsize === 4 ? cpu.cr0 : cpu.cr0 & 0xffff);

/** lmsw: PE MP EM TS only; PE can be set but not cleared */
const lmsw: Exec = (cpu, i, o) => {
  const v = o.get(i, 0);
  writeCr0(cpu, (cpu.cr0 & ~0xf) | (v & 0xf) | (cpu.cr0 & CR0_PE));
};

const clts: Exec = (cpu) => clearTaskSwitched(cpu);

/** invlpg: no segment checks, only the linear address matters */
const invlpg: Exec = (cpu, i, o) => {
  cpu.mmu.invalidatePage((cpu.segBase[i.seg] + o.ea(i, 0)) | 0);
};

// ---- selector tests ------------------------------------------------------------------

/** The descriptor a selector names, or undefined (null, outside its table): the tests fail quietly then. */
function probe(cpu: Cpu, sel: number): Descriptor | undefined {
  if ((sel & ~3) === 0) return undefined;
  const ldt = (sel & 4) !== 0;
  if (ldt && (cpu.ldtSel & ~3) === 0) return undefined;
  if ((sel & ~7) + 7 > (ldt ? cpu.ldtLimit : cpu.gdtLimit)) return undefined;
  return readDescriptor(cpu, sel);
}

/** Conforming code is visible from everywhere; everything else needs DPL >= CPL and RPL. */
function visible(cpu: Cpu, sel: number, d: Descriptor): boolean {
  if (d.s && (d.type & 0xc) === 0xc) return true;
  return d.dpl >= cpu.cpl && d.dpl >= (sel & 3);
}

/** system types lar reports: TSSs (available and busy), LDT, call and task gates */
const LAR_SYSTEM = new Set([1, 2, 3, 4, 5, 9, 0xb, 0xc]);
/** system types that have a limit lsl reports: TSSs and the LDT */
const LSL_SYSTEM = new Set([1, 2, 3, 9, 0xb]);

function selectorTest(pick: (cpu: Cpu, d: Descriptor, opsize: number) => number | undefined, system: Set<number>): Exec {
  return (cpu, i, o) => {
    requireProtected(cpu);
    const sel = o.get(i, 1);
    const d = probe(cpu, sel);
    const v = d && (d.s || system.has(d.type)) && visible(cpu, sel, d) ? pick(cpu, d, i.opsize) : undefined;
    if (v !== undefined) cpu.setReg(i.reg, i.opsize, v);
    cpu.setFlag(ZF, v !== undefined ? 1 : 0);
  };
}

const lar = selectorTest((_c, d, opsize) => d.hi & (opsize === 4 ? 0x00f0ff00 : 0xff00), LAR_SYSTEM);
const lsl = selectorTest((_c, d) => d.limit | 0, LSL_SYSTEM);

function verify(write: boolean): Exec {
  return (cpu, i, o) => {
    requireProtected(cpu);
    const sel = o.get(i, 0);
    const d = probe(cpu, sel);
    let ok = false;
    if (d && d.s && visible(cpu, sel, d)) {
      const code = (d.type & 8) !== 0;
      // readable: data, or code with the R bit; writable: data with the W bit
      ok = write ? !code && (d.type & 2) !== 0 : !code || (d.type & 2) !== 0;
    }
    cpu.setFlag(ZF, ok ? 1 : 0);
  };
}

/** arpl Ew,Gw: raise the destination's RPL to the source's */
const arpl: Exec = (cpu, i, o) => {
  requireProtected(cpu);
  const dst = o.get(i, 0);
  const src = cpu.getReg(i.reg, 2);
  const raise = (dst & 3) < (src & 3);
  if (raise) {
    o.set(i, 0, (dst & ~3) | (src & 3));
  }
  cpu.setFlag(ZF, raise ? 1 : 0);
};

const p = { priv: true, fault: true, opaque: true, external: true };
const z = { fault: true, fout: ZF, opaque: true, external: true };

export const rows: RowSpec[] = [
  { op: '0F 01 /0 m', mn: 'sgdt', args: 'Ms', exec: storeTable(false), fault: true, opaque: true, external: true },
  { op: '0F 01 /1 m', mn: 'sidt', args: 'Ms', exec: storeTable(true), fault: true, opaque: true, external: true },
  { op: '0F 01 /2 m', mn: 'lgdt', args: 'Ms', exec: loadTable(false), ...p },
  { op: '0F 01 /3 m', mn: 'lidt', args: 'Ms', exec: loadTable(true), ...p },
  { op: '0F 01 /4', mn: 'smsw', args: 'Ew', exec: smsw, fault: true, opaque: true, external: true },
  { op: '0F 01 /6', mn: 'lmsw', args: 'Ew', exec: lmsw, ...p, end: true },
  { op: '0F 01 /7 m', mn: 'invlpg', args: 'M', exec: invlpg, ...p, end: true },
  { op: '0F 00 /0', mn: 'sldt', args: 'Ew', exec: sldt, fault: true, opaque: true, external: true },
  { op: '0F 00 /1', mn: 'str', args: 'Ew', exec: str, fault: true, opaque: true, external: true },
  { op: '0F 00 /2', mn: 'lldt', args: 'Ew', exec: lldt, ...p },
  { op: '0F 00 /3', mn: 'ltr', args: 'Ew', exec: ltr, ...p },
  { op: '0F 00 /4', mn: 'verr', args: 'Ew', exec: verify(false), ...z },
  { op: '0F 00 /5', mn: 'verw', args: 'Ew', exec: verify(true), ...z },
  { op: '0F 06', mn: 'clts', exec: clts, ...p, end: true },
  { op: '0F 20', mn: 'mov', args: 'Rd,Cd', exec: movFromCr, ...p },
  { op: '0F 22', mn: 'mov', args: 'Cd,Rd', exec: movToCr, ...p, end: true },
  { op: '0F 21', mn: 'mov', args: 'Rd,Dd', exec: movFromDr, ...p },
  { op: '0F 23', mn: 'mov', args: 'Dd,Rd', exec: movToDr, ...p, end: true },
  { op: '0F 02', mn: 'lar', args: 'Gv,Ew', exec: lar, ...z },
  { op: '0F 03', mn: 'lsl', args: 'Gv,Ew', exec: lsl, ...z },
  { op: '63', mn: 'arpl', args: 'Ew,Gw', exec: arpl, ...z },
];
