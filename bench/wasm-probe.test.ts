/**
 * The probe's two forms of the guest loop compute what the loop computes
 * (checked against a plain model of it), and the report has a row per phase.
 */
import { describe, expect, it } from 'vitest';
import { formatProbe, phasesUpTo, runProbe, wasmBytes } from './wasm-probe.ts';

/** EAX after `calls` calls of `budget` instructions, the loop modelled directly */
function modelEax(calls: number, budget: number): number {
  const ramBytes = 1 << 16;
  const byte = (k: number) => (k * 7 + 3) & 0xff;
  let eax = 0, offset = 0;
  for (let c = 0; c < calls; c++) {
    if (offset > ramBytes - budget) offset = 0;
    for (let n = 0; n < Math.floor(budget / 5); n++) eax = (eax + byte(offset++)) | 0;
  }
  return eax;
}

describe('wasm probe', () => {
  it('times phases of calls 1-10, 11-100, ... up to the last call', () => {
    expect(phasesUpTo(250)).toEqual([[1, 10], [11, 100], [101, 250]]);
    expect(phasesUpTo(10)).toEqual([[1, 10]]);
  });

  it('runs the same loop as JavaScript and as WebAssembly, both right', () => {
    expect(WebAssembly.validate(wasmBytes(1))).toBe(true);
    const results = runProbe({ rounds: 2, calls: 7000, budget: 50 });
    const expected = modelEax(7000, 50);
    for (const r of results) expect(r.eax).toEqual([expected, expected]);
    // 7000 calls of ten iterations read 70,000 bytes: the pointer went back to the start of the 64 KiB once
    expect(7000 * 10).toBeGreaterThan(1 << 16);
    const table = formatProbe(results);
    for (const phase of ['calls 1-10', 'calls 11-100', 'calls 101-1000', 'calls 1001-7000', 'compile, ms']) expect(table).toContain(phase);
  });
});
