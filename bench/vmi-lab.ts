/**
 * The measurements of `vmidbt bench vmi`, the cost laboratory: which boots
 * run, in what order, and what is collected from each.
 *
 * A round boots the guest once per way of running it (bench/vmi-boot.ts)
 * with its microbenchmarks (`vmibench`), then once per column with the OS
 * workloads (`run=os`); the next round does the same in a rotated order, so
 * every way of running takes every position in turn and a slow spell of a
 * shared machine does not land on one of them. Each figure then has one
 * sample per round: for an operation, the host ns per operation of that
 * boot (itself the median of the guest's measured passes) and the same in
 * that boot's own units (one call/ret pair); for a workload, the host ns per
 * iteration.
 */
import { loadavg } from 'node:os';
import { boot, type BootConfig, type Column, type VmidbtMode } from './vmi-boot.ts';
import { inlinedShare, microCalls, microCosts, workloadCalls, workloadCosts, type CallCounts } from './timeline.ts';

export interface LabOptions {
  runs: number;
  /** the microbenchmarks' iteration scale on the translated modes (interp runs a tenth) */
  microScale: number;
  /** the workloads' scale on vmidbt's translated modes (interp a fifth, QEMU five times as much) */
  workloadScale: number;
  /** measured passes per operation inside a boot */
  reps: number;
  /** the ways vmidbt runs the guest, and whether QEMU and the workloads run at all */
  modes: VmidbtMode[];
  /** whether the translator inlines VMI calls (else the `inline` mode runs them through the ROM) */
  inliner: boolean;
  qemu: boolean;
  workloads: boolean;
  /** operations (vmibench names) to measure; empty for all */
  only: string[];
  progress: (text: string) => void;
}

/** samples[thing][column] = one number per round */
export type Samples = Record<string, Partial<Record<Column, number[]>>>;

export interface LabData {
  runs: number;
  modes: VmidbtMode[];
  /** whether the `inline` column really inlined (a translator with a VMI call inliner) */
  inliner: boolean;
  columns: Column[];
  /** operation name to its kind and the guest's per-iteration count */
  ops: { name: string; kind: 'op' | 'unit'; per: number; n: Partial<Record<VmidbtMode, number>> }[];
  /** host ns per operation */
  micro: Samples;
  /** the same in call/ret pairs of the same boot */
  microUnits: Samples;
  /** the same in adds of the same boot */
  microAdds: Samples;
  /** the share of each operation's VMI calls the inlined column ran inline (first round) */
  inlinedShare: Record<string, number>;
  /** host ns per iteration (the last run of each workload in a boot) */
  workloads: Samples;
  /** the same for each run in the boot, first to last: V8's warm-up, run by run */
  workloadRuns: Samples[];
  workloadIters: Record<string, Partial<Record<Column, number>>>;
  /** VMI calls per iteration of each workload on the ROM columns (first round): [through the ROM, inlined] by name */
  workloadCalls: Record<string, Partial<Record<Column, CallCounts>>>;
  /** checksum by workload and iteration count: equal on every column that ran those iterations */
  checksums: Record<string, Record<number, string>>;
  /** the host's 1-minute load average before each boot */
  load: number[];
  /** wall time of the whole laboratory, s */
  seconds: number;
}

/** `xs` rotated left by k: round r starts with the r-th way of running. */
export function rotate<T>(xs: readonly T[], k: number): T[] {
  const n = xs.length;
  return n ? xs.map((_, i) => xs[(i + k) % n]) : [];
}

function push(s: Samples, key: string, col: Column, v: number): void {
  const row = (s[key] ??= {});
  (row[col] ??= []).push(v);
}

function microAppend(o: LabOptions, mode: VmidbtMode): string {
  const scale = mode === 'interp' ? o.microScale / 10 : o.microScale;
  const list = o.only.length ? `=${o.only.join(',')}` : '';
  return `vmibench${list} vmibench.scale=${scale.toFixed(3)} vmibench.reps=${o.reps}`;
}

/** runs of each workload in a boot; the last is timed */
const WORKLOAD_RUNS = 4;

function workloadAppend(o: LabOptions, col: Column): string {
  const scale = col === 'interp' ? o.workloadScale / 5 : col === 'qemu' ? o.workloadScale * 5 : o.workloadScale;
  // each workload four times, the last timed: a second run still paid V8's tier-up of the larger regions
  // VMI inlining makes (ctxsw inlined 1.46x native in its second run, 0.95x in its fourth; bench/README.md)
  return `run=os scale=${scale.toFixed(3)} repeat=${WORKLOAD_RUNS}`;
}

async function checkedBoot(cfg: BootConfig, d: LabData) {
  d.load.push(loadavg()[0]);
  const r = await boot(cfg);
  if (r.exitCode !== 0) {
    const tail = r.lines.slice(-3).map((l) => l.text).join(' | ');
    throw new Error(`${cfg.mode} boot with '${cfg.append}' ended with status ${r.exitCode} (${r.reason}): ${tail}`);
  }
  return r;
}

async function microRound(o: LabOptions, round: number, d: LabData): Promise<void> {
  for (const mode of rotate(o.modes, round)) {
    o.progress(`round ${round + 1}/${o.runs}: microbenchmarks, ${mode}`);
    const tl = await checkedBoot({ mode, append: microAppend(o, mode) }, d);
    if (mode === 'inline' && round === 0) for (const [op, calls] of microCalls(tl)) d.inlinedShare[op] = inlinedShare(calls);
    const costs = microCosts(tl);
    const unit = costs.get('callret'), add = costs.get('add');
    if (!unit || !add) throw new Error(`${mode}: the guest measured no call/ret pair or add (is the bench port there?)`);
    // a unit at or below zero is a boot whose loop was not longer than its empty loop: no yardstick
    for (const u of [unit, add]) if (u.ns <= 0) o.progress(`round ${round + 1}, ${mode}: ${u.name} measured ${u.ns.toFixed(2)} ns, below the resolution; no costs in ${u.name} units from this boot`);
    for (const c of costs.values()) {
      let op = d.ops.find((x) => x.name === c.name);
      if (!op) d.ops.push((op = { name: c.name, kind: c.kind, per: c.per, n: {} }));
      op.n[mode] = c.n;
      push(d.micro, c.name, mode, c.ns);
      if (unit.ns > 0) push(d.microUnits, c.name, mode, c.ns / unit.ns);
      if (add.ns > 0) push(d.microAdds, c.name, mode, c.ns / add.ns);
    }
  }
}

async function workloadRound(o: LabOptions, round: number, d: LabData): Promise<void> {
  for (const col of rotate(d.columns, round)) {
    o.progress(`round ${round + 1}/${o.runs}: OS workloads, ${col}`);
    const tl = await checkedBoot({ mode: col, append: workloadAppend(o, col) }, d);
    if (round === 0) for (const [w, calls] of workloadCalls(tl)) (d.workloadCalls[w] ??= {})[col] = calls;
    for (const w of workloadCosts(tl).values()) {
      push(d.workloads, w.name, col, w.ns);
      w.runs.forEach((ns, k) => push((d.workloadRuns[k] ??= {}), w.name, col, ns));
      (d.workloadIters[w.name] ??= {})[col] = w.iters;
      // the same iterations must give the same checksum however the guest ran
      const seen = (d.checksums[w.name] ??= {});
      if (seen[w.iters] && seen[w.iters] !== w.checksum) throw new Error(`${w.name} x${w.iters}: checksum ${w.checksum} on ${col}, ${seen[w.iters]} before`);
      seen[w.iters] = w.checksum;
    }
  }
}

/** Every boot of the laboratory, interleaved round by round. */
export async function runLab(o: LabOptions): Promise<LabData> {
  const t0 = performance.now();
  const d: LabData = {
    runs: o.runs, modes: o.modes, inliner: o.inliner, columns: o.workloads ? [...o.modes, ...(o.qemu ? ['qemu' as const] : [])] : [],
    ops: [], micro: {}, microUnits: {}, microAdds: {}, inlinedShare: {}, workloads: {}, workloadRuns: [], workloadIters: {}, workloadCalls: {}, checksums: {},
    load: [], seconds: 0,
  };
  for (let round = 0; round < o.runs; round++) {
    await microRound(o, round, d);
    if (o.workloads) await workloadRound(o, round, d);
  }
  d.seconds = (performance.now() - t0) / 1000;
  return d;
}
