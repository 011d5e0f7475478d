/**
 * What one guest boot of `vmidbt bench vmi` leaves behind, and how to read
 * it: the console lines with the host time each was complete, and the bench
 * port's marks (runtime/devices/bench-port.ts) with the host time of each.
 *
 * `microCosts` turns the marks of the guest's microbenchmarks
 * (guest/src/vmibench.c) into a cost per operation (fastest passes), and
 * `steadyPasses` tells the guest when those passes have settled; `workloadCosts` turns
 * the RESULT lines of the workloads into a cost per iteration, timed from
 * the line before each (as bench/jit.ts does). Pure functions of a
 * timeline, so tests can feed them made-up ones.
 */

export interface TimedLine { ms: number; text: string }
export interface TimedMark { code: number; ms: number }

/** VMI calls so far by name: [through the ROM, inlined] */
export type CallCounts = Record<string, [number, number]>;

export interface Timeline {
  lines: TimedLine[];
  marks: TimedMark[];
  /** with a VMI ROM: the call counts when each line was complete (index-aligned with `lines`) */
  lineCalls?: CallCounts[];
  /** on vmidbt: the guest instructions run when each line was complete (index-aligned with `lines`) */
  lineInstructions?: number[];
}

/** Cuts console text into lines, stamping each with the time its newline arrived. */
export class LineClock {
  readonly lines: TimedLine[] = [];
  private partial = '';

  /** `onLine` sees each line as it is complete */
  constructor(private readonly onLine?: (line: TimedLine) => void) {}

  take(text: string, ms: number): void {
    this.partial += text;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = { ms, text: this.partial.slice(0, nl).replace(/\r$/, '') };
      this.lines.push(line);
      this.partial = this.partial.slice(nl + 1);
      this.onLine?.(line);
    }
  }
}

/** The phases vmibench.c marks (the low byte of a mark). */
export const MARK = { EMPTY_BEGIN: 1, EMPTY_END: 2, OPS_BEGIN: 3, OPS_END: 4 } as const;

export interface MicroCost {
  id: number;
  name: string;
  kind: 'op' | 'unit';
  /** iterations of each loop and operations per iteration */
  n: number;
  per: number;
  /**
   * host ns per operation: (fastest pass of the operation's loop - fastest
   * pass of the empty loop) / operations. Within one boot the passes measure
   * the same thing in the same state, and a preempted or collected pass is
   * only ever slower, so the fastest is the best estimate of each loop.
   */
  ns: number;
  /** host ns per iteration of the fastest empty loop */
  emptyNs: number;
  passes: number;
}

const OP_LINE = /^VMIBENCH id=(\d+) op=(\S+) kind=(op|unit) n=(\d+) per=(\d+) /;

/** The microbenchmark costs of one boot, by operation name. */
export function microCosts(tl: Timeline): Map<string, MicroCost> {
  const byId = new Map<number, TimedMark[]>();
  for (const m of tl.marks) {
    const id = m.code >>> 8;
    if ((m.code & 0xff) > MARK.OPS_END || id === 0) continue;
    (byId.get(id) ?? byId.set(id, []).get(id)!).push(m);
  }
  const out = new Map<string, MicroCost>();
  for (const line of tl.lines) {
    const r = OP_LINE.exec(line.text);
    if (!r) continue;
    const [id, n, per] = [Number(r[1]), Number(r[4]), Number(r[5])];
    const passes = passesOf(byId.get(id) ?? []);
    if (passes.length === 0) continue;
    const ops = n * per;
    const emptyMs = Math.min(...passes.map((p) => p.empty));
    out.set(r[2], {
      id, name: r[2], kind: r[3] as 'op' | 'unit', n, per, passes: passes.length,
      ns: ((Math.min(...passes.map((p) => p.ops)) - emptyMs) * 1e6) / ops,
      emptyNs: (emptyMs * 1e6) / n,
    });
  }
  return out;
}

/** When the guest's passes of one operation may stop (`steadyPasses`). */
export interface SteadyRule {
  /** a pass must beat the best before it by more than this fraction to count as still warming up */
  gain: number;
  /** passes that must bring no such gain, in a row, before the operation is steady */
  calm: number;
  /** host ms the passes of one operation take at least (V8 optimizes a large region some ms after it is hot) */
  minMs: number;
  /** host ms the passes of one operation may take in all; past it, no more are asked for */
  budgetMs: number;
}

export const STEADY: SteadyRule = { gain: 0.05, calm: 3, minMs: 250, budgetMs: 4000 };

/**
 * The bench port's "another pass?" policy (runtime/devices/bench-port.ts
 * `wantsMore`): more passes of the operation now being measured while the
 * last `calm` passes include one that beat the best before them by more than
 * `gain`, i.e. while the host's JIT is still making the loop faster, and
 * for at least `minMs`, within `budgetMs` of host time for that operation. A translated loop of large
 * regions is optimized by V8 only after thousands of runs; without this the
 * fastest of a fixed number of passes measured that warm-up, not the code.
 */
export function steadyPasses(rule: SteadyRule = STEADY): (marks: readonly TimedMark[]) => boolean {
  return (marks) => {
    if (marks.length === 0) return false;
    const id = marks[marks.length - 1].code >>> 8;
    const own = marks.filter((m) => m.code >>> 8 === id);
    const passes = passesOf(own);
    if (passes.length <= rule.calm) return true;
    const spent = own[own.length - 1].ms - own[0].ms;
    if (spent > rule.budgetMs) return false;
    if (spent < rule.minMs) return true;
    const times = passes.map((p) => p.ops);
    const before = Math.min(...times.slice(0, -rule.calm));
    return Math.min(...times.slice(-rule.calm)) < before * (1 - rule.gain);
  };
}

/** Complete passes (empty begin/end, ops begin/end, in that order) and their two durations in ms. */
function passesOf(marks: TimedMark[]): { empty: number; ops: number }[] {
  const out: { empty: number; ops: number }[] = [];
  for (let k = 0; k + 3 < marks.length; k++) {
    const phases = marks.slice(k, k + 4).map((m) => m.code & 0xff);
    if (phases.join() !== `${MARK.EMPTY_BEGIN},${MARK.EMPTY_END},${MARK.OPS_BEGIN},${MARK.OPS_END}`) continue;
    out.push({ empty: marks[k + 1].ms - marks[k].ms, ops: marks[k + 3].ms - marks[k + 2].ms });
    k += 3;
  }
  return out;
}

export interface WorkloadCost {
  name: string;
  iters: number;
  checksum: string;
  /** host ns per iteration, from the line before the RESULT line to it (the last run's) */
  ns: number;
  /** the same for each run of the workload in the boot (the guest's `repeat=N`), in order */
  runs: number[];
}

const RESULT = /^RESULT name=(\S+) iters=(\d+) cycles=\d+ checksum=(0x[0-9a-f]+)/;

/** Each workload's cost per iteration in one boot: its last run (with the guest's `repeat=N`, the warmest). */
export function workloadCosts(tl: Timeline): Map<string, WorkloadCost> {
  const out = new Map<string, WorkloadCost>();
  tl.lines.forEach((line, k) => {
    const r = RESULT.exec(line.text);
    if (!r || k === 0) return;
    const iters = Number(r[2]);
    const ns = ((line.ms - tl.lines[k - 1].ms) * 1e6) / iters;
    out.set(r[1], { name: r[1], iters, checksum: r[3], ns, runs: [...(out.get(r[1])?.runs ?? []), ns] });
  });
  return out;
}

/** The calls made between line k-1 and line k, divided by `per`. */
function callsBetween(at: CallCounts[], k: number, per: number): CallCounts {
  const out: CallCounts = {};
  for (const [name, [called, inlined]] of Object.entries(at[k])) {
    const [c0, i0] = at[k - 1][name] ?? [0, 0];
    if (called - c0 + inlined - i0 > 0) out[name] = [(called - c0) / per, (inlined - i0) / per];
  }
  return out;
}

/** Per line matching `re`: the calls made since the line before, divided by `per(match)`, keyed by `key(match)`. */
function callsAt(tl: Timeline, re: RegExp, key: (m: RegExpExecArray) => string, per: (m: RegExpExecArray) => number): Map<string, CallCounts> {
  const out = new Map<string, CallCounts>();
  const at = tl.lineCalls;
  if (!at) return out;
  tl.lines.forEach((line, k) => {
    const m = re.exec(line.text);
    if (m && k > 0 && at[k] && at[k - 1]) out.set(key(m), callsBetween(at, k, per(m)));
  });
  return out;
}

/** VMI calls per iteration of each workload, by name: [through the ROM, inlined] (empty without counts). */
export function workloadCalls(tl: Timeline): Map<string, CallCounts> {
  return callsAt(tl, RESULT, (m) => m[1], (m) => Number(m[2]));
}

/** VMI calls of each microbenchmark (warm-up and passes together), by name: [through the ROM, inlined]. */
export function microCalls(tl: Timeline): Map<string, CallCounts> {
  return callsAt(tl, OP_LINE, (m) => m[2], () => 1);
}

/** The share of calls inlined in a set of counts (NaN with none). */
export function inlinedShare(calls: CallCounts): number {
  let all = 0, inlined = 0;
  for (const [c, i] of Object.values(calls)) { all += c + i; inlined += i; }
  return all ? inlined / all : NaN;
}
