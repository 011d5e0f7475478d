/**
 * `npm run fuzz:images -- --count N --seed S [--jobs J] [--only K] [--keep DIR]`:
 * runs `vmidbt run` on N mutants of the built-in guest image
 * (guest/tools/image-fuzz.ts makes them and judges the outcomes), each in
 * its own process under an instruction limit, a CPU-time limit
 * (`prlimit --cpu`) and a wall-clock backstop, with its peak memory
 * measured. Half the mutants run translated, half interpreted (--no-jit).
 *
 * Prints progress, one line per BAD mutant (index, mutation, why; the
 * mutant is saved under --keep), a count per outcome, and last
 * `fuzz-images: N mutants, B bad`. Exit status 0 only when B is 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { guestNodeOptions } from '../../cli/guest-process.ts';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { classify, mutant, type Outcome, type OutcomeKind, type RunRecord } from './image-fuzz.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/vmidbt.js');
const RSS_HOOK = join(ROOT, 'guest/tools/rss-report.mjs');
/** guest RAM and code cache of every run (one vCPU), and what the process may use besides (the README's stated bound) */
const MEM_MIB = 128;
const JIT_CACHE_MIB = 64;
const OVERHEAD_MIB = 256;
/** a vCPU's decode cache and heat table (translator/engine/README.md) */
const PER_VCPU_TABLES_MIB = 64;
const MEMORY_BOUND_KIB = (MEM_MIB + JIT_CACHE_MIB + PER_VCPU_TABLES_MIB + OVERHEAD_MIB) * 1024;

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    jobs: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    only: { type: 'string' },
    keep: { type: 'string' },
    // crc32b at scale 0.01 ends in 2.6 million instructions; 30 s of CPU is 0.1 MIPS, ten times below the
    // interpreter's slowest (never-repeating code, nothing decoded twice)
    'max-instructions': { type: 'string', default: '3000000' },
    'cpu-seconds': { type: 'string', default: '30' },
  },
});
const int = (v: string | undefined, name: string, min: number): number => {
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < min) {
    process.stderr.write(`fuzz-images: ${name} must be a decimal integer >= ${min}, got '${v}'\n`);
    process.exit(2);
  }
  return Number(v);
};
const count = int(values.count, '--count', 1);
const seed = int(values.seed, '--seed', 0);
const jobs = int(values.jobs, '--jobs', 1);
const maxInstructions = int(values['max-instructions'], '--max-instructions', 1);
const cpuSeconds = int(values['cpu-seconds'], '--cpu-seconds', 1);
const only = values.only !== undefined ? int(values.only, '--only', 0) : undefined;
const keepDir = values.keep ?? join(tmpdir(), `vmidbt-fuzz-images-seed${seed}`);
const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

const image = readFileSync(join(ROOT, 'guest/kernel.elf'));
const work = mkdtempSync(join(tmpdir(), 'vmidbt-fuzz-images-'));

/** Run vmidbt on mutant `k`; resolves with how it ended. */
function runMutant(k: number, file: string): Promise<RunRecord> {
  const args = [
    ...guestNodeOptions(), '--import', RSS_HOOK, BIN, 'run', file, '--mem', String(MEM_MIB), '--jit-cache', String(JIT_CACHE_MIB),
    '--max-instructions', String(maxInstructions), '--append', 'run=crc32b scale=0.01', ...(k % 2 ? ['--no-jit'] : []),
  ];
  const [cmd, argv] = hasPrlimit ? ['prlimit', [`--cpu=${cpuSeconds}`, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let rss = '';
    let timedOut = false;
    child.stderr!.on('data', (d) => { if (stderr.length < 65536) stderr += d; });
    child.stdio[3]!.on('data', (d) => { rss += d; });
    // the backstop for a process that stops using CPU without ending (or for a host without prlimit),
    // generous because a loaded host gives a child a fraction of a core
    const backstop = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, (cpuSeconds * 10 + 60) * 1000);
    child.on('close', (status, signal) => {
      clearTimeout(backstop);
      // the CPU-time limit ends the process with SIGXCPU (or SIGKILL past the hard limit)
      if (signal === 'SIGXCPU') timedOut = true;
      resolve({ status, signal, stderr, timedOut, maxRssKiB: rss ? Number(rss) : undefined });
    });
  });
}

const tally = new Map<OutcomeKind, number>();
const bad: string[] = [];
let done = 0;
const started = performance.now();

async function one(k: number): Promise<void> {
  const m = mutant(image, seed, k);
  const file = join(work, `mutant-${k}.elf`);
  writeFileSync(file, m.bytes);
  const out: Outcome = classify(await runMutant(k, file), MEMORY_BOUND_KIB);
  tally.set(out.kind, (tally.get(out.kind) ?? 0) + 1);
  if (out.kind === 'BAD') {
    mkdirSync(keepDir, { recursive: true });
    writeFileSync(join(keepDir, `mutant-${k}.elf`), m.bytes);
    const line = `BAD mutant ${k} (${m.what}${k % 2 ? ', --no-jit' : ''}): ${out.line} [saved as ${join(keepDir, `mutant-${k}.elf`)}]`;
    bad.push(line);
    process.stderr.write(`\n${line}\n`);
  }
  rmSync(file, { force: true });
  done++;
  if (process.stderr.isTTY || done % 25 === 0) process.stderr.write(`${process.stderr.isTTY ? '\r' : ''}fuzz-images: ${done} / ${count}${process.stderr.isTTY ? '' : '\n'}`);
}

async function main(): Promise<number> {
  const indices = only !== undefined ? [only] : Array.from({ length: count }, (_, k) => k);
  let next = 0;
  const worker = async () => { while (next < indices.length) await one(indices[next++]); };
  await Promise.all(Array.from({ length: Math.min(jobs, indices.length) }, worker));
  rmSync(work, { recursive: true, force: true });
  const secs = (performance.now() - started) / 1000;
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(`seed ${seed}, ${jobs} jobs, ${secs.toFixed(1)} s; each mutant: --max-instructions ${maxInstructions}, ${cpuSeconds} s of CPU${hasPrlimit ? '' : ' (no prlimit: wall-clock backstop only)'}, memory bound ${MEMORY_BOUND_KIB >> 10} MiB`);
  for (const [kind, n] of [...tally.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${kind.padEnd(18)} ${n}`);
  for (const line of bad) console.log(line);
  console.log(`fuzz-images: ${indices.length} mutants, ${bad.length} bad`);
  return bad.length ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e: Error) => {
  process.stderr.write(`fuzz-images: ${e.message}\n`);
  process.exitCode = 2;
});
