import { describe, expect, it } from 'vitest';
import { NUM, type Arith } from '../base/arith.ts';
import { X } from '../translator/emit/expr-arith.ts';
import { id, type Expr } from '../translator/emit/ast.ts';
import { Rng } from '../spec-tests/fuzz/generate.ts';
import {
  TLB_NX, TLB_RS, TLB_RU, TLB_WS, TLB_WU, aligned, executable, fitsInPage, grants, physical, tlbEntry, tlbGrants, tlbMaps,
  tlbFetchesFrom, tlbPhysical, tlbRight, tlbSlot,
} from './tlb.ts';

const evaluate = (e: Expr, entry: number, lin: number): number =>
  (new Function('e', 'lin', `return ${e.code};`) as (e: number, lin: number) => number)(entry, lin);

/** The tests written over Arith, on one entry and address, in backend a. */
function formulas<V>(a: Arith<V>, e: V, lin: V, frame: number, right: number, size: number): Record<string, V> {
  return {
    slot: tlbSlot(a, lin),
    phys: tlbPhysical(a, e, lin),
    grants: tlbGrants(a, e, a.c(right)),
    maps: tlbMaps(a, e, a.c(frame | 0), a.c(right)),
    fetches: tlbFetchesFrom(a, e, a.c(frame | 0), a.c(right)),
    fetchesElsewhere: tlbFetchesFrom(a, e, a.c((frame ^ 0x1000) | 0), a.c(right)),
    aligned: aligned(a, lin, size),
  };
}

describe('the TLB entry and its fast-path test', () => {
  it('picks the right by privilege and access', () => {
    expect([tlbRight(false, false), tlbRight(false, true), tlbRight(true, false), tlbRight(true, true)]).toEqual([TLB_RS, TLB_WS, TLB_RU, TLB_WU]);
  });

  it('means what the entry format says: the formulas in both backends, and the number forms the MMU runs', () => {
    const rng = new Rng(99);
    for (let k = 0; k < 5000; k++) {
      const frame = rng.u32() & ~0xfff;
      const rights = rng.int(128);
      const e = tlbEntry(frame, rights);
      const lin = rng.u32() | 0;
      const right = 1 << rng.int(4);
      const size = rng.pick([1, 2, 4]);
      const want = {
        slot: lin >>> 12,
        phys: (frame | (lin & 0xfff)) | 0,
        grants: rights & right ? 1 : 0,
        maps: rights & right ? 1 : 0,
        fetches: rights & right && !(rights & TLB_NX) ? 1 : 0,
        fetchesElsewhere: 0,
        aligned: lin % size === 0 ? 1 : 0,
      };
      expect(formulas(NUM, e, lin, frame, right, size)).toEqual(want);
      const specialised = formulas(X, id('e'), id('lin'), frame, right, size);
      expect(Object.fromEntries(Object.entries(specialised).map(([n, v]) => [n, evaluate(v, e, lin)]))).toEqual(want);
      expect(grants(e, right)).toBe(want.grants === 1);
      expect(physical(e, lin)).toBe(want.phys >>> 0); // unsigned: an index into RAM past 2 GiB
      expect(executable(e, right)).toBe(want.grants === 1 && !(rights & TLB_NX));
      expect(fitsInPage(lin, size)).toBe((lin & 0xfff) + size <= 0x1000);
    }
  });
});
