/**
 * Machine time (runtime/time.ts): real = available + stolen for every vCPU,
 * halted and idle time counted as available, clocks extrapolated inside a
 * slice, events fired in order, and a slice cut by an event scheduled
 * inside it that falls due before its end.
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

  it('cuts the running slice when its vCPU schedules an event due before the slice ends, and only then', () => {
    const t = new MachineTime(2, { cyclesPerInstruction: 2 });
    let cuts = 0;
    t.onSliceCut = () => cuts++;
    const a = { instructions: 100 };
    t.beginSlice(0, a, 1000); // ends at instruction 1100, real time 2000
    a.instructions += 10; // now 20 cycles
    t.schedule(0, 'real', 20 + 2 * 1000, () => {}); // due at instruction 1110: after the slice
    t.schedule(1, 'real', 30, () => {}); // another vCPU's
    expect(cuts).toBe(0);
    t.schedule(0, 'real', 20 + 2 * 500 - 1, () => {}); // due at instruction 610
    expect(cuts).toBe(1);
    t.schedule(0, 'available', 20 + 2 * 600, () => {}); // due after the new end
    expect(cuts).toBe(1);
    t.schedule(0, 'real', 0, () => {}); // already due: the slice ends after this instruction
    expect(cuts).toBe(2);
    t.endSlice(() => true);
    t.schedule(0, 'real', 0, () => {}); // between slices nothing runs to cut
    expect(cuts).toBe(2);
    t.beginSlice(0, a); // unbounded: any event of its own cuts it
    t.schedule(0, 'real', 1e9, () => {});
    expect(cuts).toBe(3);
  });

  it('cuts a lone vCPU\'s slice for another vCPU\'s event too, on that vCPU\'s clocks', () => {
    const t = new MachineTime(2);
    let cuts = 0;
    t.onSliceCut = () => cuts++;
    const a = { instructions: 0 };
    // vCPU 1 halted through a first slice of vCPU 0: its available clock went on with real time
    t.beginSlice(0, a, 500, true);
    a.instructions = 500;
    t.endSlice(() => false);
    t.beginSlice(0, a, 1000, true); // ends at real time 1500
    a.instructions += 100; // real 600; vCPU 1's available clock is 600 too
    t.schedule(1, 'available', 600 + 1000, () => {}); // due at real 1600: after the slice
    t.schedule(1, 'real', 1500, () => {}); // due exactly at its end
    expect(cuts).toBe(0);
    t.schedule(1, 'available', 600 + 899, () => {}); // due at real 1499
    expect(cuts).toBe(1);
    t.endSlice(() => false);
    // not alone: another vCPU's events wait for its own turn
    t.beginSlice(0, a, 1000);
    t.schedule(1, 'real', 0, () => {});
    expect(cuts).toBe(1);
  });

  it('moves time on by a port access\'s stall, attributes it to the running vCPU, and cuts a slice it makes an event due in', () => {
    const t = new MachineTime(2);
    let cuts = 0;
    t.onSliceCut = () => cuts++;
    const a = { instructions: 0 };
    t.beginSlice(0, a, 10_000); // ends at instruction 10,000
    t.schedule(0, 'real', 20_000, () => {}); // due after the slice
    t.schedule(1, 'real', 500, () => {}); // another vCPU's: not this slice's bound
    a.instructions = 100;
    t.stall(1000); // real 1,100: the event is still due after instruction 10,000
    expect(t.now()).toBe(1100);
    expect(cuts).toBe(0);
    t.stall(15_000); // real 16,100: due at instruction 4,000, inside the slice
    expect(cuts).toBe(1);
    a.instructions = 150;
    t.endSlice((v) => v === 1); // vCPU 1 was ready: the whole slice, stalls included, is stolen from it
    expect(t.now()).toBe(16_150);
    expect(t.availableOf(0)).toBe(16_150);
    expect(t.stolenOf(1)).toBe(16_150);
    t.beginSlice(0, a);
    expect(t.now()).toBe(16_150); // the next slice starts from there, with no stall of its own
    t.endSlice(() => true);
    t.stall(500); // between slices: real time moves on, available to every vCPU
    expect(t.now()).toBe(16_650);
    expect(t.availableOf(1)).toBe(500);
    expect(t.stolenOf(1)).toBe(16_150);
    const host = new MachineTime(1, { hostTime: true });
    host.stall(1e9); // host time passes by itself
    expect(host.now()).toBeLessThan(1e9);
  });

  it('cuts at the same stall as looking at every event on every port access would, stalls and instructions interleaved', () => {
    // the reference forgets what the last look found before each stall, so it looks at every event every time
    for (const cyclesPerInstruction of [1, 3, 8]) {
      let seed = 12345 + cyclesPerInstruction;
      const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
      const clocks = [false, true].map((forget) => {
        const t = new MachineTime(2, { cyclesPerInstruction });
        const src = { instructions: 0 };
        const cuts: number[] = [];
        t.onSliceCut = () => cuts.push(src.instructions);
        return { t, src, cuts, forget };
      });
      for (let slice = 0; slice < 40; slice++) {
        const length = 1 + rand(20_000);
        const alone = rand(2) === 0;
        const plan = Array.from({ length: 30 }, () => ({ run: rand(400), stall: rand(3) ? 1 + rand(3000) : 0, event: rand(15) === 0 ? [rand(2), rand(2) ? 'real' : 'available', rand(60_000)] as const : null }));
        for (const c of clocks) {
          c.t.beginSlice(0, c.src, length, alone);
          for (const step of plan) {
            c.src.instructions += step.run;
            if (step.event) c.t.schedule(step.event[0], step.event[1], c.t.clockOf(step.event[0], step.event[1]) + step.event[2], () => {});
            if (c.forget) (c.t as unknown as { stallSlack: number }).stallSlack = -1;
            if (step.stall) c.t.stall(step.stall);
          }
          c.t.endSlice(() => false);
          for (const v of [0, 1]) c.t.fireDue(v);
        }
      }
      expect(clocks[0].cuts.length).toBeGreaterThan(20);
      expect(clocks[0].cuts).toEqual(clocks[1].cuts);
    }
  });
});
