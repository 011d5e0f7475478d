/**
 * Operand access, written once for every backend of `Ops`.
 *
 * A row names its operands in the manual's notation (isa/operands.ts); this
 * module turns "operand n of this instruction" into the primitive operations
 * every backend has: a register read or write (`reg`/`setReg`, partial
 * registers included), a memory load or store at an effective address
 * (`load`/`store`), a string instruction's element at seg:eSI (X, the
 * segment the decoder chose) or ES:eDI (Y), a segment selector (`sreg`), or
 * a constant the decoder already extracted. It is the table-driven load and write-back of QEMU's
 * newer x86 decoder, done once instead of in each backend: the interpreter
 * (runtime/interp-ops.ts), the code generator (translator/emit/emit-ops.ts)
 * and the effect probe (translator/emit/probe-ops.ts) only route `get`,
 * `set` and `ea` here.
 *
 * The effective address is a formula over `Arith` and the register values,
 * so the interpreter computes it and the translator emits it from the same
 * lines. A backend computes it at most once per instruction (`Ops.ea` caches
 * it): x86 forms the address once, before the instruction changes any
 * register, except that `pop` to memory uses ESP after the pop, which falls
 * out of computing it at its first use.
 *
 * Helpers (`Exec`) use the same functions through the interpreter's Ops they
 * are given, so no helper computes an address or reads a far pointer its own
 * way.
 */
import { NUM, type Arith, type Size } from '../base/arith.ts';
import { Seg, type Instr } from '../isa/instr.ts';
import { K, operandSize, type Operand } from '../isa/operands.ts';
import type { Ops } from './ops.ts';

/**
 * The offset (not linear) of the instruction's memory operand: base + index
 * << scale + displacement, wrapped to the address size. `regs` holds the
 * general registers' full values.
 */
export function effectiveAddress<V>(a: Arith<V>, i: Instr, regs: ArrayLike<V>): V {
  let off: V | undefined;
  if (i.base >= 0) off = regs[i.base];
  if (i.index >= 0) {
    const scaled = i.scale ? a.shl(regs[i.index], a.c(i.scale)) : regs[i.index];
    off = off === undefined ? scaled : a.add(off, scaled);
  }
  if (off === undefined) return a.c(i.adsize === 2 ? i.disp & 0xffff : i.disp | 0);
  if (i.disp) off = a.add(off, a.c(i.disp));
  return a.trunc(off, i.adsize as Size);
}

/**
 * effectiveAddress on numbers, as the interpreter computes it for every
 * memory operand it executes: the same formula specialised by hand, because
 * at the bottom of the interpreter's call chain the number backend of Arith
 * costs measurable time. operands.test.ts checks the two agree.
 */
export function effectiveOffset(i: Instr, regs: Int32Array): number {
  let off = i.disp;
  if (i.base >= 0) off += regs[i.base];
  if (i.index >= 0) off += regs[i.index] << i.scale;
  return i.adsize === 2 ? off & 0xffff : off | 0;
}

/** The general registers (bit r for register r) the effective address reads. */
export function addressRegisters(i: Instr): number {
  return (i.base >= 0 ? 1 << i.base : 0) | (i.index >= 0 ? 1 << i.index : 0);
}

/** `off + delta` wrapped to the instruction's address size: the next part of a multi-part memory operand. */
export function addressPlus<V>(a: Arith<V>, i: Instr, off: V, delta: V): V {
  return addressPlusAt(a, i.adsize, off, delta);
}

/** addressPlus for an address size given as a number (the x87 kernels take decoded numbers, not the instruction). */
export function addressPlusAt<V>(a: Arith<V>, adsize: number, off: V, delta: V): V {
  return a.trunc(a.add(off, delta), adsize as Size);
}

const ESI = 6, EDI = 7;

/**
 * A string instruction's index register (ESI for X, EDI for Y) at its
 * address size: SI and DI with 16-bit addresses.
 */
export function stringIndex<V>(o: Ops<V>, i: Instr, r: number): V {
  return o.reg(r, i.adsize as Size);
}

/**
 * Operand n's value. The forms most instructions use are here and the rest
 * in `readOtherOperand`: V8 inlines a function only below a bytecode size
 * (460 bytes), which the whole switch was over, so the interpreter paid a
 * call for every operand it read.
 */
export function readOperand<V>(o: Ops<V>, i: Instr, n: number): V {
  const op = i.row.operands[n];
  const size = operandSize(op, i.opsize) as Size;
  switch (op.kind) {
    case K.E: return i.mod === 3 ? o.reg(i.rm, size) : o.load(i.seg, o.ea(i, n), size);
    case K.G: return o.reg(i.reg, size);
    case K.I: return immediate(o, i, op, size);
  }
  return readOtherOperand(o, i, n, op, size);
}

/** An immediate operand (I, A: the slot says which of the instruction's immediates), at its size. */
function immediate<V>(o: Ops<V>, i: Instr, op: Operand, size: Size): V {
  return o.c(NUM.trunc(op.slot === 0 ? i.imm : i.imm2, size));
}

/** readOperand's other forms. */
function readOtherOperand<V>(o: Ops<V>, i: Instr, n: number, op: Operand, size: Size): V {
  switch (op.kind) {
    case K.M: case K.O: return o.load(i.seg, o.ea(i, n), size);
    case K.R: return o.reg(i.rm, size);
    case K.Z: return o.reg(i.opcode & 7, size);
    case K.FixedReg: return o.reg(op.fixed, size);
    // a relative target was made absolute (and wrapped) by the decoder: it is not an 8-bit value
    case K.J: return o.c(i.imm);
    case K.A: return immediate(o, i, op, size);
    case K.One: return o.c(1);
    case K.FixedSeg: return o.sreg(op.fixed);
    case K.S: return o.sreg(i.reg);
    case K.X: return o.load(i.seg, stringIndex(o, i, ESI), size);
    case K.Y: return o.load(Seg.ES, stringIndex(o, i, EDI), size);
  }
  throw new Error(`operand ${op.text} cannot be read generically`);
}

/** Write v to operand n (the common forms here, as readOperand). */
export function writeOperand<V>(o: Ops<V>, i: Instr, n: number, v: V): void {
  const op = i.row.operands[n];
  const size = operandSize(op, i.opsize) as Size;
  switch (op.kind) {
    case K.E: if (i.mod === 3) o.setReg(i.rm, size, v); else o.store(i.seg, o.ea(i, n), size, v); return;
    case K.G: o.setReg(i.reg, size, v); return;
  }
  writeOtherOperand(o, i, n, v, op, size);
}

/** writeOperand's other forms. */
function writeOtherOperand<V>(o: Ops<V>, i: Instr, n: number, v: V, op: Operand, size: Size): void {
  switch (op.kind) {
    case K.M: case K.O: o.store(i.seg, o.ea(i, n), size, v); return;
    case K.R: o.setReg(i.rm, size, v); return;
    case K.Z: o.setReg(i.opcode & 7, size, v); return;
    case K.FixedReg: o.setReg(op.fixed, size, v); return;
    case K.Y: o.store(Seg.ES, stringIndex(o, i, EDI), size, v); return;
  }
  throw new Error(`operand ${op.text} cannot be written generically`);
}

/** The far pointer (offset, then a 16-bit selector) of memory operand n. */
export function readFarPointer<V>(o: Ops<V>, i: Instr, n: number): { offset: V; selector: V } {
  const ea = o.ea(i, n);
  const offset = o.load(i.seg, ea, i.opsize as Size);
  return { offset, selector: o.load(i.seg, addressPlus(o, i, ea, o.c(i.opsize)), 2) };
}
