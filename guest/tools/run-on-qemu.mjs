#!/usr/bin/env node
// Boots the committed guest kernel (guest/kernel.elf) natively under
// qemu-system-i386 (TCG) with 1 and with 2 CPUs, runs every workload at a
// small scale and compares each checksum with guest/expected-checksums.json.
// A third boot uses PAE paging (`pae`), a fourth loads guest/fakevmi.rom
// (a pass-through VMI ROM, see guest/fakevmi/fakevmi.S) so the kernel's
// paravirtual path runs too, and a fifth links to that ROM the way a
// revision-13.3 guest does (`vmi=vmware13`: every call through
// GetRelocationInfo). Those boot with the kernel's call sites patched (to
// native instructions, or to the ROM's slots); two more keep them indirect
// (`nopatch`), natively and through the ROM.
//
//   node guest/tools/run-on-qemu.mjs            check (what `npm run guest:qemu` does)
//   node guest/tools/run-on-qemu.mjs --update   rerun and rewrite the expected checksums
//   options: --kernel PATH  --scale S  --timeout SECONDS  --verbose
//
// Last line: `guest-on-qemu: W workloads, F failed, smp=2 ok` (or `smp=2 FAILED`).
// Exit status 0 only when nothing failed and both CPU counts ran to the end.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleReader } from './console.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const guestDir = resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const update = args.includes('--update');
const verbose = args.includes('--verbose');
const kernel = resolve(opt('--kernel', join(guestDir, 'kernel.elf')));
const expectedPath = join(guestDir, 'expected-checksums.json');
const timeoutSec = Number(opt('--timeout', '120'));
const qemu = process.env.QEMU ?? 'qemu-system-i386';

let expected = { scale: '0.5', workloads: {} };
if (existsSync(expectedPath)) expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
const scale = opt('--scale', String(expected.scale ?? '0.5'));

if (spawnSync(qemu, ['--version']).status !== 0) {
  console.error(`guest-on-qemu: ${qemu} not found (install qemu-system-x86)`);
  console.log('guest-on-qemu: 0 workloads, 1 failed, smp=2 FAILED');
  process.exit(1);
}
if (!existsSync(kernel)) {
  console.error(`guest-on-qemu: no kernel image at ${kernel} (run make -C guest)`);
  process.exit(1);
}

/** Boot once; resolve with { results: [{name, iters, cycles, checksum}], exitCode, done, log } */
function boot(cpus, cmdline, rom, onLine) {
  return new Promise((resolveBoot) => {
    const qargs = [
      ...(rom ? ['-option-rom', rom] : []),
      '-kernel', kernel, '-append', cmdline, '-m', '128', '-smp', String(cpus),
      '-accel', 'tcg', '-display', 'none', '-serial', 'stdio', '-monitor', 'none',
      '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    ];
    const child = spawn(qemu, qargs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const results = [];
    let done = null;
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutSec * 1000);
    const con = consoleReader({
      onResult: (printed) => {
        const r = { ...printed, iters: Number(printed.iters) };
        results.push(r);
        onLine(r);
      },
      onDone: (line) => { done = line; },
      onOther: (line) => { if (verbose || /PANIC|FAIL|trap|killed|leak|did not start/.test(line)) console.log(`    | ${line}`); },
    });
    child.stdout.on('data', (d) => con.take(d.toString('latin1')));
    child.stderr.on('data', (d) => { con.log += d.toString(); if (verbose) process.stderr.write(d); });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveBoot({ results, exitCode: code, done, timedOut, log: con.log });
    });
  });
}

const t0 = Date.now();
let total = 0;
let failed = 0;
const runs = {};
const smp2 = { ok: false };

const fakeRom = join(guestDir, 'fakevmi.rom');
const configs = [
  { key: 1, cpus: 1, label: 'smp=1', cmdline: `scale=${scale} novmi`, rom: null, mode: 'native' },
  { key: 2, cpus: 2, label: 'smp=2', cmdline: `scale=${scale}`, rom: null, mode: 'native' },
];
if (!args.includes('--no-pae'))
  configs.push({ key: 'pae', cpus: 2, label: 'pae  ', cmdline: `scale=${scale} pae`, rom: null, mode: 'native' });
if (existsSync(fakeRom) && !args.includes('--no-vmi')) {
  configs.push({ key: 'vmi', cpus: 2, label: 'vmi  ', cmdline: `scale=${scale}`, rom: fakeRom, mode: 'vmi' });
  configs.push({ key: 'vmi13', cpus: 2, label: 'vmi13', cmdline: `scale=${scale} vmi=vmware13`, rom: fakeRom, mode: 'vmi' });
  configs.push({ key: 'vminp', cpus: 2, label: 'vmi nopatch', cmdline: `scale=${scale} nopatch`, rom: fakeRom, mode: 'vmi' });
}
configs.push({ key: 'nopatch', cpus: 2, label: 'nopatch', cmdline: `scale=${scale} nopatch`, rom: null, mode: 'native' });

for (const cfg of configs) {
  const { cpus, label, cmdline } = cfg;
  const what = cfg.rom ? ` -option-rom ${cfg.rom.replace(guestDir, 'guest')}` : '';
  console.log(`guest-on-qemu: booting ${kernel.replace(guestDir, 'guest')} -smp ${cpus}${what} "${cmdline}"`);
  const started = Date.now();
  const res = await boot(cpus, cmdline, cfg.rom, (r) => {
    const exp = expected.workloads?.[r.name]?.[String(r.iters)];
    const verdict = update ? 'recorded' : exp === undefined ? 'NO EXPECTED VALUE' : exp === r.checksum ? 'ok' : `MISMATCH (expected ${exp})`;
    console.log(`  [${label}] ${r.name.padEnd(16)} iters=${String(r.iters).padEnd(7)} cycles=${r.cycles.padEnd(11)} checksum=${r.checksum}  ${verdict}`);
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  let runFailed = 0;
  for (const r of res.results) {
    total++;
    const exp = expected.workloads?.[r.name]?.[String(r.iters)];
    if (!update && exp !== r.checksum) { failed++; runFailed++; }
  }
  // QEMU's isa-debug-exit: status (value << 1) | 1; the guest writes 0 on success
  // the kernel reports how it patched its call sites
  const patching = cfg.cmdline.includes('nopatch') ? res.log.includes('call sites not patched') : /pvops: \d+ call sites patched/.test(res.log);
  const cleanExit = res.exitCode === 1 && res.done !== null && !res.timedOut && res.done.includes(`mode=${cfg.mode}`) && patching;
  if (!cleanExit) {
    failed++;
    runFailed++;
    const why = res.timedOut ? `timed out after ${timeoutSec}s` : `exit status ${res.exitCode}, ${res.done ?? 'no DONE line'}`;
    console.log(`  [${label}] run FAILED: ${why}`);
    if (!verbose) console.log(res.log.split('\n').slice(-15).map((l) => `    | ${l}`).join('\n'));
  }
  const online = /cpus=(\d+)/.exec(res.done ?? '')?.[1];
  if (cfg.key === 2 && cleanExit && online === '2' && runFailed === 0) smp2.ok = true;
  if (cpus === 2 && online !== undefined && online !== '2') console.log(`  [${label}] only ${online} CPU(s) came online`);
  console.log(`  [${label}] ${res.results.length} workloads in ${secs}s, ${res.done ?? 'incomplete'}`);
  runs[cfg.key] = res;
}

if (update) {
  const a = runs[1]?.results ?? [];
  const b = runs[2]?.results ?? [];
  const next = { ...expected, scale, workloads: { ...(expected.workloads ?? {}) } };
  let disagreements = 0;
  for (const r of a) {
    const other = b.find((x) => x.name === r.name && x.iters === r.iters);
    if (other && other.checksum !== r.checksum) {
      console.log(`  ${r.name}: smp=1 ${r.checksum} != smp=2 ${other.checksum}; not recorded`);
      disagreements++;
      continue;
    }
    next.workloads[r.name] = { ...(next.workloads[r.name] ?? {}), [String(r.iters)]: r.checksum };
  }
  const sorted = {};
  for (const k of Object.keys(next.workloads).sort()) {
    const m = next.workloads[k];
    sorted[k] = Object.fromEntries(Object.keys(m).sort((x, y) => Number(x) - Number(y)).map((i) => [i, m[i]]));
  }
  next.workloads = sorted;
  writeFileSync(expectedPath, JSON.stringify(next, null, 2) + '\n');
  console.log(`guest-on-qemu: wrote ${expectedPath} (${a.length} workloads at scale ${scale})`);
  if (disagreements) failed += disagreements;
}

const secs = ((Date.now() - t0) / 1000).toFixed(1);
console.log(`guest-on-qemu: finished in ${secs}s`);
console.log(`guest-on-qemu: ${total} workloads, ${failed} failed, smp=2 ${smp2.ok ? 'ok' : 'FAILED'}`);
process.exit(failed === 0 && smp2.ok && runs[1] && runs[2] ? 0 : 1);
