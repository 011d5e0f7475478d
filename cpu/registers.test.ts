import { describe, expect, it } from 'vitest';
import { NUM, type Size } from '../base/arith.ts';
import { X } from '../translator/emit/expr-arith.ts';
import { id, num, type Expr } from '../translator/emit/ast.ts';
import { Rng } from '../spec-tests/fuzz/generate.ts';
import {
  fullRegister, readPart, readRegister, stackCommit, stackMove, stackPointer, writePart, writeRegister,
} from './registers.ts';

const evaluate = (e: Expr, full: number, v: number): number =>
  (new Function('full', 'v', `return ${e.code};`) as (full: number, v: number) => number)(full, v);

/** A register as four bytes, the way the manual draws EAX, AX, AH and AL. */
function bytesOf(x: number): number[] {
  return [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24];
}

describe('partial registers', () => {
  it('read and write the bytes the manual names, in both backends', () => {
    const rng = new Rng(3);
    for (let k = 0; k < 3000; k++) {
      const size = rng.pick([1, 2, 4] as Size[]);
      const r = rng.int(8);
      const full = rng.u32() | 0, v = NUM.trunc(rng.u32(), size);
      // which bytes of the full register the partial one occupies
      const first = size === 1 && r >= 4 ? 1 : 0;
      const want = bytesOf(full);
      for (let b = 0; b < size; b++) want[first + b] = bytesOf(v)[b];
      const written = (want[0] | (want[1] << 8) | (want[2] << 16) | (want[3] << 24)) | 0;
      expect(fullRegister(r, size)).toBe(size === 1 && r >= 4 ? r - 4 : r);
      expect(readPart(NUM, written, r, size)).toBe(v);
      expect(writePart(NUM, full, r, size, v)).toBe(written);
      expect(evaluate(readPart(X, id('full'), r, size), written, v)).toBe(v);
      expect(evaluate(writePart(X, id('full'), r, size, id('v')), full, v) | 0).toBe(written);
      // the interpreter's number forms, on a register file
      const regs = new Int32Array(8);
      regs[fullRegister(r, size)] = full;
      writeRegister(regs, r, size, v);
      expect(regs[fullRegister(r, size)]).toBe(written);
      expect(readRegister(regs, r, size)).toBe(v);
    }
  });
});

describe('the stack pointer', () => {
  it('wraps at 64 KiB on a 16-bit stack and keeps the upper half of ESP', () => {
    const esp = 0x12340002;
    expect(stackPointer(NUM, esp, false)).toBe(2);
    expect(stackPointer(NUM, esp, true)).toBe(esp);
    expect(stackMove(NUM, 2, -4, false)).toBe(0xfffe);
    expect(stackMove(NUM, 0xfffe, 4, false)).toBe(2);
    expect(stackMove(NUM, 2, -4, true)).toBe(-2);
    expect(stackCommit(NUM, esp, 0xfffe, false)).toBe(0x1234fffe);
    expect(stackCommit(NUM, esp, 0xfffe, true)).toBe(0xfffe);
  });

  it('is the same formula in the translator', () => {
    for (const big of [false, true]) {
      for (const [esp, delta] of [[0x12340002, -4], [0x12340002, 2], [0x0000fffe, 4], [-2, -4]]) {
        const sp = stackPointer(NUM, esp, big);
        expect(evaluate(stackPointer(X, id('full'), big), esp, 0)).toBe(sp);
        expect(evaluate(stackMove(X, id('v'), delta, big), 0, sp)).toBe(stackMove(NUM, sp, delta, big));
        expect(evaluate(stackCommit(X, id('full'), id('v'), big), esp, 0xabcd) | 0).toBe(stackCommit(NUM, esp, 0xabcd, big));
        expect(evaluate(stackMove(X, num(sp), delta, big), 0, 0)).toBe(stackMove(NUM, sp, delta, big));
      }
    }
  });
});
