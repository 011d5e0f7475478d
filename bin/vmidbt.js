#!/bin/sh
":" //; n=$(nproc 2>/dev/null || echo 1); exec node --v8-pool-size=$(( n > 5 ? 4 : n > 2 ? n - 1 : 1 )) --no-use-osr "$0" "$@"
// (Line 2 is for the shell, a string and a comment for Node: run as a program, as `npx vmidbt`, npm's
// scripts and the benchmarks start it, this file starts Node with one V8 worker thread fewer than the
// cores, at most Node's own four: V8 optimizes hot translated code on those threads, and on two cores
// four of them took turns with the vCPU's own thread. bench/README.md, "V8's worker threads", has the
// measurements; cli/guest-process.ts `guestV8Pool` is the same rule for the processes the benchmarks start.
// Without on-stack replacement: a region whose loop runs a whole slice from its first call was
// optimised mid-loop, and where V8 never made the ordinary optimised code after that, the loop stayed
// in the on-stack-replaced code for the run, about twice as slow (bench/README.md, "On-stack
// replacement off"); cli/guest-process.ts `guestNodeOptions` passes the same flag.
// `node bin/vmidbt.js` runs with whatever Node was given.)
//
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
// VMIDBT_TS=1 forces the loader; VMIDBT_LAUNCH_TRACE=1 prints the launcher's
// choice and what its check cost on stderr.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

// plain paths: a URL per input would cost more than the stat itself
const ROOT = fileURLToPath(new URL('../', import.meta.url));
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

/** The bundle's entry, current; undefined when it had to be rebuilt and could not be. */
async function currentBundle() {
  const checkStart = performance.now();
  let manifest = readManifest();
  const stale = staleness(manifest);
  const checkMs = performance.now() - checkStart;
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
  return pathToFileURL(`${OUT_DIR}${manifest.dir}/${manifest.entry}`);
}

trace(`node options: ${process.execArgv.join(' ') || 'none'}`);
const bundle = process.env.VMIDBT_TS === '1' ? undefined : await currentBundle();
if (bundle) {
  await import(bundle.href);
} else {
  trace('running the sources through the TypeScript loader');
  const { register } = await import('node:module');
  register('./ts-loader.mjs', import.meta.url);
  await import('./cli.ts');
}
