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

  it('tells pages whose writes vanish and pages whose reads have no effect (what rep stos and rep movs skip)', () => {
    const mem = new PhysicalMemory(0x10000);
    const probe = { name: 'probe', read: () => 0, write: () => {} };
    mem.mapDevice(0x8000, 0x100, probe);
    mem.mapDevice(0x30000, 0x10, probe);
    mem.setReadOnly(0x4000, 0x1000);
    // RAM, ROM, a device in RAM, nothing mapped above RAM, a device above RAM
    expect([0x1000, 0x4000, 0x8000, 0x20000, 0x30000].map((a) => mem.ignoresWrites(a))).toEqual([false, true, false, true, false]);
    expect([0x1000, 0x4000, 0x8000, 0x20000, 0x30000].map((a) => mem.readsWithoutEffect(a))).toEqual([true, true, false, true, false]);
  });

  it('lets a bulk store go to plain RAM under lockstep\'s noFastWrites, never to ROM, a device or a code page, and journals what it overwrites', () => {
    const mem = new PhysicalMemory(0x10000);
    mem.mapDevice(0x8000, 0x100, { name: 'probe', read: () => 0, write: () => {} });
    mem.setReadOnly(0x4000, 0x1000);
    mem.markCode(0x2);
    mem.noFastWrites = true;
    expect([0x1000, 0x2000, 0x4000, 0x8000, 0x20000].map((a) => mem.bulkWritable(a))).toEqual([true, false, false, false, false]);
    expect(mem.fastWritable(0x1000)).toBe(false);
    mem.u8.set([1, 2, 3], 0x1000);
    mem.journalRange(0x1000, 3);
    expect(mem.journal).toBeNull();
    mem.journal = [];
    mem.journalRange(0x1000, 3);
    expect(mem.journal).toEqual([0x1000, 1, 0x1001, 2, 0x1002, 3]);
  });
});
