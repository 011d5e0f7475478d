/**
 * `npm run bench:translate`: what translating guest code costs per guest
 * instruction, stage by stage (discover, liveness, emit, assemble), cold
 * and warm.
 *
 * The translator is JavaScript that V8 compiles as it runs, so the same
 * work costs several times more while V8 has not yet optimised the
 * translator's own functions than once it has. A run of `npm start`
 * translates about 3,300 guest instructions and a Linux boot about 39,000:
 * most of them cold. This bench translates the expect snippets
 * (spec-tests/expect/cases, each with its VMI ROM where it names an ABI,
 * as expect.ts sets them up) pass after pass in a fresh process: the
 * first round is the cold cost, the median of the later half of the rounds
 * the warm one. `--runs` processes give both their spread, and cold over
 * warm is read as the other benches read a ratio (stats.ts: a leading `~`
 * when the two are inside each other's noise).
 *
 * The processes run with V8's compilation cache off: every pass compiles
 * the same sources again, and V8 would otherwise find them in its cache
 * and skip the compile that the assemble stage measures.
 *
 * Prints a table and ends with `bench:translate: cold X us, warm Y us per
 * guest instruction (R x); B bytes of JavaScript per instruction`; the
 * rounds of every process go to bench/out/translate.json.
 *
 *   npm run bench:translate [-- --runs N] [--rounds N] [--passes N] [--out DIR]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { caseNames, caseSetup } from '../spec-tests/expect/expect.ts';
import { CODE_ADDR } from '../spec-tests/harness.ts';
import { STAGES } from '../translator/compile/pipeline.ts';
import { UserError } from '../base/errors.ts';
import { median, summarize } from './stats.ts';
import { fmt, formatTable, ratioText, summaryCell } from './table.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** One round of one process: every case translated `passes` times. */
export interface TranslateRound {
  regions: number;
  instructions: number;
  sourceBytes: number;
  /** host milliseconds: the whole round, and each stage's share as the compiler times it */
  ms: Record<Measure, number>;
}

export const MEASURES = ['total', ...STAGES] as const;
export type Measure = (typeof MEASURES)[number];

/** Translate every expect case `passes` times per round, for `rounds` rounds, in this process. */
export function translateRounds(rounds: number, passes: number): TranslateRound[] {
  const cases = caseNames().map((name) => caseSetup(name));
  const out: TranslateRound[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = cases.map((c) => ({ ...c.compiler.stats.ms }));
    const round: TranslateRound = { regions: 0, instructions: 0, sourceBytes: 0, ms: Object.fromEntries(MEASURES.map((m) => [m, 0])) as Record<Measure, number> };
    const started = performance.now();
    for (let p = 0; p < passes; p++) {
      for (const c of cases) {
        c.cpu.eip = CODE_ADDR;
        const t = c.compiler.compile(c.cpu, 0);
        if (!t) throw new Error('an expect case translated to nothing');
        round.regions++;
        round.instructions += t.instructions;
        round.sourceBytes += t.sourceBytes;
      }
    }
    round.ms.total = performance.now() - started;
    cases.forEach((c, k) => { for (const s of STAGES) round.ms[s] += c.compiler.stats.ms[s] - before[k][s]; });
    out.push(round);
  }
  return out;
}

/** µs per guest instruction of one measure in one round. */
const usPerInstruction = (r: TranslateRound, m: Measure): number => (r.ms[m] * 1000) / r.instructions;

/** The rounds that count as warm: the later half (at least the last). */
export function warmRounds(rounds: readonly TranslateRound[]): readonly TranslateRound[] {
  return rounds.slice(Math.min(rounds.length - 1, Math.ceil(rounds.length / 2)));
}

export interface TranslateReport {
  runs: number;
  rounds: number;
  passes: number;
  /** per measure: the cold round's µs per instruction in each process, and the warm rounds' median in each */
  cold: Record<Measure, number[]>;
  warm: Record<Measure, number[]>;
  instructionsPerRound: number;
  bytesPerInstruction: number;
  processes: TranslateRound[][];
}

/** The report of the processes' rounds. */
export function translateReport(processes: TranslateRound[][], passes: number): TranslateReport {
  const cold = {} as Record<Measure, number[]>;
  const warm = {} as Record<Measure, number[]>;
  for (const m of MEASURES) {
    cold[m] = processes.map((rounds) => usPerInstruction(rounds[0], m));
    warm[m] = processes.map((rounds) => median(warmRounds(rounds).map((r) => usPerInstruction(r, m))));
  }
  const first = processes[0][0];
  return {
    runs: processes.length, rounds: processes[0].length, passes, cold, warm,
    instructionsPerRound: first.instructions, bytesPerInstruction: first.sourceBytes / first.instructions, processes,
  };
}

export function formatTranslate(r: TranslateReport): string {
  const rows = MEASURES.map((m) => [m === 'total' ? 'translation' : m, summaryCell(summarize(r.cold[m])), summaryCell(summarize(r.warm[m])), ratioText(r.cold[m], r.warm[m])]);
  return [
    `${r.instructionsPerRound} guest instructions a round (${r.passes} passes over the expect cases), ${r.rounds} rounds in each of ${r.runs} processes`,
    formatTable(['stage', 'cold us/instr', 'warm us/instr', 'cold / warm'], rows),
    '',
    closingLine(r),
  ].join('\n');
}

export function closingLine(r: TranslateReport): string {
  // the ratio as the table's: the median of each process's cold over warm
  const ratio = median(r.cold.total.map((c, k) => c / r.warm.total[k]));
  return `bench:translate: cold ${fmt(median(r.cold.total), 1)} us, warm ${fmt(median(r.warm.total), 1)} us per guest instruction (${fmt(ratio, 1)} x); ${fmt(r.bytesPerInstruction, 0)} bytes of JavaScript per instruction`;
}

const OPTIONS = ['--runs', '--rounds', '--passes', '--out'];

function wholeOption(args: string[], name: string, fallback: number, least: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < least) throw new UserError(`${name}: expected a whole number of at least ${least}, got '${args[i + 1] ?? ''}'`);
  return v;
}

/** The command: processes one after another, progress on stderr, the report on stdout, the JSON in bench/out/. */
export function benchTranslate(args: string[]): number {
  const runs = wholeOption(args, '--runs', 5, 1);
  const rounds = wholeOption(args, '--rounds', 6, 2);
  const passes = wholeOption(args, '--passes', 20, 1);
  const outIndex = args.indexOf('--out');
  if (outIndex >= 0 && !args[outIndex + 1]) throw new UserError('--out: expected a directory');
  const unknown = args.filter((a, k) => a.startsWith('--') && !OPTIONS.includes(a) && !(k > 0 && OPTIONS.includes(args[k - 1])));
  if (unknown.length) throw new UserError(`unknown option ${unknown[0]} (known: ${OPTIONS.join(', ')})`);
  const outDir = resolve(outIndex >= 0 ? args[outIndex + 1] : join(ROOT, 'bench', 'out'));
  const processes: TranslateRound[][] = [];
  for (let k = 0; k < runs; k++) {
    process.stderr.write(`bench:translate: process ${k + 1} of ${runs}...\n`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', String(rounds), String(passes)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`a measuring process failed (status ${child.status}): ${child.stderr.trim().split('\n').pop() ?? ''}`);
    processes.push(JSON.parse(child.stdout) as TranslateRound[]);
  }
  const report = translateReport(processes, passes);
  process.stdout.write(`${formatTranslate(report)}\n`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'translate.json'), `${JSON.stringify({ date: new Date().toISOString(), ...report }, null, 2)}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    // before anything is compiled: each pass's identical sources are compiled again, not found in a cache
    setFlagsFromString('--no-compilation-cache');
    process.stdout.write(JSON.stringify(translateRounds(Number(args[1]), Number(args[2]))));
  } else {
    try {
      process.exitCode = benchTranslate(args);
    } catch (e) {
      process.stderr.write(`bench:translate: ${(e as Error).message}\n`);
      process.exitCode = e instanceof UserError ? e.exitCode : 1;
    }
  }
}
