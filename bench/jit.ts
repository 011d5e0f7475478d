/**
 * `npm run bench:jit`: how fast the translator runs the guest's CPU
 * workloads, measured side by side in one run against two baselines:
 *
 * - the interpreter (vmidbt --no-jit, its own engine) on the same guest: the speed-up is the
 *   ratio of guest instructions per second;
 * - the same workload C source (guest/src/wl_cpu.c) built for the host with
 *   `gcc -O2 -fno-tree-vectorize` (scalar, like the guest) and timed natively:
 *   vmidbt's time over native time for the same iterations. The bytecode
 *   interpreter, assembly in the guest, is C there (bench/native/interp_host.c).
 *
 * Each workload runs in a fresh machine booted from guest/kernel.elf, and its
 * time is the host time between the console line before it and its RESULT
 * line, so boot and translation of other code are not counted; translation of
 * its own code is. Every checksum is compared with the native run's.
 *
 * Prints a table, the translation cost, the ratio of the page-straddling
 * bytecode interpreter to the aligned one, and ends with
 * `jit: speedup S over interpreter, R x native (geomean)`. The same numbers
 * go to bench/out/jit.json.
 *
 * Each vmidbt measurement is the best of `--repeat` runs (default 2).
 *
 *   npm run bench:jit [-- --quick] [-- --only sieve,interp] [-- --repeat N]
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../runtime/machine.ts';
import { TranslatingEngine } from '../translator/engine/machine-engine.ts';
import { DEFAULT_ENGINE_OPTIONS, type EngineStats } from '../translator/engine/engine.ts';
import { fmt, formatTable } from './table.ts';
import { geomean } from './stats.ts';
import { CPU_WORKLOADS, buildNative, runNative, type NativeTiming } from './cpu-workloads.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'bench', 'out');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const repeatArg = args.indexOf('--repeat');
/** each measurement is the best of this many runs (a busy host only ever makes a run slower) */
const REPEAT = repeatArg >= 0 ? Math.max(1, Number(args[repeatArg + 1])) : 2;
const onlyArg = args.indexOf('--only');
const only = onlyArg >= 0 ? args[onlyArg + 1].split(',') : undefined;

const SCALE = quick ? 0.25 : 1;
/** the interpreter is ~20-100x slower: it runs this fraction of the iterations, compared by instruction rate */
const INTERP_FRACTION = 0.05;

interface Timing { name: string; iters: number; ms: number; instructions: number; checksum: string }

/** The best of REPEAT runs (translation cost included in each). */
async function bestOf(name: string, iters: number, jit: boolean): Promise<{ t: Timing; stats?: EngineStats }> {
  let best: { t: Timing; stats?: EngineStats } | undefined;
  for (let k = 0; k < REPEAT; k++) {
    const r = await runGuest(name, iters, jit);
    if (!best || r.t.ms < best.t.ms) best = r;
  }
  return best!;
}

/** Boot the guest with one workload and time it. */
async function runGuest(name: string, iters: number, jit: boolean): Promise<{ t: Timing; stats?: EngineStats }> {
  const image = readFileSync(join(root, 'guest', 'kernel.elf'));
  let text = '';
  let lastMark = { at: 0, instructions: 0 };
  let result: Timing | undefined;
  const translator = jit ? new TranslatingEngine(DEFAULT_ENGINE_OPTIONS) : undefined;
  const machine = new Machine({
    memMiB: 64,
    sliceInstructions: 1_000_000,
    console: (bytes) => {
      const now = performance.now();
      text += Buffer.from(bytes).toString('latin1');
      let nl: number;
      while ((nl = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        const instructions = machine.totalInstructions;
        const m = /^RESULT name=(\S+) iters=(\d+) cycles=\d+ checksum=(0x[0-9a-f]+)/.exec(line);
        if (m && m[1] === name) {
          result = { name, iters: Number(m[2]), ms: now - lastMark.at, instructions: instructions - lastMark.instructions, checksum: m[3] };
        }
        lastMark = { at: performance.now(), instructions };
      }
    },
  });
  if (translator) machine.engine = translator;
  machine.loadKernel(image, `kernel.elf novmi run=${name} iters.${name}=${iters}`);
  const r = await machine.run();
  if (r.stop.kind !== 'exit' || r.stop.exitCode !== 0 || !result) {
    throw new Error(`guest run of ${name} (${jit ? 'translated' : 'interpreted'}) failed: ${r.stop.reason}`);
  }
  return { t: result, stats: translator?.stats() };
}



async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const list = CPU_WORKLOADS.filter(([n]) => !only || only.includes(n)).map(([n, i]) => [n, Math.max(1, Math.round(i * SCALE))] as [string, number]);
  const exe = buildNative(join(outDir, 'native'), (s) => process.stderr.write(`bench: ${s}\n`));
  const native = exe ? runNative(exe, list) : new Map<string, NativeTiming>();

  const rows: Record<string, unknown>[] = [];
  const speedups: number[] = [];
  const ratios: number[] = [];
  let translateMs = 0, translations = 0, translatedInstr = 0;
  const jitTimes = new Map<string, number>();
  for (const [name, iters] of list) {
    process.stderr.write(`bench: ${name} translated (${iters} iterations)...`);
    const jit = await bestOf(name, iters, true);
    const interpIters = Math.max(1, Math.round(iters * INTERP_FRACTION));
    process.stderr.write(` interpreted (${interpIters})...`);
    const interp = await bestOf(name, interpIters, false);
    process.stderr.write(' done\n');
    const jitMips = jit.t.instructions / jit.t.ms / 1000;
    const interpMips = interp.t.instructions / interp.t.ms / 1000;
    const speedup = jitMips / interpMips;
    speedups.push(speedup);
    translateMs += jit.stats!.translateMs;
    translations += jit.stats!.translations;
    translatedInstr += jit.stats!.guestInstructionsTranslated;
    jitTimes.set(name, jit.t.ms);
    const n = native.get(name);
    if (n && n.checksum !== jit.t.checksum) throw new Error(`${name}: native checksum ${n.checksum} differs from the guest's ${jit.t.checksum}`);
    const ratio = n ? jit.t.ms / (n.ns / 1e6) : undefined;
    if (ratio) ratios.push(ratio);
    rows.push({
      workload: name, iters, instructions: jit.t.instructions, checksum: jit.t.checksum,
      translatedMs: jit.t.ms, translatedMips: jitMips, interpretedMips: interpMips, speedup,
      nativeMs: n ? n.ns / 1e6 : undefined, xNative: ratio,
    });
  }

  const head = ['workload', 'guest instr', 'native ms', 'translated ms', 'x native', 'translated MIPS', 'interpreted MIPS', 'speed-up'];
  const table = rows.map((r) => [
    String(r.workload), fmt(Number(r.instructions), 0), r.nativeMs !== undefined ? fmt(Number(r.nativeMs), 2) : '-',
    fmt(Number(r.translatedMs), 1), r.xNative !== undefined ? fmt(Number(r.xNative), 1) : '-',
    fmt(Number(r.translatedMips), 0), fmt(Number(r.interpretedMips), 1), fmt(Number(r.speedup), 1),
  ]);
  console.log(formatTable(head, table));
  console.log('');
  const usPerRegion = translations ? (translateMs * 1000) / translations : 0;
  const usPerInstr = translatedInstr ? (translateMs * 1000) / translatedInstr : 0;
  console.log(`translation: ${translations} regions, ${translatedInstr} guest instructions, ${fmt(translateMs, 0)} ms: ${fmt(usPerRegion, 0)} us per region, ${fmt(usPerInstr, 1)} us per guest instruction`);
  const straddle = jitTimes.has('interp') && jitTimes.has('interp_straddle') ? jitTimes.get('interp_straddle')! / jitTimes.get('interp')! : undefined;
  if (straddle !== undefined) console.log(`page straddle: interp_straddle / interp = ${fmt(straddle, 3)} (target 1.05 or less)`);
  const S = geomean(speedups);
  const R = ratios.length ? geomean(ratios) : NaN;
  writeFileSync(join(outDir, 'jit.json'), JSON.stringify({ rows, translation: { translations, translatedInstr, translateMs, usPerRegion, usPerInstr }, straddle, speedupGeomean: S, xNativeGeomean: R }, null, 2) + '\n');
  console.log(`jit: speedup ${fmt(S, 1)} over interpreter, ${Number.isNaN(R) ? 'n/a' : fmt(R, 1)} x native (geomean)`);
}

if (!existsSync(join(root, 'guest', 'kernel.elf'))) {
  console.error('bench: guest/kernel.elf is missing');
  process.exit(2);
}
main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
