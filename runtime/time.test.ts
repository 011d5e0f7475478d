/**
 * Machine time (runtime/time.ts): real = available + stolen for every vCPU,
 * halted and idle time counted as available, clocks extrapolated inside a
 * slice, and events fired in order.
 */
import { describe, expect, it } from 'vitest';
import { MachineTime } from './time.ts';

describe('machine time', () => {
  it('keeps real = available + stolen for every vCPU as slices run', () => {
    const t = new MachineTime(2);
    const a = { instructions: 0 };
    const b = { instructions: 0 };
    const ready = () => true;
    t.beginSlice(0, a); a.instructions += 1000; t.endSlice(ready);
    t.beginSlice(1, b); b.instructions += 300; t.endSlice(ready);
    expect(t.now()).toBe(1300);
    expect(t.availableOf(0)).toBe(1000);
    expect(t.stolenOf(0)).toBe(300);
    expect(t.availableOf(1)).toBe(300);
    expect(t.stolenOf(1)).toBe(1000);
  });

  it('counts a halted vCPU as available, and idle jumps as available to all', () => {
    const t = new MachineTime(2);
    const a = { instructions: 0 };
    t.beginSlice(0, a); a.instructions += 500; t.endSlice((v) => v === 0);
    t.advanceIdle(2000);
    expect(t.availableOf(1)).toBe(2000);
    expect(t.stolenOf(1)).toBe(0);
    expect(t.availableOf(0)).toBe(2000);
  });

  it('extrapolates the running vCPU clocks inside a slice and honours cycles per instruction', () => {
    const t = new MachineTime(1, { cyclesPerInstruction: 3 });
    const a = { instructions: 10 };
    t.beginSlice(0, a);
    a.instructions += 7;
    expect(t.now()).toBe(21);
    expect(t.availableOf(0)).toBe(21);
    t.endSlice(() => true);
    expect(t.now()).toBe(21);
  });

  it('fires due events in order and reports the distance to the next one', () => {
    const t = new MachineTime(2);
    const fired: string[] = [];
    t.schedule(0, 'real', 50, () => fired.push('r50'));
    t.schedule(0, 'available', 30, () => fired.push('a30'));
    const h = t.schedule(0, 'real', 40, () => fired.push('cancelled'));
    t.schedule(1, 'real', 10, () => fired.push('other vCPU'));
    t.cancel(h);
    expect(t.cyclesToNextEvent(0)).toBe(30);
    const a = { instructions: 0 };
    t.beginSlice(0, a); a.instructions += 60; t.endSlice(() => true);
    expect(t.fireDue(0)).toBe(2);
    expect(fired).toEqual(['a30', 'r50']);
    expect(t.nextEventRealTime(() => true)).toBe(10);
  });
});
