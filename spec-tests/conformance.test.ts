/**
 * The conformance suite inside `npm test`: every golden vector replays with
 * no mismatch, and every system test program passes.
 */
import { describe, expect, it } from 'vitest';
import { loadAllVectors } from './vectors.ts';
import { Replayer } from './replay.ts';
import { runSystemTests } from './system/run.ts';

describe('golden vectors', () => {
  const forms = loadAllVectors();
  const families = [...new Set(forms.map((f) => f.family))];
  it('exist in the repository', () => {
    expect(forms.length).toBeGreaterThan(0);
  });
  for (const family of families) {
    it(`${family}: every vector matches the interpreter`, () => {
      const r = new Replayer().replay(forms.filter((f) => f.family === family), 10);
      const detail = r.mismatches.map((m) => `${m.form}:${m.line} ${m.field} want ${m.expected} got ${m.actual}`);
      expect(detail).toEqual([]);
      expect(r.failed).toBe(0);
    });
  }
});

describe('system tests', () => {
  it('every self-checking guest program passes', async () => {
    const r = await runSystemTests();
    expect(r.tests).toBeGreaterThanOrEqual(4);
    expect(r.results.filter((t) => !t.ok)).toEqual([]);
  });
});
