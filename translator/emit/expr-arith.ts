/**
 * The expression backend of `Arith` (base/arith.ts): each operation returns
 * the JavaScript expression that computes it and emits nothing. A formula
 * written once against `Arith` (a flag, a condition, the TLB test, a partial
 * register, an effective address) comes out of it as one expression, which
 * the emitter (emit-ops.ts) binds to a temporary or puts in a test.
 *
 * It folds constants and applies a few identities, so that a formula
 * specialised on what the translator knows reads like code written by hand:
 * - bitwise operators convert their operands to int32 themselves, so a
 *   `| 0` directly under one is dropped;
 * - a shift by a constant 0 is the int32 conversion it implies, and an
 *   unsigned shift by a constant 1..31 needs none;
 * - a wrapped sum grows without re-wrapping: `(a + b | 0) + c | 0` is
 *   `a + b + c | 0` (exact while the terms are 32-bit, far below 2^53);
 * - a comparison's 0/1 value is `t ? 1 : 0`; negating, and-ing, or-ing or
 *   xor-ing such values, or selecting on one, works on the tests `t`
 *   themselves, and a constant 0 or 1 combined with a 0/1 value folds away.
 * Every identity holds for the integer values generated code computes with;
 * expr-arith.test.ts checks the backend against the number one.
 */
import type { Arith, Size } from '../../base/arith.ts';
import { bin, call, cond, id, litValue, logical, member, num, unary, type Binary, type BinaryOperator, type Expr } from './ast.ts';
import { GLOBALS } from './abi.ts';

const INT32_OPERATORS = new Set<string>(['|', '&', '^', '<<', '>>']);

/** Does e already evaluate to an int32 (a bitwise operator's result, an int32 literal, a choice of those)? */
export function isInt32Expr(e: Expr): boolean {
  const v = litValue(e);
  if (v !== undefined) return v === (v | 0);
  if (e.type === 'BinaryExpression') return INT32_OPERATORS.has(e.operator) || isSmallUnsignedShift(e);
  if (e.type === 'ConditionalExpression') return isInt32Expr(e.consequent) && isInt32Expr(e.alternate);
  return e.type === 'UnaryExpression' && e.operator === '~';
}

/** `x >>> n` with a constant n of 1..31 is below 2^31, so already an int32. */
function isSmallUnsignedShift(e: Binary): boolean {
  const n = litValue(e.right);
  return e.operator === '>>>' && n !== undefined && (n & 31) !== 0;
}

/** The test t of a 0/1 value written `t ? 1 : 0`, else undefined. */
function testOfBool(e: Expr): Expr | undefined {
  if (e.type === 'ConditionalExpression' && litValue(e.consequent) === 1 && litValue(e.alternate) === 0) return e.test;
  return undefined;
}

/** Is e known to be 0 or 1 (a comparison's value, a literal 0/1, or `x & 1`)? */
function isZeroOne(e: Expr): boolean {
  const v = litValue(e);
  if (v !== undefined) return v === 0 || v === 1;
  if (testOfBool(e)) return true;
  return e.type === 'BinaryExpression' && e.operator === '&' && litValue(e.right) === 1;
}

/** A boolean that holds when the 0/1 value e is 1. */
function truth(e: Expr): Expr {
  return testOfBool(e) ?? bin('!==', e, num(0));
}

/**
 * What to put in a test (`if`, `?:`, `&&`, `||`) that holds when the 0/1
 * value e is 1: there any nonzero number counts as true, so `v !== 0` is
 * just `v`.
 */
export function testFor(e: Expr): Expr {
  const t = truth(e);
  if (t.type !== 'BinaryExpression' || litValue(t.right) !== 0) return t;
  // and `v === 0` is `!v`
  return t.operator === '!==' ? t.left : t.operator === '===' ? unary('!', t.left) : t;
}

function bool(test: Expr): Expr {
  return cond(test, num(1), num(0));
}

const OPPOSITE: Partial<Record<BinaryOperator, BinaryOperator>> = {
  '===': '!==', '!==': '===', '<': '>=', '>=': '<', '>': '<=', '<=': '>',
};

function negate(test: Expr): Expr {
  if (test.type === 'UnaryExpression' && test.operator === '!') return test.argument;
  if (test.type === 'LogicalExpression') {
    return logical(test.operator === '&&' ? '||' : '&&', negate(test.left), negate(test.right));
  }
  const opposite = test.type === 'BinaryExpression' ? OPPOSITE[test.operator] : undefined;
  // (generated code compares numbers, never NaN: `!(a <= b)` is `a > b`)
  if (opposite) return bin(opposite, (test as Binary).left, (test as Binary).right);
  return unary('!', test);
}

/** e without a `| 0` on top (for an operand of a bitwise operator, which converts to int32 anyway). */
function unwrapped(e: Expr): Expr {
  return e.type === 'BinaryExpression' && e.operator === '|' && litValue(e.right) === 0 ? e.left : e;
}

/** e as an int32: itself when it is one already, else `e | 0`. */
function int32(e: Expr): Expr {
  return isInt32Expr(e) ? e : bin('|', e, num(0));
}

/** A wrapped sum or difference keeps growing inside its one `| 0`. */
function sumOperand(e: Expr): Expr {
  const inner = unwrapped(e);
  return inner !== e && inner.type === 'BinaryExpression' && (inner.operator === '+' || inner.operator === '-') ? inner : e;
}

function fold(a: Expr, b: Expr, f: (x: number, y: number) => number): Expr | undefined {
  const x = litValue(a), y = litValue(b);
  return x !== undefined && y !== undefined ? num(f(x, y)) : undefined;
}

/** and/or/xor of two 0/1 values, on their tests (`a || b ? 1 : 0`), when either is a comparison. */
function logicOfBools(op: '&' | '|' | '^', a: Expr, b: Expr): Expr | undefined {
  if (!isZeroOne(a) || !isZeroOne(b) || (!testOfBool(a) && !testOfBool(b))) return undefined;
  if (op === '^') return bool(bin('!==', truth(a), truth(b)));
  return bool(logical(op === '&' ? '&&' : '||', testFor(a), testFor(b)));
}

export class ExprArith implements Arith<Expr> {
  c(n: number): Expr { return num(n); }

  add(a: Expr, b: Expr): Expr {
    if (litValue(b) === 0) return bin('|', a, num(0));
    return fold(a, b, (x, y) => (x + y) | 0) ?? bin('|', bin('+', sumOperand(a), b), num(0));
  }

  sub(a: Expr, b: Expr): Expr {
    return fold(a, b, (x, y) => (x - y) | 0) ?? bin('|', bin('-', sumOperand(a), b), num(0));
  }

  and(a: Expr, b: Expr): Expr {
    const folded = fold(a, b, (x, y) => x & y);
    if (folded) return folded;
    if (litValue(b) === 1 && isZeroOne(a)) return a;
    if (litValue(b) === 0 && isZeroOne(a)) return num(0);
    return logicOfBools('&', a, b) ?? bin('&', unwrapped(a), unwrapped(b));
  }

  or(a: Expr, b: Expr): Expr {
    const folded = fold(a, b, (x, y) => x | y);
    if (folded) return folded;
    if (litValue(a) === 0 && isZeroOne(b)) return b;
    if (litValue(b) === 0 && isZeroOne(a)) return a;
    return logicOfBools('|', a, b) ?? bin('|', unwrapped(a), unwrapped(b));
  }

  xor(a: Expr, b: Expr): Expr {
    const folded = fold(a, b, (x, y) => x ^ y);
    if (folded) return folded;
    if (litValue(a) === 0 && isZeroOne(b)) return b;
    if (litValue(b) === 0 && isZeroOne(a)) return a;
    const t = testOfBool(a);
    if (t && litValue(b) === 1) return bool(negate(t));
    return logicOfBools('^', a, b) ?? bin('^', unwrapped(a), unwrapped(b));
  }

  not(a: Expr): Expr {
    const x = litValue(a);
    return x !== undefined ? num(~x) : unary('~', unwrapped(a));
  }

  shl(a: Expr, n: Expr): Expr {
    if (litValue(n) === 0) return int32(a);
    return fold(a, n, (x, y) => x << y) ?? bin('<<', unwrapped(a), n);
  }

  shr(a: Expr, n: Expr): Expr {
    const k = litValue(n);
    if (k === 0) return int32(a);
    const shifted = fold(a, n, (x, y) => (x >>> y) | 0) ?? bin('>>>', unwrapped(a), n);
    // by a constant 1..31 the result is already an int32
    return k !== undefined && (k & 31) !== 0 ? shifted : int32(shifted);
  }

  sar(a: Expr, n: Expr): Expr {
    if (litValue(n) === 0) return int32(a);
    return fold(a, n, (x, y) => x >> y) ?? bin('>>', unwrapped(a), n);
  }
  mul(a: Expr, b: Expr): Expr { return fold(a, b, Math.imul) ?? call(member(id(GLOBALS.math), 'imul'), [a, b]); }

  eq(a: Expr, b: Expr): Expr {
    const folded = fold(a, b, (x, y) => (x === y ? 1 : 0));
    if (folded) return folded;
    const t = testOfBool(a);
    if (t && litValue(b) === 0) return bool(negate(t));
    return bool(bin('===', a, b));
  }

  ne(a: Expr, b: Expr): Expr {
    const folded = fold(a, b, (x, y) => (x !== y ? 1 : 0));
    if (folded) return folded;
    if (testOfBool(a) && litValue(b) === 0) return a;
    return bool(bin('!==', a, b));
  }

  ltu(a: Expr, b: Expr): Expr { return this.compare('<', a, b, false); }
  lts(a: Expr, b: Expr): Expr { return this.compare('<', a, b, true); }
  leu(a: Expr, b: Expr): Expr { return this.compare('<=', a, b, false); }
  les(a: Expr, b: Expr): Expr { return this.compare('<=', a, b, true); }

  private compare(op: '<' | '<=', a: Expr, b: Expr, signed: boolean): Expr {
    const as = (e: Expr) => {
      const x = litValue(e);
      if (x !== undefined) return num(signed ? x | 0 : x >>> 0);
      return signed ? int32(e) : bin('>>>', unwrapped(e), num(0));
    };
    const folded = fold(a, b, (x, y) => {
      const l = signed ? x | 0 : x >>> 0, r = signed ? y | 0 : y >>> 0;
      return (op === '<' ? l < r : l <= r) ? 1 : 0;
    });
    return folded ?? bool(bin(op, as(a), as(b)));
  }

  trunc(v: Expr, size: Size): Expr {
    const x = litValue(v);
    if (x !== undefined) return num(size === 4 ? x | 0 : size === 2 ? x & 0xffff : x & 0xff);
    if (size === 4) return int32(v);
    return bin('&', unwrapped(v), num(size === 2 ? 0xffff : 0xff));
  }

  sext(v: Expr, size: Size): Expr {
    const x = litValue(v);
    if (x !== undefined) return num(size === 4 ? x | 0 : size === 2 ? (x << 16) >> 16 : (x << 24) >> 24);
    if (size === 4) return int32(v);
    const shift = num(size === 2 ? 16 : 24);
    return bin('>>', bin('<<', unwrapped(v), shift), shift);
  }

  select(c: Expr, a: Expr, b: Expr): Expr {
    const x = litValue(c);
    if (x !== undefined) return x ? a : b;
    return cond(isZeroOne(c) ? testFor(c) : c, a, b);
  }
}

/** The one expression backend (it holds no state). */
export const X = new ExprArith();

