/**
 * The interpreter's step, where its own fault handling is the subject: a
 * single-step trap that cannot be delivered escalates as any other
 * exception does (issue 9, item 4), never escaping as a host error.
 */
import { describe, expect, it } from 'vitest';
import { handlerAt, testWorld, LAYOUT } from '../spec-tests/world.ts';
import { TripleFault } from '../cpu/interrupts.ts';
import { TF } from '../isa/eflags.ts';
import { Vec } from '../isa/faults.ts';

const nops = [0x90, 0x90, 0xeb, 0xfe];

describe('a single-step trap whose delivery faults', () => {
  it('a not-present #DB gate becomes #NP with the gate\'s error code, after the traced instruction', () => {
    const b = testWorld();
    b.load(nops);
    const hi = LAYOUT.idt + Vec.DB * 8 + 4;
    b.w32(hi, b.r32(hi) & ~0x8000); // gate 1 not present
    b.cpu.eflags |= TF;
    expect(b.interp.step()).toBe(true);
    expect(b.cpu.eip >>> 0).toBe(handlerAt(Vec.NP));
    expect(b.r32(b.cpu.regs[4])).toBe(Vec.DB * 8 + 2); // IDT, vector 1
    expect(b.r32(b.cpu.regs[4] + 4)).toBe(LAYOUT.code + 1); // the trap's return address
  });

  it('with no IDT entries at all, it is a triple fault', () => {
    const b = testWorld({ vectors: 1 });
    b.load(nops);
    b.cpu.eflags |= TF;
    expect(() => b.interp.step()).toThrow(TripleFault);
  });
});
