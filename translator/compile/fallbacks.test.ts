/**
 * The differential fuzzer's corpus (spec-tests/fuzz: random sequences of
 * every row the sandbox allows, helpers and x87 included) through the
 * compiler: no instruction is left to the interpreter for any reason but
 * being a helper row. There is no catch to hide an emitter exception behind:
 * one would fail this test.
 */
import { describe, expect, it } from 'vitest';
import { Differential, caseFromSeed } from '../../spec-tests/fuzz/differential.ts';
import { AVOID_NONE } from '../../spec-tests/fuzz/generate.ts';

describe('zero fall-backs over the fuzzer corpus', () => {
  it('1,000 sequences: every semantic row inlined, the engines agree', () => {
    const d = new Differential();
    for (let seed = 1; seed <= 1000; seed++) {
      const o = d.run(caseFromSeed(seed, AVOID_NONE));
      expect(o.diff, `seed ${seed}`).toEqual([]);
    }
    const { emitted } = d.engine.compiler.stats;
    expect(emitted.admission).toBe(0);
    expect(emitted.operand).toBe(0);
    // the corpus did reach every way of emitting, inlined VMI calls included
    expect(emitted.inline).toBeGreaterThan(3_000);
    expect(emitted.helper).toBeGreaterThan(100);
    expect(emitted.x87).toBeGreaterThan(100);
    expect(emitted.replaced).toBeGreaterThan(100);
  });
});
