/**
 * The x87 floating-point unit: loads and stores of every memory format,
 * constants, the arithmetic families in all their forms (memory, register,
 * reversed, popping, integer), compares (status-word and EFLAGS forms),
 * fcmovcc, the transcendental helpers, and the control instructions
 * (fninit, fnclex, fldcw/fnstcw, fnstsw, fnstenv/fldenv, fnsave/frstor,
 * ffree, fincstp/fdecstp). Every row is a helper (`exec`) working on
 * `cpu.fpu` (cpu/fpu-state.ts): physical registers R0..R7, TOP, the tag
 * word, control and status words, last-instruction pointers.
 *
 * Kernels. The rows a compiler's code runs most (loads, stores, fxch, the
 * arithmetic, compares, fchs/fabs/fsqrt) are each one call of a kernel: a
 * function of the CPU and plain numbers (`X87Call`: EIP, FOP, the ST index,
 * the memory format, ...), with the memory operand's offset. The row's
 * `exec` makes that call with numbers decoded from the instruction;
 * translated code makes the same call with them as literals and the offset
 * computed from registers it holds in locals (translator/emit/instr.ts), so
 * an x87 instruction costs one direct call there, not the interpreter's
 * dispatch. A kernel opens with its common case (`commonCase`: unit
 * present, nothing pending, round to nearest with PE masked, operands
 * present; for the arithmetic, a finite nonzero result) written out
 * directly, and leaves everything else to the general code after it;
 * fpu.test.ts holds the common case to the general one. Once PE is set (it
 * is sticky), an arithmetic result in the common case leaves C1 (whether it
 * was rounded up, which needs an error-free transform to tell) to be worked
 * out when something reads the status word: `Fpu.c1Op` (cpu/fpu-state.ts),
 * `settleC1` (fpu-arith.ts). Whatever writes C1 drops the waiting one.
 *
 * Where JS doubles differ from the 80-bit format. Registers hold IEEE
 * doubles, so:
 *  - precision is always 53 bits, whatever the control word's PC field says
 *    (PC is stored and reported, never applied); gcc code that keeps
 *    temporaries in registers gets double-rounded results in the last bit
 *    where the hardware would carry 64;
 *  - the exponent range is the double one: results beyond ~1.8e308 overflow
 *    to infinity (OE) and below ~4.9e-324 flush to zero, where extended
 *    precision would still hold them; a double denormal is a normal number
 *    in extended format (tag valid, fxam "normal"), and UE is only raised
 *    when narrowing to float32;
 *  - fld m80 rounds a 64-bit significand to 53 bits (fstp m80 is exact), and
 *    fild m64 rounds integers beyond 2^53; NaN payloads keep their top 51
 *    bits only;
 *  - arithmetic honours RC (directed modes are corrected from the host's
 *    round-to-nearest result by error-free transforms), sets PE when inexact
 *    and C1 when rounded up, for + - * / and fsqrt; the transcendental
 *    instructions use Math.* (not the hardware's 66-bit pi reduction, PE not
 *    reported);
 *  - fprem/fprem1 always complete the reduction in one step (C2 = 0), where
 *    the hardware does partial reductions when the exponents differ by 64 or
 *    more; the remainder and quotient bits are exact.
 *
 * Exceptions: all six are detected as described above; masked ones get the
 * IEEE masked response exactly (QNaN indefinite, integer indefinite, signed
 * infinity on divide-by-zero). For an unmasked IE or ZE (stack faults
 * included) the destination and TOP are left unchanged and ES/B are set; the
 * next waiting x87 instruction then raises #MF when CR0.NE is set (see
 * `fpuPending`, which fwait also calls); fninit, fnclex, fnstcw, fnstsw,
 * fnstenv and fnsave do not wait. An unmasked OE/UE on a store to memory
 * writes nothing, as the hardware does. Missing for unmasked exceptions:
 * OE/UE with a register destination do not deliver the exponent-biased
 * result (the masked result is stored), and with CR0.NE clear no
 * FERR#/IRQ 13 is signalled: the instruction proceeds as if IGNNE# were
 * asserted.
 *
 * The rows live with their concern: fpu-stack.ts (register stack, status
 * word, exceptions, what every instruction does first), fpu-memory.ts (loads,
 * stores and conversions), fpu-arith.ts (arithmetic and compares),
 * fpu-functions.ts (one-operand and transcendental instructions),
 * fpu-control.ts (control word, environment, save and restore), and
 * fpu-float80.ts (the 80-bit format and directed rounding). This file puts
 * the family together.
 */
import type { RowSpec } from '../../isa/table.ts';
import { x87Arg, type Exec, type X87Call, type X87Kernel } from '../ops.ts';
import { fopOf } from './fpu-stack.ts';
import { ARITH } from '../../isa/eflags.ts';
import { loadStoreRows, x87Exchange, x87Load, x87LoadConst, x87LoadReg, x87Store, x87StoreReg } from './fpu-memory.ts';
import { arithRows, compareRows, x87Arith, x87ArithReg, x87Compare, x87CompareReg } from './fpu-arith.ts';
import { functionRows, x87Unary } from './fpu-functions.ts';
import { controlRows } from './fpu-control.ts';

/**
 * The kernels rows name in their `x87` field, by name: the interpreter calls
 * them through the rows' `exec`, generated code as `h.<name>` (the names are
 * members of the translator's host object).
 */
export const X87_KERNELS = {
  x87Load, x87LoadReg, x87Store, x87StoreReg, x87LoadConst, x87Exchange,
  x87Arith, x87ArithReg, x87Compare, x87CompareReg, x87Unary,
} as const;

export type X87KernelName = keyof typeof X87_KERNELS;

/** The kernel a row's call names (the row table is built at load, so a misspelt name stops the program there). */
function kernelOf(call: X87Call): X87Kernel {
  const kernel = (X87_KERNELS as Readonly<Record<string, X87Kernel>>)[call.kernel];
  if (!kernel) throw new Error(`x87 kernel ${call.kernel} is not in X87_KERNELS`);
  return kernel;
}

/** A kernel row's interpreter form: the kernel called with the decoded numbers and the operand's offset. */
function kernelExec(call: X87Call): Exec {
  const kernel = kernelOf(call);
  if (call.args.length > 4) throw new Error(`x87 kernel ${call.kernel}: more than 4 arguments`);
  const [a0 = 0, a1 = 0, a2 = 0, a3 = 0] = call.args;
  const memory = call.memory;
  if (call.flagsOut) {
    return (cpu, i, o) => {
      const v = kernel(cpu, memory ? o.ea(i, 0) : 0, i.eip, fopOf(i), x87Arg(i, a0), x87Arg(i, a1), x87Arg(i, a2), x87Arg(i, a3)) as number;
      if (v >= 0) cpu.setFlagBits(ARITH, v);
    };
  }
  return (cpu, i, o) =>
    kernel(cpu, memory ? o.ea(i, 0) : 0, i.eip, fopOf(i), x87Arg(i, a0), x87Arg(i, a1), x87Arg(i, a2), x87Arg(i, a3));
}

const specs: RowSpec[] = [...loadStoreRows, ...arithRows(), ...functionRows, ...compareRows, ...controlRows];

/**
 * Every row is an x87 helper. Flag effects: only fcomi-family writes EFLAGS
 * and fcmovcc reads it; the rest neither read nor write them. Rows that can
 * raise #MF (any waiting instruction) are marked as faulting.
 */
const NON_WAITING = new Set(['fninit', 'fnclex', 'fnstcw', 'fnstsw', 'fnstenv', 'fnsave']);

export const rows: RowSpec[] = specs.map((r) => ({
  fin: 0,
  ...r,
  ...(r.x87 ? { exec: kernelExec(r.x87) } : {}),
  fpu: true,
  fault: !NON_WAITING.has(r.mn),
}));
