/**
 * x87 control and environment: fninit, fnclex, fldcw, fnstcw, fnstsw,
 * fnstenv/fldenv, fnsave/frstor, ffree(p), fincstp/fdecstp, fnop.
 *
 * The environment image has four layouts: protected or real mode, 16- or
 * 32-bit operand size (SDM Vol. 1, 8.1.10, Figures 8-9 to 8-12; virtual-8086
 * mode uses the real-mode ones). Real-mode images hold 20-bit linear
 * instruction and data pointers with the opcode; protected-mode ones hold
 * selector:offset pairs. fnstenv masks every exception after storing
 * (Vol. 2A, FSTENV), fnsave reinitialises the unit as fninit does
 * (Vol. 1, 8.1.10). A loaded tag word only says which registers are empty;
 * the classes of the others are recomputed from their contents. The
 * control instructions without a wait (fninit, fnclex, fnstcw, fnstsw,
 * fnstenv, fnsave) do not report a pending exception (Vol. 1, 8.3.11).
 */
import type { RowSpec } from '../../isa/table.ts';
import type { Exec } from '../ops.ts';
import type { Instr } from '../../isa/instr.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import type { Fpu } from '../../cpu/fpu-state.ts';
import { FPU_TAG_EMPTY } from '../../cpu/fpu-state.ts';
import { VM } from '../../isa/eflags.ts';
import { NUM } from '../../base/arith.ts';
import { addressPlus } from '../operands.ts';
import { INDEFINITE, decodeF80, encodeF80 } from './fpu-float80.ts';
import {
  EXC, FSW_B, FSW_ES, FSW_SF, clearC1, enter, fpuPending, getST, popST, recomputeES, tagFor,
} from './fpu-stack.ts';
import { probeWrite } from './fpu-memory.ts';

// ---- control ------------------------------------------------------------------------------

/** fninit, and the reinitialisation after fnsave */
export function fpuInit(f: Fpu): void {
  f.cw = 0x37f;
  f.setStatus(0);
  f.tags = 0xffff;
  f.fip = f.fcs = f.fdp = f.fds = f.fop = 0;
}

const fninit: Exec = (cpu) => fpuInit(cpu.fpu);

const fnclex: Exec = (cpu) => {
  cpu.fpu.sw &= ~(EXC | FSW_SF | FSW_ES | FSW_B);
};

const fldcw: Exec = (cpu, i, o) => {
  fpuPending(cpu);
  const f = cpu.fpu;
  f.cw = cpu.read(i.seg, o.ea(i, 0), 2) | 0x40; // bit 6 reads as 1
  recomputeES(f);
};

const fnstcw: Exec = (cpu, i, o) => cpu.write(i.seg, o.ea(i, 0), 2, cpu.fpu.cw);
const fnstswMem: Exec = (cpu, i, o) => cpu.write(i.seg, o.ea(i, 0), 2, cpu.fpu.status());
const fnstswAx: Exec = (cpu) => cpu.setReg(0, 2, cpu.fpu.status());

/** The full tag word as fnstenv reports it: empty stays empty, the rest classified from the contents. */
export function tagWord(f: Fpu): number {
  let tw = 0;
  for (let p = 0; p < 8; p++) {
    const t = ((f.tags >> (p * 2)) & 3) === FPU_TAG_EMPTY ? FPU_TAG_EMPTY : tagFor(f.st[p]);
    tw |= t << (p * 2);
  }
  return tw;
}

/** Only empty vs. non-empty is taken from a loaded tag word; the classes are recomputed. */
function loadTagWord(f: Fpu, tw: number): void {
  let tags = 0;
  for (let p = 0; p < 8; p++) {
    const t = ((tw >> (p * 2)) & 3) === FPU_TAG_EMPTY ? FPU_TAG_EMPTY : tagFor(f.st[p]);
    tags |= t << (p * 2);
  }
  f.tags = tags;
}

function envSize(i: Instr): number {
  return i.opsize === 4 ? 28 : 14;
}

/** Protected-mode layout unless in real or virtual-8086 mode. */
function pmodeEnv(cpu: Cpu): boolean {
  return cpu.protectedMode && !(cpu.eflags & VM);
}

/** The environment image as 16-bit (14-byte) or 32-bit (28-byte) words. */
function envImage(cpu: Cpu, size32: boolean): number[] {
  const f = cpu.fpu;
  const cw = f.cw, sw = f.status(), tw = tagWord(f);
  if (pmodeEnv(cpu)) {
    if (size32) {
      // reserved upper halves read as ones
      return [cw | 0xffff0000, sw | 0xffff0000, tw | 0xffff0000, f.fip, (f.fcs & 0xffff) | ((f.fop & 0x7ff) << 16), f.fdp, (f.fds & 0xffff) | 0xffff0000];
    }
    return [cw, sw, tw, f.fip & 0xffff, f.fcs, f.fdp & 0xffff, f.fds];
  }
  // real mode: 20-bit linear pointers (segment * 16 + offset) and the opcode
  const ip = ((f.fcs << 4) + f.fip) >>> 0, dp = ((f.fds << 4) + f.fdp) >>> 0;
  if (size32) {
    return [cw | 0xffff0000, sw | 0xffff0000, tw | 0xffff0000, (ip & 0xffff) | 0xffff0000, ((ip >>> 16) << 12) | (f.fop & 0x7ff),
      (dp & 0xffff) | 0xffff0000, (dp >>> 16) << 12];
  }
  return [cw, sw, tw, ip & 0xffff, ((ip >>> 16) << 12) | (f.fop & 0x7ff), dp & 0xffff, (dp >>> 16) << 12];
}

function writeEnv(cpu: Cpu, i: Instr, off: number): void {
  const words = envImage(cpu, i.opsize === 4);
  const w = i.opsize;
  for (let k = 0; k < 7; k++) cpu.write(i.seg, addressPlus(NUM, i, off, k * w), w, words[k]);
}

function readEnv(cpu: Cpu, i: Instr, off: number): number[] {
  const w = i.opsize;
  const words: number[] = [];
  for (let k = 0; k < 7; k++) words.push(cpu.read(i.seg, addressPlus(NUM, i, off, k * w), w) >>> 0);
  return words;
}

function applyEnv(cpu: Cpu, i: Instr, words: number[]): void {
  const f = cpu.fpu;
  f.cw = (words[0] & 0xffff) | 0x40;
  f.setStatus(words[1]);
  if (pmodeEnv(cpu)) {
    if (i.opsize === 4) {
      f.fip = words[3] | 0; f.fcs = words[4] & 0xffff; f.fop = (words[4] >>> 16) & 0x7ff;
      f.fdp = words[5] | 0; f.fds = words[6] & 0xffff;
    } else {
      f.fip = words[3] & 0xffff; f.fcs = words[4] & 0xffff; f.fdp = words[5] & 0xffff; f.fds = words[6] & 0xffff;
    }
  } else {
    // real-mode images hold linear pointers: keep them as offsets with selector 0
    f.fip = ((words[3] & 0xffff) | ((words[4] >>> 12) << 16)) | 0; f.fcs = 0; f.fop = words[4] & 0x7ff;
    f.fdp = ((words[5] & 0xffff) | ((words[6] >>> 12) << 16)) | 0; f.fds = 0;
  }
  loadTagWord(f, words[2] & 0xffff);
  recomputeES(f);
}

const fnstenv: Exec = (cpu, i, o) => {
  const off = o.ea(i, 0);
  probeWrite(cpu, i.seg, off, envSize(i));
  writeEnv(cpu, i, off);
  cpu.fpu.cw |= EXC; // fnstenv masks every exception after saving
};

const fldenv: Exec = (cpu, i, o) => {
  fpuPending(cpu);
  const off = o.ea(i, 0);
  applyEnv(cpu, i, readEnv(cpu, i, off));
};

const fnsave: Exec = (cpu, i, o) => {
  const off = o.ea(i, 0);
  const env = envSize(i);
  probeWrite(cpu, i.seg, off, env + 80);
  writeEnv(cpu, i, off);
  const f = cpu.fpu;
  for (let k = 0; k < 8; k++) {
    const e = encodeF80(getST(f, k));
    const slot = addressPlus(NUM, i, off, env + k * 10);
    cpu.write(i.seg, slot, 4, e.lo);
    cpu.write(i.seg, addressPlus(NUM, i, slot, 4), 4, e.hi);
    cpu.write(i.seg, addressPlus(NUM, i, slot, 8), 2, e.se);
  }
  fpuInit(f);
};

const frstor: Exec = (cpu, i, o) => {
  fpuPending(cpu);
  const off = o.ea(i, 0);
  const env = envSize(i);
  const words = readEnv(cpu, i, off);
  const regs: number[] = [];
  for (let k = 0; k < 8; k++) {
    const slot = addressPlus(NUM, i, off, env + k * 10);
    const v = decodeF80(cpu.read(i.seg, slot, 4), cpu.read(i.seg, addressPlus(NUM, i, slot, 4), 4), cpu.read(i.seg, addressPlus(NUM, i, slot, 8), 2));
    regs.push(v ?? INDEFINITE);
  }
  const f = cpu.fpu;
  // registers are stored in stack order: ST(k) lives in physical register (TOP + k)
  const top = (words[1] >> 11) & 7;
  for (let k = 0; k < 8; k++) f.st[(top + k) & 7] = regs[k];
  applyEnv(cpu, i, words);
};

const ffree: Exec = (cpu, i) => {
  enter(cpu, i);
  const f = cpu.fpu;
  f.tags |= 3 << (((f.top + i.rm) & 7) * 2);
};

const ffreep: Exec = (cpu, i, o) => {
  ffree(cpu, i, o);
  popST(cpu.fpu);
};

function stepTop(delta: number): Exec {
  return (cpu, i) => {
    enter(cpu, i);
    const f = cpu.fpu;
    f.top = (f.top + delta) & 7;
    clearC1(f);
  };
}

const fnop: Exec = (cpu, i) => enter(cpu, i);

// ---- the rows -----------------------------------------------------------------------------

export const controlRows: RowSpec[] = [
  { op: 'DB E3', mn: 'fninit', exec: fninit },
  { op: 'DB E2', mn: 'fnclex', exec: fnclex },
  { op: 'D9 /5 m', mn: 'fldcw', args: 'Mw', exec: fldcw },
  { op: 'D9 /7 m', mn: 'fnstcw', args: 'Mw', exec: fnstcw },
  { op: 'DD /7 m', mn: 'fnstsw', args: 'Mw', exec: fnstswMem },
  { op: 'DF E0', mn: 'fnstsw', args: 'AX', exec: fnstswAx },
  { op: 'D9 /6 m', mn: 'fnstenv', args: 'Menv', exec: fnstenv },
  { op: 'D9 /4 m', mn: 'fldenv', args: 'Menv', exec: fldenv },
  { op: 'DD /6 m', mn: 'fnsave', args: 'Mst', exec: fnsave },
  { op: 'DD /4 m', mn: 'frstor', args: 'Mst', exec: frstor },
  { op: 'DD /0 r', mn: 'ffree', args: 'STi', exec: ffree },
  { op: 'DF /0 r', mn: 'ffreep', args: 'STi', exec: ffreep },
  { op: 'D9 F7', mn: 'fincstp', exec: stepTop(1) },
  { op: 'D9 F6', mn: 'fdecstp', exec: stepTop(-1) },
  { op: 'D9 D0', mn: 'fnop', exec: fnop },
];
