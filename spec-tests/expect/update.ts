/**
 * `npm run expect:update`: regenerate every `spec-tests/expect/*.expected.js`
 * from its case, printing which files changed (review them with git diff).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { caseNames, expectedPath, generated } from './expect.ts';
import { loadSourceTools } from '../../translator/compile/assemble.ts';

// the files show each region's source re-indented, which needs the source tools (acorn), loaded on demand
await loadSourceTools();

let changed = 0;
for (const name of caseNames()) {
  const text = generated(name);
  const path = expectedPath(name);
  const old = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (old === text) continue;
  writeFileSync(path, text);
  changed++;
  console.log(`${old === undefined ? 'created' : 'updated'} ${path}`);
}
console.log(`${changed} expect file(s) written`);
