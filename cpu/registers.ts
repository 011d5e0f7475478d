/**
 * The general registers as instructions name them, and the width of the
 * stack pointer: rules both engines apply to register values, written once
 * over Arith (base/arith.ts) so the interpreter applies them to `cpu.regs`
 * and the translator emits them for its r0..r7 locals.
 *
 * Partial registers. At size 1, register numbers 0..3 are AL CL DL BL and
 * 4..7 are AH CH DH BH, bits 8..15 of EAX..EBX; at size 2 they are AX..DI.
 * Writing a byte or word register leaves the rest of its full register as
 * it was.
 *
 * The stack pointer. SS.B picks its width: a 32-bit stack uses ESP, a 16-bit
 * one uses SP, whose arithmetic wraps at 64 KiB and whose update leaves the
 * upper half of ESP alone. Every push and pop moves the pointer with these
 * functions: the instructions' own (cpu/cpu.ts push/pop, the translator's
 * translator/emit/emit-ops.ts), and the frames of interrupt delivery, far
 * calls and enter (cpu/stack.ts, semantics/families/control.ts).
 */
import type { Arith, Size } from '../base/arith.ts';
import { Reg } from '../isa/instr.ts';

/** The full register (0..7) that register r of `size` lives in. */
export function fullRegister(r: number, size: number): number {
  return size === 1 && r >= 4 ? r - 4 : r;
}

/** The value of register r of `size`, given the value of its full register. */
export function readPart<V>(a: Arith<V>, full: V, r: number, size: Size): V {
  if (size === 4) return full;
  if (size === 2) return a.and(full, a.c(0xffff));
  return r < 4 ? a.and(full, a.c(0xff)) : a.and(a.sar(full, a.c(8)), a.c(0xff));
}

/** The full register's new value when v is written to register r of `size`. */
export function writePart<V>(a: Arith<V>, full: V, r: number, size: Size, v: V): V {
  if (size === 4) return v;
  if (size === 2) return a.or(a.and(full, a.c(~0xffff)), a.and(v, a.c(0xffff)));
  if (r < 4) return a.or(a.and(full, a.c(~0xff)), a.and(v, a.c(0xff)));
  return a.or(a.and(full, a.c(~0xff00)), a.shl(a.and(v, a.c(0xff)), a.c(8)));
}

/*
 * readPart and writePart on the register file itself, as the interpreter
 * runs them for every register operand: the same formulas specialised by
 * hand, because the number backend of Arith costs measurable time at the
 * bottom of the interpreter's call chain. cpu/registers.test.ts checks they
 * agree. Each is a full-register case and a call for the partial ones:
 * TurboFan inlines a function that small (27 bytes of bytecode) wherever it
 * is called, outside the budget it gives larger ones, which the semantic
 * functions above these had used up (stop 43, bench/README.md).
 */

/** Register r of `size` in the register file. */
export function readRegister(regs: Int32Array, r: number, size: number): number {
  return size === 4 ? regs[r] : readPartialRegister(regs, r, size);
}

function readPartialRegister(regs: Int32Array, r: number, size: number): number {
  if (size === 2) return regs[r] & 0xffff;
  return r < 4 ? regs[r] & 0xff : (regs[r - 4] >> 8) & 0xff;
}

/** Write v to register r of `size` in the register file. */
export function writeRegister(regs: Int32Array, r: number, size: number, v: number): void {
  if (size === 4) regs[r] = v;
  else writePartialRegister(regs, r, size, v);
}

function writePartialRegister(regs: Int32Array, r: number, size: number, v: number): void {
  if (size === 2) regs[r] = (regs[r] & ~0xffff) | (v & 0xffff);
  else if (r < 4) regs[r] = (regs[r] & ~0xff) | (v & 0xff);
  else regs[r - 4] = (regs[r - 4] & ~0xff00) | ((v & 0xff) << 8);
}

/** The stack pointer (an offset in SS) that ESP holds: all of it on a 32-bit stack, SP on a 16-bit one. */
export function stackPointer<V>(a: Arith<V>, esp: V, big: boolean): V {
  return big ? esp : a.and(esp, a.c(0xffff));
}

/** The stack offset `delta` bytes from `sp`, wrapped to the stack's width. */
export function stackMove<V>(a: Arith<V>, sp: V, delta: number, big: boolean): V {
  const moved = delta < 0 ? a.sub(sp, a.c(-delta)) : a.add(sp, a.c(delta));
  return big ? moved : a.trunc(moved, 2);
}

/** ESP once the stack pointer is `sp`: a 16-bit stack replaces only SP. */
export function stackCommit<V>(a: Arith<V>, esp: V, sp: V, big: boolean): V {
  return big ? sp : writePart(a, esp, Reg.ESP, 2, sp);
}
