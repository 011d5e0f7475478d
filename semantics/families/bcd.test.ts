import { describe, expect, it } from 'vitest';
import { bareCpu } from '../../spec-tests/harness.ts';
import { AF, CF, OF, PF, SF, ZF } from '../../isa/eflags.ts';
import { Vec } from '../../isa/faults.ts';
import { rows } from './bcd.ts';

/** Run `code` from a fresh bare CPU with EAX and EFLAGS given; returns the CPU. */
function run(code: number[], eax: number, eflags = 2) {
  const b = bareCpu();
  b.cpu.regs[0] = eax;
  b.cpu.eflags = eflags | 2;
  b.load(code);
  b.runToEnd();
  return b.cpu;
}

const flags = (cpu: ReturnType<typeof run>) => cpu.getEflags();

describe('daa / das', () => {
  it('daa after 0x79 + 0x35 gives 0x14 with CF', () => {
    // mov al,0x79; add al,0x35; daa
    const cpu = run([0xb0, 0x79, 0x04, 0x35, 0x27], 0x12345600);
    expect(cpu.regs[0]).toBe(0x12345614);
    expect(flags(cpu) & CF).toBe(CF);
    expect(flags(cpu) & AF).toBe(AF);
    expect(flags(cpu) & ZF).toBe(0);
  });

  it('daa without adjustment clears CF and AF', () => {
    const cpu = run([0x27], 0x45);
    expect(cpu.regs[0] & 0xff).toBe(0x45);
    expect(flags(cpu) & (CF | AF)).toBe(0);
  });

  it('daa 0x99 + 0x01 = 0x00 with CF and ZF', () => {
    const cpu = run([0xb0, 0x99, 0x04, 0x01, 0x27], 0);
    expect(cpu.regs[0]).toBe(0);
    expect(flags(cpu) & (CF | ZF | AF)).toBe(CF | ZF | AF);
  });

  it('das after 0x35 - 0x47 gives 0x88 with CF (SDM example)', () => {
    const cpu = run([0xb0, 0x35, 0x2c, 0x47, 0x2f], 0);
    expect(cpu.regs[0] & 0xff).toBe(0x88);
    expect(flags(cpu) & (CF | AF | SF)).toBe(CF | AF | SF);
  });

  it('das keeps the low-digit borrow when the high digit needs no adjustment', () => {
    // AL = 0x03 with AF set and CF clear: 0x03 - 6 borrows
    const cpu = run([0x2f], 0x03, AF);
    expect(cpu.regs[0] & 0xff).toBe(0xfd);
    expect(flags(cpu) & (CF | AF)).toBe(CF | AF);
  });
});

describe('aaa / aas', () => {
  it('aaa after 8 + 5 gives AX = 0x0103 with CF and AF', () => {
    const cpu = run([0xb0, 0x08, 0x04, 0x05, 0x37], 0);
    expect(cpu.regs[0] & 0xffff).toBe(0x0103);
    expect(flags(cpu) & (CF | AF)).toBe(CF | AF);
  });

  it('aaa without adjustment clears the high nibble and CF', () => {
    const cpu = run([0x37], 0x0235, CF);
    expect(cpu.regs[0] & 0xffff).toBe(0x0205);
    expect(flags(cpu) & (CF | AF)).toBe(0);
  });

  it('aas after 0x0103 - 5 gives 0x0008 with CF', () => {
    // AX = 0x0103; sub al,5 -> AL = 0xFE with AF; aas
    const cpu = run([0x2c, 0x05, 0x3f], 0x0103);
    expect(cpu.regs[0] & 0xffff).toBe(0x0008);
    expect(flags(cpu) & (CF | AF)).toBe(CF | AF);
  });

  it('aas borrows from AH through AL', () => {
    // AL = 2 with AF: AX - 6 borrows into AH, then AH - 1
    const cpu = run([0x3f], 0x0502, AF);
    expect(cpu.regs[0] & 0xffff).toBe(0x030c);
  });
});

describe('aam / aad', () => {
  it('aam 10 of 0x3F gives AH=6 AL=3', () => {
    const cpu = run([0xd4, 0x0a], 0xaaaa003f);
    expect(cpu.regs[0]).toBe(0xaaaa0603 | 0);
    expect(flags(cpu) & (ZF | SF)).toBe(0);
  });

  it('aam with another base (16) splits nibbles and sets ZF from AL', () => {
    const cpu = run([0xd4, 0x10], 0x50);
    expect(cpu.regs[0] & 0xffff).toBe(0x0500);
    expect(flags(cpu) & (ZF | PF)).toBe(ZF | PF);
  });

  it('aam 0 raises #DE and leaves AX', () => {
    const b = bareCpu();
    b.cpu.regs[0] = 0x1234;
    b.load([0xd4, 0x00]);
    expect(b.exec1()?.vector).toBe(Vec.DE);
    expect(b.cpu.regs[0]).toBe(0x1234);
  });

  it('aad 10 of AX=0x0607 gives AX=0x0043', () => {
    const cpu = run([0xd5, 0x0a], 0x11110607);
    expect(cpu.regs[0]).toBe(0x11110043);
    expect(flags(cpu) & (ZF | SF | CF | OF)).toBe(0);
  });

  it('aad truncates to 8 bits', () => {
    // 0xFF * 0xFF + 0xFF = 0xFF00 -> AL = 0
    const cpu = run([0xd5, 0xff], 0xffff);
    expect(cpu.regs[0] & 0xffff).toBe(0);
    expect(flags(cpu) & ZF).toBe(ZF);
  });
});

describe('rows', () => {
  it('declare the undefined flags of the SDM', () => {
    const undef = Object.fromEntries(rows.map((r) => [r.mn, r.undef]));
    expect(undef.daa).toBe(OF);
    expect(undef.aaa).toBe(OF | SF | ZF | PF);
    expect(undef.aam).toBe(OF | AF | CF);
    expect(rows.find((r) => r.mn === 'aam')!.fault).toBe(true);
  });
});
