import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseNames, expectedPath } from '../spec-tests/expect/expect.ts';
import { benchTranslate, closingLine, formatTranslate, translateReport, translateRounds, warmRounds, type TranslateRound } from './translate.ts';

/** What the expect files' headers say the cases translate to: instructions and bytes of source, summed. */
function expectTotals(): { instructions: number; bytes: number } {
  let instructions = 0, bytes = 0;
  for (const name of caseNames()) {
    const m = /^\/\/ \S+: (\d+) instructions, \d+ blocks, (\d+) bytes of source$/m.exec(readFileSync(expectedPath(name), 'utf8'));
    if (!m) throw new Error(`${name}: no header`);
    instructions += Number(m[1]);
    bytes += Number(m[2]);
  }
  return { instructions, bytes };
}

function round(instructions: number, total: number, emit: number): TranslateRound {
  return { regions: 1, instructions, sourceBytes: instructions * 100, ms: { total, discover: 0, liveness: 0, emit, assemble: total - emit } };
}

describe('bench:translate', () => {
  it('translates every expect case once a pass, as the expect files show them', () => {
    const rounds = translateRounds(2, 2);
    const { instructions, bytes } = expectTotals();
    expect(rounds).toHaveLength(2);
    for (const r of rounds) {
      expect(r.regions).toBe(2 * caseNames().length);
      expect(r.instructions).toBe(2 * instructions);
      expect(r.sourceBytes).toBe(2 * bytes);
      for (const ms of Object.values(r.ms)) expect(ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses a bad option with one line before measuring anything', () => {
    expect(() => benchTranslate(['--rounds', '1'])).toThrow("--rounds: expected a whole number of at least 2, got '1'");
    expect(() => benchTranslate(['--runs', 'x'])).toThrow("--runs: expected a whole number of at least 1, got 'x'");
    expect(() => benchTranslate(['--fast'])).toThrow('unknown option --fast');
    expect(() => benchTranslate(['--out'])).toThrow('--out: expected a directory');
  });

  it('counts the later half of the rounds as warm', () => {
    const rs = [1, 2, 3, 4, 5, 6].map((k) => round(1000, k, k / 2));
    expect(warmRounds(rs)).toEqual(rs.slice(3));
    expect(warmRounds(rs.slice(0, 2))).toEqual(rs.slice(1, 2));
  });

  it('reads cold from the first round and warm from the median of the later ones, per process', () => {
    // µs per instruction = ms * 1000 / instructions: 1,000 instructions make ms read as µs
    const processes = [
      [round(1000, 90, 50), round(1000, 60, 30), round(1000, 40, 20), round(1000, 44, 22)],
      [round(1000, 80, 46), round(1000, 70, 35), round(1000, 50, 24), round(1000, 46, 20)],
      [round(1000, 100, 60), round(1000, 55, 30), round(1000, 42, 21), round(1000, 48, 26)],
    ];
    const r = translateReport(processes, 7);
    expect(r.cold.total).toEqual([90, 80, 100]);
    expect(r.warm.total).toEqual([42, 48, 45]);
    expect(r.warm.emit).toEqual([21, 22, 23.5]);
    expect(r.instructionsPerRound).toBe(1000);
    expect(r.bytesPerInstruction).toBe(100);
    expect(closingLine(r)).toBe('bench:translate: cold 90.0 us, warm 45.0 us per guest instruction (2.1 x); 100 bytes of JavaScript per instruction');
    const text = formatTranslate(r);
    expect(text).toMatch(/^1000 guest instructions a round \(7 passes over the expect cases\), 4 rounds in each of 3 processes$/m);
    expect(text).toMatch(/^emit +50\.0 ±\d+% +22\.0 ±\d+% +\S*2\.\d+x/m);
  });
});
