/**
 * The operations interface that instruction semantics are written against.
 *
 * Each instruction's behaviour is described once, as a function
 * `(o: Ops<V>, i: Instr) => void`. The function never touches CPU state
 * directly; it asks `o` for values and effects. Three backends implement `Ops`:
 *
 * - the interpreter's (runtime/interp-ops.ts), where `V` is `number` and every
 *   call happens immediately on the live CPU;
 * - the translator's (translator/emit/emit-ops.ts), where `V` is a generated-code
 *   expression and every call appends JavaScript to the block being generated;
 * - the translator's probe (translator/emit/probe-ops.ts), which only records
 *   what an instruction may do (load, store, raise, write flags).
 *
 * What is the same in all three is written once, not per backend: the
 * arithmetic is `Arith` (base/arith.ts, which `Ops` extends), and operand
 * access, `get`/`set`/`ea`, is semantics/operands.ts.
 *
 * Because the decoded `Instr` is an ordinary value, everything that depends
 * only on it (operand size, immediates, which register) is resolved while the
 * semantic function runs: the interpreter pays for it on every execution, the
 * translator only once. Only register and memory contents flow through `V`.
 *
 * Rules a semantic function follows so that faults are precise in both
 * engines: do every access that may fault (loads, stores, pushes) before the
 * first write of a register or the flags; `push`/`pop` commit ESP themselves
 * after their memory access succeeded. Control flow inside a semantic
 * function goes through `if_` and `select`, never through a JS `if` on a `V`.
 *
 * Instructions whose behaviour is long or rare (system instructions, x87,
 * string loops, BCD) are not written against `Ops` but as helpers on the CPU
 * (`Exec` below); the translator calls those from generated code. The x87
 * rows compilers use most are one call each of a kernel on plain numbers
 * (`X87Call` below): the translator makes that call directly.
 */
import type { Instr } from '../isa/instr.ts';
import type { Cpu } from '../cpu/cpu.ts';
import type { Arith, Size } from '../base/arith.ts';
import type { FlagKind } from '../cpu/flags.ts';

/**
 * The arithmetic (`Arith`: constants, 32-bit integer operations, comparisons
 * giving 0/1, truncation and sign extension, select) and everything an
 * instruction does to the machine.
 */
export interface Ops<V> extends Arith<V> {
  // operands of the current instruction, by position in its row; every
  // backend routes these to semantics/operands.ts
  get(i: Instr, n: number): V;
  set(i: Instr, n: number, v: V): void;
  /** the effective address (offset, not linear) of the memory operand, computed once per instruction */
  ea(i: Instr, n: number): V;

  /** general register r at `size` (at size 1, 4..7 are AH CH DH BH) */
  reg(r: number, size: Size): V;
  setReg(r: number, size: Size, v: V): void;
  /** the selector in segment register s */
  sreg(s: number): V;
  load(seg: number, off: V, size: Size): V;
  store(seg: number, off: V, size: Size, v: V): void;
  /** the stack's address size (SS.B): 4 uses ESP, 2 uses SP */
  readonly stackBytes: 2 | 4;
  /** push onto SS:eSP using the stack's address size */
  push(v: V, size: Size): void;
  pop(size: Size): V;

  /** Record a lazy flag result; `lop` from flags.makeLop, `mask` the flags it sets. */
  setFlags(lop: V, res: V, a: V, b: V, mask: number): void;
  /**
   * The `lop` of an add or subtract with carry-in `cf` (0/1): the kind's
   * own, or with a carry the kind after it (cpu/flags.ts ADC, SBB). The
   * translator remembers that such a record's kind hangs on `cf` alone, so
   * a jcc after adc or sbb still reads the operands' formula.
   */
  carryLop(kind: FlagKind.ADD | FlagKind.SUB, size: Size, cf: V): V;
  /** one flag as 0/1 */
  flag(f: number): V;
  /** set one flag eagerly to a 0/1 value */
  setFlag(f: number, v: V): void;
  /**
   * May any flag in `mask` this instruction writes be read before it is
   * written again (or seen at a fault)? The interpreter always says yes; the
   * translator answers from its flag liveness, so a description can skip
   * computing a flag value nobody reads where that costs a helper call the
   * generated code could not drop (imul's overflow). Translation-time only.
   */
  flagsRead(mask: number): boolean;
  /** the flags in `mask` as EFLAGS holds them, in place (arithmetic ones computed where they are lazy: pushf's image) */
  flagBits(mask: number): V;
  /** the flags in `mask` set eagerly from the same bits of `v` (iret's copy of its image) */
  setFlagBits(mask: number, v: V): void;
  /** condition code 0..15 as 0/1 */
  cond(cc: number): V;

  /** continue at this EIP (masked to 16 bits when `opsize` is 2) */
  jump(target: V, opsize: number): void;
  if_(c: V, then: () => void, otherwise?: () => void): void;
  /**
   * Call a named pure helper (semantics/helpers.ts) with these values. Helpers
   * compute values; they must not change general registers or flags, which the
   * translator keeps in JS locals (one, `keptDataSegment`, loads a segment
   * register: a row's common case).
   */
  helper(name: string, ...args: V[]): V;
  /** guest instructions retired before the current one: what a helper that reads the clock is given (rdtsc) */
  retired(): V;
  /** raise exception `vector` (with an error code if given) */
  raise(vector: number, code?: number): void;
}

/** A semantic function, generic over the backend. */
export type Sem = <V>(o: Ops<V>, i: Instr) => void;

/**
 * A helper row's common case, written against `Ops`: where it applies it
 * does the whole instruction; where it does not, it calls `rest()` having
 * changed nothing, and `rest` runs the instruction's long form. The row's
 * `exec` is this function with the long form as `rest`, so the interpreter
 * runs the one description, and the translator emits the common case in
 * place with a call of the helper as `rest` (iret's return within a ring).
 */
export type CommonCase = <V>(o: Ops<V>, i: Instr, rest: () => void) => void;

/**
 * A helper row with a common case: its `exec` is the common case with the
 * long form as `rest`, and `long` is the long form alone, which translated
 * code calls where its own copy of the common case did not apply (so the
 * test does not run twice).
 */
export function withCommonCase(common: CommonCase, long: Exec): { exec: Exec; common: CommonCase; long: Exec } {
  return { exec: (cpu, i, o) => common(o, i, () => long(cpu, i, o)), common, long };
}

/**
 * A helper's behaviour, written directly against the CPU. `o` is the
 * interpreter's operations on the same CPU, for the operand accesses a
 * helper shares with semantic functions (effective address, get, set).
 */
export type Exec = (cpu: Cpu, i: Instr, o: Ops<number>) => void;

/**
 * An x87 kernel: one x87 instruction's whole behaviour as a function of the
 * CPU and plain numbers. `off` is the memory operand's offset (0 for a
 * register form); the rest (`args` of its row's `X87Call`) are decoded from
 * the instruction: its EIP and FOP first, then what the kernel names.
 */
export type X87Kernel = (cpu: Cpu, off: number, ...args: number[]) => number | void;

/**
 * A row whose behaviour is one call of a kernel (semantics/families/fpu.ts
 * `X87_KERNELS`). The interpreter's `exec` makes that call; the translator
 * makes the same call with the numbers as literals and the offset computed
 * in place, so neither the call nor the kernel is written twice.
 */
export interface X87Call {
  /** the kernel's name in X87_KERNELS */
  kernel: string;
  /**
   * The kernel's arguments after `off`, EIP and FOP (at most 4): numbers, or
   * FROM_RM, FROM_SEG, FROM_ADSIZE for that field of the decoded instruction
   * (declared, not computed, so the interpreter makes the call without
   * building an argument list)
   */
  args: readonly number[];
  /** the kernel reads or writes the memory operand at `off` */
  memory: boolean;
  /** it writes memory (it may have hit translated code) */
  stores: boolean;
  /**
   * The kernel returns the arithmetic flags (EFLAGS bits) the instruction
   * sets, or -1 when it sets none; the caller sets them (fcomi). Kernels
   * leave EFLAGS alone, so translated code keeps its flags in locals.
   */
  flagsOut: boolean;
}

/** X87Call.args: the instruction's ModRM r/m field, its operand's segment, its address size. */
export const FROM_RM = -1, FROM_SEG = -2, FROM_ADSIZE = -3;

/** One argument of an X87Call for instruction `i`. */
export function x87Arg(i: Instr, a: number): number {
  return a >= 0 ? a : a === FROM_RM ? i.rm : a === FROM_SEG ? i.seg : i.adsize;
}

declare module '../isa/table.ts' {
  /** The behaviour half of a row (isa/table.ts declares it empty). */
  interface RowBehaviour {
    /** semantics against Ops, inlined by the translator */
    sem?: Sem;
    /** helper semantics, run in interpreter form by both engines */
    exec?: Exec;
    /** a helper row's common case against Ops, which its `exec` runs too; the translator emits it in place */
    common?: CommonCase;
    /** the long form of a row with a common case, without the case's test (withCommonCase) */
    long?: Exec;
    /** an x87 row's behaviour as a kernel call (its `exec` makes the same call) */
    x87?: X87Call;
  }
}
