/**
 * `vmidbt bench vmi`: the cost laboratory. What a privileged operation costs
 * on vmidbt four ways in one run, on the same guest binary: the native
 * instruction interpreted (the trap-and-emulate analogue) and translated,
 * the VMI call through the ROM and inlined by the translator; and the OS
 * workloads whole in the same four ways, with QEMU TCG booting the same
 * kernel natively as a fifth column (bench/README.md says how to read it).
 *
 * Prints the tables and the targets, writes bench/out/vmi.json and the
 * charts bench/out/vmi-ops.svg and bench/out/vmi-workloads.svg (with
 * --save-charts also bench/charts/, the copies the README shows), and ends
 * with `bench vmi: N operations, inlined median X call/ret pairs, ROM median
 * Y, native-translated median Z`.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UserError } from '../base/errors.ts';
import { KERNEL, ROOT, INLINER, WASM_MODES, type VmidbtMode } from './vmi-boot.ts';
import { runLab, type LabData } from './vmi-lab.ts';
import { callTable, charts, closingLine, jsonRecord, lossLines, pvColumn, microTable, targetLines, targets, unitTable, warmupTable, workloadTable, COLUMN_NAMES, OP_LABELS } from './vmi-report.ts';
import { fmt } from './table.ts';
import { median } from './stats.ts';

export interface BenchVmiOptions {
  runs?: string;
  quick?: boolean;
  scale?: string;
  only?: string;
  qemu?: boolean;
  workloads?: boolean;
  saveCharts?: boolean;
  /** also the native and inlined columns with regions as WebAssembly */
  wasm?: boolean;
  /** where the JSON and charts go (default bench/out) */
  out?: string;
}

function positive(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new UserError(`${name} must be an integer from 1 to 100, got '${v}'`, 2);
  return n;
}

/** Iterations relative to the default: --scale, else a quarter with --quick. */
function scaleOf(o: BenchVmiOptions): number {
  if (o.scale === undefined) return o.quick ? 0.25 : 1;
  const x = Number(o.scale);
  if (!Number.isFinite(x) || x <= 0 || x > 10) throw new UserError(`--scale must be a number above 0 and at most 10, got '${o.scale}'`, 2);
  return x;
}

/** Whether qemu-system-i386 (or $QEMU) runs. */
export function qemuPresent(): boolean {
  return spawnSync(process.env.QEMU ?? 'qemu-system-i386', ['--version']).status === 0;
}

function loadNote(d: LabData): string {
  const l = d.load;
  return `host load (1-min average, ${cpus().length} cores) ${fmt(median(l), 1)} median, ${fmt(Math.min(...l), 1)}-${fmt(Math.max(...l), 1)} over ${l.length} boots`;
}

function writeOutputs(d: LabData, o: BenchVmiOptions, note: string): string[] {
  const outDir = resolve(o.out ?? join(ROOT, 'bench', 'out'));
  mkdirSync(outDir, { recursive: true });
  const record = jsonRecord(d, { date: new Date().toISOString(), host: { cores: cpus().length, model: cpus()[0]?.model, loadAtEnd: loadavg() }, note });
  writeFileSync(join(outDir, 'vmi.json'), JSON.stringify(record, null, 2) + '\n');
  const svg = charts(d, note);
  const dirs = o.saveCharts ? [outDir, join(ROOT, 'bench', 'charts')] : [outDir];
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'vmi-ops.svg'), svg.ops);
    if (d.columns.length) writeFileSync(join(dir, 'vmi-workloads.svg'), svg.workloads);
  }
  // shown relative to the working directory when inside it
  return dirs.map((dir) => (dir.startsWith(process.cwd() + '/') ? relative(process.cwd(), dir) : dir));
}

const NO_INLINER = 'this build\'s translator has no VMI call inliner, so the inlined column runs every VMI call through the ROM, as the ROM column does';

function printTables(d: LabData): void {
  console.log('Privileged operations: host ns per operation (median ±half range); ratios: median of per-round ratios ±half range, ~ = inside the noise');
  console.log(microTable(d));
  if (!d.inliner) console.log(`(inlined: ${NO_INLINER})`);
  console.log('\nThe same in units measured in the same boot (medians): call/ret pairs (c/r) and adds');
  console.log(unitTable(d));
  if (d.columns.length) {
    console.log('\nOS workloads: host us per iteration (median ±half range); ~ = inside the noise');
    console.log(workloadTable(d));
    console.log(`\nWarm-up: ${COLUMN_NAMES[pvColumn(d)]} over native translated in each run of a workload in one boot (median of per-round ratios ±half range)`);
    console.log(warmupTable(d));
    console.log(`\nVMI calls per iteration of each workload (${COLUMN_NAMES[pvColumn(d)]}, first round)`);
    console.log(callTable(d));
  }
  console.log('\nTargets (issue 10)');
  console.log(targetLines(targets(d), d.inliner));
  console.log(`\nWhere paravirtualization does not pay (${COLUMN_NAMES[pvColumn(d)]} against native, translated)`);
  console.log(lossLines(d));
}

export async function benchVmi(o: BenchVmiOptions): Promise<number> {
  if (!existsSync(KERNEL)) throw new UserError('bench vmi: guest/kernel.elf is missing', 2);
  const runs = positive(o.runs, '--runs', 5);
  const scale = scaleOf(o);
  const only = o.only ? o.only.split(',').filter(Boolean) : [];
  const unknown = only.filter((n) => !(n in OP_LABELS));
  if (unknown.length) throw new UserError(`bench vmi: unknown operation ${unknown.join(', ')} (known: ${Object.keys(OP_LABELS).join(', ')})`, 2);
  const modes: VmidbtMode[] = ['interp', 'native', 'rom', 'inline', ...(o.wasm ? WASM_MODES : [])];
  const qemu = o.qemu !== false && qemuPresent();
  const err = (s: string) => process.stderr.write(s + '\n');
  if (o.qemu !== false && !qemu) err('bench vmi: qemu-system-i386 not found; the QEMU column is left out');
  if (!INLINER) err(`bench vmi: ${NO_INLINER}`);
  if (runs < 5) err(`bench vmi: ${runs} runs (the figures want at least 5 for their statistics)`);
  if (scale < 1) err(`bench vmi: iterations scaled by ${scale}: a smoke test, not a measurement`);
  err(`bench vmi: ${runs} interleaved rounds of ${modes.map((m) => COLUMN_NAMES[m]).join(', ')}${qemu ? ', QEMU' : ''}; load now ${loadavg()[0].toFixed(2)}`);
  const d = await runLab({
    runs, modes, inliner: INLINER, qemu, workloads: o.workloads !== false,
    microScale: 0.2 * scale, workloadScale: 0.1 * scale, reps: 5,
    only,
    progress: (t) => err(`bench vmi: ${t}`),
  });
  const note = `median of ${runs} interleaved runs, whiskers min-max; ${loadNote(d)}${INLINER ? '' : '; no VMI inliner in this build: the inlined column runs every call through the ROM'}`;
  printTables(d);
  const dirs = writeOutputs(d, o, note);
  console.log(`\n${note}; ${fmt(d.seconds, 0)} s; ${join(dirs[0], 'vmi.json')}, charts in ${dirs.join(' and ')}`);
  console.log(closingLine(d));
  return 0;
}
