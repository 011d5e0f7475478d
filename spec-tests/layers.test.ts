/**
 * The layering rule, checked on every import in the tree.
 *
 * Each top-level folder is a layer and may import only the layers listed
 * before it in LAYERS (type-only imports included); `translator/` is itself
 * a stack of sub-layers. Tests (`*.test.ts`) are leaves: they may import
 * anything (the test kits in `spec-tests/` among them), and nothing imports
 * them. On top of the layer order, no group of files may import each other
 * in a circle.
 *
 * Imports are read with TypeScript's own pre-processor, so `import type`,
 * `export ... from` and `import()` with a literal all count.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { dirname, relative, resolve } from 'node:path';
import { builtinModules } from 'node:module';
import ts from 'typescript';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/** Lowest first. A layer may import itself and every layer before it in this list. */
export const LAYERS = [
  'base',
  'isa',
  'cpu',
  'semantics',
  'runtime',
  'vmirom',
  'translator/region',
  'translator/emit',
  'translator/inline',
  'translator/compile',
  'translator/cache',
  'translator/engine',
  'profile',
  'spec-tests',
  'cli',
  'web',
  'bench',
  'guest/tools',
  'bin',
];

function layerOf(file: string): number {
  let best = -1;
  let bestLen = -1;
  LAYERS.forEach((l, k) => {
    if ((file === l || file.startsWith(l + '/')) && l.length > bestLen) { best = k; bestLen = l.length; }
  });
  return best;
}

const sources = execSync('git ls-files --cached --others --exclude-standard', { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|mjs)$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('node_modules/'))
  .filter((f) => { try { readFileSync(resolve(ROOT, f)); return true; } catch { return false; } });

interface Edge { from: string; to: string }

const edges: Edge[] = [];
/** imports of packages and Node's built-in modules, by file */
const packageImports: Edge[] = [];
for (const file of sources) {
  const info = ts.preProcessFile(readFileSync(resolve(ROOT, file), 'utf8'), true, true);
  for (const imp of info.importedFiles) {
    if (!imp.fileName.startsWith('.')) { packageImports.push({ from: file, to: imp.fileName }); continue; }
    edges.push({ from: file, to: relative(ROOT, resolve(ROOT, dirname(file), imp.fileName)) });
  }
}

/** The layers the browser page runs as they are: they reach the host only through base/host.ts. */
const HOST_FREE = LAYERS.slice(0, LAYERS.indexOf('translator/engine') + 1);
const hostFree = (f: string) => !isTest(f) && HOST_FREE.includes(LAYERS[layerOf(f)]);
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Node's globals (the browser has none of them); `performance`, `setTimeout` and the like go through the Host too */
const NODE_GLOBAL = /(?<![\w.$'"`])(process|Buffer|setImmediate|require|__dirname|__filename|global)\s*[.(]|\bNodeJS\./;
const HOST_GLOBAL = /(?<![\w.$'"`])(performance|setTimeout|setInterval|Date\.now)\b/;

/** `file:line: text` of each line of `text` that matches `re`, comments left out. */
function linesMatching(file: string, text: string, re: RegExp): string[] {
  return text.split('\n').flatMap((line, k) => {
    const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '').replace(/\/\*.*?\*\//g, '');
    return re.test(code) ? [`${file}:${k + 1}: ${line.trim()}`] : [];
  });
}

const isTest = (f: string) => f.endsWith('.test.ts');

describe('layers', () => {
  it('every source file belongs to a layer', () => {
    const orphans = sources.filter((f) => !isTest(f) && layerOf(f) < 0 && f.includes('/'));
    expect(orphans).toEqual([]);
  });

  it('imports run downward only', () => {
    const upward = edges
      .filter((e) => !isTest(e.from) && layerOf(e.from) >= 0 && layerOf(e.to) > layerOf(e.from))
      .map((e) => `${e.from} -> ${e.to}`);
    expect(upward).toEqual([]);
  });

  it('nothing imports a test', () => {
    const bad = edges.filter((e) => isTest(e.to)).map((e) => `${e.from} -> ${e.to}`);
    expect(bad).toEqual([]);
  });

  it('the runtime never imports the translator', () => {
    const bad = edges.filter((e) => e.from.startsWith('runtime/') && e.to.startsWith('translator/')).map((e) => `${e.from} -> ${e.to}`);
    expect(bad).toEqual([]);
  });

  it('base/ to translator/ import no Node module and use no Node global (the browser page runs them)', () => {
    const files = sources.filter(hostFree);
    const nodeImports = packageImports.filter((e) => hostFree(e.from) && NODE_BUILTINS.has(e.to)).map((e) => `${e.from} -> ${e.to}`);
    expect(nodeImports).toEqual([]);
    const globals = files.flatMap((f) => linesMatching(f, readFileSync(resolve(ROOT, f), 'utf8'), NODE_GLOBAL));
    expect(globals).toEqual([]);
    // time and the event loop come from the installed Host (base/host.ts), the one place that names them
    const hostApis = files.filter((f) => f !== 'base/host.ts').flatMap((f) => linesMatching(f, readFileSync(resolve(ROOT, f), 'utf8'), HOST_GLOBAL));
    expect(hostApis).toEqual([]);
  });

  it('the host check sees a Node import or global when there is one', () => {
    expect(sources.filter(hostFree).length).toBeGreaterThan(100);
    expect(NODE_BUILTINS.has('node:fs') && NODE_BUILTINS.has('worker_threads')).toBe(true);
    expect(packageImports.some((e) => e.from === 'cli/host-io.ts' && e.to === 'node:fs')).toBe(true);
    expect(linesMatching('x.ts', 'const b = Buffer.from(a);\n// process.exit(1)\nx = process.env.Y;', NODE_GLOBAL)).toEqual(['x.ts:1: const b = Buffer.from(a);', 'x.ts:3: x = process.env.Y;']);
    expect(linesMatching('x.ts', 'const t = performance.now();\nconst s = \'performance\';', HOST_GLOBAL)).toEqual(['x.ts:1: const t = performance.now();']);
  });

  it('no import cycles', () => {
    const graph = new Map<string, string[]>();
    for (const e of edges) {
      if (isTest(e.from)) continue;
      (graph.get(e.from) ?? graph.set(e.from, []).get(e.from)!).push(e.to);
    }
    // Tarjan's strongly connected components: any component of more than one file is a cycle
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      index.set(v, counter); low.set(v, counter); counter++;
      stack.push(v); onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== v);
        if (scc.length > 1) cycles.push(scc.sort());
      }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });

  it('the README\'s map of folders lists the layers in this order, each with its README', () => {
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Where things live'), readme.indexOf('## How an instruction'));
    const mapped = [...section.matchAll(/^\| \d+ \| \[`([a-z-]+)\/`\]\(([^)]+)\)/gm)].map((m) => [m[1], m[2]]);
    const topLevel = [...new Set(LAYERS.map((l) => l.split('/')[0]))].filter((l) => l !== 'guest' && l !== 'bin');
    expect(mapped.map(([folder]) => folder)).toEqual(topLevel);
    for (const [folder, link] of mapped) expect(readFileSync(resolve(ROOT, link), 'utf8'), `${folder}'s README`).toMatch(/\S/);
  });

  it('the checker sees an upward import when there is one', () => {
    // guard against a checker that passes because it reads nothing
    expect(edges.length).toBeGreaterThan(100);
    expect(layerOf('runtime/machine.ts')).toBeGreaterThan(layerOf('cpu/cpu.ts'));
    expect(layerOf('translator/engine/engine.ts')).toBeGreaterThan(layerOf('translator/emit/emit-ops.ts'));
  });
});
