/**
 * The conformance suite inside `npm test`: every golden vector replays with
 * no mismatch through the interpreter and through the translator, and every
 * system test program passes interpreted, translated, and in lockstep; every
 * machine test (spec-tests/machine) passes interpreted and translated.
 */
import { describe, expect, it } from 'vitest';
import { loadAllVectors } from './vectors.ts';
import { Replayer, type ReplayEngine } from './replay.ts';
import { runSystemTests, type EngineMode } from './system/run.ts';
import { runMachineTests } from './machine/run.ts';

const forms = loadAllVectors();
const families = [...new Set(forms.map((f) => f.family))];

describe('golden vectors', () => {
  it('exist in the repository: at least 200,000 vectors', () => {
    expect(forms.reduce((n, f) => n + f.rows.length, 0)).toBeGreaterThanOrEqual(200_000);
  });
  for (const engine of ['interpreter', 'jit'] as ReplayEngine[]) {
    for (const family of families) {
      it(`${family} (${engine}): every vector matches`, () => {
        const r = new Replayer(engine).replay(forms.filter((f) => f.family === family), 10);
        const detail = r.mismatches.map((m) => `${m.form}:${m.line} ${m.field} want ${m.expected} got ${m.actual}`);
        expect(detail).toEqual([]);
        expect(r.failed).toBe(0);
      });
    }
  }
});

describe('system tests', () => {
  for (const mode of ['interpreter', 'jit', 'lockstep'] as EngineMode[]) {
    it(`every self-checking guest program passes (${mode})`, async () => {
      const r = await runSystemTests(mode);
      expect(r.tests).toBeGreaterThanOrEqual(4);
      expect(r.results.filter((t) => !t.ok)).toEqual([]);
    });
  }
});

describe('machine tests', () => {
  for (const jit of [false, true]) {
    it(`every self-checking Multiboot kernel passes on the whole machine (${jit ? 'translated' : 'interpreted'})`, async () => {
      const r = await runMachineTests(jit);
      expect(r.tests).toBeGreaterThanOrEqual(9);
      expect(r.results.filter((t) => !t.ok)).toEqual([]);
    });
  }
});
