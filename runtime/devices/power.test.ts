import { describe, expect, it } from 'vitest';
import { AcpiPm, PM1A_CNT_BLK, PM_TMR_BLK, PM1A_EVT_BLK, PM_TIMER_HZ, S5_SLP_TYP } from './acpi-pm.ts';
import { ResetControl } from './reset.ts';
import { Machine } from '../machine.ts';
import { enterFlatProtectedMode } from '../../cpu/setup.ts';
import { Reg } from '../../isa/instr.ts';

function pm(now = 0) {
  let t = now;
  let offs = 0;
  const dev = new AcpiPm({ now: () => t, frequency: 1e9 }, () => offs++);
  return { dev, setNow: (v: number) => { t = v; }, offs: () => offs };
}

describe('ACPI PM1 and PM timer', () => {
  it('counts the PM timer at 3.579545 MHz of machine time, exactly even past 2^53 / 3.58e6 cycles', () => {
    const { dev, setNow } = pm();
    setNow(1e9);
    expect(dev.read(PM_TMR_BLK, 4) >>> 0).toBe(PM_TIMER_HZ);
    setNow(5e9 + 5e8);
    expect(dev.read(PM_TMR_BLK, 4) >>> 0).toBe(Math.floor(5.5 * PM_TIMER_HZ));
    setNow(4e15 + 1);
    expect(dev.read(PM_TMR_BLK, 4) >>> 0).toBe(Number((4_000_000n * BigInt(PM_TIMER_HZ)) % 2n ** 32n));
  });

  it('reads SCI_EN set (always in ACPI mode), clears status bits written as ones', () => {
    const { dev } = pm();
    expect(dev.read(PM1A_CNT_BLK, 2) & 1).toBe(1);
    dev.write(PM1A_CNT_BLK, 2, 0);
    expect(dev.read(PM1A_CNT_BLK, 2) & 1).toBe(1);
    dev.write(PM1A_EVT_BLK + 2, 2, 0x0021);
    expect(dev.read(PM1A_EVT_BLK, 4) >>> 16).toBe(0x0021);
    dev.write(PM1A_EVT_BLK, 2, 0xffff);
    expect(dev.read(PM1A_EVT_BLK, 2)).toBe(0);
  });

  it('powers off on SLP_EN with the \\_S5 sleep type, and only then', () => {
    const { dev, offs } = pm();
    dev.write(PM1A_CNT_BLK, 2, ((S5_SLP_TYP + 1) << 10) | 0x2000);
    expect(offs()).toBe(0);
    dev.write(PM1A_CNT_BLK, 2, S5_SLP_TYP << 10);
    expect(offs()).toBe(0);
    dev.write(PM1A_CNT_BLK, 2, (S5_SLP_TYP << 10) | 0x2000);
    expect(offs()).toBe(1);
  });
});

describe('reset control', () => {
  it('resets when 0xCF9 bit 2 rises, and on 0xFE to port 0x64 only', () => {
    const hows: string[] = [];
    const r = new ResetControl((how) => hows.push(how));
    r.write(0xcf9, 1, 0x02);
    expect(hows).toEqual([]);
    expect(r.read(0xcf9, 1)).toBe(0x02);
    r.write(0xcf9, 1, 0x06);
    expect(hows).toHaveLength(1);
    r.write(0x64, 1, 0xd1);
    expect(hows).toHaveLength(1);
    r.write(0x64, 1, 0xfe);
    expect(hows[1]).toMatch(/keyboard controller/);
    expect(r.read(0x64, 1)).toBe(0xff); // no 8042 answers
  });
});

describe('power-off and reset end the run', () => {
  function run(code: number[]) {
    const m = new Machine({ memMiB: 4 });
    const cpu = m.vcpus[0].cpu;
    enterFlatProtectedMode(cpu);
    cpu.regs[Reg.ESP] = 0x80000;
    m.memory.load(0x1000, Uint8Array.from(code));
    cpu.eip = 0x1000;
    return m.runSync();
  }

  it('ACPI S5 through PM1a_CNT: exit status 0', () => {
    // mov dx,0x604; mov ax,0x2000; out dx,ax; hlt
    const r = run([0x66, 0xba, 0x04, 0x06, 0x66, 0xb8, 0x00, 0x20, 0x66, 0xef, 0xf4]);
    expect(r.stop).toMatchObject({ kind: 'exit', exitCode: 0, reason: 'power-off: ACPI S5' });
  });

  it('the FADT reset register (6 to 0xCF9) and the keyboard controller: a hard reset of the machine', () => {
    const viaCf9 = run([0x66, 0xba, 0xf9, 0x0c, 0xb0, 0x06, 0xee, 0xf4]); // mov dx,0xcf9; mov al,6; out dx,al
    expect(viaCf9.stop).toMatchObject({ kind: 'reset', reset: 'hard', exitCode: 0 });
    expect(viaCf9.stop.reason).toMatch(/0xCF9/);
    const viaKbc = run([0xb0, 0xfe, 0xe6, 0x64, 0xf4]); // mov al,0xfe; out 0x64,al
    expect(viaKbc.stop).toMatchObject({ kind: 'reset', reset: 'hard' });
    expect(viaKbc.stop.reason).toMatch(/keyboard controller/);
  });

  it('PCI configuration still works around 0xCF9', () => {
    const m = new Machine({ memMiB: 4 });
    m.ports.write(0xcf8, 4, 0x80000000);
    expect(m.ports.read(0xcfc, 4) >>> 0).toBe(0x12378086);
  });
});
