// Entry point of the `vmidbt` command. It runs the compiled bundle of
// bin/cli.ts in dist/cli/ (built by `npm ci` through the `prepare` script,
// bin/build-cli.mjs), so a start transpiles nothing. A developer who edits a
// source never runs stale code: the bundle's manifest lists every file it
// was built from with its size and modification time, and when one differs
// (or is gone, or there is no bundle yet) this launcher rebuilds first
// (a fraction of a second). If it cannot (a read-only tree, a build error),
// it runs the sources through the TypeScript loader (bin/ts-loader.mjs), the
// slow way, after one line on stderr saying why.
//
// The bundle is one CommonJS script, compiled here with `vm.Script` and V8's
// code cache: the bytecode of the functions an earlier start compiled, kept
// beside the build in a file per Node version and set of flags (V8 refuses a
// cache made under other flags). Without it, every start parsed and compiled
// the command's code afresh, and the interpreter's and decoder's functions
// one by one as the guest first reached them. A start that finds no cache, or
// one V8 refuses, writes one as it exits (to a temporary name, renamed into
// place), and so does a start that ran a guest after reading one a short
// command wrote (`RICH`, below); `npm ci`'s build leaves one for the flags
// of bin/vmidbt.js's shell line (bin/build-cli.mjs).
//
// VMIDBT_TS=1 forces the loader; VMIDBT_LAUNCH_TRACE=1 prints the launcher's
// choice, what its check cost and what became of the code cache on stderr.
'use strict';
const { accessSync, constants, readdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { pathToFileURL } = require('node:url');
const { Script } = require('node:vm');

// plain paths: a URL per input would cost more than the stat itself
const ROOT = `${require('node:path').dirname(__dirname)}/`;
const OUT_DIR = `${ROOT}dist/cli/`;
const trace = process.env.VMIDBT_LAUNCH_TRACE === '1' ? (what) => process.stderr.write(`vmidbt launch: ${what}\n`) : () => {};

/** The reason the bundle cannot run as it is, or '' when it is current. */
function staleness(manifest) {
  if (!manifest) return 'no bundle';
  for (const [file, size, mtimeMs] of manifest.inputs) {
    const st = statSync(ROOT + file, { throwIfNoEntry: false });
    if (!st) return `${file} is gone`;
    if (st.size !== size || st.mtimeMs !== mtimeMs) return `${file} changed`;
  }
  return '';
}

function readManifest() {
  try { return JSON.parse(readFileSync(`${OUT_DIR}manifest.json`, 'utf8')); } catch { return undefined; }
}

/** The bundle's folder and entry file, current; undefined when it had to be rebuilt and could not be. */
async function currentBundle() {
  // process.hrtime, not performance.now(): the first use of `performance` loads Node's performance module
  const checkStart = process.hrtime.bigint();
  let manifest = readManifest();
  const stale = staleness(manifest);
  const checkMs = Number(process.hrtime.bigint() - checkStart) / 1e6;
  if (stale) {
    trace(`bundle stale: ${stale}; rebuilding`);
    try {
      manifest = await (await import('./build-cli.mjs')).buildCli();
    } catch (e) {
      // without its packages neither the build nor the loader can run: say what to do, no stack trace
      if (e.code === 'ERR_MODULE_NOT_FOUND') {
        process.stderr.write(`vmidbt: its packages are not installed (${e.message.split('\n')[0]}); run \`npm ci\` in ${ROOT} first\n`);
        process.exit(1);
      }
      process.stderr.write(`vmidbt: cannot rebuild dist/cli (${e.errors?.[0]?.text ?? e.message}); running the TypeScript sources through the loader\n`);
      return undefined;
    }
    trace(`rebuilt dist/cli/${manifest.dir} in ${manifest.builtMs} ms`);
  } else {
    trace(`bundle current: dist/cli/${manifest.dir}, ${manifest.inputs.length} inputs checked in ${checkMs.toFixed(2)} ms`);
  }
  return { dir: `${OUT_DIR}${manifest.dir}/`, file: `${OUT_DIR}${manifest.dir}/${manifest.entry}` };
}

/** What a code cache depends on besides the bundle: Node's version and its options (those that are V8 flags are what V8 checks; the key takes them all). */
function cacheKey() {
  const text = `${process.version} ${process.arch} ${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  // FNV-1a: a name, not a defence; loading a hash module would cost more than the whole check
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * A cache file is one byte saying whether the process that wrote it ran for
 * a while (RICH: it booted a guest, so the interpreter's, decoder's and
 * translator's functions are in it) or not (a `--version`, a usage error),
 * then V8's data. A start that used a thin one and then runs for a while
 * writes a rich one over it.
 */
const RICH = 1;
const THIN = 0;
const RICH_AFTER_S = 0.5;
/**
 * At most this many cache files in a build's folder: the key covers all of
 * Node's options, and some name a new file each run (`--cpu-prof-dir`), so a
 * start with a new set of them writes none once there are this many.
 */
const MAX_CACHES = 8;

/** Compile the bundle with its code cache (writing a better one at exit where it can) and start the command. */
function runBundle({ dir, file }) {
  // Node maps stack traces through source maps only for what its own loader compiled
  if (process.sourceMapsEnabled) {
    trace('code cache: not used (source maps on: Node loads the bundle itself)');
    return require(file).start();
  }
  const cacheFile = `${dir}code-cache-${cacheKey()}.bin`;
  let cached;
  try { cached = readFileSync(cacheFile); } catch { /* none yet */ }
  // the CommonJS wrapper on the script's first line, so that its line numbers are the bundle's
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(source, { filename: file, cachedData: cached?.subarray(1) });
  const accepted = cached !== undefined && !script.cachedDataRejected;
  const name = cacheFile.slice(ROOT.length);
  const crowded = cached === undefined && readdirSync(dir).filter((f) => f.startsWith('code-cache-')).length >= MAX_CACHES;
  trace(accepted ? `code cache ${name}: ${cached.length} bytes, accepted${cached[0] === RICH ? '' : ' (thin)'}`
    : `code cache ${name}: ${cached ? 'refused by V8' : 'none'}; ${crowded ? `not written (${MAX_CACHES} caches there already)` : 'written at exit'}`);
  if (crowded) return runScript(script, dir, file);
  process.once('exit', () => {
    const rich = process.uptime() >= RICH_AFTER_S;
    if (accepted && (cached[0] === RICH || !rich)) return;
    // what this process compiled, by the time it leaves; a read-only tree just goes without (and is asked first:
    // serialising the cache takes 10-15 ms)
    const next = `${cacheFile}.${process.pid}`;
    try {
      accessSync(dir, constants.W_OK);
      writeFileSync(next, Buffer.concat([Buffer.of(rich ? RICH : THIN), script.createCachedData()]));
      renameSync(next, cacheFile);
    } catch { /* not writable */ }
  });
  return runScript(script, dir, file);
}

/** Run the compiled bundle as Node runs a CommonJS module, and start the command. */
function runScript(script, dir, file) {
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dir);
  return module.exports.start();
}

trace(`node options: ${process.execArgv.join(' ') || 'none'}`);
// run as a program, the shell line of bin/vmidbt.js starts Node on this file: no ES module loader
trace(require.main === module ? 'launcher: bin/launch.cjs, the program' : 'launcher: bin/launch.cjs, loaded by the ES module bin/vmidbt.js');

/** Start the command: the current bundle, or the sources through the TypeScript loader. */
async function launch() {
  const bundle = process.env.VMIDBT_TS === '1' ? undefined : await currentBundle();
  if (bundle) return runBundle(bundle);
  trace('running the sources through the TypeScript loader');
  require('node:module').register('./ts-loader.mjs', pathToFileURL(__filename));
  return (await import('./cli.ts')).start();
}

module.exports = launch();
