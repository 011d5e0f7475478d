/**
 * Exception delivery through the IDT (cpu/interrupts.ts) in the test world:
 * the frame pushed and the handler entered, and the escalation from a fault
 * during delivery to #DF and from a fault delivering #DF to a triple fault.
 */
import { describe, expect, it } from 'vitest';
import { handlerAt, LAYOUT, SEL, testWorld, type World } from '../spec-tests/world.ts';
import { deliver, IntKind, TripleFault } from './interrupts.ts';
import { iretFrame } from '../semantics/families/far.ts';
import { Reg, Seg } from '../isa/instr.ts';
import { Fault, Vec } from '../isa/faults.ts';

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

describe('a ring change through an interrupt gate and back', () => {
  /** int 0x80 from ring 3 (the test world's gate), with the TSS's ring 0 stack at `esp0`; then the handler's iret */
  function intAndBack(esp0: number, holes: number[] = []) {
    const w = testWorld({ ring3: true, paging: { holes } });
    const cpu = w.cpu;
    w.w32(LAYOUT.tss + 4, esp0);
    cpu.eip = 0x1000;
    cpu.regs[Reg.EAX] = 0x1234;
    const esp3 = cpu.regs[Reg.ESP];
    deliver(cpu, 0x80, IntKind.SOFTWARE, -1, 0x1002);
    return { w, cpu, esp3 };
  }

  // the frame lies on one page (written in one go) or across two (slot by slot): the same frame either way
  for (const esp0 of [0x70000, 0x6f800, 0x70008]) {
    it(`writes SS, ESP, EFLAGS, CS and EIP below the ring 0 stack at 0x${esp0.toString(16)}, and iret takes them back`, () => {
      const { cpu, esp3 } = intAndBack(esp0);
      expect(cpu.cpl).toBe(0);
      expect(cpu.eip).toBe(handlerAt(0x80));
      expect(cpu.regs[Reg.ESP]).toBe(esp0 - 20);
      const slots = [0, 4, 8, 12, 16].map((k) => cpu.mmu.mem.read(esp0 - 20 + k, 4));
      expect(slots).toEqual([0x1002, SEL.CODE3, slots[2], esp3, SEL.DATA3]);
      expect(slots[2] & 0x2).toBe(2);
      iretFrame(cpu, 4);
      expect(cpu.cpl).toBe(3);
      expect(cpu.eip).toBe(0x1002);
      expect(cpu.regs[Reg.ESP]).toBe(esp3);
      expect(cpu.segSel[Seg.SS]).toBe(SEL.DATA3);
      expect(cpu.regs[Reg.EAX]).toBe(0x1234);
    });
  }

  it('leaves every register as it was where the frame runs onto a page not present', () => {
    const w = testWorld({ ring3: true, paging: { holes: [0x6f000] } });
    const cpu = w.cpu;
    w.w32(LAYOUT.tss + 4, 0x70008);
    cpu.eip = 0x1000;
    const esp3 = cpu.regs[Reg.ESP];
    let fault: unknown;
    try { deliver(cpu, 0x80, IntKind.SOFTWARE, -1, 0x1002); } catch (e) { fault = e; }
    expect(fault).toBeInstanceOf(Fault);
    expect((fault as Fault).vector).toBe(Vec.PF);
    expect(cpu.cr2 >>> 0).toBe(0x6fffc);
    expect(cpu.cpl).toBe(3);
    expect(cpu.regs[Reg.ESP]).toBe(esp3);
    expect(cpu.segSel[Seg.CS]).toBe(SEL.CODE3);
  });

  it('iret to ring 3 reads a frame across two pages slot by slot, and faults on the slot not present before changing anything', () => {
    const { cpu } = intAndBack(0x70000);
    // move the frame so that its outer stack's two slots lie on the next page, then take that page away
    const frame = [0, 4, 8, 12, 16].map((k) => cpu.mmu.mem.read(0x70000 - 20 + k, 4));
    const at = 0x6fff4;
    frame.forEach((v, k) => cpu.mmu.mem.write(at + 4 * k, 4, v));
    cpu.regs[Reg.ESP] = at;
    iretFrame(cpu, 4);
    expect(cpu.cpl).toBe(3);
    expect(cpu.eip).toBe(0x1002);
    const again = intAndBack(0x70000);
    frame.forEach((v, k) => again.cpu.mmu.mem.write(at + 4 * k, 4, v));
    again.cpu.regs[Reg.ESP] = at;
    again.w.w32(LAYOUT.pt + (0x70 << 2), 0);
    again.cpu.mmu.flushAll(false);
    expect(() => iretFrame(again.cpu, 4)).toThrow(Fault);
    expect(again.cpu.cr2 >>> 0).toBe(0x70000);
    expect(again.cpu.cpl).toBe(0);
    expect(again.cpu.regs[Reg.ESP]).toBe(at);
  });
});
