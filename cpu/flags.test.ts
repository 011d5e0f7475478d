/**
 * Lazy flags (cpu/flags.ts) against references computed the slow way: every
 * 8-bit add/adc/sub/sbb exhaustively, 32-bit carry and overflow at the
 * extremes, shift carries, and every condition code (isa/eflags.ts) on a
 * full EFLAGS value.
 */
import { describe, expect, it } from 'vitest';
import { computeLazy, makeLop, FlagKind } from './flags.ts';
import { CF, OF, ZF, SF, AF, PF, ARITH, testCC } from '../isa/eflags.ts';

/** PF by counting the low byte's bits. */
function parity(res: number): number {
  let n = 0;
  for (let v = res & 0xff; v; v >>= 1) n += v & 1;
  return n & 1 ? 0 : PF;
}

/** Flags of an 8-bit add/sub computed the slow, obvious way. */
function reference(kind: 'add' | 'adc' | 'sub' | 'sbb', a: number, b: number): { res: number; flags: number } {
  const cin = kind === 'adc' || kind === 'sbb' ? 1 : 0;
  const sa = (a << 24) >> 24, sb = (b << 24) >> 24;
  const add = kind === 'add' || kind === 'adc';
  const wide = add ? a + b + cin : a - b - cin;
  const signed = add ? sa + sb + cin : sa - sb - cin;
  const res = wide & 0xff;
  let f = 0;
  if (add ? wide > 0xff : wide < 0) f |= CF;
  if (signed > 127 || signed < -128) f |= OF;
  if (res === 0) f |= ZF;
  if (res & 0x80) f |= SF;
  if ((a ^ b ^ res) & 0x10) f |= AF;
  f |= parity(res);
  return { res, flags: f };
}

describe('lazy flags', () => {
  it('match a brute-force reference for every 8-bit add/adc/sub/sbb', () => {
    const kinds = [['add', FlagKind.ADD], ['adc', FlagKind.ADC], ['sub', FlagKind.SUB], ['sbb', FlagKind.SBB]] as const;
    for (const [name, kind] of kinds) {
      for (let a = 0; a < 256; a += 3) {
        for (let b = 0; b < 256; b += 5) {
          const ref = reference(name, a, b);
          const got = computeLazy(ARITH, makeLop(kind, 1), ref.res, a, b);
          if (got !== ref.flags) throw new Error(`${name} ${a} ${b}: got ${got.toString(16)} want ${ref.flags.toString(16)}`);
        }
      }
    }
  });

  it('derive 32-bit carry and overflow at the extremes', () => {
    const lop = makeLop(FlagKind.ADD, 4);
    expect(computeLazy(CF | OF, lop, 0, -1, 1)).toBe(CF);
    expect(computeLazy(CF | OF, lop, 0x80000000 | 0, 0x7fffffff, 1)).toBe(OF);
    const sub = makeLop(FlagKind.SUB, 4);
    expect(computeLazy(CF | ZF, sub, 0, 5, 5)).toBe(ZF);
    expect(computeLazy(CF, sub, -1, 0, 1)).toBe(CF);
  });

  it('derive shift carries from the count', () => {
    expect(computeLazy(CF, makeLop(FlagKind.SHL, 1), 0, 0x80, 1)).toBe(CF);
    expect(computeLazy(CF, makeLop(FlagKind.SHR, 1), 0, 0x02, 2)).toBe(CF);
    expect(computeLazy(CF, makeLop(FlagKind.SAR, 1), 0xff, 0x80, 8)).toBe(CF);
  });

  it('evaluate every condition code on a full EFLAGS', () => {
    expect(testCC(4, ZF)).toBe(true); // e
    expect(testCC(5, ZF)).toBe(false); // ne
    expect(testCC(12, SF)).toBe(true); // l: SF != OF
    expect(testCC(12, SF | OF)).toBe(false);
    expect(testCC(15, 0)).toBe(true); // g
    expect(testCC(7, CF)).toBe(false); // a
  });
});
