import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from './memory.ts';
import { staysOptimized } from '../spec-tests/v8-natives.ts';

describe('PhysicalMemory', () => {
  it('code that read the code epoch stays optimised when the epoch first moves (base/wide-fields.ts mutable)', () => {
    const mem = new PhysicalMemory(0x10000);
    // as a translated region reads it: `MEM.codeEpoch`, MEM closed over by the region's factory
    const read = new Function('MEM', 'return function read() { return MEM.codeEpoch; }')(mem) as () => number;
    expect(staysOptimized(read, () => mem.leaveTranslatedCode())).toBe(true);
    expect(read()).toBe(1);
  });
});
