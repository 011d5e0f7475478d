/**
 * 32-bit integer arithmetic, generic over what a value is.
 *
 * Formulas both engines need are written once against `Arith<V>`: how each
 * arithmetic flag follows from the lazy record (cpu/flags.ts), the TLB's
 * fast-path test (cpu/tlb.ts), partial registers and the stack pointer's
 * width (cpu/registers.ts), effective addresses (semantics/operands.ts).
 * Evaluated with `V = number` (`NUM` below) a formula computes its value;
 * evaluated by the translator with `V` = a generated-code expression
 * (translator/emit/expr-arith.ts) the same code builds the JavaScript that
 * computes it. The instruction semantics' `Ops<V>` (semantics/ops.ts)
 * extends this interface with state and effects.
 *
 * Conventions, shared by every backend: a 32-bit value is an int32; an 8- or
 * 16-bit value is zero-extended and non-negative. Results wrap to int32 as JS
 * bitwise operators do. Comparisons and tests give 0 or 1, never a boolean,
 * so their results compose with the other operations.
 */

/** Operand and access sizes in bytes. */
export type Size = 1 | 2 | 4;

export interface Arith<V> {
  /** a constant */
  c(n: number): V;
  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  and(a: V, b: V): V;
  or(a: V, b: V): V;
  xor(a: V, b: V): V;
  not(a: V): V;
  /** shifts take the count modulo 32, as JS and the x86 barrel shifter do */
  shl(a: V, n: V): V;
  shr(a: V, n: V): V;
  sar(a: V, n: V): V;
  /** low 32 bits of the product */
  mul(a: V, b: V): V;
  /** comparisons give 0 or 1; `u` compares as unsigned 32-bit, `s` as signed */
  eq(a: V, b: V): V;
  ne(a: V, b: V): V;
  ltu(a: V, b: V): V;
  lts(a: V, b: V): V;
  leu(a: V, b: V): V;
  les(a: V, b: V): V;
  /** zero-extend the low `size` bytes (4: canonical int32) */
  trunc(v: V, size: Size): V;
  /** sign-extend the low `size` bytes to int32 */
  sext(v: V, size: Size): V;
  /** `c ? a : b` */
  select(c: V, a: V, b: V): V;
}

/** The number backend: each operation computes its value at once. The interpreter's Ops extends it. */
export class NumArith implements Arith<number> {
  c(n: number): number { return n; }
  add(a: number, b: number): number { return (a + b) | 0; }
  sub(a: number, b: number): number { return (a - b) | 0; }
  and(a: number, b: number): number { return a & b; }
  or(a: number, b: number): number { return a | b; }
  xor(a: number, b: number): number { return a ^ b; }
  not(a: number): number { return ~a; }
  shl(a: number, n: number): number { return a << n; }
  shr(a: number, n: number): number { return (a >>> n) | 0; }
  sar(a: number, n: number): number { return a >> n; }
  mul(a: number, b: number): number { return Math.imul(a, b); }
  eq(a: number, b: number): number { return a === b ? 1 : 0; }
  ne(a: number, b: number): number { return a !== b ? 1 : 0; }
  ltu(a: number, b: number): number { return a >>> 0 < b >>> 0 ? 1 : 0; }
  lts(a: number, b: number): number { return (a | 0) < (b | 0) ? 1 : 0; }
  leu(a: number, b: number): number { return a >>> 0 <= b >>> 0 ? 1 : 0; }
  les(a: number, b: number): number { return (a | 0) <= (b | 0) ? 1 : 0; }
  trunc(v: number, size: Size): number { return size === 4 ? v | 0 : size === 2 ? v & 0xffff : v & 0xff; }
  sext(v: number, size: Size): number { return size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24; }
  select(c: number, a: number, b: number): number { return c ? a : b; }
}

/** The one number backend the cpu/ formulas are evaluated with. */
export const NUM = new NumArith();

/**
 * The high 32 bits of a whole non-negative count below 2^53 (a cycle count
 * held as a number), as an int32; its low 32 bits are `v | 0` (ToInt32
 * keeps them). How EDX:EAX is filled from a clock without BigInt.
 */
export function high32(v: number): number {
  return (v / 4294967296) | 0;
}
