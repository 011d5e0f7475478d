/**
 * What profiling costs, as `vmidbt profile` measures it in the same
 * command: the guest run again unprofiled, counting only, and sampling,
 * in interleaved rounds, each run's host CPU time (this process: user and
 * system, JIT and GC threads included) and wall time. CPU time is the
 * figure compared: it moves far less than wall time when other processes
 * share the machine. Medians over the rounds; one round is a single
 * measurement, noisy on a loaded machine, and says so.
 */

export interface RunCost {
  wallSeconds: number;
  cpuSeconds: number;
}

export const OVERHEAD_MODES = ['unprofiled', 'counting', 'sampling'] as const;
export type OverheadMode = (typeof OVERHEAD_MODES)[number];

export interface Overhead {
  rounds: number;
  /** medians per mode */
  runs: Record<OverheadMode, RunCost>;
  /** every round's figures per mode */
  all: Record<OverheadMode, RunCost[]>;
  /** the profiled run itself (stacks, samples, trace), measured once */
  full: RunCost;
  sampleEvery: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function summarize(all: Record<OverheadMode, RunCost[]>, full: RunCost, sampleEvery: number): Overhead {
  const med = (xs: RunCost[]): RunCost => ({ wallSeconds: median(xs.map((x) => x.wallSeconds)), cpuSeconds: median(xs.map((x) => x.cpuSeconds)) });
  return { rounds: all.unprofiled.length, runs: { unprofiled: med(all.unprofiled), counting: med(all.counting), sampling: med(all.sampling) }, all, full, sampleEvery };
}

export function pctOver(x: number, base: number): string {
  const p = base ? ((x - base) / base) * 100 : 0;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

/** The overhead as lines of text (terminal and HTML alike). */
export function overheadLines(o: Overhead): string[] {
  const base = o.runs.unprofiled;
  const row = (label: string, c: RunCost, note = '') =>
    `  ${label.padEnd(26)} CPU ${c.cpuSeconds.toFixed(2).padStart(6)} s ${pctOver(c.cpuSeconds, base.cpuSeconds).padStart(7)}   wall ${c.wallSeconds.toFixed(2).padStart(6)} s ${pctOver(c.wallSeconds, base.wallSeconds).padStart(7)}${note}`;
  return [
    `overhead of profiling (this command's own runs of the same guest; ${o.rounds === 1 ? 'one round: a single measurement' : `median of ${o.rounds} interleaved rounds`}; CPU time of this process, and wall time):`,
    `  ${'unprofiled'.padEnd(26)} CPU ${base.cpuSeconds.toFixed(2).padStart(6)} s            wall ${base.wallSeconds.toFixed(2).padStart(6)} s`,
    row('counting only', o.runs.counting),
    row(`sampling every ${o.sampleEvery}`, o.runs.sampling),
    row('this profile', o.full, ' (stacks, samples, trace; one run; its host times include this)'),
  ];
}
