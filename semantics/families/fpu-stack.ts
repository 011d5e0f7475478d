/**
 * x87 state every x87 instruction shares: the status and control word
 * bits, how an exception is recorded and whether its masked response
 * applies, the register stack, and what a waiting instruction does first.
 *
 * Registers are addressed as the stack: ST(i) is physical register
 * (TOP + i) mod 8, and the tag word says which are empty. Reading an empty
 * register is a stack underflow and pushing onto a full ST(7) an overflow;
 * both set IE and SF, and C1 tells them apart: 1 for overflow, 0 for
 * underflow (SDM Vol. 1, 8.1.3.4 and 8.5.1.1). C1 otherwise reports whether
 * the last rounding went up (Vol. 1, 8.1.3.2).
 *
 * An exception whose mask bit is set gets its masked response; an unmasked
 * one sets ES and B, leaves the destination alone, and is raised as #MF by
 * the next waiting instruction when CR0.NE is set (`fpuPending`; Vol. 1,
 * 8.7.1). The pointers fnstenv and fnsave report are recorded only once an
 * instruction can no longer fault (`record`), so a restarted instruction
 * sees them as they were.
 */
import { FROM_ADSIZE, FROM_SEG, type Ops, type X87Call } from '../ops.ts';
import type { Instr } from '../../isa/instr.ts';
import { Seg } from '../../isa/instr.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import type { Fpu } from '../../cpu/fpu-state.ts';
import { FPU_TAG_EMPTY, FPU_TAG_SPECIAL, FPU_TAG_VALID, FPU_TAG_ZERO } from '../../cpu/fpu-state.ts';
import { Fault, Vec } from '../../isa/faults.ts';
import { CR0_NO_X87, admitX87 } from '../admit.ts';
import { CR0_NE } from '../../cpu/mmu.ts';
import { INDEFINITE, fromBits, highBits, lowBits, quiet } from './fpu-float80.ts';

// ---- status and control word bits ------------------------------------------------------

export const FSW_IE = 0x1, FSW_DE = 0x2, FSW_ZE = 0x4, FSW_OE = 0x8, FSW_UE = 0x10, FSW_PE = 0x20;
export const FSW_SF = 0x40, FSW_ES = 0x80, FSW_C0 = 0x100, FSW_C1 = 0x200, FSW_C2 = 0x400, FSW_C3 = 0x4000, FSW_B = 0x8000;
export const FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;
export const EXC = 0x3f;

export function rc(f: Fpu): number {
  return (f.cw >> 10) & 3;
}

/**
 * Record exceptions in the status word. Returns true when the masked
 * response applies (every exception raised is masked); otherwise ES and B
 * are set and the caller leaves its destination alone.
 */
export function signal(f: Fpu, e: number): boolean {
  f.sw |= e;
  if (e & ~f.cw & EXC) {
    f.sw |= FSW_ES | FSW_B;
    return false;
  }
  return true;
}

/** Stack underflow (an empty register read): IE+SF, C1 clear. */
export function underflow(f: Fpu): boolean {
  clearC1(f);
  return signal(f, FSW_IE | FSW_SF);
}

/** Stack overflow (push onto a full register): IE+SF, C1 set. */
export function overflow(f: Fpu): boolean {
  setC1(f, true);
  return signal(f, FSW_IE | FSW_SF);
}

// ---- register stack ----------------------------------------------------------------------

export function tagFor(v: number): number {
  if (v === 0) return FPU_TAG_ZERO;
  return isFinite(v) ? FPU_TAG_VALID : FPU_TAG_SPECIAL;
}

export function isEmpty(f: Fpu, i: number): boolean {
  return ((f.tags >> (((f.top + i) & 7) * 2)) & 3) === FPU_TAG_EMPTY;
}

export function getST(f: Fpu, i: number): number {
  return f.st[(f.top + i) & 7];
}

export function setST(f: Fpu, i: number, v: number): void {
  const p = (f.top + i) & 7;
  f.st[p] = v;
  f.tags = (f.tags & ~(3 << (p * 2))) | (tagFor(v) << (p * 2));
}

export function pushST(f: Fpu, v: number): void {
  f.top = (f.top - 1) & 7;
  setST(f, 0, v);
}

export function popST(f: Fpu): void {
  f.tags |= 3 << (f.top * 2);
  f.top = (f.top + 1) & 7;
}

/** Push with the overflow check: a full ST(7) gives the indefinite (masked) or nothing (unmasked). */
export function pushChecked(f: Fpu, v: number): void {
  if (!isEmpty(f, 7)) {
    if (!overflow(f)) return;
    v = INDEFINITE;
  }
  pushST(f, v);
}

/** Flip or clear the sign bit by bits (JS negation does not reliably move a NaN's sign). */
export function withSign(v: number, neg: boolean): number {
  const h = highBits(v);
  return fromBits(lowBits(v), neg ? h | 0x80000000 : h & 0x7fffffff);
}

/** The NaN result of an operation with NaN operands: the larger significand wins, quieted. */
export function nanResult(a: number, b: number): number {
  if (a !== a && b !== b) {
    const ha = highBits(a) & 0x7fffffff, hb = highBits(b) & 0x7fffffff;
    const pickA = ha !== hb ? ha > hb : lowBits(a) >= lowBits(b);
    return quiet(pickA ? a : b);
  }
  return quiet(a !== a ? a : b);
}

// ---- instruction entry ----------------------------------------------------------------

/**
 * A pending unmasked exception (ES set) is reported by the next waiting x87
 * instruction: #MF with CR0.NE set. Exported for fwait.
 */
export function fpuPending(cpu: Cpu): void {
  if (cpu.fpu.sw & FSW_ES && cpu.cr0 & CR0_NE) throw new Fault(Vec.MF);
}

/**
 * What every waiting instruction checks before anything else: the unit is
 * there (admit.ts `admitX87`, which the interpreter's admission has made
 * already and translated code's direct kernel call has not) and no unmasked
 * exception is pending (#MF). One test covers both on the common path.
 */
export function waitChecks(cpu: Cpu): void {
  if ((cpu.cr0 & CR0_NO_X87) | (cpu.fpu.sw & FSW_ES)) {
    admitX87(cpu);
    fpuPending(cpu);
  }
}

/**
 * The common case every kernel's fast path starts from: the unit is there,
 * no exception is pending, results round to nearest and an inexact result
 * only sets PE (masked). What a fast path then does is what the general
 * path does in that case; anything else takes the general path.
 */
export function commonCase(cpu: Cpu, f: Fpu): boolean {
  return ((cpu.cr0 & CR0_NO_X87) | (f.sw & FSW_ES) | ((f.cw & 0xc20) ^ FSW_PE)) === 0;
}

/** The tag of physical register p */
export function tagAt(f: Fpu, p: number): number {
  return (f.tags >> (p * 2)) & 3;
}

/** Recompute ES/B after the control or status word was loaded (a newly unmasked pending flag counts). */
export function recomputeES(f: Fpu): void {
  if (f.sw & ~f.cw & EXC) f.sw |= FSW_ES | FSW_B;
  else f.sw &= ~(FSW_ES | FSW_B);
}

/** The opcode fnstenv and fnsave report: the low 3 bits of the first opcode byte, then the ModRM byte. */
export function fopOf(i: Instr): number {
  return ((i.opcode & 7) << 8) | ((i.mod & 3) << 6) | ((i.reg & 7) << 3) | (i.rm & 7);
}

/**
 * Record the instruction (and, for a memory operand in segment `seg`, data)
 * pointer and opcode that fnstenv/fnsave report. Called once the
 * instruction can no longer fault, so a restarted instruction leaves them as
 * they were. `seg` < 0: no memory operand.
 */
export function recordAt(cpu: Cpu, eip: number, fop: number, seg: number, memOff: number): void {
  const f = cpu.fpu;
  f.fip = eip;
  f.fcs = cpu.segSel[Seg.CS];
  f.fop = fop;
  if (seg >= 0) {
    f.fdp = memOff >>> 0;
    f.fds = cpu.segSel[seg];
  }
}

/** recordAt for a decoded instruction; memOff < 0: no memory operand. */
export function record(cpu: Cpu, i: Instr, memOff: number): void {
  recordAt(cpu, i.eip, fopOf(i), memOff >= 0 ? i.seg : -1, memOff);
}

/** Start of a waiting register-form instruction, from its decode-time numbers: the checks, then the pointers. */
export function enterAt(cpu: Cpu, eip: number, fop: number): void {
  waitChecks(cpu);
  recordAt(cpu, eip, fop, -1, 0);
}

/** Start of a waiting register-form instruction: report a pending exception, record the pointers. */
export function enter(cpu: Cpu, i: Instr): void {
  enterAt(cpu, i.eip, fopOf(i));
}

/**
 * Start of a waiting memory-form instruction: report a pending exception and
 * return the operand's offset. The caller reads (or probes for writing) its
 * operand and then calls record().
 */
export function enterMem(cpu: Cpu, i: Instr, o: Ops<number>): number {
  waitChecks(cpu);
  return o.ea(i, 0);
}

/** C1 cleared (a C1 that waited is dropped: this one replaces it). */
export function clearC1(f: Fpu): void {
  f.sw &= ~FSW_C1;
  f.c1Op = 0;
}

export function setC1(f: Fpu, up: boolean): void {
  f.sw = up ? f.sw | FSW_C1 : f.sw & ~FSW_C1;
  f.c1Op = 0;
}

// ---- kernel calls -------------------------------------------------------------------------

/** A row's call of a register-form kernel with these arguments after EIP and FOP. */
export function regCall(kernel: string, ...args: number[]): X87Call {
  return { kernel, memory: false, stores: false, flagsOut: false, args };
}

/** A row's call of a memory-form kernel that reads its operand: the operand's segment and address size, then `more`. */
export function memCall(kernel: string, ...more: number[]): X87Call {
  return { kernel, memory: true, stores: false, flagsOut: false, args: [FROM_SEG, FROM_ADSIZE, ...more] };
}

/** The same for a kernel that writes its operand. */
export function storeCall(kernel: string, ...more: number[]): X87Call {
  return { ...memCall(kernel, ...more), stores: true };
}
