/**
 * The time interface (ABI.md section 6), with the examples built from its
 * rules: a stolen/available table (real = stolen + available; stolen runs
 * while the vCPU is ready but not running, available while it runs or is
 * halted), and a periodic alarm that fires at e0 + p*i, at most once per
 * period when late, re-armed at the next value beyond the counter. The fake
 * machine keeps the clocks; the ROM reports them and drives the alarms.
 */
import { describe, expect, it } from 'vitest';
import { Reg } from '../isa/instr.ts';
import { makeRig, type Rig } from '../spec-tests/rom-rig.ts';
import type { RunState } from '../spec-tests/fake-machine.ts';

function counter(rig: Rig, which: number, cpuIndex = 0): bigint {
  rig.call('GetCycleCounter', { eax: which }, [], cpuIndex);
  const c = rig.machine.vcpus[cpuIndex].cpu;
  return (BigInt(c.regs[Reg.EDX] >>> 0) << 32n) | BigInt(c.regs[Reg.EAX] >>> 0);
}

describe('stolen and available time', () => {
  // two vCPUs sharing one host thread: while one runs the other is ready (its time is stolen)
  const table: { cycles: bigint; states: RunState[]; real: bigint; avail: [bigint, bigint]; stolen: [bigint, bigint] }[] = [
    { cycles: 100n, states: ['running', 'ready'], real: 100n, avail: [100n, 0n], stolen: [0n, 100n] },
    { cycles: 50n, states: ['ready', 'running'], real: 150n, avail: [100n, 50n], stolen: [50n, 100n] },
    { cycles: 30n, states: ['halted', 'running'], real: 180n, avail: [130n, 80n], stolen: [50n, 100n] },
    { cycles: 20n, states: ['running', 'halted'], real: 200n, avail: [150n, 100n], stolen: [50n, 100n] },
    { cycles: 40n, states: ['ready', 'running'], real: 240n, avail: [150n, 140n], stolen: [90n, 100n] },
  ];

  it('reproduces the table through GetCycleCounter, with real = stolen + available on every vCPU', () => {
    const rig = makeRig(2);
    rig.call('Init');
    expect(counter(rig, 2)).toBe(0n); // stolen starts at 0
    for (const row of table) {
      rig.machine.advance(row.cycles, row.states);
      for (const k of [0, 1]) {
        const real = counter(rig, 0, k), avail = counter(rig, 1, k), stolen = counter(rig, 2, k);
        expect([real, avail, stolen]).toEqual([row.real, row.avail[k], row.stolen[k]]);
        expect(stolen + avail).toBe(real);
      }
    }
  });
});

describe('alarms', () => {
  function firings(rig: Rig, schedule: [bigint, RunState][], apic = false): bigint[] {
    const seen: bigint[] = [];
    const v = rig.machine.vcpus[0];
    let count = 0;
    for (const [cycles, state] of schedule) {
      for (let t = 0n; t < cycles; t++) {
        rig.machine.advance(1n, [state]);
        const n = apic ? v.apic.raised.length : rig.machine.irqs.length;
        if (n !== count) { count = n; seen.push(rig.machine.real); }
      }
    }
    return seen;
  }

  it('periodic on real time: e0 + p*i, one late firing after a stolen stretch, re-armed beyond the counter', () => {
    const rig = makeRig();
    rig.call('Init');
    // periodic (0x100), real time (counter 0), IRQ0; e0 = 1000, p = 500
    rig.call('SetAlarm', { eax: 0x100, edx: 1000, ecx: 0 }, [500, 0]);
    const fired = firings(rig, [[1900n, 'running'], [1300n, 'ready'], [300n, 'halted'], [1000n, 'running']]);
    // 2000, 2500 and 3000 pass while the vCPU is not running: one firing in its first cycle back (3201),
    // then 3500 (a halted vCPU wakes), 4000, 4500
    expect(fired).toEqual([1000n, 1500n, 3201n, 3500n, 4000n, 4500n]);
    expect(rig.machine.irqs.every((i) => i === 0)).toBe(true);
    rig.call('CancelAlarm', { eax: 0 });
    expect(rig.cpu.regs[Reg.EAX]).toBe(1); // a periodic alarm is always armed
  });

  it('periodic on available time through the APIC timer vector: time the vCPU was ready does not count', () => {
    const rig = makeRig();
    rig.call('Init');
    rig.call('APICWrite', { eax: 0xfee00320 | 0, edx: 0x40 });
    rig.call('SetAlarm', { eax: 0x10101, edx: 100, ecx: 0 }, [100, 0]);
    const fired = firings(rig, [[250n, 'running'], [500n, 'ready'], [150n, 'running']], true);
    // available reaches 100, 200 at real 100, 200; 300 at real 800 (500 stolen in between), 400 at 900
    expect(fired).toEqual([100n, 200n, 800n, 900n]);
    expect(rig.machine.vcpus[0].apic.raised).toEqual([0x40, 0x40, 0x40, 0x40]);
    expect(rig.machine.irqs).toEqual([]);
  });

  it('one-shot (also periodic with period 0) fires once; CancelAlarm then reports it was not armed', () => {
    const rig = makeRig();
    rig.call('Init');
    rig.call('SetAlarm', { eax: 0x100, edx: 50, ecx: 0 }, [0, 0]);
    expect(firings(rig, [[300n, 'running']])).toEqual([50n]);
    rig.call('CancelAlarm', { eax: 0 });
    expect(rig.cpu.regs[Reg.EAX]).toBe(0);
  });

  it('setting an armed alarm cancels it first', () => {
    const rig = makeRig();
    rig.call('Init');
    rig.call('SetAlarm', { eax: 0, edx: 50, ecx: 0 }, [0, 0]);
    rig.call('SetAlarm', { eax: 0, edx: 80, ecx: 0 }, [0, 0]);
    expect(rig.machine.events.length).toBe(1);
    expect(firings(rig, [[100n, 'running']])).toEqual([80n]);
  });
});
