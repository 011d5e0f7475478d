/**
 * `vmidbt conformance` (and `npm run conformance`): replays every golden
 * vector, every system test and every machine test (spec-tests/machine:
 * Multiboot kernels on the whole machine) through the chosen engine
 * (interpreter by default; lockstep runs machine tests translated) and ends with the
 * line `conformance: N vectors, F failed, K forms`. Exit status 0 only when
 * nothing failed.
 */
import { loadAllVectors } from '../spec-tests/vectors.ts';
import { Replayer } from '../spec-tests/replay.ts';
import { runSystemTests, type EngineMode } from '../spec-tests/system/run.ts';
import { runMachineTests } from '../spec-tests/machine/run.ts';
import { UserError } from '../base/errors.ts';

interface Options { filter?: string; json?: boolean; verbose?: boolean; engine?: string }

export async function conformanceCommand(opts: Options): Promise<number> {
  const started = performance.now();
  let forms = loadAllVectors();
  if (opts.filter) forms = forms.filter((f) => f.name.includes(opts.filter!));
  const engine = opts.engine ?? 'interpreter';
  if (!['interpreter', 'jit', 'lockstep'].includes(engine)) throw new UserError(`--engine must be interpreter, jit or lockstep, not '${engine}'`);
  // vectors are single instructions: lockstep adds nothing there beyond running them translated
  const replayer = new Replayer(engine === 'interpreter' ? 'interpreter' : 'jit');
  const families = new Map<string, typeof forms>();
  for (const f of forms) {
    if (!families.has(f.family)) families.set(f.family, []);
    families.get(f.family)!.push(f);
  }
  let vectors = 0, failed = 0, formCount = 0;
  const mismatches = [];
  const failedForms = new Map<string, number>();
  const rowsOut: string[] = [];
  for (const [family, list] of families) {
    const r = replayer.replay(list, opts.verbose ? 1e9 : 20);
    vectors += r.vectors; failed += r.failed; formCount += r.forms;
    mismatches.push(...r.mismatches);
    for (const [k, v] of r.failedForms) failedForms.set(k, v);
    rowsOut.push(`  ${family.padEnd(16)} ${String(r.forms).padStart(5)} forms ${String(r.vectors).padStart(8)} vectors ${String(r.failed).padStart(6)} failed`);
    if (!opts.json) process.stderr.write(`${rowsOut[rowsOut.length - 1]}\n`);
  }
  const none = { tests: 0, failed: 0, results: [] };
  const system = opts.filter ? none : await runSystemTests(engine as EngineMode);
  const machine = opts.filter ? none : await runMachineTests(engine !== 'interpreter');
  const seconds = (performance.now() - started) / 1000;
  if (opts.json) {
    process.stdout.write(JSON.stringify({
      vectors, failed, forms: formCount,
      failedForms: Object.fromEntries(failedForms),
      mismatches: mismatches.slice(0, 200),
      systemTests: system,
      machineTests: machine,
      seconds,
    }, null, 2) + '\n');
  } else {
    for (const m of mismatches.slice(0, opts.verbose ? mismatches.length : 20)) {
      process.stdout.write(`FAIL ${m.form} (line ${m.line}): ${m.field} expected ${m.expected}, got ${m.actual}\n`);
    }
    if (failedForms.size) {
      process.stdout.write(`failing forms: ${[...failedForms].map(([k, v]) => `${k}(${v})`).join(' ')}\n`);
    }
    for (const t of system.results) {
      process.stdout.write(`system ${t.ok ? 'ok  ' : 'FAIL'} ${t.name}${t.ok ? '' : `: ${t.message}`}\n`);
    }
    process.stdout.write(`system tests: ${system.tests} run, ${system.failed} failed\n`);
    for (const t of machine.results) {
      process.stdout.write(`machine ${t.ok ? 'ok  ' : 'FAIL'} ${t.name}${t.ok ? '' : `: ${t.message}`}\n`);
    }
    process.stdout.write(`machine tests: ${machine.tests} run, ${machine.failed} failed\n`);
    process.stdout.write(`(${seconds.toFixed(1)} s)\n`);
  }
  const totalFailed = failed + system.failed + machine.failed;
  process.stdout.write(`conformance: ${vectors} vectors, ${totalFailed} failed, ${formCount} forms${engine === 'interpreter' ? '' : ` (engine: ${engine})`}\n`);
  return totalFailed === 0 && vectors > 0 ? 0 : 1;
}
