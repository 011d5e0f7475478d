// Builds the `vmidbt` command into compiled JavaScript: one CommonJS
// script of bin/cli.ts (the command line, its npm packages included) in
// dist/cli/, so that a start runs no TypeScript transpiler. Run by `npm ci` /
// `npm install` (the `prepare` script) and by the launcher (bin/launch.cjs)
// when a source changed.
//
// Why one script and not ES modules: the launcher compiles it with
// `vm.Script` and V8's code cache (the bytecode of every function a start
// compiled, written beside the build; see bin/launch.cjs), which Node 20
// offers for scripts only. Code only some commands use (bench, web, the
// allow-list check) is in the script too, behind the lazy initialisers
// esbuild makes for dynamic imports: it is parsed lazily, never run unless
// its command is.
//
// Layout: dist/cli/b-HASH/ holds one build (cli.cjs and its linked source
// map, and the code caches starts have written, one per set of V8 flags);
// dist/cli/manifest.json names the current build and every input esbuild
// read, with its size and modification time, which is what the launcher
// compares to detect a stale bundle. Builds are written to a temporary
// folder and renamed into place, and the manifest is replaced by a rename,
// so processes that start (or rebuild) at the same time never see half a
// build. Older builds are removed an hour after they were replaced (a
// running process may still read them).
//
// Each module's `import.meta.url` is rewritten to its source file's URL
// (relative to the bundle, so the tree can move), so paths such as
// `new URL('../package.json', import.meta.url)` mean what they mean in the
// sources.
import { build, version as esbuildVersion } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = join(ROOT, 'dist', 'cli');
export const MANIFEST = join(OUT_DIR, 'manifest.json');
/** the builder is an input of every build: a change to it rebuilds */
const SELF = relative(ROOT, fileURLToPath(import.meta.url)).split(sep).join('/');
/** how long a replaced build stays for processes that started from it */
const KEEP_OLD_MS = 3600_000;

/** A build's folder sits two levels below the root (dist/cli/b-HASH/): its way back to a source. */
const TO_ROOT = '../../../';

/** The bundle's own URL, which each source's is made from (a CommonJS script has no `import.meta`). */
const BUNDLE_URL = '__vmidbtBundleUrl';

/** esbuild plugin: `import.meta.url` in a source means that source's URL, as it does unbundled. */
const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = relative(ROOT, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(TO_ROOT + rel)}, ${BUNDLE_URL}).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/**
 * esbuild plugin: commander requires Node's child_process as it loads, for
 * subcommands that are programs of their own (vmidbt has none). Loading it
 * pulls in a dozen more of Node's modules (net, dgram, streams), 3-5 ms of
 * every start; commander gets it at its first use instead.
 */
const LAZY_NAMESPACE = 'lazy-builtin';
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    const commander = `${sep}node_modules${sep}commander${sep}`;
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (args.importer.includes(commander) ? { path: 'child_process', namespace: LAZY_NAMESPACE } : undefined));
    b.onLoad({ filter: /^child_process$/, namespace: LAZY_NAMESPACE }, () => ({
      contents: "let loaded;module.exports=new Proxy({},{get:(_,name)=>(loaded??=require('node:child_process'))[name]});",
      loader: 'js',
    }));
  },
};

/**
 * [path relative to the root, size, mtimeMs] of each file, as the launcher
 * compares them. A file changed after `since` (while esbuild read it) gets
 * mtime 0, which matches no file: the next start builds again.
 */
export function stamp(files, since = Infinity) {
  return files.map((f) => {
    const st = statSync(join(ROOT, f));
    return [f, st.size, st.mtimeMs >= since ? 0 : st.mtimeMs];
  });
}

/** Build dist/cli/ now; returns the manifest written. */
export async function buildCli() {
  const started = performance.now();
  const startedAt = Date.now() - 1;  // mtimes have sub-ms precision; a whole ms of margin
  mkdirSync(OUT_DIR, { recursive: true });
  const tmp = join(OUT_DIR, `tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    const result = await build({
      absWorkingDir: ROOT,
      // the second script: the thread that lowers `--wasm` regions (cli/wasm-lowering.ts)
      entryPoints: { cli: 'bin/cli.ts', 'wasm-lowering-worker': 'cli/wasm-lowering-worker.ts' },
      outdir: tmp,
      outExtension: { '.js': '.cjs' },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // a dynamic import becomes a require: a script compiled by `vm.Script` has no module loader to import with
      supported: { 'dynamic-import': false },
      // a third less to read and parse at every start; names stay (profiles and stacks read them), and
      // the linked source maps lead back to the sources (node --enable-source-maps bin/vmidbt.js ...)
      minifyWhitespace: true,
      minifySyntax: true,
      sourcemap: 'linked',
      sourcesContent: false,
      metafile: true,
      // esbuild (web/build.ts, for `vmidbt web`) finds its native binary from its own package: it stays there
      external: ['esbuild'],
      logLevel: 'silent',
      // strict first, as the sources' ES modules were: esbuild's own "use strict" comes after the banner, where it is no directive
      banner: { js: `'use strict'; const ${BUNDLE_URL} = require('node:url').pathToFileURL(__filename).href;` },
      plugins: [sourceUrls, lazyChildProcess],
    });
    // (the plugin's module is made here, no file)
    const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith(`${LAZY_NAMESPACE}:`)), SELF].map((f) => f.split(sep).join('/'));
    const dir = `b-${hashOutputs(tmp)}`;
    try { renameSync(tmp, join(OUT_DIR, dir)); } catch { /* the same build is already in place (a concurrent rebuild) */ }
    const manifest = { dir, entry: 'cli.cjs', esbuild: esbuildVersion, builtMs: Math.round(performance.now() - started), inputs: stamp(inputs, startedAt) };
    const next = `${MANIFEST}.${process.pid}`;
    writeFileSync(next, `${JSON.stringify(manifest)}\n`);
    const previous = readManifest();
    renameSync(next, MANIFEST);
    // the build just replaced counts its hour from now
    if (previous && previous.dir !== dir) try { utimesSync(join(OUT_DIR, previous.dir), new Date(), new Date()); } catch { /* gone */ }
    removeOldBuilds(dir);
    return manifest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The current manifest, or undefined when there is none (or it is unreadable). */
export function readManifest() {
  try { return JSON.parse(readFileSync(MANIFEST, 'utf8')); } catch { return undefined; }
}

/** A build's name: the hash of what it holds, so equal builds share a folder. */
function hashOutputs(dir) {
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) h.update(f).update('\0').update(readFileSync(join(dir, f))).update('\0');
  return h.digest('hex').slice(0, 16);
}

function removeOldBuilds(current) {
  const now = Date.now();
  for (const name of readdirSync(OUT_DIR)) {
    if (name === current || !/^(b|tmp)-/.test(name)) continue;
    const path = join(OUT_DIR, name);
    try {
      if (now - statSync(path).mtimeMs > KEEP_OLD_MS) rmSync(path, { recursive: true, force: true });
    } catch { /* another process removed it */ }
  }
}

/**
 * After `npm ci`'s build, one run of the built-in guest through the launcher
 * as a program (so with the flags its shell line gives Node), so that the
 * first `npm start` finds the code cache those flags need (bin/vmidbt.js).
 * Optional: where it cannot run, the first start writes the cache instead.
 */
function warmCodeCache(m) {
  const started = performance.now();
  try {
    execFileSync(join(ROOT, 'bin', 'vmidbt.js'), ['run'], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
  } catch { /* no shell, a guest that failed: the first start writes the cache */ }
  const caches = readdirSync(join(OUT_DIR, m.dir)).filter((f) => f.startsWith('code-cache-'));
  if (caches.length) console.log(`vmidbt: code cache written by a run of the built-in guest in ${Math.round(performance.now() - started)} ms`);
}

// `node bin/build-cli.mjs` (the prepare script): build, say so in one line, and write the code cache
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const m = await buildCli();
    console.log(`vmidbt: built dist/cli/${m.dir} (${m.inputs.length} inputs) in ${m.builtMs} ms`);
    warmCodeCache(m);
  } catch (e) {
    console.error(`vmidbt: building dist/cli failed: ${e.errors?.[0]?.text ?? e.message}`);
    process.exitCode = 1;
  }
}
