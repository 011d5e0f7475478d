import { describe, expect, it } from 'vitest';
import { bareCpu, CODE_ADDR, type Bare } from '../../spec-tests/harness.ts';
import { Fault, Vec } from '../../isa/faults.ts';
import { VM } from '../../isa/eflags.ts';
import type { CpuBus } from '../../cpu/cpu.ts';
import { checkIoPermission, rows } from './io.ts';

const EAX = 0, EDX = 2;
const TSS = 0x50000;
const MAP = 0x68;

const exec1 = (b: Bare): Fault | undefined => b.exec1();

function fakeBus(value = 0x12345678): CpuBus & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    portRead(port, size) { log.push(`r${size}:${port.toString(16)}`); return size === 1 ? value & 0xff : size === 2 ? value & 0xffff : value; },
    portWrite(port, size, v) { log.push(`w${size}:${port.toString(16)}=${(v >>> 0).toString(16)}`); },
    pendingInterrupt: () => -1,
    ackInterrupt: () => {},
  };
}

function setup(code: number[]): Bare & { bus: ReturnType<typeof fakeBus> } {
  const b = bareCpu();
  b.load(code);
  const bus = fakeBus();
  b.cpu.bus = bus;
  return { ...b, bus };
}

/** A 32-bit TSS whose bitmap allows only the ports in `allowed`; the bitmap is `mapBytes` long. */
function userWithBitmap(b: Bare, allowed: number[], mapBytes = 0x2000): void {
  const cpu = b.cpu;
  cpu.trBase = TSS;
  cpu.trLimit = MAP + mapBytes - 1;
  cpu.trType = 0xb;
  new DataView(b.mem.buffer).setUint16(TSS + 0x66, MAP, true);
  b.mem.u8.fill(0xff, TSS + MAP, TSS + MAP + mapBytes);
  for (const p of allowed) b.mem.u8[TSS + MAP + (p >> 3)] &= ~(1 << (p & 7));
  cpu.setCpl(3);
}

describe('in / out', () => {
  it('in al, imm8 and in eax, imm8', () => {
    const b = setup([0xe4, 0x60, 0xe5, 0x71]);
    b.cpu.regs[EAX] = 0xaabbccdd | 0;
    b.runToEnd();
    expect(b.bus.log).toEqual(['r1:60', 'r4:71']);
    expect(b.cpu.regs[EAX]).toBe(0x12345678);
  });

  it('in ax, dx keeps the high half of EAX', () => {
    const b = setup([0x66, 0xed]);
    b.cpu.regs[EAX] = 0xaabbccdd | 0;
    b.cpu.regs[EDX] = 0xffff03f8 | 0;
    b.runToEnd();
    expect(b.bus.log).toEqual(['r2:3f8']);
    expect(b.cpu.regs[EAX] >>> 0).toBe(0xaabb5678);
  });

  it('out imm8 and out dx with each size', () => {
    const b = setup([0xe6, 0x80, 0xe7, 0x81, 0xee, 0x66, 0xef, 0xef]);
    b.cpu.regs[EAX] = 0x11223344;
    b.cpu.regs[EDX] = 0xcf8;
    b.runToEnd();
    expect(b.bus.log).toEqual(['w1:80=44', 'w4:81=11223344', 'w1:cf8=44', 'w2:cf8=3344', 'w4:cf8=11223344']);
  });

  it('rows end the block and may fault', () => {
    expect(rows.length).toBe(8);
    expect(rows.every((r) => r.end && r.fault)).toBe(true);
  });
});

describe('I/O permission', () => {
  it('CPL 3 with IOPL 0: a port denied by the bitmap raises #GP(0) before touching the device', () => {
    const b = setup([0xe4, 0x61]);
    userWithBitmap(b, [0x60]);
    b.cpu.regs[EAX] = 7;
    const f = exec1(b);
    expect(f?.vector).toBe(Vec.GP);
    expect(f?.code).toBe(0);
    expect(b.bus.log).toEqual([]);
    expect(b.cpu.regs[EAX]).toBe(7);
    expect(b.cpu.eip).toBe(CODE_ADDR);
  });

  it('CPL 3: an allowed port goes through', () => {
    const b = setup([0xe4, 0x60, 0xe6, 0x60]);
    userWithBitmap(b, [0x60]);
    b.runToEnd();
    expect(b.bus.log).toEqual(['r1:60', 'w1:60=78']);
  });

  it('every bit of a multi-byte access must be clear, across bitmap bytes', () => {
    const b = setup([0x66, 0xed]);
    userWithBitmap(b, [0x66, 0x67, 0x68]);
    b.cpu.regs[EDX] = 0x67;
    expect(exec1(b)).toBeUndefined();
    b.cpu.eip = CODE_ADDR;
    b.cpu.regs[EDX] = 0x68; // 0x69 denied
    expect(exec1(b)?.vector).toBe(Vec.GP);
    expect(() => checkIoPermission(b.cpu, 0x66, 4)).toThrow(Fault); // 0x69 again
    expect(() => checkIoPermission(b.cpu, 0x66, 2)).not.toThrow();
  });

  it('a port whose bitmap bytes lie beyond the TSS limit faults', () => {
    const b = setup([]);
    userWithBitmap(b, [0x00, 0x07, 0x08, 0x0f], 2); // bitmap of 2 bytes: ports 0-15
    expect(() => checkIoPermission(b.cpu, 0x00, 1)).not.toThrow();
    // ports 8-15: their byte is the last one, and the processor reads two
    expect(() => checkIoPermission(b.cpu, 0x08, 1)).toThrow(Fault);
    expect(() => checkIoPermission(b.cpu, 0x400, 1)).toThrow(Fault);
  });

  it('no check at CPL <= IOPL or in real mode; always in virtual-8086 mode; #GP with a 16-bit TSS', () => {
    const b = setup([]);
    userWithBitmap(b, []);
    expect(() => checkIoPermission(b.cpu, 0x60, 1)).toThrow(Fault);
    b.cpu.eflags |= 0x3000; // IOPL 3
    expect(() => checkIoPermission(b.cpu, 0x60, 1)).not.toThrow();
    b.cpu.eflags |= VM;
    expect(() => checkIoPermission(b.cpu, 0x60, 1)).toThrow(Fault);
    b.cpu.eflags &= ~(VM | 0x3000);
    b.cpu.setCpl(0);
    expect(() => checkIoPermission(b.cpu, 0x60, 1)).not.toThrow();
    b.cpu.setCpl(3);
    userWithBitmap(b, [0x60]);
    b.cpu.trType = 3; // busy 16-bit TSS: no bitmap
    expect(() => checkIoPermission(b.cpu, 0x60, 1)).toThrow(Fault);
    b.cpu.cr0 &= ~1;
    expect(() => checkIoPermission(b.cpu, 0x60, 1)).not.toThrow();
  });
});
