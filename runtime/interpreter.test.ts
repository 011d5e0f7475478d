/**
 * The interpreter's step, where its own fault handling is the subject: a
 * single-step trap that cannot be delivered escalates as any other
 * exception does (issue 9, item 4), never escaping as a host error.
 */
import { describe, expect, it } from 'vitest';
import { handlerAt, testWorld, LAYOUT } from '../spec-tests/world.ts';
import { TripleFault } from '../cpu/interrupts.ts';
import { DECODE_SLOTS } from './interpreter.ts';
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

describe('the decode cache', () => {
  const jmpTo = (from: number, to: number) => { const r = (to - (from + 5)) | 0; return [0xe9, r & 0xff, (r >> 8) & 0xff, (r >> 16) & 0xff, (r >>> 24) & 0xff]; };

  it('decodes each instruction of a loop once, however often it runs', () => {
    const b = testWorld();
    b.load([0x40, 0x41, ...jmpTo(LAYOUT.code + 2, LAYOUT.code)]); // inc eax; inc ecx; jmp back
    for (let n = 0; n < 300; n++) b.interp.step();
    expect(b.cpu.regs[0]).toBe(100);
    expect(b.interp.decodings).toBe(3);
  });

  it('keeps two instructions 64 KiB apart (a page multiple) both', () => {
    const b = testWorld();
    const far = LAYOUT.code + 0x10000;
    b.load(jmpTo(LAYOUT.code, far));
    b.mem.load(far, Uint8Array.from(jmpTo(far, LAYOUT.code)));
    for (let n = 0; n < 100; n++) b.interp.step();
    expect(b.cpu.eip >>> 0).toBe(LAYOUT.code);
    expect(b.interp.decodings).toBe(2);
  });

  it('tells apart two frames whose addresses share slots, run at the same EIP', () => {
    // the code's page maps frame A, then frame B (DECODE_SLOTS bytes higher: the same slots); each holds
    // its own loop at the same EIP, and after the switch the interpreter must run B's
    const b = testWorld({ paging: true });
    const a = LAYOUT.code, frameB = a + DECODE_SLOTS;
    b.load([0x40, ...jmpTo(a + 1, a)]); // inc eax; jmp back
    b.mem.load(frameB, Uint8Array.from([0x41, ...jmpTo(a + 1, a)])); // inc ecx; jmp back
    for (let n = 0; n < 20; n++) b.interp.step();
    b.w32(LAYOUT.pt + (a >>> 12) * 4, (frameB & ~0xfff) | 3);
    b.cpu.mmu.flushAll(false);
    for (let n = 0; n < 20; n++) b.interp.step();
    expect([b.cpu.regs[0], b.cpu.regs[1]]).toEqual([10, 10]);
    expect(b.interp.decodings).toBe(4);
  });
});
