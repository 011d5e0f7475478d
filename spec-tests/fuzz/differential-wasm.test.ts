/**
 * Differential fuzzing with the engine's regions as WebAssembly
 * (translator/compile/wasm-lower.ts, each region compiled as it is made):
 * random sequences, VMI calls among them, run interpreted and as
 * WebAssembly must end in identical states. Fewer than the JavaScript
 * campaign's (differential.test.ts): the lowering is a second code
 * generator for the same emitted code, and this checks that it agrees.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { campaign, CAMPAIGN_TIMEOUT_MS } from './differential.ts';
import { AVOID_KNOWN } from './generate.ts';
import { loadWasmLowering } from '../../translator/compile/wasm-region.ts';

beforeAll(() => loadWasmLowering());

describe('differential fuzzing: interpreter vs WebAssembly regions', () => {
  it('3,000 sequences from seed 900001 agree, every region lowered', () => {
    const r = campaign(900_001, 3_000, 5, AVOID_KNOWN, undefined, true);
    expect(r.failures.map((f) => f.text).join('\n\n')).toBe('');
    expect(r.failed).toBe(0);
    expect(r.stops.get('end')).toBeGreaterThan(2_000);
    expect(r.stops.get('#DE')).toBeGreaterThan(60);
    // the regions ran as WebAssembly: the lowering refused none of them
    expect(r.wasm!.regions).toBeGreaterThan(3_000);
    expect(r.wasm!.refused).toEqual({});
    console.log(`fuzz (wasm): ${r.cases} sequences, ${r.wasm!.regions} regions, ${(r.ms / 1000).toFixed(1)} s`);
  }, CAMPAIGN_TIMEOUT_MS);
});
