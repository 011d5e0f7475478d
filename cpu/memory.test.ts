import { describe, expect, it } from 'vitest';
import { PhysicalMemory, SPARED_WRITES } from './memory.ts';
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

  it('tells its listeners which bytes of a code page were written, and after SPARED_WRITES such writes the whole page', () => {
    const mem = new PhysicalMemory(0x10000);
    const told: [number, number, number][] = [];
    // a listener that keeps the page's other code marks it again, as the interpreter and the code cache do
    mem.onCodeInvalidated((page, offset, size) => { told.push([page, offset, size]); mem.markCode(page); });
    mem.write(0x3000, 4, 1); // no code there yet: nobody is told
    mem.markCode(0x3);
    const epoch = mem.codeEpoch;
    mem.write(0x3123, 2, 0xbeef);
    expect(told).toEqual([[0x3, 0x123, 2]]);
    expect(mem.codeEpoch).toBe(epoch + 1);
    // the host's load over two pages, one of them code: that page's part of it
    mem.load(0x2ff0, Uint8Array.from({ length: 0x20 }, () => 0x90));
    expect(told[1]).toEqual([0x3, 0, 0x10]);
    for (let k = 2; k < SPARED_WRITES; k++) mem.write(0x3800 + k, 1, 0);
    expect(told.every(([, , size]) => size < 0x1000)).toBe(true);
    mem.write(0x3900, 1, 0);
    expect(told[told.length - 1]).toEqual([0x3, 0, 0x1000]);
    mem.write(0x3901, 1, 0); // counted afresh
    expect(told[told.length - 1]).toEqual([0x3, 0x901, 1]);
    mem.invalidateCode(0x3);
    expect(told[told.length - 1]).toEqual([0x3, 0, 0x1000]);
  });
});
