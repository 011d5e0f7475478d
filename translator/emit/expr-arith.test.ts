import { describe, expect, it } from 'vitest';
import { NUM, type Arith, type Size } from '../../base/arith.ts';
import { X } from './expr-arith.ts';
import { id, num, type Expr } from './ast.ts';
import { FlagKind, computeLazy, conditionOf, flagOf, makeLop } from '../../cpu/flags.ts';
import { AF, ARITH, CC_NAMES, CF, OF, PF, SF, ZF, testCC } from '../../isa/eflags.ts';
import { Rng } from '../../spec-tests/fuzz/generate.ts';

/** Compile an expression over the identifiers res, x, y into a function. */
function compile(e: Expr): (res: number, x: number, y: number) => number {
  return new Function('res', 'x', 'y', `return ${e.code};`) as (res: number, x: number, y: number) => number;
}

const SIZES: Size[] = [1, 2, 4];
const KINDS: [string, FlagKind][] = [
  ['add', FlagKind.ADD], ['adc', FlagKind.ADC], ['sub', FlagKind.SUB], ['sbb', FlagKind.SBB],
  ['logic', FlagKind.LOGIC], ['shl', FlagKind.SHL], ['shr', FlagKind.SHR], ['sar', FlagKind.SAR],
];
const FLAGS: [string, number][] = [['CF', CF], ['PF', PF], ['AF', AF], ['ZF', ZF], ['SF', SF], ['OF', OF]];

/** A value of `size` bytes in the engine's convention, biased towards the edges where flags change. */
function operand(rng: Rng, size: Size): number {
  const edges = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
  const v = rng.chance(0.3) ? rng.pick(edges) : rng.u32();
  return NUM.trunc(v, size);
}

/** The record an operation of this kind and size leaves: (res, x, y) as the semantics would pass them. */
function record(rng: Rng, kind: FlagKind, size: Size): [number, number, number] {
  const x = operand(rng, size);
  if (kind >= FlagKind.SHL) {
    const n = 1 + rng.int(31);
    const r = kind === FlagKind.SHL ? x << n : kind === FlagKind.SHR ? x >>> n : NUM.sext(x, size) >> n;
    return [NUM.trunc(r, size), x, n];
  }
  if (kind === FlagKind.LOGIC) return [x, x, 0];
  const y = operand(rng, size);
  const r = [x + y, x + y + 1, x - y, x - y - 1][kind];
  return [NUM.trunc(r, size), x, y];
}

describe('flag formulas, specialised into expressions', () => {
  const rng = new Rng(20240601);
  const symbols = [id('res'), id('x'), id('y')] as const;

  for (const [kindName, kind] of KINDS) {
    for (const size of SIZES) {
      const lop = makeLop(kind, size);
      it(`${kindName} ${size * 8}-bit: every flag agrees with lazy evaluation`, () => {
        for (const [flagName, f] of FLAGS) {
          const specialised = compile(flagOf(X, f, lop, ...symbols));
          for (let k = 0; k < 400; k++) {
            const [res, x, y] = record(rng, kind, size);
            const lazy = computeLazy(f, lop, res, x, y) ? 1 : 0;
            // the translator knows constant operands (shift counts, immediates) and folds them in
            const withLiteral = compile(flagOf(X, f, lop, id('res'), id('x'), num(y)));
            const what = `${flagName} of ${kindName}${size * 8} res=${res} x=${x} y=${y}`;
            expect(specialised(res, x, y), what).toBe(lazy);
            expect(withLiteral(res, x, y), what).toBe(lazy);
            expect(flagOf(NUM, f, lop, res, x, y), what).toBe(lazy);
          }
        }
      });

      it(`${kindName} ${size * 8}-bit: every condition agrees with testing the lazily computed EFLAGS`, () => {
        for (let cc = 0; cc < 16; cc++) {
          const specialised = compile(conditionOf(X, cc, lop, ...symbols));
          for (let k = 0; k < 200; k++) {
            const [res, x, y] = record(rng, kind, size);
            const want = testCC(cc, computeLazy(ARITH, lop, res, x, y)) ? 1 : 0;
            const what = `j${CC_NAMES[cc]} after ${kindName}${size * 8} res=${res} x=${x} y=${y}`;
            expect(specialised(res, x, y), what).toBe(want);
            expect(conditionOf(NUM, cc, lop, res, x, y), what).toBe(want);
          }
        }
      });
    }
  }
});

describe('conditions', () => {
  it('test the flags the manual says, for all 32 combinations of OF CF ZF SF PF', () => {
    const reference: ((f: number) => boolean)[] = [
      (f) => (f & OF) !== 0, (f) => (f & CF) !== 0, (f) => (f & ZF) !== 0, (f) => (f & (CF | ZF)) !== 0,
      (f) => (f & SF) !== 0, (f) => (f & PF) !== 0, (f) => !(f & SF) !== !(f & OF), (f) => (f & ZF) !== 0 || !(f & SF) !== !(f & OF),
    ];
    for (let bits = 0; bits < 32; bits++) {
      const f = (bits & 1 ? OF : 0) | (bits & 2 ? CF : 0) | (bits & 4 ? ZF : 0) | (bits & 8 ? SF : 0) | (bits & 16 ? PF : 0);
      for (let cc = 0; cc < 16; cc++) expect(testCC(cc, f), `${CC_NAMES[cc]} on ${f.toString(16)}`).toBe(reference[cc >> 1](f) !== ((cc & 1) === 1));
    }
  });
});

describe('the expression backend', () => {
  type Op = (a: Arith<unknown>, vals: unknown[]) => unknown;
  /** Operations that build on earlier values, the way formulas nest (comparisons feeding logic, sums feeding masks). */
  const OPS: [string, Op][] = [
    ['add', (a, v) => a.add(v[0], v[1])], ['sub', (a, v) => a.sub(v[0], v[1])],
    ['and', (a, v) => a.and(v[0], v[1])], ['or', (a, v) => a.or(v[0], v[1])], ['xor', (a, v) => a.xor(v[0], v[1])],
    ['not', (a, v) => a.not(v[0])], ['shl', (a, v) => a.shl(v[0], a.and(v[1], a.c(31)))],
    ['shr', (a, v) => a.shr(v[0], a.and(v[1], a.c(31)))], ['sar', (a, v) => a.sar(v[0], a.and(v[1], a.c(31)))],
    ['mul', (a, v) => a.mul(v[0], v[1])], ['eq', (a, v) => a.eq(v[0], v[1])], ['ne', (a, v) => a.ne(v[0], v[1])],
    ['ltu', (a, v) => a.ltu(v[0], v[1])], ['lts', (a, v) => a.lts(v[0], v[1])],
    ['leu', (a, v) => a.leu(v[0], v[1])], ['les', (a, v) => a.les(v[0], v[1])],
    ['trunc', (a, v) => a.trunc(v[0], 2)], ['sext', (a, v) => a.sext(v[0], 1)], ['trunc4', (a, v) => a.trunc(v[0], 4)],
    ['select', (a, v) => a.select(v[0], v[1], v[2])],
    ['and1', (a, v) => a.and(v[0], a.c(1))], ['xor1', (a, v) => a.xor(v[0], a.c(1))], ['or0', (a, v) => a.or(v[0], a.c(0))],
    ['shl0', (a, v) => a.shl(v[0], a.c(0))],
  ];

  /** The same random formula built over one backend: leaves are the inputs and constants, each step one operation. */
  function build<V>(a: Arith<V>, inputs: V[], seed: number): V {
    const rng = new Rng(seed);
    const vals: V[] = [...inputs, a.c(0), a.c(1), a.c(-1), a.c(0x80)];
    for (let step = 0; step < 6; step++) {
      const [, op] = OPS[rng.int(OPS.length)];
      const args = [0, 1, 2].map(() => vals[vals.length - 1 - rng.int(Math.min(vals.length, 5))]);
      vals.push(op(a as Arith<unknown>, args) as V);
    }
    return vals[vals.length - 1];
  }

  it('computes what the number backend computes, through every identity it applies', () => {
    const rng = new Rng(7);
    for (let seed = 1; seed <= 3000; seed++) {
      const f = compile(build(X, [id('res'), id('x'), id('y')] as Expr[], seed));
      for (let k = 0; k < 8; k++) {
        const inputs = [operand(rng, 4), operand(rng, rng.pick(SIZES)), rng.chance(0.5) ? rng.int(2) : operand(rng, 4)];
        expect(f(inputs[0], inputs[1], inputs[2]), `formula ${seed} on ${inputs}`).toBe(build(NUM, inputs, seed));
      }
    }
  });
});
