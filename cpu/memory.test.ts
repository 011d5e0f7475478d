import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { PhysicalMemory } from './memory.ts';

setFlagsFromString('--allow-natives-syntax');
const optimizationStatus = new Function('f', 'return %GetOptimizationStatus(f)') as (f: () => number) => number;
const prepare = new Function('f', '%PrepareFunctionForOptimization(f)') as (f: () => number) => void;
const optimizeNext = new Function('f', '%OptimizeFunctionOnNextCall(f)') as (f: () => number) => void;
const OPTIMIZED = 16;

describe('PhysicalMemory', () => {
  it('code that read the code epoch stays optimised when the epoch first moves (base/wide-fields.ts mutable)', () => {
    const mem = new PhysicalMemory(0x10000);
    // as a translated region reads it: `MEM.codeEpoch`, MEM closed over by the region's factory
    const read = new Function('MEM', 'return function read() { return MEM.codeEpoch; }')(mem) as () => number;
    prepare(read); read(); read(); optimizeNext(read); read();
    expect(optimizationStatus(read) & OPTIMIZED).toBe(OPTIMIZED);
    mem.leaveTranslatedCode();
    expect(read()).toBe(1);
    expect(optimizationStatus(read) & OPTIMIZED).toBe(OPTIMIZED);
  });
});
