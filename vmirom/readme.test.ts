/** vmirom/README.md's table of every call under each ABI is the one the data generates. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { abiTableMarkdown } from './abi-table.ts';

describe('vmirom/README.md', () => {
  it('shows the table abis.ts and calls.ts generate (npm run abi-table)', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const m = /<!-- abi-table:begin -->\n([\s\S]*?)\n<!-- abi-table:end -->/.exec(readme);
    expect(m, 'the README has lost its abi-table markers').not.toBeNull();
    expect(m![1]).toBe(abiTableMarkdown());
  });
});
