/**
 * Expect tests: the generated JavaScript of each case in cases/*.asm must be
 * what its `.expected.js` file says (see expect.ts). A difference fails with
 * a line diff; when the change is intended, `npm run expect:update` and
 * commit the new files with the code generation change.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseNames, expectedPath, generated, lineDiff } from './expect.ts';

describe('generated code matches the expect files', () => {
  const names = caseNames();
  it('has the cases the translator is reviewed on', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });
  for (const name of names) {
    it(name, () => {
      const path = expectedPath(name);
      expect(existsSync(path), `${path} is missing: run npm run expect:update`).toBe(true);
      const d = lineDiff(readFileSync(path, 'utf8'), generated(name));
      expect(d, `generated code for ${name} differs (npm run expect:update if intended):\n${d}`).toBe('');
    });
  }

  it('the diff shows changed lines with context', () => {
    const d = lineDiff('a\nb\nc\nd\n', 'a\nb\nX\nd\n', 1);
    expect(d.split('\n')).toEqual(['--- expected', '+++ generated', '@@ -2 +2 @@', ' b', '-c', '+X', ' d']);
    expect(lineDiff('same\n', 'same\n')).toBe('');
  });
});
