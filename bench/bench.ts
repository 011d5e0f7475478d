/**
 * `npm run bench`: everything issue 12 measures, side by side in one run.
 * vmidbt translated and interpreted, the same C built for the host, QEMU TCG
 * and v86 on the guest's CPU and OS workloads; `npm start`'s whole run and
 * its first console line; the translation cost; the interpreter's speed;
 * page straddling; and Debian's Linux to a busybox shell on vmidbt and QEMU.
 * bench-run.ts measures (interleaved rounds), bench-report.ts prints.
 *
 *   npm run bench [-- --runs N] [--quick] [--only ROWS] [--no-qemu] [--no-v86] [--no-linux] [--save-charts] [--out DIR] [--report FILE]
 *
 * Writes OUT/bench.json, OUT/bench.md (the tables in Markdown) and the
 * charts OUT/bench-cpu.svg and OUT/bench-os.svg (OUT: bench/out, or --out;
 * with --save-charts also in bench/charts/, which the README shows); progress goes to
 * stderr; the last line is the closing line of bench-report.ts. `--report
 * FILE` prints and writes all that again from a bench.json, measuring
 * nothing. Bad arguments: one line on stderr, status 2.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { UserError } from '../base/errors.ts';
import { parseBenchArgs, type BenchOptions } from './bench-options.ts';
import { runBench, SYSTEM_NAMES, type BenchData } from './bench-run.ts';
import { chartSvg, osChartSvg, closingLine, cpuTable, dataFromJson, figureLines, jsonRecord, loadLine, markdown, osTable, wholeTable } from './bench-report.ts';
import { KERNEL, ROOT } from './vmi-boot.ts';
import { fmt } from './table.ts';

const err = (s: string) => process.stderr.write(`bench: ${s}\n`);
const shown = (p: string) => (p.startsWith(process.cwd() + '/') ? relative(process.cwd(), p) : p);

function printTables(d: BenchData): void {
  const ratio = 'median of per-round ratios ±half range; ~ = inside the noise (Mann-Whitney, 5 % level)';
  if (Object.keys(d.workloads).some((k) => k.startsWith('cpu:'))) {
    console.log(`CPU workloads: host time over native (${ratio})`);
    console.log(cpuTable(d));
  }
  if (Object.keys(d.workloads).some((k) => k.startsWith('os:'))) {
    console.log(`\nOS workloads: host us per iteration (median ±half range); vmidbt over the others: ${ratio}`);
    console.log(osTable(d));
  }
  const whole = wholeTable(d);
  if (whole) console.log(`\nWhole runs (median ±half range)\n${whole}`);
  const figures = figureLines(d);
  if (figures.length) console.log(`\n${figures.join('\n')}`);
  if (d.notes.length) console.log(`\n${d.notes.map((n) => `note: ${n}`).join('\n')}`);
}

function writeOutputs(d: BenchData, o: BenchOptions, note: string, record?: Record<string, unknown>): string[] {
  const outDir = resolve(o.out ?? join(ROOT, 'bench', 'out'));
  mkdirSync(outDir, { recursive: true });
  record ??= jsonRecord(d, { date: new Date().toISOString(), quick: o.quick, host: { cores: cpus().length, model: cpus()[0]?.model, loadAtEnd: loadavg() }, note });
  writeFileSync(join(outDir, 'bench.json'), JSON.stringify(record, null, 2) + '\n');
  writeFileSync(join(outDir, 'bench.md'), markdown(d));
  const dirs = o.saveCharts ? [outDir, join(ROOT, 'bench', 'charts')] : [outDir];
  const svg = chartSvg(d, note), osSvg = osChartSvg(d, note);
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bench-cpu.svg'), svg);
    if (osSvg) writeFileSync(join(dir, 'bench-os.svg'), osSvg);
  }
  return dirs.map(shown);
}

/** `--report FILE`: the outputs of a past run again, from its bench.json. */
function reportAgain(o: BenchOptions, file: string): number {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`bench: cannot read ${file}: ${(e as Error).message.split('\n')[0]}`, 2);
  }
  const d = dataFromJson(record);
  const note = String(record.note ?? '');
  printTables(d);
  // the record is copied as it was, so its date and host stay the run's
  const dirs = writeOutputs(d, o, note, record);
  console.log(`\n${note}\n${join(dirs[0], 'bench.json')}; charts bench-cpu.svg and bench-os.svg in ${dirs.join(' and ')}`);
  console.log(closingLine(d));
  return 0;
}

async function main(): Promise<number> {
  const o = parseBenchArgs(process.argv.slice(2));
  if (o.report) return reportAgain(o, o.report);
  if (!existsSync(KERNEL)) throw new UserError('bench: guest/kernel.elf is missing', 2);
  if (o.runs < 5) err(`${o.runs} run${o.runs > 1 ? 's' : ''} (the figures want at least 5 for their statistics)`);
  if (o.quick) err('--quick: small iteration counts, one run, no Linux: a smoke test, not a measurement');
  const outDir = resolve(o.out ?? join(ROOT, 'bench', 'out'));
  const d = await runBench(o, outDir, err);
  err(`measured ${d.systems.map((s) => SYSTEM_NAMES[s]).join(', ')} in ${fmt(d.seconds, 0)} s`);
  const note = `median of ${d.runs} interleaved run${d.runs > 1 ? 's' : ''}, whiskers min-max${o.quick ? ', --quick (smoke test)' : ''}; ${loadLine(d, cpus().length)}`;
  printTables(d);
  const dirs = writeOutputs(d, o, note);
  console.log(`\n${note}\n${join(dirs[0], 'bench.json')}; charts bench-cpu.svg and bench-os.svg in ${dirs.join(' and ')}`);
  console.log(closingLine(d));
  return 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  const message = (e as Error).message.split('\n')[0];
  process.stderr.write(e instanceof UserError ? `${message}\n` : `bench: ${message}\n`);
  process.exitCode = e instanceof UserError ? e.exitCode : 1;
});
