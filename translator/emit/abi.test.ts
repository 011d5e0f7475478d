import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseNames, expectedPath } from '../../spec-tests/expect/expect.ts';
import { namesIn, TEMP_PATTERN } from './abi.ts';

/** what namesIn means, as a regular expression: every identifier not preceded by a name character or a digit */
function namesByPattern(text: string): Set<string> {
  return new Set((text.match(/(?<![\w$])[A-Za-z_$][\w$]*/g) ?? []).filter((n) => !TEMP_PATTERN.test(n)));
}

describe('namesIn', () => {
  it('finds the names, property names included, and skips temporaries and the letters of numbers', () => {
    const names = namesIn('t0=r7+4|0;t12=tlb[t0>>>12];cpu.eflags=fl;x=1e5+0xff+0.5;t=tx1;vc35+=1;$a_b=R[4];');
    expect([...names].sort()).toEqual(['$a_b', 'R', 'cpu', 'eflags', 'fl', 'r7', 't', 'tlb', 'tx1', 'vc35', 'x']);
  });

  it('agrees with the pattern on every generated region the expect files hold', () => {
    const cases = caseNames();
    expect(cases.length).toBeGreaterThan(10);
    for (const name of cases) {
      const text = readFileSync(expectedPath(name), 'utf8').split('\n').filter((l) => !l.startsWith('//')).join('\n');
      expect([...namesIn(text)].sort(), name).toEqual([...namesByPattern(text)].sort());
    }
  });
});
