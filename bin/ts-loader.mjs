// Node loader hook: compiles the project's TypeScript with esbuild on import.
// (tsx would do, but it keeps function names by wrapping closures in a helper,
// which costs a call per closure in the interpreter's hot paths.)
// Output is cached in node_modules/.cache/vmidbt, keyed by path, size and
// modification time, so a second start does not transpile again.
import { transformSync } from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const cacheDir = fileURLToPath(new URL('../node_modules/.cache/vmidbt/', import.meta.url));
let cacheReady = false;

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !(url.endsWith('.ts') || url.endsWith('.mts'))) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const st = statSync(path);
  const key = createHash('sha1').update(`${path}\0${st.size}\0${st.mtimeMs}`).digest('hex');
  const cached = join(cacheDir, `${key}.js`);
  try {
    return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  } catch { /* not cached yet */ }
  const { code } = transformSync(readFileSync(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: path,
    sourcemap: 'inline',
  });
  try {
    if (!cacheReady) { mkdirSync(cacheDir, { recursive: true }); cacheReady = true; }
    writeFileSync(cached, code);
  } catch { /* a read-only tree still runs, just slower to start */ }
  return { format: 'module', source: code, shortCircuit: true };
}
