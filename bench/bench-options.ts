/**
 * The command line of `npm run bench` and what each row of the benchmark
 * is. Parsing is a pure function: bad input is a `UserError` with status 2
 * and a one-line message (bench.ts prints it), so tests can call it.
 */
import { UserError } from '../base/errors.ts';
import { CPU_WORKLOADS } from './cpu-workloads.ts';

/** The guest's OS workloads and their base iteration counts (guest/README.md). */
export const OS_WORKLOADS: readonly [string, number][] = [
  ['null', 200000], ['sysenter', 200000], ['ctxsw', 40000], ['pagefault', 20000],
  ['fork', 1000], ['mmap', 2000], ['ptemod', 100000], ['cow', 500],
];

export const CPU_NAMES = CPU_WORKLOADS.map(([n]) => n);
export const OS_NAMES = OS_WORKLOADS.map(([n]) => n);
/** rows that are not one workload: `npm start`'s whole run (with the first console line and translation cost), the Linux boot */
export const WHOLE_ROWS = ['start', 'linux'] as const;
const GROUPS: Record<string, readonly string[]> = { cpu: CPU_NAMES, os: OS_NAMES };

export interface BenchOptions {
  runs: number;
  quick: boolean;
  /** CPU and OS workloads to run, in table order */
  cpu: string[];
  os: string[];
  start: boolean;
  linux: boolean;
  qemu: boolean;
  v86: boolean;
  saveCharts: boolean;
  /** where bench.json and the chart go */
  out?: string;
  /** report this bench.json again instead of measuring */
  report?: string;
}

export const USAGE = 'usage: npm run bench [-- --runs N] [--quick] [--only ROWS] [--no-qemu] [--no-v86] [--no-linux] [--save-charts] [--out DIR] [--report FILE]';

function runsOf(v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !/^\d+$/.test(v) || n < 1 || n > 100) throw new UserError(`bench: --runs wants an integer from 1 to 100, got '${v ?? ''}'`, 2);
  return n;
}

/** The rows `--only` names (workload names, the groups cpu and os, start, linux). */
function rowsOf(v: string | undefined): Set<string> {
  const known = [...CPU_NAMES, ...OS_NAMES, ...WHOLE_ROWS, ...Object.keys(GROUPS)];
  const names = (v ?? '').split(',').filter(Boolean);
  if (names.length === 0) throw new UserError(`bench: --only wants a comma-separated list of rows (${known.join(', ')})`, 2);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new UserError(`bench: unknown row ${unknown.join(', ')} (known: ${known.join(', ')})`, 2);
  return new Set(names.flatMap((n) => GROUPS[n] ?? [n]));
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = {
    runs: 5, quick: false, cpu: [...CPU_NAMES], os: [...OS_NAMES], start: true, linux: true,
    qemu: true, v86: true, saveCharts: false,
  };
  let runs: number | undefined;
  let only: Set<string> | undefined;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const value = () => (k + 1 < argv.length && !argv[k + 1].startsWith('--') ? argv[++k] : undefined);
    if (a === '--runs') runs = runsOf(value());
    else if (a === '--only') only = rowsOf(value());
    else if (a === '--out') { o.out = value(); if (!o.out) throw new UserError('bench: --out wants a directory', 2); }
    else if (a === '--report') { o.report = value(); if (!o.report) throw new UserError('bench: --report wants a bench.json', 2); }
    else if (a === '--quick') o.quick = true;
    else if (a === '--no-qemu') o.qemu = false;
    else if (a === '--no-v86') o.v86 = false;
    else if (a === '--no-linux') o.linux = false;
    else if (a === '--save-charts') o.saveCharts = true;
    else throw new UserError(`bench: unknown argument '${a}' (${USAGE})`, 2);
  }
  o.runs = runs ?? (o.quick ? 1 : 5);
  if (o.quick) o.linux = false;
  if (only) {
    o.cpu = o.cpu.filter((n) => only.has(n));
    o.os = o.os.filter((n) => only.has(n));
    o.start = only.has('start');
    o.linux &&= only.has('linux');
  }
  return o;
}
