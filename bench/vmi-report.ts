/**
 * What `vmidbt bench vmi` makes of its measurements (bench/vmi-lab.ts): the
 * terminal tables, the check of the issue's targets, the JSON record and
 * the two charts, and the closing line
 * `bench vmi: N operations, inlined median X call/ret pairs, ROM median Y,
 * native-translated median Z`.
 *
 * Every figure is the median over rounds with its spread (half range over
 * median). A ratio between two columns is the median of the per-round
 * ratios with their spread, marked `~` when the two columns' samples do not differ beyond the
 * noise (Mann-Whitney, bench/stats.ts).
 */
import type { Column } from './vmi-boot.ts';
import type { LabData, Samples } from './vmi-lab.ts';
import { differs, median, pairedRatios, summarize, type Summary } from './stats.ts';
import { fmt3, formatTable, ratioText, summaryCell } from './table.ts';
import { barChartSvg, type BarChart } from './svg.ts';

export const COLUMN_NAMES: Record<Column, string> = {
  interp: 'native, interpreted',
  native: 'native, translated',
  rom: 'VMI call, ROM',
  inline: 'VMI call, inlined',
  'native-wasm': 'native, translated to WebAssembly',
  'inline-wasm': 'VMI call, inlined, WebAssembly',
  qemu: 'QEMU TCG, native',
};
const SHORT: Record<Column, string> = { interp: 'interp', native: 'native', rom: 'ROM', inline: 'inlined', 'native-wasm': 'native wasm', 'inline-wasm': 'inlined wasm', qemu: 'QEMU' };
const COLORS: Record<Column, string> = { interp: '#9e9e9e', native: '#1f77b4', rom: '#ff7f0e', inline: '#2ca02c', 'native-wasm': '#17becf', 'inline-wasm': '#bcbd22', qemu: '#9467bd' };

/** With `--wasm`: the inlined call against native, both as WebAssembly (the same question asked of the other code generator). */
const hasWasmPair = (cols: readonly Column[]) => cols.includes('inline-wasm') && cols.includes('native-wasm');

/** What each operation is, natively and through the ROM. */
export const OP_LABELS: Record<string, string> = {
  callret: 'unit: call + ret',
  add: 'unit: add',
  irq_off: 'cli | DisableInterrupts',
  irq_on: 'sti | EnableInterrupts',
  read_cr2: 'read CR2 | GetCR2',
  read_cr3: 'read CR3 | GetCR3',
  write_cr3: 'write CR3 | SetCR3',
  pte_invlpg: 'PTE+invlpg | SetPxE+InvalPage',
  pte_round: 'PTE+invlpg+read (round)',
  batch64: '64 PTEs+flush, immediate',
  batch64_deferred: '64 PTEs+flush, deferred',
  flush_tlb: 'TLB flush | FlushTLB',
  apic_eoi: 'EOI: MMIO | APICWrite',
  apic_tpr: 'TPR: MMIO | APICWrite',
  port_in: 'inb | INB',
  port_out: 'outb | OUTB',
  iret_same: 'iret, same ring | IRET',
  iret_user: 'iret to ring 3 + int back',
  sysexit: 'sysexit + sysenter back',
  cpuid: 'cpuid | CPUID',
  rdtsc: 'rdtsc | GetCycleCounter',
};

/** The single-call operations the "inlined call costs at most k call/ret pairs" target is about, with k. */
export const CALL_LIMITS: Record<string, number> = {
  irq_off: 1, irq_on: 1, read_cr2: 1, read_cr3: 1, write_cr3: 1,
  flush_tlb: 2, apic_eoi: 2, apic_tpr: 2, port_in: 2, port_out: 2, iret_same: 2, cpuid: 2, rdtsc: 2,
};

const samplesOf = (s: Samples, key: string, col: Column): number[] => s[key]?.[col] ?? [];
const summaryOf = (s: Samples, key: string, col: Column): Summary => summarize(samplesOf(s, key, col));

const cell = summaryCell;

/**
 * "a/b" as the median of per-round ratios with their spread (half range over
 * median), and `~` when a and b are inside each other's noise.
 */
export function ratioCell(s: Samples, key: string, a: Column, b: Column): string {
  return ratioText(samplesOf(s, key, a), samplesOf(s, key, b));
}

/** The paravirtual column compared with native: inlined when measured, else the ROM. */
export function pvColumn(d: LabData): Column {
  return d.modes.includes('inline') ? 'inline' : 'rom';
}

/** Host ns per operation in every way of running, and the paravirtual column against native. */
export function microTable(d: LabData): string {
  const pv = pvColumn(d);
  const head = ['operation (host ns)', ...d.modes.map((m) => SHORT[m]), `${SHORT[pv]}/native`];
  if (pv === 'inline') head.push('inlined/ROM');
  const wasm = hasWasmPair(d.modes);
  if (wasm) head.push('inl. wasm/native wasm');
  const rows = d.ops.map((op) => {
    const row = [OP_LABELS[op.name] ?? op.name, ...d.modes.map((m) => cell(summaryOf(d.micro, op.name, m))), ratioCell(d.micro, op.name, pv, 'native')];
    if (pv === 'inline') row.push(ratioCell(d.micro, op.name, 'inline', 'rom'));
    if (wasm) row.push(ratioCell(d.micro, op.name, 'inline-wasm', 'native-wasm'));
    return row;
  });
  return formatTable(head, rows);
}

/** The same costs in the units of each boot: call/ret pairs and adds; and how many of the operation's calls were inlined. */
export function unitTable(d: LabData): string {
  const shares = d.modes.includes('inline');
  const head = ['operation (units)', ...d.modes.map((m) => `${SHORT[m]} c/r`), ...d.modes.map((m) => `${SHORT[m]} adds`)];
  if (shares) head.push('calls inlined');
  const rows = d.ops.map((op) => {
    const row = [
      OP_LABELS[op.name] ?? op.name,
      ...d.modes.map((m) => fmt3(summaryOf(d.microUnits, op.name, m).median)),
      ...d.modes.map((m) => fmt3(summaryOf(d.microAdds, op.name, m).median)),
    ];
    const share = d.inlinedShare[op.name];
    if (shares) row.push(share === undefined || Number.isNaN(share) ? '-' : `${Math.round(share * 100)}%`);
    return row;
  });
  return formatTable(head, rows);
}

export function workloadTable(d: LabData): string {
  const pv = pvColumn(d);
  const head = ['workload (us/iteration)', ...d.columns.map((c) => SHORT[c]), `${SHORT[pv]}/native`];
  if (d.columns.includes('qemu')) head.push(`${SHORT[pv]}/QEMU`);
  const wasm = hasWasmPair(d.columns);
  if (wasm) head.push('inl. wasm/native wasm');
  const rows = Object.keys(d.workloads).map((w) => {
    const row = [w, ...d.columns.map((c) => cell(summaryOf(d.workloads, w, c), 1e-3)), ratioCell(d.workloads, w, pv, 'native')];
    if (d.columns.includes('qemu')) row.push(ratioCell(d.workloads, w, pv, 'qemu'));
    if (wasm) row.push(ratioCell(d.workloads, w, 'inline-wasm', 'native-wasm'));
    return row;
  });
  return formatTable(head, rows);
}

/**
 * The paravirtual column over native translated in each run of every
 * workload in a boot, first to last (the last is the one timed): how much of
 * a difference is V8 still optimizing the code, which a run's few
 * milliseconds do not average away.
 */
export function warmupTable(d: LabData): string {
  const pv = pvColumn(d);
  const last = d.workloadRuns.length - 1;
  const head = [`workload (${SHORT[pv]}/native)`, ...d.workloadRuns.map((_, k) => (k === last ? `run ${k + 1} (timed)` : `run ${k + 1}`))];
  const rows = Object.keys(d.workloads).map((w) => [w, ...d.workloadRuns.map((s) => ratioCell(s, w, pv, 'native'))]);
  return formatTable(head, rows);
}

/** VMI calls per iteration of each workload, from the paravirtual column's first boot: total, share inlined, the most frequent. */
export function callTable(d: LabData): string {
  const pv = pvColumn(d);
  const rows: string[][] = [];
  for (const [w, byCol] of Object.entries(d.workloadCalls)) {
    const calls = byCol[pv];
    if (!calls) continue;
    const list = Object.entries(calls).map(([name, [c, i]]) => ({ name, n: c + i, inlined: i })).sort((a, b) => b.n - a.n);
    const total = list.reduce((s, c) => s + c.n, 0);
    const inlined = list.reduce((s, c) => s + c.inlined, 0);
    const top = list.slice(0, 5).map((c) => `${c.name} ${fmt3(c.n)}`).join(', ');
    rows.push([w, fmt3(total), total ? `${Math.round((inlined / total) * 100)}%` : '-', top]);
  }
  return formatTable(['workload', 'VMI calls/iteration', 'inlined', 'most frequent (per iteration)'], rows);
}

export interface Target { what: string; value: string; limit: string; met: boolean | undefined }

const medianOf = (s: Samples, key: string, col: Column) => summaryOf(s, key, col).median;

function callTargets(d: LabData): Target[] {
  const out: Target[] = [];
  for (const [op, k] of Object.entries(CALL_LIMITS)) {
    const v = medianOf(d.microUnits, op, 'inline');
    if (!d.micro[op]) continue;
    const call = OP_LABELS[op].split(' | ')[1] ?? op;
    // APICWrite serves two operations (EOI, TPR): name the register
    const what = call === 'APICWrite' ? `${call} (${OP_LABELS[op].split(':')[0]})` : call;
    out.push({ what: `inlined ${what}`, value: `${fmt3(v)} call/ret`, limit: `<= ${k}`, met: Number.isFinite(v) ? v <= k : undefined });
  }
  return out;
}

/** The targets, each with its measured value (undefined `met`: not measured). */
export function targets(d: LabData): Target[] {
  const out = callTargets(d);
  const inl = medianOf(d.micro, 'pte_invlpg', 'inline'), rom = medianOf(d.micro, 'pte_invlpg', 'rom');
  out.push({ what: 'SetPxE+InvalPage inlined / ROM', value: fmt3(inl / rom), limit: '<= 0.2', met: Number.isFinite(inl / rom) ? inl / rom <= 0.2 : undefined });
  const round = medianOf(d.micro, 'pte_round', 'inline');
  out.push({ what: 'PTE rewrite+invalidate+access round, inlined', value: `${fmt3(round)} ns`, limit: '<= 70 ns', met: Number.isFinite(round) ? round <= 70 : undefined });
  for (const m of ['inline', 'rom'] as Column[]) {
    const def = samplesOf(d.micro, 'batch64_deferred', m), imm = samplesOf(d.micro, 'batch64', m);
    if (!def.length || !imm.length) continue;
    const r = median(pairedRatios(def, imm));
    out.push({ what: `64 PTEs deferred / immediate, ${SHORT[m]}`, value: `${r.toFixed(2)}${differs(def, imm) ? '' : ' (inside the noise)'}`, limit: '< 1', met: r < 1 && differs(def, imm) });
  }
  for (const w of Object.keys(d.workloads)) {
    const a = samplesOf(d.workloads, w, 'inline'), b = samplesOf(d.workloads, w, 'native');
    const r = a.length && b.length ? median(pairedRatios(a, b)) : NaN;
    out.push({ what: `workload ${w}: inlined / native translated`, value: Number.isFinite(r) ? `${r.toFixed(2)}${differs(a, b) ? '' : ' (inside the noise)'}` : '-', limit: '< 1', met: Number.isFinite(r) ? r < 1 && differs(a, b) : undefined });
  }
  return out;
}

/** The targets as a table; without an inliner the inlined figures are the ROM path's, and say so. */
export function targetLines(ts: Target[], inliner = true): string {
  const met = (t: Target) => {
    if (t.met === undefined) return 'not measured';
    const verdict = t.met ? 'yes' : 'NO';
    return !inliner && /inlined/.test(t.what) ? `${verdict} (no inliner)` : verdict;
  };
  return formatTable(['target', 'measured', 'limit', 'met'], ts.map((t) => [t.what, t.value, t.limit, met(t)]));
}

/**
 * Where the paravirtual column is slower than native translated beyond the
 * noise: each operation and workload with its ratio and what it costs in
 * call/ret pairs both ways (operations) or its VMI calls per iteration
 * (workloads), the figures a closing note needs to say why.
 */
export function lossLines(d: LabData): string {
  const pv = pvColumn(d);
  const losing = (s: Samples, key: string) => {
    const a = samplesOf(s, key, pv), b = samplesOf(s, key, 'native');
    if (!a.length || !b.length || !differs(a, b)) return undefined;
    const r = median(pairedRatios(a, b));
    return r > 1 ? r : undefined;
  };
  const rows: string[][] = [];
  for (const op of d.ops.filter((o) => o.kind === 'op')) {
    const r = losing(d.micro, op.name);
    if (r === undefined) continue;
    const units = `${fmt3(medianOf(d.microUnits, op.name, pv))} c/r against ${fmt3(medianOf(d.microUnits, op.name, 'native'))}`;
    rows.push([OP_LABELS[op.name] ?? op.name, `${r.toFixed(2)}x`, units]);
  }
  for (const w of Object.keys(d.workloads)) {
    const r = losing(d.workloads, w);
    if (r === undefined) continue;
    const calls = Object.values(d.workloadCalls[w]?.[pv] ?? {}).reduce((n, [c, i]) => n + c + i, 0);
    rows.push([`workload ${w}`, `${r.toFixed(2)}x`, `${fmt3(calls)} VMI calls/iteration`]);
  }
  if (rows.length) return formatTable(['slower paravirtual', `${SHORT[pv]}/native`, 'why, in numbers'], rows);
  // 4 rounds a side is the fewest whose samples can differ at the 5 % level
  return d.runs < 4 ? `(none can be told with ${d.runs} round${d.runs > 1 ? 's' : ''}: the noise test needs 4 or more)` : '(none: the paravirtual column is never slower beyond the noise)';
}

/** The closing line: medians over the operations (units excluded) of each mode's cost in call/ret pairs. */
export function closingLine(d: LabData): string {
  const ops = d.ops.filter((o) => o.kind === 'op').map((o) => o.name);
  const med = (col: Column) => {
    const v = median(ops.map((o) => medianOf(d.microUnits, o, col)).filter(Number.isFinite));
    return Number.isFinite(v) ? fmt3(v) : 'n/a';
  };
  return `bench vmi: ${ops.length} operations, inlined median ${med('inline')} call/ret pairs, ROM median ${med('rom')}, native-translated median ${med('native')}`;
}

/** A column's name in a chart legend: an inlined column without an inliner says what it ran. */
export function columnName(d: LabData, c: Column): string {
  return c === 'inline' && !d.inliner ? `${COLUMN_NAMES.inline} (no inliner: ROM)` : COLUMN_NAMES[c];
}

function chart(title: string, subtitle: string, unit: string, cols: Column[], s: Samples, keys: string[], label: (k: string) => string, scale: number, name: (c: Column) => string): BarChart {
  return {
    title, subtitle, unit,
    series: cols.map((c) => ({ name: name(c), color: COLORS[c] })),
    groups: keys.map((k) => ({
      label: label(k),
      bars: cols.map((c) => {
        const sm = summaryOf(s, k, c);
        return sm.n ? { value: sm.median * scale, lo: sm.min * scale, hi: sm.max * scale } : { value: undefined };
      }),
    })),
  };
}

export function charts(d: LabData, note: string): { ops: string; workloads: string } {
  const ops = d.ops.map((o) => o.name);
  return {
    ops: barChartSvg(chart('What a privileged operation costs on vmidbt', note, 'host ns per operation', d.modes, d.micro, ops, (k) => OP_LABELS[k] ?? k, 1, (c) => columnName(d, c))),
    workloads: barChartSvg(chart('OS workloads: cost per iteration', note, 'host us per iteration', d.columns, d.workloads, Object.keys(d.workloads), (k) => k, 1e-3, (c) => columnName(d, c))),
  };
}

/** The JSON record: every sample, every summary, the targets. */
export function jsonRecord(d: LabData, extra: Record<string, unknown>): unknown {
  const summaries = (s: Samples) => Object.fromEntries(Object.entries(s).map(([k, row]) => [k, Object.fromEntries(Object.keys(row).map((c) => [c, summaryOf(s, k, c as Column)]))]));
  return {
    ...extra, runs: d.runs, modes: d.modes, inliner: d.inliner, columns: d.columns, seconds: d.seconds, load: d.load,
    ops: d.ops,
    micro: {
      ns: summaries(d.micro), callRetPairs: summaries(d.microUnits), adds: summaries(d.microAdds),
      samples: d.micro, callRetSamples: d.microUnits, addSamples: d.microAdds, inlinedShare: d.inlinedShare,
    },
    workloads: { ns: summaries(d.workloads), samples: d.workloads, nsByRun: d.workloadRuns.map(summaries), iterations: d.workloadIters, checksums: d.checksums, vmiCallsPerIteration: d.workloadCalls },
    targets: targets(d),
    closing: closingLine(d),
  };
}
