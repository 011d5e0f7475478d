/**
 * Exception delivery through the IDT (cpu/interrupts.ts) in the test world:
 * the frame pushed and the handler entered, and the escalation from a fault
 * during delivery to #DF and from a fault delivering #DF to a triple fault.
 */
import { describe, expect, it } from 'vitest';
import { handlerAt, testWorld, type World } from '../spec-tests/world.ts';
import { TripleFault } from './interrupts.ts';

/** The test world with the IDT cut to `vectors` entries. */
function withIdt(vectors = 256): World {
  const w = testWorld();
  w.cpu.idtLimit = vectors * 8 - 1;
  return w;
}

/** Shrink DS to 4 KiB so that `mov eax, [0x2000]` raises #GP(0). */
function smallDs(b: World) {
  b.cpu.segLimit[3] = 0xfff;
  b.cpu.refreshSeg(3);
  b.load([0xa1, 0x00, 0x20, 0x00, 0x00]);
}

describe('exception delivery', () => {
  it('pushes EFLAGS, CS, EIP and the error code and enters the handler', () => {
    const b = withIdt();
    smallDs(b);
    b.cpu.setFlag(1, 1);
    b.interp.step();
    expect(b.cpu.eip).toBe(handlerAt(13));
    const esp = b.cpu.regs[4];
    expect(esp).toBe(0x80000 - 16);
    expect(b.cpu.read(2, esp, 4)).toBe(0); // error code
    expect(b.cpu.read(2, esp + 12, 4) & 1).toBe(1); // EFLAGS image with CF
    expect(b.cpu.read(2, esp + 4, 4)).toBe(0x1000); // EIP of the faulting instruction
    expect(b.cpu.read(2, esp + 8, 4)).toBe(0x08);
  });

  it('turns a fault during delivery into #DF, and a fault delivering #DF into a triple fault', () => {
    // IDT limit covers vectors 0..12 only: #GP (13) cannot be delivered -> #GP again -> #DF (8) is deliverable
    const b = withIdt(13);
    b.load([0x0f, 0x0b]); // ud2 -> #UD (6) delivers fine
    b.interp.step();
    expect(b.cpu.eip).toBe(handlerAt(6));
    // now a #GP: vector 13 is beyond the limit -> #GP while delivering #GP -> #DF
    const c = withIdt(13);
    smallDs(c);
    c.interp.step();
    expect(c.cpu.eip).toBe(handlerAt(8));
    expect(c.cpu.read(2, c.cpu.regs[4], 4)).toBe(0); // #DF error code 0
    // no IDT at all: triple fault
    const d = withIdt(1);
    smallDs(d);
    expect(() => d.interp.step()).toThrow(TripleFault);
  });
});
