/**
 * `npm run fuzz:code -- --count N --seed S [--jobs J] [--keep K]`: the code
 * fuzzer (code.ts) from the command line. J worker threads (default: up to
 * 2, one per core) each take every J-th stream, so a campaign's streams and
 * verdicts do not depend on J. Shows progress on stderr, lists up to K bad or
 * mismatching streams (seed, bytes, what happened), and ends with
 * `fuzz-code: N streams, B bad, M mismatches`. Exits 1 if any.
 */
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fuzzStream, streamHex, type StreamOutcome } from './code.ts';

interface Slice { first: number; count: number; stride: number }

if (!isMainThread) {
  // a worker: streams first, first + stride, ... below first + count; one message per stream
  const { first, count, stride } = workerData as Slice;
  for (let s = first; s < first + count; s += stride) parentPort!.postMessage(await fuzzStream(s));
} else {
  await main();
}

async function main(): Promise<void> {
  const usage = 'usage: npm run fuzz:code -- --count N --seed S [--jobs J] [--keep K]';
  let values;
  try {
    ({ values } = parseArgs({ options: {
      count: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' }, keep: { type: 'string', default: '10' },
      jobs: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    } }));
  } catch (e) {
    console.error(`fuzz:code: ${(e as Error).message}\n${usage}`);
    process.exit(2);
  }
  const decimal = (s: string) => (/^\d+$/.test(s) ? Number(s) : NaN);
  const count = decimal(values.count), seed = decimal(values.seed), keep = decimal(values.keep), jobs = decimal(values.jobs);
  if (!(count > 0) || !Number.isSafeInteger(seed) || !Number.isSafeInteger(keep) || !(jobs >= 1 && jobs <= 64)) {
    console.error(usage);
    process.exit(2);
  }

  const t0 = performance.now();
  let done = 0, bad = 0, mismatches = 0, instructions = 0, shown = 0;
  // a run past RUN_MS may only mean a loaded host: such streams run again, alone, at the end
  const slow: number[] = [];
  const record = (o: StreamOutcome, retried = false) => {
    if (!retried) done++;
    if (o.slow && !retried) { slow.push(o.seed); return; }
    instructions += o.instructions;
    if (o.bad) bad++;
    if (o.mismatch) mismatches++;
    if ((o.bad || o.mismatch) && shown++ < keep) process.stderr.write(`\nstream ${o.seed} (${streamHex(o.seed)}): ${o.bad ? `BAD ${o.bad}` : `MISMATCH ${o.mismatch}`}`.split('\n').slice(0, 2).join('\n') + '\n');
    if (!retried && (done % 10 === 0 || done === count)) process.stderr.write(`\r${done} / ${count} streams, ${bad} bad, ${mismatches} mismatches`);
  };
  const workers = Math.min(jobs, count);
  if (workers === 1) {
    for (let k = 0; k < count; k++) record(await fuzzStream(seed + k));
  } else {
    await Promise.all(Array.from({ length: workers }, (_, j) => new Promise<void>((resolve, reject) => {
      const slice: Slice = { first: seed + j, count: count - j, stride: workers };
      const w = new Worker(new URL(import.meta.url), { workerData: slice });
      w.on('message', record);
      w.on('error', reject);
      w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fuzz:code: worker ${j} exited with ${code}`))));
    }))).catch((e: Error) => { console.error(`\n${e.message.split('\n')[0]}`); process.exit(70); });
  }
  let slowAlone = 0;
  for (const seed of slow) {
    const o = await fuzzStream(seed);
    if (!o.slow && !o.bad && !o.mismatch) { slowAlone++; instructions += o.instructions; continue; }
    record(o, true);
  }
  process.stderr.write('\n');
  if (slow.length) console.log(`${slow.length} streams passed RUN_MS beside the others; run again alone, ${slowAlone} ended in time`);
  const secs = (performance.now() - t0) / 1000;
  console.log(`seeds ${seed}..${seed + count - 1}, ${instructions} guest instructions (interpreted), ${workers} jobs, ${secs.toFixed(1)} s`);
  console.log(`fuzz-code: ${count} streams, ${bad} bad, ${mismatches} mismatches`);
  process.exit(bad || mismatches ? 1 : 0);
}
