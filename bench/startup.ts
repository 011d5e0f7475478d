/**
 * `npm run bench:startup`: how long `vmidbt run` takes to show the built-in
 * guest's first console line, side by side in one run with its baselines:
 *
 * - `vmidbt`: `bin/vmidbt.js run` run as a program, the command as users start it
 *   (`npx vmidbt`: its shell lines start Node with the guest's V8 worker pool,
 *   the launcher checks the compiled bundle in dist/cli/ and runs it);
 * - `TS loader`: the same command through the TypeScript loader
 *   (`VMIDBT_TS=1`, what every start did before the bundle; its transpile
 *   cache is warm after the first round);
 * - `QEMU TCG`: `qemu-system-i386 -kernel guest/kernel.elf`, booting the same
 *   kernel natively with the same command line (left out, with a note, when
 *   qemu is not installed);
 * - `node alone`: `node -e` printing one line, the floor any Node program
 *   starts from.
 *
 * A first line's time runs from just before spawn() to the host time the
 * line's newline arrived on the child's stdout; the line is the guest's
 * banner (`vmidbt guest kernel, ...`), which both vmidbt and QEMU print. The
 * child's CPU time at that moment (all its threads, /proc/PID/task/*\/schedstat)
 * and its page faults so far (/proc/PID/stat) are taken too: on a shared
 * machine they move less than the wall time, and where a page faulted in
 * is expensive (a virtual machine's host backing its memory: tens of µs a
 * page on the machine these figures were taken on) faults explain much of
 * a start. Then the child is killed. The `vmidbt` runs also report what the launcher's
 * staleness check cost (VMIDBT_LAUNCH_TRACE=1, one line on stderr). Last, the
 * whole process of `npm start`'s run (`vmidbt run`, every workload, to its
 * exit) against QEMU's whole boot of the same guest.
 *
 * Rounds are interleaved (every column once per round, the order rotating),
 * each figure is the median of the rounds with its spread, and the
 * Mann-Whitney test (stats.ts) says which differences are inside the noise.
 * Prints a table, writes bench/out/startup.json, and ends with
 * `startup: first console line vmidbt X ms, TS loader Y ms, QEMU Z ms (node alone W ms); npm start vmidbt A s, QEMU B s`.
 *
 * `measureStartup` is the core, for any bench that wants the startup row.
 *
 *   npm run bench:startup [-- --runs N] [-- --quick] [-- --no-qemu] [-- --out DIR]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAUNCHER } from '../cli/guest-process.ts';
import { LineClock, type TimedLine } from './timeline.ts';
import { differs, summarize, type Summary } from './stats.ts';
import { formatTable } from './table.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const KERNEL = join(ROOT, 'guest', 'kernel.elf');
/** what `npm start` passes the built-in guest (cli/boot.ts DEFAULT_GUEST_APPEND) */
const APPEND = 'scale=0.1';
/** the built-in guest's first line (guest/src/main.c) */
export const BANNER = /^vmidbt guest kernel, /;

export type Column = 'vmidbt' | 'loader' | 'qemu' | 'node';
export const COLUMN_NAMES: Record<Column, string> = { vmidbt: 'vmidbt', loader: 'TS loader', qemu: 'QEMU TCG', node: 'node alone' };

interface Command {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** the exit status of a run that went well (QEMU's debug-exit turns the guest's 0 into 1) */
  okExit?: number;
}

function qemuCommand(append = APPEND): Command {
  return {
    cmd: process.env.QEMU ?? 'qemu-system-i386',
    args: ['-kernel', KERNEL, '-append', append, '-m', '128', '-smp', '1', '-accel', 'tcg', '-display', 'none',
      '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
    okExit: 1,
  };
}

/** How each column starts; `vmidbt run` with no image boots guest/kernel.elf with scale=0.1, as `npm start` does. */
export function commandOf(column: Column): Command {
  switch (column) {
    case 'vmidbt': return { cmd: LAUNCHER, args: ['run'], env: { VMIDBT_LAUNCH_TRACE: '1' } };
    case 'loader': return { cmd: LAUNCHER, args: ['run'], env: { VMIDBT_TS: '1' } };
    case 'qemu': return qemuCommand();
    case 'node': return { cmd: process.execPath, args: ['-e', "console.log('vmidbt guest kernel, from node alone')"] };
  }
}

/** The host time of the first line matching `banner`, or undefined. */
export function firstLineMs(lines: readonly TimedLine[], banner: RegExp = BANNER): number | undefined {
  return lines.find((l) => banner.test(l.text))?.ms;
}

/** What the launcher's trace (VMIDBT_LAUNCH_TRACE=1) says its staleness check cost, in ms. */
export function checkMsOf(stderr: string): number | undefined {
  const m = /^vmidbt launch: bundle current: .* inputs checked in ([\d.]+) ms/m.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/** CPU time of a live process, all threads (Linux's schedstat: ns on a CPU); undefined elsewhere. */
export function processCpuMs(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return undefined;
  }
}

/** The minor page faults of /proc/PID/stat's text (its 10th field, counted after the parenthesised name). */
export function minorFaultsOf(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = Number(fields[7]);
  return Number.isInteger(n) ? n : undefined;
}

function processFaults(pid: number): number | undefined {
  try {
    return minorFaultsOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export interface Sample {
  /** spawn to the first line (or to the exit, for a whole run), host ms */
  ms: number;
  /** the child's CPU time and page faults then, when the host says */
  cpuMs?: number;
  faults?: number;
  checkMs?: number;
  exitCode: number | null;
}

/**
 * Start a command; with `toFirstLine`, time its first banner line and kill it
 * there, else time it to its exit. Rejects when the line never comes.
 */
export function timeOnce(c: Command, toFirstLine: boolean, timeoutMs = 120_000): Promise<Sample> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(c.cmd, c.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...c.env } });
    let first: { ms: number; cpuMs?: number; faults?: number } | undefined;
    let stderr = '';
    const clock = new LineClock((line) => {
      if (first || !toFirstLine || !BANNER.test(line.text)) return;
      first = { ms: line.ms - t0, cpuMs: processCpuMs(child.pid!), faults: processFaults(child.pid!) };
      child.kill('SIGKILL');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => clock.take(d.toString('latin1'), performance.now()));
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (e) => { clearTimeout(timer); fail(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      const what = `${c.cmd} ${c.args.join(' ')}`;
      if (toFirstLine && !first) return fail(new Error(`${what}: no guest banner on stdout (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
      if (!toFirstLine && code !== (c.okExit ?? 0)) return fail(new Error(`${what}: exit status ${code}: ${stderr.trim().split('\n').pop() ?? ''}`));
      done({ ms: first?.ms ?? ms, cpuMs: first?.cpuMs, faults: first?.faults, checkMs: checkMsOf(stderr), exitCode: code });
    });
  });
}

export interface StartupOptions {
  /** interleaved rounds (at least 5 for a figure worth reading) */
  runs: number;
  /** leave out QEMU (it is left out anyway when not installed) */
  qemu?: boolean;
  /** rounds of the whole `npm start` run (0: none); default `runs` */
  wholeRuns?: number;
  /** the guest's command line in the whole runs (default scale=0.1, npm start's) */
  wholeAppend?: string;
  progress?: (text: string) => void;
}

export interface ColumnResult { column: Column; name: string; firstLine: Summary; cpu: Summary; faults: Summary; samples: Sample[] }

export interface StartupReport {
  runs: number;
  columns: ColumnResult[];
  /** the launcher's staleness check, ms per start (from the vmidbt column's runs) */
  check: Summary;
  /** the guest's command line in the whole runs */
  wholeAppend: string;
  /** whole process of `npm start`'s run, ms */
  whole: { column: 'vmidbt' | 'qemu'; name: string; summary: Summary; samples: Sample[] }[];
  notes: string[];
}

export function qemuInstalled(): boolean {
  return spawnSync(process.env.QEMU ?? 'qemu-system-i386', ['--version']).status === 0;
}

/** Each column once per round, the order rotating; `run(column)` gives one sample. */
async function interleave<C extends string>(columns: readonly C[], rounds: number, run: (c: C) => Promise<Sample>, progress: (t: string) => void, label: string): Promise<Map<C, Sample[]>> {
  const out = new Map<C, Sample[]>(columns.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    progress(`${label}: round ${r + 1}/${rounds}`);
    for (let k = 0; k < columns.length; k++) {
      const c = columns[(k + r) % columns.length];
      out.get(c)!.push(await run(c));
    }
  }
  return out;
}

/** The startup benchmark's measurements (no printing): first lines, then whole runs. */
export async function measureStartup(opts: StartupOptions): Promise<StartupReport> {
  const progress = opts.progress ?? (() => {});
  const notes: string[] = [];
  const withQemu = opts.qemu !== false && qemuInstalled();
  if (opts.qemu !== false && !withQemu) notes.push('QEMU TCG left out: qemu-system-i386 is not installed');
  const columns: Column[] = ['vmidbt', 'loader', ...(withQemu ? ['qemu' as const] : []), 'node'];
  // one start of each outside the figures: builds the bundle and fills the loader's cache if needed
  for (const c of columns) await timeOnce(commandOf(c), true);
  const first = await interleave(columns, opts.runs, (c) => timeOnce(commandOf(c), true), progress, 'first console line');
  const wholeColumns: ('vmidbt' | 'qemu')[] = ['vmidbt', ...(withQemu ? ['qemu' as const] : [])];
  const append = opts.wholeAppend ?? APPEND;
  const wholeCommand = (c: 'vmidbt' | 'qemu'): Command => (c === 'vmidbt' ? { cmd: LAUNCHER, args: ['run', '--append', append] } : qemuCommand(append));
  const whole = await interleave(wholeColumns, opts.wholeRuns ?? opts.runs, (c) => timeOnce(wholeCommand(c), false), progress, 'npm start, whole process');
  const checks = first.get('vmidbt')!.map((s) => s.checkMs ?? NaN);
  if (checks.some((x) => Number.isNaN(x))) notes.push('some vmidbt starts ran no staleness check (the bundle was rebuilt or the loader ran)');
  return {
    runs: opts.runs,
    columns: columns.map((c) => {
      const samples = first.get(c)!;
      const of = (f: (s: Sample) => number | undefined) => summarize(samples.map((s) => f(s) ?? NaN));
      return { column: c, name: COLUMN_NAMES[c], firstLine: of((s) => s.ms), cpu: of((s) => s.cpuMs), faults: of((s) => s.faults), samples };
    }),
    check: summarize(checks),
    wholeAppend: append,
    whole: wholeColumns.map((c) => ({ column: c, name: COLUMN_NAMES[c], summary: summarize(whole.get(c)!.map((s) => s.ms)), samples: whole.get(c)! })),
    notes,
  };
}

const ms = (s: Summary) => (Number.isFinite(s.median) ? `${s.median.toFixed(0)} ±${Math.round(s.spread * 100)}%` : '-');

/** `a` against `b` as a ratio of medians, `~` when the rounds do not tell them apart. */
function ratio(a: number[], b: number[]): string {
  if (!a.length || !b.length) return '-';
  const r = summarize(a).median / summarize(b).median;
  return `${differs(a, b) ? ' ' : '~'}${r.toFixed(2)}x`;
}

/** The report as people read it: two tables, the notes and the closing line. */
export function formatStartup(r: StartupReport): string {
  const vm = r.columns.find((c) => c.column === 'vmidbt')!;
  const firsts = (c: ColumnResult) => c.samples.map((s) => s.ms);
  const cpus = (c: ColumnResult) => c.samples.map((s) => s.cpuMs ?? NaN).filter(Number.isFinite);
  const rows = r.columns.map((c) => [c.name, ms(c.firstLine), ms(c.cpu), Number.isFinite(c.faults.median) ? c.faults.median.toFixed(0) : '-',
    c === vm ? '1.00x' : ratio(firsts(c), firsts(vm)), c === vm ? '1.00x' : ratio(cpus(c), cpus(vm))]);
  const out = [
    `First guest console line after spawn (median of ${r.runs} interleaved rounds, ±half range; ~: inside the noise)`,
    formatTable(['command', 'wall ms', 'CPU ms', 'page faults', 'wall vs vmidbt', 'CPU vs vmidbt'], rows),
    '',
    `launcher's staleness check (dist/cli/manifest.json against the sources): ${Number.isFinite(r.check.median) ? `${r.check.median.toFixed(2)} ms ±${Math.round(r.check.spread * 100)}%` : '-'} per start`,
    '',
    `npm start's run, whole process (every workload, ${r.wholeAppend}, to the exit)`,
    formatTable(['command', 'wall s'], r.whole.map((w) => [w.name, Number.isFinite(w.summary.median) ? `${(w.summary.median / 1000).toFixed(2)} ±${Math.round(w.summary.spread * 100)}%` : '-'])),
    ...r.notes.map((n) => `note: ${n}`),
  ];
  return `${out.join('\n')}\n${closingLine(r)}`;
}

export function closingLine(r: StartupReport): string {
  const col = (c: Column) => r.columns.find((x) => x.column === c);
  const first = (c: Column) => { const x = col(c); return x ? `${x.firstLine.median.toFixed(0)} ms` : 'n/a'; };
  const whole = (c: 'vmidbt' | 'qemu') => { const w = r.whole.find((x) => x.column === c); return w && Number.isFinite(w.summary.median) ? `${(w.summary.median / 1000).toFixed(2)} s` : 'n/a'; };
  return `startup: first console line vmidbt ${first('vmidbt')}, TS loader ${first('loader')}, QEMU ${first('qemu')} (node alone ${first('node')}); npm start vmidbt ${whole('vmidbt')}, QEMU ${whole('qemu')}`;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The command: options, progress on stderr, the report on stdout, the JSON in bench/out/. */
export async function benchStartup(args: string[]): Promise<number> {
  const quick = args.includes('--quick');
  const runs = Number(option(args, '--runs') ?? (quick ? 1 : 5));
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a whole number of rounds, got ${option(args, '--runs')}`);
  const outDir = resolve(option(args, '--out') ?? join(ROOT, 'bench', 'out'));
  // --quick: the whole run at a tenth of npm start's workloads, so the smoke test takes seconds
  const wholeAppend = quick ? 'scale=0.01' : APPEND;
  const report = await measureStartup({ runs, qemu: !args.includes('--no-qemu'), wholeAppend, progress: (t) => process.stderr.write(`${t}\n`) });
  if (quick) report.notes.push(`--quick: one round and the whole run at ${wholeAppend}, a smoke test, not a measurement`);
  process.stdout.write(`${formatStartup(report)}\n`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'startup.json'), `${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchStartup(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => { process.stderr.write(`bench:startup: ${(e as Error).message}\n`); process.exitCode = 1; },
  );
}
