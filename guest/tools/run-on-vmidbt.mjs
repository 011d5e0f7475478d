#!/usr/bin/env node
// Boots the guest kernel (guest/kernel.elf) on vmidbt in every mode:
// paravirtual through each VMI ABI the ROM serves (the proposal's, VMware's
// revision 13.3, Linux's API 3.0: `--vmi-abi X` for the ROM and `vmi=X` for
// the kernel's linkage) and native (--no-rom), each with 1 and with 2 vCPUs
// (so AP start-up goes through each ABI's SetInitialAPState), runs every
// workload at a small scale, and compares each RESULT checksum with
// guest/expected-checksums.json (recorded on QEMU). Two boots run at a time
// (one per host core on a small machine).
//
//   node guest/tools/run-on-vmidbt.mjs      (what `npm run guest:vmidbt` does)
//   options: --scale S (default 0.1)  --kernel PATH  --timeout SECONDS  --jobs N  --verbose
//            --modes pv,native  --abis proposal,vmware13,linux3  --smp 1,2  --engines translator,interpreter
//            --variants patched,nopatch,noinline
//
// Every configuration runs translated and interpreted (--no-jit): the
// checksums must be the same either way. Besides, with one vCPU and
// translated, each mode boots with `nopatch` (the kernel keeps its indirect
// paravirtual call sites instead of patching them to the ROM or to native
// code), and each paravirtual ABI with two vCPUs and `--no-vmi-inline`
// (every VMI call through the ROM): `--variants patched,nopatch,noinline`.
// A translated paravirtual boot must inline VMI calls, unless told not to.
//
// A boot passes when vmidbt exits with status 0 (the guest wrote 0 to the
// debug-exit port: success; other values v give QEMU's (v << 1) | 1, base/exit-status.ts),
// the DONE line names the expected mode and CPU count, a
// paravirtual boot says it linked the ABI asked for, and every checksum
// matches.
//
// Last line: `guest-on-vmidbt: W workloads, F failed, modes=pv,native
// abis=proposal,vmware13,linux3 smp=1,2 engines=translator,interpreter
// variants=patched,nopatch,noinline`.
// Exit status 0 only when F is 0.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleReader } from './console.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const verbose = args.includes('--verbose');
const kernel = resolve(opt('--kernel', join(root, 'guest', 'kernel.elf')));
const scale = opt('--scale', '0.1');
const timeoutSec = Number(opt('--timeout', '600'));
const jobs = Math.max(1, Number(opt('--jobs', '2')));
const expected = JSON.parse(readFileSync(join(root, 'guest', 'expected-checksums.json'), 'utf8'));
const modes = opt('--modes', 'pv,native').split(',');
for (const m of modes) if (m !== 'pv' && m !== 'native') throw new Error(`--modes takes pv and/or native, not '${m}'`);
const abis = modes.includes('pv') ? opt('--abis', 'proposal,vmware13,linux3').split(',') : [];
for (const a of abis) if (!['proposal', 'vmware13', 'linux3'].includes(a)) throw new Error(`--abis takes proposal, vmware13, linux3, not '${a}'`);
const smps = opt('--smp', '1,2').split(',').map(Number);

const engines = opt('--engines', 'translator,interpreter').split(',');
for (const e of engines) if (e !== 'translator' && e !== 'interpreter') throw new Error(`--engines takes translator and/or interpreter, not '${e}'`);

const variants = opt('--variants', 'patched,nopatch,noinline').split(',');
for (const v of variants) if (!['patched', 'nopatch', 'noinline'].includes(v)) throw new Error(`--variants takes patched, nopatch, noinline, not '${v}'`);

const configs = [];
const kinds = [...abis.map((abi) => ({ mode: 'pv', abi })), ...(modes.includes('native') ? [{ mode: 'native', abi: null }] : [])];
const label = (kind, smp, engine, variant) =>
  `${(kind.abi ?? kind.mode).padEnd(8)} smp=${smp} ${engine === 'interpreter' ? 'interp' : 'jit'}${variant === 'patched' ? '' : ` ${variant}`}`;
if (variants.includes('patched')) {
  for (const engine of engines) {
    for (const kind of kinds) for (const smp of smps) configs.push({ ...kind, smp, engine, variant: 'patched', label: label(kind, smp, engine, 'patched') });
  }
}
if (engines.includes('translator')) {
  const smp = smps[0];
  if (variants.includes('nopatch')) for (const kind of kinds) configs.push({ ...kind, smp, engine: 'translator', variant: 'nopatch', label: label(kind, smp, 'translator', 'nopatch') });
  const smpMax = smps[smps.length - 1];
  if (variants.includes('noinline')) {
    for (const kind of kinds.filter((k) => k.mode === 'pv')) configs.push({ ...kind, smp: smpMax, engine: 'translator', variant: 'noinline', label: label(kind, smpMax, 'translator', 'noinline') });
  }
}

/** One boot: resolves with { results, done, summary, exitCode, timedOut, log } */
function boot(cfg, onResult) {
  return new Promise((resolveBoot) => {
    const append = `scale=${scale}${cfg.abi ? ` vmi=${cfg.abi}` : ''}${cfg.variant === 'nopatch' ? ' nopatch' : ''}`;
    // the launcher run as a program: its first lines start Node as the command starts (cli/guest-process.ts)
    const vargs = ['run', kernel, '--smp', String(cfg.smp), '--append', append, '--json'];
    if (cfg.mode === 'native') vargs.push('--no-rom');
    else vargs.push('--vmi-abi', cfg.abi);
    if (cfg.engine === 'interpreter') vargs.push('--no-jit');
    if (cfg.variant === 'noinline') vargs.push('--no-vmi-inline');
    const child = spawn(join(root, 'bin', 'vmidbt.js'), vargs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const results = [];
    let done = null;
    let out = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutSec * 1000);
    const con = consoleReader({
      onResult: (r) => { results.push(r); onResult(r); },
      onDone: (line) => { done = line; },
      onOther: (line) => { if (verbose || /PANIC|FAIL|vmidbt:|did not start/.test(line)) console.log(`    [${cfg.label}] | ${line}`); },
    });
    // with --json the guest console is on stderr and the summary on stdout
    child.stderr.on('data', (d) => con.take(d.toString('latin1')));
    child.stdout.on('data', (d) => { out += d.toString(); });
    child.on('close', (code) => {
      clearTimeout(timer);
      let summary = null;
      try { summary = JSON.parse(out); } catch { /* a crash before the summary */ }
      resolveBoot({ results, done, summary, exitCode: code, timedOut, log: con.log });
    });
  });
}

const t0 = Date.now();
let total = 0;
let failed = 0;
console.log(`guest-on-vmidbt: ${configs.length} boots of ${kernel.replace(root + '/', '')} at scale=${scale}, ${jobs} at a time`);

async function runConfig(cfg) {
  const started = Date.now();
  const res = await boot(cfg, (r) => {
    const exp = expected.workloads?.[r.name]?.[r.iters];
    const verdict = exp === undefined ? 'NO EXPECTED VALUE' : exp === r.checksum ? 'ok' : `MISMATCH (expected ${exp})`;
    console.log(`  [${cfg.label}] ${r.name.padEnd(16)} iters=${r.iters.padEnd(7)} checksum=${r.checksum}  ${verdict}`);
  });
  let runFailed = 0;
  for (const r of res.results) {
    total++;
    if (expected.workloads?.[r.name]?.[r.iters] !== r.checksum) runFailed++;
  }
  const wantMode = cfg.mode === 'pv' ? 'mode=vmi' : 'mode=native';
  const linked = cfg.abi === null || res.log.includes(`${cfg.abi} linkage`);
  // the kernel says how it patched its call sites; translated paravirtual code inlines VMI calls unless told not to
  const patched = cfg.variant === 'nopatch' ? res.log.includes('call sites not patched') : /pvops: \d+ call sites patched/.test(res.log);
  const inlined = res.summary?.vmiInline?.inlined ?? 0;
  const inlining = cfg.mode !== 'pv' || cfg.engine !== 'translator' || (cfg.variant === 'noinline' ? inlined === 0 : inlined > 0);
  const clean = res.exitCode === 0 && !res.timedOut && res.done !== null && res.done.includes(wantMode) &&
    res.done.includes(`cpus=${cfg.smp}`) && linked && patched && inlining;
  if (!clean) {
    runFailed++;
    const why = res.timedOut ? `timed out after ${timeoutSec}s`
      : !patched ? 'the kernel did not report its call-site patching as asked'
        : !inlining ? `${inlined} VMI calls inlined, against what the options ask`
          : `exit status ${res.exitCode}${res.summary?.error ? `: ${res.summary.error}` : ''}, ${res.done ?? 'no DONE line'}`;
    console.log(`  [${cfg.label}] boot FAILED: ${why}`);
    if (!verbose) console.log(res.log.split('\n').slice(-12).map((l) => `    | ${l}`).join('\n'));
  }
  failed += runFailed;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const mips = res.summary ? `, ${res.summary.mips} MIPS` : '';
  const vmi = res.summary && Object.keys(res.summary.vmiCalls ?? {}).length
    ? `, ${Object.values(res.summary.vmiCalls).reduce((a, b) => a + b, 0)} VMI calls (${inlined} inlined)` : '';
  console.log(`  [${cfg.label}] ${res.results.length} workloads in ${secs}s${mips}${vmi}: ${res.done ?? 'incomplete'}${runFailed ? `, ${runFailed} failed` : ''}`);
}

const queue = configs.slice();
await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
  while (queue.length) await runConfig(queue.shift());
}));

console.log(`guest-on-vmidbt: finished in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
console.log(`guest-on-vmidbt: ${total} workloads, ${failed} failed, modes=${modes.join(',')} abis=${abis.join(',')} smp=${smps.join(',')} engines=${engines.join(',')} variants=${variants.join(',')}`);
process.exit(failed === 0 && configs.length > 0 ? 0 : 1);
