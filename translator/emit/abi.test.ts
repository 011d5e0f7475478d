import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { namesIn, TEMP_PATTERN } from './abi.ts';

const EXPECT_DIR = join(import.meta.dirname, '..', '..', 'spec-tests', 'expect');

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
    const files = readdirSync(EXPECT_DIR).filter((f) => f.endsWith('.expected.js'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(join(EXPECT_DIR, f), 'utf8').split('\n').filter((l) => !l.startsWith('//')).join('\n');
      expect([...namesIn(text)].sort(), f).toEqual([...namesByPattern(text)].sort());
    }
  });
});
