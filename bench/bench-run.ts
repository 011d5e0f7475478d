/**
 * The measurements of `npm run bench`: every system, side by side, in
 * interleaved rounds. A round runs each system once in a rotated order
 * (round r starts with the r-th system), so a slow spell of the host falls
 * on different systems in different rounds:
 *
 * 1. the workloads: native runs the host build of the CPU workloads
 *    (cpu-workloads.ts); vmidbt translated (`vmidbt run`'s default: the VMI
 *    ROM, calls inlined), vmidbt interpreted (`--no-rom --no-jit`), QEMU TCG
 *    and v86 each boot guest/kernel.elf once with every selected CPU and OS
 *    workload at explicit iteration counts (`iters.NAME=N`), and each
 *    workload is timed by the host from the console line before its RESULT
 *    line to that line (timeline.ts), per iteration. The interpreter runs a
 *    twentieth of the iterations; every other system the same counts;
 * 2. `npm start`'s whole run (`vmidbt run --json --stats`; QEMU and v86 the
 *    same kernel and command line): wall time to exit, CPU time when the
 *    DONE line appears, the time from spawn to the first non-empty console
 *    line, and from vmidbt's summary the translation cost;
 * 3. the Linux boot: `npm run guest:linux` restricted to its timed boot
 *    (686, one vCPU, to the shell marker) on vmidbt and QEMU, its CPU time.
 *
 * Each boot is a fresh process (vmi-boot.ts), so none inherits another's JIT
 * state. Equal iteration counts must give equal checksums on every system.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { LAUNCHER } from '../cli/guest-process.ts';
import { boot, bootConsoleProcess, qemuArgs, runProcess, ROOT, type BootResult } from './vmi-boot.ts';
import { qemuPresent } from './vmi.ts';
import { rotate } from './vmi-lab.ts';
import { workloadCosts } from './timeline.ts';
import { buildNative, runNative, CPU_WORKLOADS } from './cpu-workloads.ts';
import { OS_WORKLOADS, type BenchOptions } from './bench-options.ts';
import { cpuSecondsOf } from './process-cpu.ts';

export type System = 'native' | 'translated' | 'interpreted' | 'qemu' | 'v86';
export const SYSTEM_NAMES: Record<System, string> = {
  native: 'native', translated: 'vmidbt translated', interpreted: 'vmidbt interpreted', qemu: 'QEMU TCG', v86: 'v86',
};
/** samples by row, then by system: one per round */
export type Samples = Record<string, Partial<Record<System, number[]>>>;

export interface BenchData {
  runs: number;
  /** every system that ran (native only with a host gcc, QEMU and v86 when present and wanted) */
  systems: System[];
  /** iterations of each workload on each system */
  iterations: Record<string, Partial<Record<System, number>>>;
  /** host ns per iteration: `cpu:NAME`, `os:NAME` */
  workloads: Samples;
  /** `start:wall`, `start:cpu` (s), `start:first` (ms), `translate:us`, `translate:bytes` (per guest instruction), `interp:mips`, `linux:shell` (CPU s) */
  whole: Samples;
  /** what was left out and why, one line each */
  notes: string[];
  /** the host's 1-minute load average before each round */
  load: number[];
  seconds: number;
}

/** Iterations at the full scale: CPU as bench:jit, OS workloads a fifth of their base; --quick much less. */
export function iterationsOf(o: BenchOptions, sys: System): [string, number][] {
  const cpuScale = (o.quick ? 1 / 16 : 1) * (sys === 'interpreted' ? 0.05 : 1);
  const osScale = (o.quick ? 0.02 : 0.2) * (sys === 'interpreted' ? 0.1 : 1);
  const pick = (list: readonly [string, number][], names: string[], scale: number) =>
    list.filter(([n]) => names.includes(n)).map(([n, i]) => [n, Math.max(1, Math.round(i * scale))] as [string, number]);
  return [...pick(CPU_WORKLOADS, o.cpu, cpuScale), ...(sys === 'native' ? [] : pick(OS_WORKLOADS, o.os, osScale))];
}

function push(s: Samples, key: string, sys: System, v: number): void {
  ((s[key] ??= {})[sys] ??= []).push(v);
}

/** Why the npm package v86 cannot be loaded (as resolved from `from`), or undefined when it can. */
export function v86Missing(from = import.meta.url): string | undefined {
  try {
    createRequire(from).resolve('v86/build/v86.wasm');
    return undefined;
  } catch {
    return 'the npm package v86 is not installed (npm ci installs it as a devDependency)';
  }
}

/** Why the Linux row cannot run from `cache` (Debian's packages not fetched), or undefined when it can. */
export function linuxMissing(cache: string): string | undefined {
  const x = join(cache, 'x');
  const trees = existsSync(x) ? readdirSync(x) : [];
  const kernel = trees.find((t) => /^linux-image-.*-686$/.test(t) && existsSync(join(x, t, 'boot')) && readdirSync(join(x, t, 'boot')).some((f) => f.startsWith('vmlinuz-')));
  if (kernel && existsSync(join(x, 'busybox-static', 'bin', 'busybox'))) return undefined;
  return `Debian's kernel and busybox are not in ${cache} (\`npm run guest:linux\` fetches them)`;
}

const V86_RUN = join(ROOT, 'bench', 'v86-run.mjs');
/** where `npm run guest:linux` keeps Debian's packages */
export const LINUX_CACHE = join(ROOT, 'guest', 'build', 'linux');

function appendOf(list: [string, number][]): string {
  return `run=${list.map(([n]) => n).join(',')} ${list.map(([n, i]) => `iters.${n}=${i}`).join(' ')}`;
}

async function guestBoot(sys: System, append: string): Promise<BootResult> {
  const r = sys === 'v86'
    ? await bootConsoleProcess('v86', process.execPath, [V86_RUN, '--append', `novmi ${append}`], 1_800_000)
    : await boot({ mode: sys === 'qemu' ? 'qemu' : sys === 'interpreted' ? 'interp' : 'inline', append }, 1_800_000);
  if (r.exitCode !== 0) {
    const tail = r.lines.slice(-3).map((l) => l.text).join(' | ');
    throw new Error(`${SYSTEM_NAMES[sys]} boot with '${append}' ended with status ${r.exitCode} (${r.reason}): ${tail}`);
  }
  return r;
}

/** Guest instructions per µs over the CPU workloads of an interpreted boot. */
function interpreterMips(r: BootResult, cpu: Set<string>): number | undefined {
  const at = r.lineInstructions;
  if (!at) return undefined;
  let instructions = 0, ms = 0;
  r.lines.forEach((line, k) => {
    const m = /^RESULT name=(\S+)/.exec(line.text);
    if (m && k > 0 && cpu.has(m[1])) { instructions += at[k] - at[k - 1]; ms += line.ms - r.lines[k - 1].ms; }
  });
  return ms > 0 ? instructions / ms / 1000 : undefined;
}

interface Context {
  o: BenchOptions;
  d: BenchData;
  nativeExe?: string;
  /** checksum by workload and iteration count: equal on every system that ran those iterations */
  checksums: Record<string, Record<number, string>>;
  progress: (s: string) => void;
}

function checksum(c: Context, sys: System, name: string, iters: number, sum: string): void {
  const seen = (c.checksums[name] ??= {});
  if (seen[iters] && seen[iters] !== sum) throw new Error(`${name} x${iters}: checksum ${sum} on ${SYSTEM_NAMES[sys]}, ${seen[iters]} on another system`);
  seen[iters] = sum;
}

/** One system's run of every selected workload. */
async function workloadRun(c: Context, sys: System): Promise<void> {
  const list = iterationsOf(c.o, sys);
  if (list.length === 0) return;
  for (const [n, i] of list) (c.d.iterations[n] ??= {})[sys] = i;
  const kind = (n: string) => (c.o.cpu.includes(n) ? 'cpu' : 'os');
  if (sys === 'native') {
    for (const t of runNative(c.nativeExe!, list).values()) {
      checksum(c, sys, t.name, t.iters, t.checksum);
      push(c.d.workloads, `cpu:${t.name}`, sys, t.ns / t.iters);
    }
    return;
  }
  const r = await guestBoot(sys, appendOf(list));
  for (const w of workloadCosts(r).values()) {
    checksum(c, sys, w.name, w.iters, w.checksum);
    push(c.d.workloads, `${kind(w.name)}:${w.name}`, sys, w.ns);
  }
  const missing = list.filter(([n]) => !workloadCosts(r).has(n)).map(([n]) => n);
  if (missing.length) throw new Error(`${SYSTEM_NAMES[sys]}: no RESULT line for ${missing.join(', ')}`);
  if (sys === 'interpreted') {
    const mips = interpreterMips(r, new Set(c.o.cpu));
    if (mips !== undefined) push(c.d.whole, 'interp:mips', sys, mips);
  }
}

interface WholeRun { firstMs?: number; doneCpu?: number; wallMs: number; code: number; stdout: string }

/** A whole guest run from spawn to exit: the first non-empty console line, CPU time at the DONE line. */
export function timedRun(cmd: string, args: string[], consoleOn: 'stdout' | 'stderr', timeoutMs = 600_000): Promise<WholeRun> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: WholeRun = { wallMs: 0, code: -1, stdout: '' };
    let text = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child[consoleOn].on('data', (b: Buffer) => {
      text += b.toString('latin1');
      if (out.firstMs === undefined && /\S[^\n]*\n/.test(text)) out.firstMs = performance.now() - t0;
      // NaN where /proc cannot say (the CPU figure is then missing, not wrong)
      if (out.doneCpu === undefined && /^DONE /m.test(text)) out.doneCpu = cpuSecondsOf(child.pid!) ?? NaN;
    });
    if (consoleOn === 'stderr') child.stdout.on('data', (b: Buffer) => { out.stdout += b.toString(); });
    child.on('error', (e) => { clearTimeout(timer); fail(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      out.wallMs = performance.now() - t0;
      out.code = code ?? -1;
      const what = `${cmd.split('/').pop()} ${args.slice(0, 2).join(' ')}`;
      if (out.doneCpu === undefined) fail(new Error(`${what}: no DONE line (exit ${code}): ${text.trim().split('\n').pop() ?? ''}`));
      else if (!/^DONE .*failed=0 /m.test(text)) fail(new Error(`${what}: a workload failed: ${/^DONE .*$/m.exec(text)?.[0]}`));
      else done(out);
    });
  });
}

/** The command line `npm start` boots the built-in guest with (cli: the default append). */
export const START_APPEND = 'scale=0.1';

/** One system's whole `npm start` run. */
async function startRun(c: Context, sys: System): Promise<void> {
  const r = sys === 'translated'
    ? await timedRun(LAUNCHER, ['run', '--json', '--stats'], 'stderr')
    : sys === 'qemu'
      ? await timedRun(process.env.QEMU ?? 'qemu-system-i386', qemuArgs(START_APPEND), 'stdout')
      : await timedRun(process.execPath, [V86_RUN, '--append', `novmi ${START_APPEND}`], 'stdout');
  push(c.d.whole, 'start:wall', sys, r.wallMs / 1000);
  push(c.d.whole, 'start:cpu', sys, r.doneCpu!);
  if (r.firstMs !== undefined) push(c.d.whole, 'start:first', sys, r.firstMs);
  if (sys !== 'translated') return;
  const t = (JSON.parse(r.stdout) as { translator?: { usPerInstruction: number; jsBytesPerInstruction: number } }).translator;
  if (t) {
    push(c.d.whole, 'translate:us', sys, t.usPerInstruction);
    push(c.d.whole, 'translate:bytes', sys, t.jsBytesPerInstruction);
  }
}

/** `npm run guest:linux` restricted to its timed boot (686, one vCPU), on vmidbt and (unless left out) QEMU. */
async function linuxRun(c: Context): Promise<void> {
  const args = ['--import', join(ROOT, 'bin', 'register.mjs'), join(ROOT, 'guest', 'tools', 'linux.ts'), '--only', '686 smp=1 poweroff', '--jobs', '1'];
  if (!c.d.systems.includes('qemu')) args.push('--no-qemu');
  let out = '';
  const r = await runProcess(process.execPath, args, 3_600_000, (t) => { out += t; });
  // guest-linux: booted N of M, shell in S s (vmidbt) vs Q s (QEMU TCG, ...)
  const m = /booted (\d+) of (\d+), shell in (\S+) s \(vmidbt\) vs (\S+) s/.exec(out);
  if (!m || r.code !== 0 || m[1] !== m[2]) {
    const why = out.split('\n').filter((l) => /FAIL|missing|error/i.test(l)).slice(0, 2).join(' | ') || r.stderr.trim().split('\n').pop();
    throw new Error(`the Linux boot failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}): ${why}`);
  }
  push(c.d.whole, 'linux:shell', 'translated', Number(m[3]));
  if (Number.isFinite(Number(m[4]))) push(c.d.whole, 'linux:shell', 'qemu', Number(m[4]));
}

/** Which systems run, with a note for each one left out. */
function systemsOf(o: BenchOptions, nativeExe: string | undefined, notes: string[]): System[] {
  const out: System[] = [];
  if (nativeExe && o.cpu.length) out.push('native');
  out.push('translated', 'interpreted');
  if (o.qemu) {
    if (qemuPresent()) out.push('qemu');
    else notes.push(`QEMU TCG: ${process.env.QEMU ?? 'qemu-system-i386'} not found; its column is absent`);
  }
  if (o.v86) {
    const why = v86Missing();
    if (why) notes.push(`v86: ${why}; its column is absent`);
    else out.push('v86');
  }
  return out;
}

/** Every measurement, interleaved round by round. */
export async function runBench(o: BenchOptions, outDir: string, progress: (s: string) => void): Promise<BenchData> {
  const t0 = performance.now();
  const notes: string[] = [];
  const nativeExe = o.cpu.length ? buildNative(join(outDir, 'native'), (s) => notes.push(`native: ${s}`)) : undefined;
  const d: BenchData = { runs: o.runs, systems: systemsOf(o, nativeExe, notes), iterations: {}, workloads: {}, whole: {}, notes, load: [], seconds: 0 };
  const c: Context = { o, d, nativeExe, checksums: {}, progress };
  let linuxWhy = o.linux ? linuxMissing(LINUX_CACHE) : undefined;
  if (linuxWhy) notes.push(`Linux boot: skipped: ${linuxWhy}`);
  const startSystems = d.systems.filter((s) => s === 'translated' || s === 'qemu' || s === 'v86');
  for (let round = 0; round < o.runs; round++) {
    d.load.push(loadavg()[0]);
    const tag = `round ${round + 1}/${o.runs}`;
    for (const sys of o.cpu.length || o.os.length ? rotate(d.systems, round) : []) {
      progress(`${tag}: workloads, ${SYSTEM_NAMES[sys]}`);
      await workloadRun(c, sys);
    }
    if (o.start) {
      for (const sys of rotate(startSystems, round)) {
        progress(`${tag}: npm start's whole run, ${SYSTEM_NAMES[sys]}`);
        await startRun(c, sys);
      }
    }
    if (o.linux && !linuxWhy) {
      progress(`${tag}: Linux to the busybox shell (vmidbt${d.systems.includes('qemu') ? ', QEMU' : ''}; a minute or more)`);
      // a failed Linux boot is reported, not fatal: the rest of the bench stands without it
      await linuxRun(c).catch((e: Error) => { linuxWhy = e.message; notes.push(`Linux boot: ${e.message}; not tried again`); });
    }
  }
  d.seconds = (performance.now() - t0) / 1000;
  return d;
}
