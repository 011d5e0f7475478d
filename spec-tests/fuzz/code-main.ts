/**
 * `npm run fuzz:code -- --count N --seed S [--keep K]`: the code fuzzer
 * (code.ts) from the command line. Shows progress on stderr, lists up to K
 * bad or mismatching streams (seed, bytes, what happened), and ends with
 * `fuzz-code: N streams, B bad, M mismatches`. Exits 1 if any.
 */
import { parseArgs } from 'node:util';
import { fuzzStream, streamHex } from './code.ts';

const usage = 'usage: npm run fuzz:code -- --count N --seed S [--keep K]';
let values;
try {
  ({ values } = parseArgs({ options: { count: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' }, keep: { type: 'string', default: '10' } } }));
} catch (e) {
  console.error(`fuzz:code: ${(e as Error).message}\n${usage}`);
  process.exit(2);
}
const decimal = (s: string) => (/^\d+$/.test(s) ? Number(s) : NaN);
const count = decimal(values.count), seed = decimal(values.seed), keep = decimal(values.keep);
if (!(count > 0) || !Number.isSafeInteger(seed) || !Number.isSafeInteger(keep)) {
  console.error(usage);
  process.exit(2);
}

const t0 = performance.now();
let bad = 0, mismatches = 0, instructions = 0, shown = 0;
for (let k = 0; k < count; k++) {
  const o = await fuzzStream(seed + k);
  instructions += o.instructions;
  const problem = o.bad ? `BAD ${o.bad}` : o.mismatch ? `MISMATCH ${o.mismatch}` : undefined;
  if (o.bad) bad++;
  if (o.mismatch) mismatches++;
  if (problem && shown++ < keep) process.stderr.write(`\nstream ${o.seed} (${streamHex(o.seed)}): ${problem.split('\n')[0]}\n`);
  if ((k + 1) % 10 === 0 || k + 1 === count) process.stderr.write(`\r${k + 1} / ${count} streams, ${bad} bad, ${mismatches} mismatches`);
}
process.stderr.write('\n');
const secs = (performance.now() - t0) / 1000;
console.log(`seeds ${seed}..${seed + count - 1}, ${instructions} guest instructions (interpreted), ${secs.toFixed(1)} s`);
console.log(`fuzz-code: ${count} streams, ${bad} bad, ${mismatches} mismatches`);
process.exit(bad || mismatches ? 1 : 0);
