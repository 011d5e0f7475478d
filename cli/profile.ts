/**
 * `vmidbt profile [IMAGE] [run options]`: run a guest as `vmidbt run` does,
 * with the profiler of profile/ attached, and write what it saw.
 *
 * The run is `runCommand`'s (cli/run.ts), given a `RunInstrument`: the
 * translator emits its per-site counters (or host reports, when stacks or a
 * trace are wanted) for inlined VMI calls, and at each boot a `Profiler`
 * attaches to the ROM and wraps the engine to sample. The console shows as
 * in `run` (on stderr with --json); the run's own summary gives way to the
 * profile's report. Into --out DIR go profile.json, speedscope.json,
 * trace.json, flame.svg and report.html.
 *
 * Unless --no-overhead, the same guest then runs three more times per round
 * (--overhead-rounds) in this process, quietly: unprofiled, counting only,
 * and sampling, so the report states what the profile costs next to a run
 * without it (profile/overhead.ts).
 *
 * The exit status is the guest's, as `run` gives it: a profile of a
 * failing run is still written, and so is one interrupted by SIGINT,
 * SIGTERM or SIGHUP (then without the overhead runs), before vmidbt dies
 * of that signal.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UserError } from '../base/errors.ts';
import { EXIT_USAGE } from '../base/exit-status.ts';
import type { TranslatingEngine } from '../translator/engine/machine-engine.ts';
import type { Machine, RunResult } from '../runtime/machine.ts';
import type { VmiRom } from '../vmirom/rom.ts';
import { DEFAULT_PROFILE, Profiler, type ProfileOptions } from '../profile/collector.ts';
import { buildReport, formatReport, type ProfileReport } from '../profile/report.ts';
import { Symbolizer } from '../profile/symbols.ts';
import { toSpeedscope } from '../profile/speedscope.ts';
import { toChromeTrace } from '../profile/trace.ts';
import { flameGraphSvg } from '../profile/flame.ts';
import { reportHtml } from '../profile/html.ts';
import { OVERHEAD_MODES, overheadLines, summarize, type Overhead, type OverheadMode, type RunCost } from '../profile/overhead.ts';
import { DEFAULT_IMAGE, intOption, readSymbolMap, runCommand, type RunInstrument, type RunOptions } from './run.ts';
import { readInput } from './host-io.ts';

export interface ProfileCommandOptions extends RunOptions {
  out?: string;
  symbols?: string;
  sampleEvery?: string;
  stackEvery?: string;
  /** false with --no-trace */
  trace?: boolean;
  /** false with --no-overhead */
  overhead?: boolean;
  overheadRounds?: string;
  top?: string;
}

export const DEFAULT_SAMPLE_EVERY = 10_000;
export const DEFAULT_STACK_EVERY = 4;

/** What one instrumented run leaves: the profiler of its last boot, and the run's end. */
interface Profiled {
  profiler?: Profiler;
  rom?: VmiRom;
  machine?: Machine;
  result?: RunResult;
  status: number;
  cost: RunCost;
  /** the signal that interrupted the run, if one did */
  signal?: NodeJS.Signals;
}

/** Run the guest with a profiler of these options (undefined: none at all, the baseline). */
async function profiledRun(image: string | undefined, opts: ProfileCommandOptions, p: ProfileOptions | undefined, quiet: boolean): Promise<Profiled> {
  const out: Profiled = { status: 0, cost: { wallSeconds: 0, cpuSeconds: 0 } };
  const reports = !!p && (p.stackEvery > 0 || p.trace);
  const instrument: RunInstrument = {
    dropSummary: true,
    dropConsole: quiet,
    engine: p ? { vmiProfile: reports ? 'report' : 'count' } : undefined,
    onBoot: (m, e, rom) => {
      if (!p) return;
      const profiler = new Profiler(p, rom);
      profiler.attach();
      m.engine = profiler.wrap(m.engine, m.vcpus.length === 1);
      if (e) profiler.counters = () => translatorCounters(e);
      Object.assign(out, { profiler, rom });
    },
    onEnd: (m, result) => Object.assign(out, { machine: m, result }),
    deferSignal: (signal) => { out.signal = signal; },
  };
  const cpu0 = process.cpuUsage(), wall0 = performance.now();
  // (the profile names call sites with --symbols itself; the run's own use of it is naming --region-times's regions)
  out.status = await runCommand(image, { ...opts, symbols: opts.regionTimes ? opts.symbols : undefined }, instrument);
  const cpu = process.cpuUsage(cpu0);
  out.cost = { wallSeconds: (performance.now() - wall0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  return out;
}

function translatorCounters(e: TranslatingEngine): Record<string, number> {
  const s = e.stats();
  return { translations: s.translations, invalidations: s.invalidations, translatedInstructions: s.translatedInstructions };
}

function symbolsFor(imageArg: string | undefined, opts: ProfileCommandOptions): Symbolizer {
  if (opts.symbols !== undefined) return readSymbolMap(opts.symbols);
  const path = imageArg ?? DEFAULT_IMAGE;
  return Symbolizer.fromImage(readInput(path, imageArg ?? relative(process.cwd(), DEFAULT_IMAGE), 'image', 1 << 30, '1 GiB'));
}

/** The profile's options from the command line. */
function profileOptions(opts: ProfileCommandOptions): ProfileOptions {
  return {
    ...DEFAULT_PROFILE,
    sampleEvery: intOption(opts.sampleEvery, '--sample-every', 0, 1_000_000_000, DEFAULT_SAMPLE_EVERY),
    stackEvery: intOption(opts.stackEvery, '--stack-every', 0, 1_000_000_000, DEFAULT_STACK_EVERY),
    trace: opts.trace !== false,
  };
}

/** The comparison runs, quiet, in interleaved rounds (so that a change of load hits every mode alike). */
async function measureOverhead(image: string | undefined, opts: ProfileCommandOptions, p: ProfileOptions, full: RunCost, rounds: number): Promise<Overhead> {
  const sampleEvery = p.sampleEvery || DEFAULT_SAMPLE_EVERY;
  const modes: Record<OverheadMode, ProfileOptions | undefined> = { unprofiled: undefined, counting: { ...DEFAULT_PROFILE }, sampling: { ...DEFAULT_PROFILE, sampleEvery } };
  const all: Record<OverheadMode, RunCost[]> = { unprofiled: [], counting: [], sampling: [] };
  for (let r = 1; r <= rounds; r++) {
    for (const mode of OVERHEAD_MODES) {
      process.stderr.write(`vmidbt profile: overhead round ${r}/${rounds}: ${mode}\n`);
      all[mode].push((await profiledRun(image, opts, modes[mode], true)).cost);
    }
  }
  return summarize(all, full, sampleEvery);
}

/** Write every file of the profile into `dir`; returns their paths. */
function writeOutputs(dir: string, report: ProfileReport, run: Required<Pick<Profiled, 'profiler'>> & Profiled, sym: Symbolizer, overhead: Overhead | undefined): string[] {
  mkdirSync(dir, { recursive: true });
  const raw = run.profiler.raw;
  const p = run.profiler.options;
  const vcpus = run.machine?.vcpus.map((v) => v.id) ?? [0];
  const stacks = raw.vmiStacks.map((s) => ({ frames: [...s.frames.map((f) => sym.fnName(f - 1)).reverse(), `VMI ${s.name}`], weight: 1 }));
  const flame = flameGraphSvg(stacks, `VMI calls by stack: ${report.image} (${stacks.length} stacks, one VMI call in ${p.stackEvery} per vCPU)`);
  const files: [string, string][] = [
    ['profile.json', JSON.stringify({ ...report, overhead }, null, 1)],
    ['speedscope.json', JSON.stringify(toSpeedscope(raw, sym, p.sampleEvery, `vmidbt profile: ${report.image}`))],
    ['trace.json', JSON.stringify(toChromeTrace(raw, vcpus, { image: report.image, clock: 'host microseconds since the profile started' }))],
    ['flame.svg', flame],
    ['report.html', reportHtml(report, flame, raw.trace, overhead)],
  ];
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

export async function profileCommand(imageArg: string | undefined, opts: ProfileCommandOptions): Promise<number> {
  const p = profileOptions(opts);
  const top = intOption(opts.top, '--top', 1, 10_000, 15);
  if (opts.rom === false) throw new UserError('profile: VMI call sites need the VMI ROM (drop --no-rom)', EXIT_USAGE);
  const sym = symbolsFor(imageArg, opts);
  const dir = opts.out ?? 'vmidbt-profile';
  const run = await profiledRun(imageArg, opts, p, false);
  if (!run.profiler || !run.rom || !run.result) {
    if (run.signal) process.kill(process.pid, run.signal);
    return run.status;
  }
  const image = imageArg ?? relative(process.cwd(), DEFAULT_IMAGE);
  const report = buildReport(run.rom, run.profiler.raw, sym, { image, instructions: run.result.instructions, wallMs: run.result.wallMs });
  const rounds = intOption(opts.overheadRounds, '--overhead-rounds', 1, 100, 1);
  // an interrupted profile is still written (without the overhead runs), then vmidbt dies of the signal as `run` does
  const overhead = opts.overhead === false || run.signal ? undefined : await measureOverhead(imageArg, opts, p, run.cost, rounds);
  const files = writeOutputs(dir, report, { ...run, profiler: run.profiler }, sym, overhead);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ...report, overhead, files }, null, 2) + '\n');
  } else {
    const symNote = sym.size ? `${sym.size} symbols${sym.lines ? `, DWARF lines (${sym.lines.size} rows)` : ', no line table'}` : 'no symbols (pass --symbols System.map)';
    const lines = [formatReport(report, top), `symbols: ${symNote}`];
    if (overhead) lines.push(...overheadLines(overhead));
    lines.push(`written: ${files.join(', ')}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (run.signal) process.kill(process.pid, run.signal);
  return run.status;
}

