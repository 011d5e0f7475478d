import { describe, expect, it } from 'vitest';
import { bareCpu } from '../spec-tests/harness.ts';
import { TripleFault } from './interrupts.ts';

/** Build a GDT with flat ring-0 code/data and an IDT whose gates all point at `handler`. */
function withIdt(handler: number, idtLimit = 0x7ff) {
  const b = bareCpu();
  const { cpu, mem } = b;
  const gdt = 0x500;
  mem.i32[(gdt >> 2) + 2] = 0x0000ffff; mem.i32[(gdt >> 2) + 3] = 0x00cf9a00;
  mem.i32[(gdt >> 2) + 4] = 0x0000ffff; mem.i32[(gdt >> 2) + 5] = 0x00cf9200;
  cpu.gdtBase = gdt; cpu.gdtLimit = 0x17;
  const idt = 0x2000;
  for (let v = 0; v < 256; v++) {
    mem.i32[(idt >> 2) + v * 2] = (0x08 << 16) | (handler & 0xffff);
    mem.i32[(idt >> 2) + v * 2 + 1] = (handler & 0xffff0000) | 0x8e00;
  }
  cpu.idtBase = idt; cpu.idtLimit = idtLimit;
  return b;
}

/** Shrink DS to 4 KiB so that `mov eax, [0x2000]` raises #GP(0). */
function smallDs(b: ReturnType<typeof bareCpu>) {
  b.cpu.segLimit[3] = 0xfff;
  b.cpu.refreshSeg(3);
  b.load([0xa1, 0x00, 0x20, 0x00, 0x00]);
}

describe('exception delivery', () => {
  it('pushes EFLAGS, CS, EIP and the error code and enters the handler', () => {
    const b = withIdt(0x3000);
    smallDs(b);
    b.cpu.setFlag(1, 1);
    b.interp.step();
    expect(b.cpu.eip).toBe(0x3000);
    const esp = b.cpu.regs[4];
    expect(esp).toBe(0x80000 - 16);
    expect(b.cpu.read(2, esp, 4)).toBe(0); // error code
    expect(b.cpu.read(2, esp + 12, 4) & 1).toBe(1); // EFLAGS image with CF
    expect(b.cpu.read(2, esp + 4, 4)).toBe(0x1000); // EIP of the faulting instruction
    expect(b.cpu.read(2, esp + 8, 4)).toBe(0x08);
  });

  it('turns a fault during delivery into #DF, and a fault delivering #DF into a triple fault', () => {
    // IDT limit covers vectors 0..12 only: #GP (13) cannot be delivered -> #GP again -> #DF (8) is deliverable
    const b = withIdt(0x3000, 13 * 8 - 1);
    b.load([0x0f, 0x0b]); // ud2 -> #UD (6) delivers fine
    b.interp.step();
    expect(b.cpu.eip).toBe(0x3000);
    // now a #GP: vector 13 is beyond the limit -> #GP while delivering #GP -> #DF
    const c = withIdt(0x3000, 13 * 8 - 1);
    smallDs(c);
    c.interp.step();
    expect(c.cpu.eip).toBe(0x3000);
    expect(c.cpu.read(2, c.cpu.regs[4], 4)).toBe(0); // #DF error code 0
    // no IDT at all: triple fault
    const d = withIdt(0x3000, 7);
    smallDs(d);
    expect(() => d.interp.step()).toThrow(TripleFault);
  });
});
