/**
 * The interpreter's step, where its own fault handling is the subject: a
 * single-step trap that cannot be delivered escalates as any other
 * exception does (issue 9, item 4), never escaping as a host error. Its
 * decode cache. And its runs of instructions (`run`, `runBlock`), which must
 * end where stepping one instruction at a time, with the interrupt check
 * before each, ends.
 */
import { describe, expect, it } from 'vitest';
import { handlerAt, testWorld, LAYOUT } from '../spec-tests/world.ts';
import { TripleFault } from '../cpu/interrupts.ts';
import { DECODE_SLOTS } from './interpreter.ts';
import { IF, TF } from '../isa/eflags.ts';
import { Seg } from '../isa/instr.ts';
import { Vec } from '../isa/faults.ts';

const nops = [0x90, 0x90, 0xeb, 0xfe];
/** jmp rel32 from `from` to `to` */
const jmpTo = (from: number, to: number) => { const r = (to - (from + 5)) | 0; return [0xe9, r & 0xff, (r >> 8) & 0xff, (r >> 16) & 0xff, (r >>> 24) & 0xff]; };

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

  it('keeps a decoding that runs onto the next page until that page is written or mapped elsewhere', () => {
    const b = testWorld({ paging: true });
    const at = 0x1ffd; // nop; mov eax, imm32 across 0x2000; jmp back to the nop
    b.mem.load(at, Uint8Array.from([0x90, 0xb8, 1, 0, 0, 0, 0xeb, 0xf8]));
    const runFrom = (n: number) => { b.cpu.eip = at; b.interp.run(n); };
    for (let pass = 0; pass < 10; pass++) runFrom(3);
    expect(b.cpu.regs[0]).toBe(1);
    expect(b.interp.decodings).toBe(3);
    b.mem.write(0x1fff, 1, 2); // the immediate's low byte, on the first page
    for (let pass = 0; pass < 3; pass++) runFrom(3);
    expect(b.cpu.regs[0]).toBe(2);
    // its second byte, on the second page: the nop's decoding, on the first page, stays, and must not lead to the old one
    b.mem.write(0x2000, 1, 7);
    runFrom(2);
    expect(b.cpu.regs[0]).toBe(0x702);
    // the second page mapped to another frame, holding other bytes
    b.mem.load(0x5000, Uint8Array.from([0x05, 0, 0, 0xeb, 0xf8]));
    b.w32(LAYOUT.pt + 2 * 4, 0x5000 | 3);
    b.cpu.mmu.flushAll(false);
    runFrom(2);
    expect(b.cpu.regs[0]).toBe(0x502);
  });

  it('drops only the decodings whose bytes a write touched, and the links to them from those it keeps', () => {
    // mov eax, 1; mov ebx, 2; add ecx, ebx; jmp $, and a data word 0x40 bytes on, on the same page
    const b = testWorld();
    b.load([0xb8, 1, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0x01, 0xd9, 0xeb, 0xfe]);
    const pass = () => { b.cpu.eip = LAYOUT.code; b.interp.run(3); };
    pass(); pass(); // (a page's first fetch fills the TLB and caches nothing)
    expect(b.cpu.regs[1]).toBe(4);
    const decoded = b.interp.decodings;
    expect(b.interp.decodeAt(LAYOUT.code).follow?.eip).toBe(LAYOUT.code + 5);
    b.mem.write(LAYOUT.code + 0x40, 4, 0x1234); // beside the code: every decoding stays, and the page is code still
    pass();
    expect(b.interp.decodings).toBe(decoded);
    expect(b.mem.isCode(LAYOUT.code >>> 12)).toBe(true);
    b.mem.write(LAYOUT.code + 6, 1, 3); // mov ebx, 3: that decoding goes, and the link from the mov before it
    expect(b.interp.decodeAt(LAYOUT.code).follow).toBeUndefined();
    pass();
    expect(b.cpu.regs[3]).toBe(3);
    expect(b.cpu.regs[1]).toBe(9); // 2, 2 and 2 before, 3 now
    expect(b.interp.decodings).toBe(decoded + 1);
  });

  it('after a write, runs no link to a decoding that left the cache for another sharing its slot', () => {
    // mov eax, 1; mov ebx, 2; mov ecx, 3; jmp $: linked one to the next by two runs
    const b = testWorld();
    const C = LAYOUT.code;
    b.load([0xb8, 1, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0xb9, 3, 0, 0, 0, 0xeb, 0xfe]);
    const pass = () => { b.cpu.eip = C; b.interp.run(3); };
    pass(); pass();
    // an instruction DECODE_SLOTS bytes on takes the second one's slot; the first still links to it, and it to the third
    const far = C + DECODE_SLOTS;
    b.mem.load(far, Uint8Array.from([0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xeb, 0xfe]));
    b.cpu.eip = far + 5; b.interp.run(1); // (a page's first fetch fills the TLB and caches nothing)
    b.cpu.eip = far + 5; b.interp.run(1);
    b.mem.write(C + 11, 1, 7); // mov ecx, 7: the third's bytes
    pass();
    expect([b.cpu.regs[0], b.cpu.regs[3], b.cpu.regs[1]]).toEqual([1, 2, 7]);
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

describe('runs of instructions', () => {
  const C = LAYOUT.code;
  // mov ecx, 10; loop: call sub; add [0x5000], eax; dec ecx; jnz loop; jmp $; sub: inc eax; shl eax, 1; ret
  const loop = [0xb9, 10, 0, 0, 0, 0xe8, 11, 0, 0, 0, 0x01, 0x05, 0x00, 0x50, 0, 0, 0x49, 0x75, 0xf2, 0xeb, 0xfe, 0x40, 0xd1, 0xe0, 0xc3];
  const state = (b: ReturnType<typeof testWorld>) =>
    ({ regs: [...b.cpu.regs], eip: b.cpu.eip >>> 0, eflags: b.cpu.eflags & ~0x8d5, flags: b.cpu.getFlag(0x8d5), n: b.cpu.instructions, mem: b.r32(0x5000) });

  it('end where stepping ends, whatever the budget cuts them at', () => {
    for (const budget of [1, 2, 3, 5, 7, 13, 64]) {
      const runs = testWorld(), steps = testWorld();
      runs.load(loop); steps.load(loop);
      for (let k = 0; k < 80 / budget; k++) {
        expect(runs.interp.run(budget)).toBe(budget);
        steps.interp.run(budget, undefined, true);
        expect(state(runs), `budget ${budget}, call ${k}`).toEqual(state(steps));
      }
      expect(runs.cpu.eip >>> 0).toBe(C + 19); // at the final jmp $
      expect(runs.interp.decodings).toBe(steps.interp.decodings);
    }
  });

  it('leave a decoding once its page is written under them (the code epoch), not running what it linked to', () => {
    // mov [ebx], al; inc eax; jmp $: first with ebx at data, which links the mov to the inc
    const b = testWorld();
    b.load([0x88, 0x03, 0x40, 0xeb, 0xfe]);
    for (let pass = 0; pass < 2; pass++) { // (a page's first fetch fills the TLB and caches nothing)
      b.cpu.eip = C; b.cpu.regs[0] = 0x41; b.cpu.regs[3] = 0x5000;
      b.interp.run(3);
    }
    expect(b.cpu.regs[0]).toBe(0x42);
    expect(b.interp.decodeAt(C).follow?.eip).toBe(C + 2);
    // again, writing 0x41 (inc ecx) over the inc eax
    b.cpu.eip = C; b.cpu.regs[0] = 0x41; b.cpu.regs[3] = C + 2;
    b.interp.run(2);
    expect([b.cpu.regs[0], b.cpu.regs[1], b.cpu.eip >>> 0]).toEqual([0x41, 1, C + 3]);
  });

  it('take an interrupt raised inside one after the instruction that raised it (the code epoch)', () => {
    // rdtsc; inc ecx; inc ecx; jmp $, with the timestamp's read raising vector 0x40 as a device would
    const b = testWorld();
    b.load([0x0f, 0x31, 0x41, 0x41, 0xeb, 0xfe]);
    let raised = false;
    b.cpu.tscClock = () => { raised = true; b.mem.leaveTranslatedCode(); return 0; };
    b.cpu.bus = { ...b.cpu.bus, pendingInterrupt: () => (raised ? 0x40 : -1), ackInterrupt: () => { raised = false; } };
    b.cpu.eflags |= IF;
    b.interp.run(2);
    expect(b.cpu.regs[1]).toBe(0);
    expect(b.vectorTaken()).toBe(0x40);
    expect(b.r32(b.cpu.regs[4])).toBe(C + 2); // the return address: after rdtsc
  });

  it('fault at an instruction a lowered CS limit leaves out, though it was linked before', () => {
    const b = testWorld();
    b.load([0x90, 0x90, 0xeb, 0xfe]); // nop; nop; jmp $
    for (let pass = 0; pass < 2; pass++) { b.cpu.eip = C; b.interp.run(3); }
    expect(b.interp.decodeAt(C).follow?.eip).toBe(C + 1);
    b.cpu.eip = C;
    b.cpu.segHi[Seg.CS] = C; // only the first nop is inside
    b.interp.run(2);
    expect(b.vectorTaken()).toBe(Vec.GP);
    expect(b.r32(b.cpu.regs[4] + 4)).toBe(C + 1); // above the error code: the second nop
  });

  it('as the translator\'s engine runs them, stop at the end of the basic block', () => {
    const b = testWorld();
    b.load(loop);
    b.interp.runBlock(100);
    expect([b.cpu.eip >>> 0, b.cpu.instructions]).toEqual([C + 21, 2]); // mov ecx; call: at sub
    b.interp.runBlock(100);
    expect([b.cpu.eip >>> 0, b.cpu.instructions]).toEqual([C + 10, 5]); // inc; shl; ret
  });

  it('with a gate, go on from block to block, asking it at each block\'s start with its physical address, until it says no', () => {
    const b = testWorld({ paging: true });
    b.load(loop);
    const asked: number[] = [];
    // (the test world maps the code's page to itself: the physical address is the EIP)
    const gate = (phys: number, eip: number): boolean => { expect(phys).toBe(eip >>> 0); asked.push(eip >>> 0); return asked.length < 6; };
    b.interp.runBlock(100, gate);
    // mov, call | inc, shl, ret | add, dec, jnz | call | ... and the sixth block start is refused: EIP there, not run
    expect(asked).toEqual([C + 21, C + 10, C + 5, C + 21, C + 10, C + 5]);
    expect([b.cpu.eip >>> 0, b.cpu.instructions]).toEqual([C + 5, 2 + 3 + 3 + 1 + 3 + 3]);
    expect(b.interp.last?.eip).toBe(C + 17); // the jnz whose destination was refused
    // and the state is the stepping interpreter's after as many instructions
    const steps = testWorld({ paging: true });
    steps.load(loop);
    steps.interp.run(b.cpu.instructions, undefined, true);
    expect(state(b)).toEqual(state(steps));
  });

  it('with a gate, still stop at the budget, at helpers that end blocks, and where the destination\'s fetch faults', () => {
    const b = testWorld({ paging: true });
    b.load(loop);
    let asked = 0;
    b.interp.runBlock(7, () => { asked++; return true; });
    expect([b.cpu.instructions, asked]).toEqual([7, 2]);
    // a jump to a page not present: the gate is not asked, the fault is delivered at the destination
    const far = 0x200000; // a hole in the test world's map
    const w = testWorld({ paging: { holes: [far] } });
    w.load(jmpTo(C, far));
    let calls = 0;
    w.interp.runBlock(10, () => { calls++; return true; });
    expect([calls, w.vectorTaken()]).toEqual([0, Vec.PF]);
    expect(w.cpu.cr2 >>> 0).toBe(far);
  });
});
