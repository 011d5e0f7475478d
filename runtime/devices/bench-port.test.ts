import { describe, expect, it } from 'vitest';
import { BenchPort, BENCH_MORE_PORT, BENCH_PORT, BENCH_SIGNATURE } from './bench-port.ts';
import { PortBus } from './ports.ts';
import { Machine } from '../machine.ts';

/** A clock that advances by a fixed step on each reading. */
function steppingClock(start: number, step: number): () => number {
  let t = start - step;
  return () => (t += step);
}

describe('bench port', () => {
  it('records each write with the clock reading taken at the write, in order', () => {
    const dev = new BenchPort(steppingClock(100, 2.5));
    dev.write(BENCH_PORT, 4, 0x0301);
    dev.write(BENCH_PORT, 4, 0x0302);
    dev.write(BENCH_PORT, 4, 0xffffffff);
    expect(dev.marks).toEqual([
      { code: 0x0301, ms: 100 },
      { code: 0x0302, ms: 102.5 },
      { code: 0xffffffff, ms: 105 },
    ]);
  });

  it('zero-extends byte and word writes and ignores writes to the other three ports', () => {
    const dev = new BenchPort(() => 7);
    dev.write(BENCH_PORT, 1, 0x1234);
    dev.write(BENCH_PORT, 2, 0x12345678);
    dev.write(BENCH_PORT + 1, 1, 5);
    dev.write(BENCH_PORT + 3, 1, 5);
    expect(dev.marks.map((m) => m.code)).toEqual([0x34, 0x5678]);
  });

  it('reads back the signature, byte by byte as a little-endian dword', () => {
    const dev = new BenchPort(() => 0);
    expect(dev.read(BENCH_PORT, 4) >>> 0).toBe(BENCH_SIGNATURE);
    const bytes = [0, 1, 2, 3].map((k) => dev.read(BENCH_PORT + k, 1));
    expect(String.fromCharCode(...bytes)).toBe('VMIB');
    expect(dev.read(BENCH_PORT, 2)).toBe(0x4d56);
  });

  it('answers "another pass?" on port 0xE4 with the host policy\'s verdict on the records so far, 0 without one', () => {
    const dev = new BenchPort(() => 0);
    expect(dev.read(BENCH_MORE_PORT, 4)).toBe(0);
    dev.wantsMore = (marks) => marks.length < 2;
    dev.write(BENCH_PORT, 4, 1);
    expect(dev.read(BENCH_MORE_PORT, 4)).toBe(1);
    dev.write(BENCH_PORT, 4, 2);
    expect(dev.read(BENCH_MORE_PORT, 4)).toBe(0);
    // the other bytes of that dword read as nothing, and reading takes no mark
    expect(dev.read(BENCH_MORE_PORT + 1, 1)).toBe(0);
    expect(dev.marks.length).toBe(2);
    const m = new Machine({ memMiB: 2 });
    m.benchPort.wantsMore = () => true;
    expect(m.ports.read(BENCH_MORE_PORT, 4)).toBe(1);
  });

  it('keeps at most its limit of records and counts the rest as dropped; clear starts over', () => {
    const dev = new BenchPort(() => 0, 3);
    for (let k = 0; k < 5; k++) dev.write(BENCH_PORT, 4, k);
    expect(dev.marks.map((m) => m.code)).toEqual([0, 1, 2]);
    expect(dev.dropped).toBe(2);
    dev.clear();
    expect(dev.marks).toEqual([]);
    expect(dev.dropped).toBe(0);
  });

  it('answers on a port bus like any device, and the machine has one at 0xE0', () => {
    const bus = new PortBus();
    const dev = new BenchPort(() => 1);
    bus.register(BENCH_PORT, 4, dev);
    bus.write(BENCH_PORT, 4, 9);
    expect(dev.marks).toEqual([{ code: 9, ms: 1 }]);
    const m = new Machine({ memMiB: 2 });
    expect(m.ports.deviceAt(BENCH_PORT)).toBe(m.benchPort);
    expect(m.ports.read(BENCH_PORT, 4) >>> 0).toBe(BENCH_SIGNATURE);
  });
});
