/**
 * What `npm run bench` makes of its measurements (bench-run.ts): the
 * terminal tables, the lines for the figures that are one number, the JSON
 * record, the chart, and the closing line
 * `bench: vmidbt R1 x native, QEMU R2 x, v86 R3 x (geomean); linux shell vmidbt S1 s, QEMU S2 s`.
 *
 * Every figure is the median over rounds with its spread (half range over
 * median). A ratio is the median of the per-round ratios with its spread,
 * marked `~` when the two sides' samples do not differ beyond the noise
 * (exact Mann-Whitney, stats.ts). Pure functions of the data.
 */
import { geomean, median, pairedRatios, summarize } from './stats.ts';
import { fmt, fmt3, formatTable, ratioText, summaryCell } from './table.ts';
import { barChartSvg, type BarGroup } from './svg.ts';
import { SYSTEM_NAMES, type BenchData, type Samples, type System } from './bench-run.ts';

const EMULATORS: System[] = ['translated', 'interpreted', 'qemu', 'v86'];
const SHORT: Record<System, string> = { native: 'native', translated: 'vmidbt', interpreted: 'interp', qemu: 'QEMU', v86: 'v86' };
const COLORS: Record<System, string> = { native: '#555555', translated: '#1f77b4', interpreted: '#aec7e8', qemu: '#d62728', v86: '#2ca02c' };
/** the probe of page straddling is a copy of `interp`: kept out of the geomean so the bytecode VM does not count twice */
const NOT_IN_GEOMEAN = new Set(['interp_straddle']);

/** a table before it is laid out, for the terminal or as Markdown */
interface Grid { head: string[]; rows: string[][] }
const gridText = (g: Grid) => formatTable(g.head, g.rows);

const samplesOf = (s: Samples, key: string, sys: System): number[] => s[key]?.[sys] ?? [];

/** The rows of a kind ('cpu' or 'os') that have samples, in the order measured. */
function rowsOf(d: BenchData, kind: 'cpu' | 'os'): string[] {
  return Object.keys(d.workloads).filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1));
}

function emulators(d: BenchData): System[] {
  return EMULATORS.filter((s) => d.systems.includes(s));
}

/** vmidbt translated against QEMU and v86, where each ran. */
function versus(d: BenchData): System[] {
  return (['qemu', 'v86'] as System[]).filter((s) => d.systems.includes(s));
}

/** CPU workloads: native time per iteration, each system's time over native, vmidbt over QEMU and v86. */
export function cpuTable(d: BenchData): string {
  return gridText(cpuGrid(d));
}

function cpuGrid(d: BenchData): Grid {
  const sys = emulators(d), vs = versus(d);
  const head = ['CPU workload', 'native ns/iter', ...sys.map((s) => `${SHORT[s]} x native`), ...vs.map((s) => `vmidbt/${SHORT[s]}`)];
  const rows = rowsOf(d, 'cpu').map((w) => {
    const s = d.workloads[`cpu:${w}`];
    const native = s.native ?? [];
    return [w, summaryCell(summarize(native)), ...sys.map((x) => ratioText(s[x] ?? [], native)), ...vs.map((x) => ratioText(s.translated ?? [], s[x] ?? []))];
  });
  return { head, rows };
}

/** OS workloads: µs per iteration on each system, vmidbt over QEMU and v86. */
export function osTable(d: BenchData): string {
  return gridText(osGrid(d));
}

function osGrid(d: BenchData): Grid {
  const sys = emulators(d), vs = versus(d);
  const head = ['OS workload', ...sys.map((s) => `${SHORT[s]} us/iter`), ...vs.map((s) => `vmidbt/${SHORT[s]}`)];
  const rows = rowsOf(d, 'os').map((w) => {
    const s = d.workloads[`os:${w}`];
    return [w, ...sys.map((x) => summaryCell(summarize(s[x] ?? []), 1e-3)), ...vs.map((x) => ratioText(s.translated ?? [], s[x] ?? []))];
  });
  return { head, rows };
}

const WHOLE_ROWS: [string, string][] = [
  ['start:wall', 'npm start, whole run, wall s'],
  ['start:cpu', 'npm start, CPU s to DONE'],
  ['start:first', 'first console line, ms'],
  ['linux:shell', 'Linux to busybox shell, CPU s'],
];

/** Whole runs: `npm start`, the first console line, the Linux boot. */
export function wholeTable(d: BenchData): string | undefined {
  const g = wholeGrid(d);
  return g.rows.length ? gridText(g) : undefined;
}

function wholeGrid(d: BenchData): Grid {
  const sys = (['translated', 'qemu', 'v86'] as System[]).filter((s) => d.systems.includes(s)), vs = versus(d);
  const rows = WHOLE_ROWS.filter(([k]) => d.whole[k]).map(([k, label]) => {
    const s = d.whole[k];
    return [label, ...sys.map((x) => summaryCell(summarize(s[x] ?? []))), ...vs.map((x) => ratioText(s.translated ?? [], s[x] ?? []))];
  });
  return { head: ['whole run', ...sys.map((s) => SHORT[s]), ...vs.map((s) => `vmidbt/${SHORT[s]}`)], rows };
}

/** The median over rounds of one system's time over native for a CPU workload. */
function xNative(d: BenchData, w: string, sys: System): number {
  const s = d.workloads[`cpu:${w}`];
  return median(pairedRatios(s?.[sys] ?? [], s?.native ?? []));
}

/** Each system's geomean over the CPU workloads of its time over native (NaN without native). */
export function geomeans(d: BenchData): Partial<Record<System, number>> {
  const out: Partial<Record<System, number>> = {};
  const rows = rowsOf(d, 'cpu').filter((w) => !NOT_IN_GEOMEAN.has(w));
  for (const sys of emulators(d)) out[sys] = geomean(rows.map((w) => xNative(d, w, sys)));
  return out;
}

/** interp_straddle over interp per system (the page-straddle ratio), NaN without both. */
function straddle(d: BenchData, sys: System): number {
  const a = samplesOf(d.workloads, 'cpu:interp_straddle', sys), b = samplesOf(d.workloads, 'cpu:interp', sys);
  return median(pairedRatios(a, b));
}

/** The figures that are one number each: translation cost, interpreter speed, page straddling, vmidbt's leads. */
export function figureLines(d: BenchData): string[] {
  const out: string[] = [];
  const w = d.whole;
  const med = (k: string, sys: System = 'translated') => summaryCell(summarize(samplesOf(w, k, sys)));
  if (w['translate:us']) out.push(`translation (npm start's run): ${med('translate:us')} us and ${med('translate:bytes')} bytes of JavaScript per guest instruction translated (targets <= 3 us, <= 60 bytes)`);
  if (w['interp:mips']) out.push(`interpreter: ${med('interp:mips', 'interpreted')} MIPS over the CPU workloads (target >= 30)`);
  const st = emulators(d).filter((s) => s !== 'interpreted').map((s) => `${SHORT[s]} ${fmt(straddle(d, s), 3)}`);
  if (d.workloads['cpu:interp_straddle'] && d.workloads['cpu:interp']) out.push(`page straddle (interp_straddle / interp): ${st.join(', ')} (target for vmidbt <= 1.05)`);
  const lead = (key: string, label: string) => {
    const s = d.workloads[key];
    if (!s) return;
    const parts = versus(d).map((x) => `vmidbt/${SHORT[x]} ${ratioText(s.translated ?? [], s[x] ?? []).trim()}`);
    if (parts.length) out.push(`${label}: ${parts.join(', ')} (below 1: vmidbt leads)`);
  };
  lead('cpu:memops', 'string operations (memops)');
  lead('os:ptemod', 'PTE rewrite + invlpg loop (ptemod)');
  return out;
}

const x = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? fmt(v, 1) : '-');

/** The last line of the run. */
export function closingLine(d: BenchData): string {
  const g = geomeans(d);
  const shell = (sys: System) => x(median(samplesOf(d.whole, 'linux:shell', sys)));
  return `bench: vmidbt ${x(g.translated)} x native, QEMU ${x(g.qemu)} x, v86 ${x(g.v86)} x (geomean); linux shell vmidbt ${shell('translated')} s, QEMU ${shell('qemu')} s`;
}

/** One bar per system and row: the median of `values(row, system)`, whiskers from its smallest to its largest. */
function barsOf(d: BenchData, rows: string[], values: (row: string, sys: System) => number[]): BarGroup[] {
  return rows.map((w) => ({
    label: w,
    bars: emulators(d).map((s) => {
      const v = values(w, s);
      return v.length ? { value: median(v), lo: Math.min(...v), hi: Math.max(...v) } : { value: undefined };
    }),
  }));
}

function chartOf(d: BenchData, title: string, unit: string, note: string, groups: BarGroup[]): string {
  const series = emulators(d).map((s) => ({ name: SYSTEM_NAMES[s], color: COLORS[s] }));
  return barChartSvg({ title, subtitle: note, unit, series, groups });
}

/** The chart: each CPU workload's time over native, one bar per system, whiskers over the rounds. */
export function chartSvg(d: BenchData, note: string): string {
  const cpu = (w: string, s: System) => samplesOf(d.workloads, `cpu:${w}`, s);
  const groups = barsOf(d, rowsOf(d, 'cpu'), (w, s) => pairedRatios(cpu(w, s), cpu(w, 'native')));
  const g = geomeans(d);
  groups.push({ label: 'geomean', bars: emulators(d).map((s) => ({ value: Number.isFinite(g[s]) ? g[s] : undefined })) });
  return chartOf(d, 'CPU workloads of the guest: time over native (lower is better)', 'x native', note, groups);
}

/** The OS workloads' chart: host µs per iteration on each emulator, whiskers over the rounds (undefined without OS rows). */
export function osChartSvg(d: BenchData, note: string): string | undefined {
  const rows = rowsOf(d, 'os');
  if (!rows.length) return undefined;
  const groups = barsOf(d, rows, (w, s) => samplesOf(d.workloads, `os:${w}`, s).map((ns) => ns / 1000));
  return chartOf(d, 'OS workloads of the guest: host time per iteration (lower is better)', 'us per iteration', note, groups);
}

/** Everything measured, every sample included, for machines. */
export function jsonRecord(d: BenchData, extra: Record<string, unknown>): Record<string, unknown> {
  const summaries = (s: Samples) => Object.fromEntries(Object.entries(s).map(([k, bySys]) =>
    [k, Object.fromEntries(Object.entries(bySys).map(([sys, xs]) => [sys, { ...summarize(xs), samples: xs }]))]));
  const g = geomeans(d);
  return {
    ...extra,
    runs: d.runs, systems: d.systems, iterations: d.iterations,
    workloads: summaries(d.workloads), whole: summaries(d.whole),
    xNativeGeomean: Object.fromEntries(Object.entries(g).map(([k, v]) => [k, Number.isFinite(v) ? v : null])),
    notes: d.notes, load: d.load, seconds: d.seconds,
    closingLine: closingLine(d),
  };
}

/** The host's load during the run, one line. */
export function loadLine(d: BenchData, cores: number): string {
  if (!d.load.length) return '';
  return `host load (1-min average, ${cores} cores) before each round: ${d.load.map((l) => fmt3(l)).join(', ')}`;
}

/** The data back from a bench.json (jsonRecord's output), to report a run again without measuring. */
export function dataFromJson(j: Record<string, unknown>): BenchData {
  const samples = (s: unknown): Samples => Object.fromEntries(Object.entries(s as Record<string, Record<string, { samples: number[] }>>).map(([k, bySys]) =>
    [k, Object.fromEntries(Object.entries(bySys).map(([sys, v]) => [sys, v.samples]))]));
  if (!Array.isArray(j.systems) || typeof j.workloads !== 'object' || typeof j.whole !== 'object') throw new Error('not a bench.json (no systems, workloads, whole)');
  return {
    runs: Number(j.runs), systems: j.systems as System[], iterations: (j.iterations ?? {}) as BenchData['iterations'],
    workloads: samples(j.workloads), whole: samples(j.whole), notes: (j.notes ?? []) as string[], load: (j.load ?? []) as number[], seconds: Number(j.seconds),
  };
}

/** The results as Markdown tables and a list of the single figures (bench.md), for a README. */
export function markdown(d: BenchData): string {
  const md = (g: Grid) => [`| ${g.head.join(' | ')} |`, `|${g.head.map((_, k) => (k ? '---:' : '---')).join('|')}|`,
    ...g.rows.map((r) => `| ${r.map((c) => c.trim()).join(' | ')} |`)].join('\n');
  const out = [cpuGrid(d), osGrid(d), wholeGrid(d)].filter((g) => g.rows.length).map(md);
  out.push(figureLines(d).map((l) => `- ${l}`).join('\n'));
  return out.join('\n\n') + '\n';
}
