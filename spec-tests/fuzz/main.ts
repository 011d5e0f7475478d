/**
 * `npm run fuzz -- --count N --seed S [--keep K] [--known] [--wasm]`: a differential fuzzing
 * campaign (differential.ts) from the command line. Prints throughput, how
 * the runs ended, and each failing case minimised, as a listing and a diff.
 * Exits 1 if any case failed. `--known` also generates the code that shows
 * the known, unfixed translator bugs (generate.ts `Avoid`).
 */
import { parseArgs } from 'node:util';
import { campaign } from './differential.ts';
import { AVOID_KNOWN, AVOID_NONE } from './generate.ts';
import { loadWasmLowering } from '../../translator/compile/wasm-region.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'string', default: '5' },
    known: { type: 'boolean', default: false },
    wasm: { type: 'boolean', default: false },
  },
});
const count = Number(values.count), seed = Number(values.seed), keep = Number(values.keep);
if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- --count N --seed S [--keep K]');
  process.exit(2);
}
if (values.wasm) await loadWasmLowering();
const r = campaign(seed, count, keep, values.known ? AVOID_NONE : AVOID_KNOWN, (done) => process.stderr.write(`\r${done} / ${count}`), values.wasm);
process.stderr.write('\n');
const stops = [...r.stops.entries()].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ');
console.log(`${r.cases} cases (seeds ${seed}..${seed + count - 1}), ${r.instructions} guest instructions, ${(r.ms / 1000).toFixed(1)} s, ${Math.round(r.cases / (r.ms / 1000))} cases/s`);
console.log(`stopped at: ${stops}`);
if (r.wasm) {
  const refused = Object.entries(r.wasm.refused).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`WebAssembly: ${r.wasm.regions} regions (${r.wasm.batches} modules); left JavaScript: ${refused || 'none'}`);
}
console.log(`${r.failed} failing case(s)`);
for (const f of r.failures) console.log(`\n${f.text}`);
process.exit(r.failed ? 1 : 0);
