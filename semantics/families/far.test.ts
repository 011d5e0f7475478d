import { describe, expect, it, vi } from 'vitest';
import { world, SEL, ESP0, TSS, GDT, handler, d32, d16, desc, type World } from '../../spec-tests/system-testkit.ts';
import { HELPERS } from '../helpers.ts';
import { Seg, Reg } from '../../isa/instr.ts';
import { Vec } from '../../isa/faults.ts';
import { IF, IOPL } from '../../isa/eflags.ts';
import { CR0_PE } from '../../cpu/mmu.ts';

describe('far call and return in ring 0', () => {
  it('call far Ap pushes CS:EIP and retf returns', () => {
    const w = world();
    const { cpu } = w;
    w.put([0x9a, ...d32(0x1100), ...d16(SEL.CODE0)]);
    expect(w.exec1()).toBeUndefined();
    expect(cpu.eip).toBe(0x1100);
    expect(cpu.segSel[Seg.CS]).toBe(SEL.CODE0);
    expect(cpu.regs[Reg.ESP]).toBe(0x80000 - 8);
    expect(w.r32(0x80000 - 8)).toBe(0x1007);
    expect(w.r32(0x80000 - 4)).toBe(SEL.CODE0);
    w.put([0xcb], 0x1100);
    expect(w.exec1()).toBeUndefined();
    expect(cpu.eip).toBe(0x1007);
    expect(cpu.regs[Reg.ESP]).toBe(0x80000);
  });

  it('jmp far Mp through memory, and a conforming target keeps CPL', () => {
    const w = world();
    const { cpu } = w;
    w.w32(0x5000, 0x2222);
    w.mem.write(0x5004, 2, SEL.CONFORM);
    w.put([0xff, 0x2d, ...d32(0x5000)]); // jmp far [0x5000]
    expect(w.exec1()).toBeUndefined();
    expect(cpu.eip).toBe(0x2222);
    expect(cpu.segSel[Seg.CS]).toBe(SEL.CONFORM);
    expect(cpu.cpl).toBe(0);
  });

  it('faults: null selector #GP(0), data segment #GP(sel), beyond the limit #GP(0), ESP untouched', () => {
    const w = world();
    expect(w.one([0xea, ...d32(0x1000), ...d16(0)])).toMatchObject({ vector: Vec.GP, code: 0 });
    expect(w.one([0x9a, ...d32(0x1000), ...d16(SEL.DATA0)])).toMatchObject({ vector: Vec.GP, code: SEL.DATA0 });
    w.setDesc(0x70, [0x0fff, 0x00409b00]); // code, limit 0xfff
    w.cpu.gdtLimit = 0x77;
    expect(w.one([0x9a, ...d32(0x2000), ...d16(0x70)])).toMatchObject({ vector: Vec.GP, code: 0 });
    expect(w.cpu.regs[Reg.ESP]).toBe(0x80000);
    expect(w.cpu.segSel[Seg.CS]).toBe(SEL.CODE0);
  });

  it('a far jmp to a TSS switches tasks: old state saved, busy bits moved, new state loaded, CR0.TS set', () => {
    const w = world();
    const { cpu } = w;
    const T2 = 0x300;
    // the new task: EIP 0x2000, EFLAGS with CF, EAX 0x1234, ring 0 flat selectors
    w.w32(T2 + 0x20, 0x2000); w.w32(T2 + 0x24, 0x3); w.w32(T2 + 0x28, 0x1234); w.w32(T2 + 0x38, 0x5000);
    [SEL.DATA0, SEL.CODE0, SEL.DATA0, SEL.DATA0, 0, 0].forEach((v, k) => w.w32(T2 + 0x48 + 4 * k, v));
    cpu.regs[Reg.EBX] = 0x77;
    expect(w.one([0xea, ...d32(0), ...d16(SEL.TSS2)])).toBeUndefined();
    expect([cpu.eip, cpu.regs[Reg.EAX], cpu.regs[Reg.ESP], cpu.trSel, cpu.getEflags() & 0x4001]).toEqual([0x2000, 0x1234, 0x5000, SEL.TSS2, 1]);
    expect(cpu.cr0 & 8).toBe(8);
    expect(w.mem.read(TSS + 0x20, 4)).toBe(0x1007); // the old task resumes after the jmp
    expect(w.mem.read(TSS + 0x34, 4)).toBe(0x77);
    expect((w.mem.read(0x100 + SEL.TSS + 4, 4) >>> 8) & 0xf).toBe(9); // old: available again
    expect((w.mem.read(0x100 + SEL.TSS2 + 4, 4) >>> 8) & 0xf).toBe(0xb); // new: busy
    // jmp to a busy TSS is #GP(sel)
    expect(w.one([0xea, ...d32(0), ...d16(SEL.TSS2)])).toMatchObject({ vector: Vec.GP, code: SEL.TSS2 });
  });
});

describe('call gates', () => {
  it('ring 3 calls ring 0 through a 32-bit gate (stack switch, one parameter) and retf 4 returns', () => {
    const w = world();
    const { cpu } = w;
    w.toRing3(0x60000);
    w.put([0x68, ...d32(0xabcdef), 0x9a, ...d32(0), ...d16(SEL.GATE32)]);
    expect(w.exec1()).toBeUndefined(); // push imm32
    expect(w.exec1()).toBeUndefined(); // call far gate
    expect(cpu.cpl).toBe(0);
    expect(cpu.segSel[Seg.CS]).toBe(SEL.CODE0);
    expect(cpu.eip).toBe(0x3000);
    expect(cpu.segSel[Seg.SS]).toBe(SEL.DATA0);
    expect(cpu.regs[Reg.ESP]).toBe(ESP0 - 20);
    // new stack, top down: EIP, CS, parameter, ESP, SS
    expect(w.r32(ESP0 - 20)).toBe(0x100c);
    expect(w.r32(ESP0 - 16)).toBe(SEL.CODE3);
    expect(w.r32(ESP0 - 12)).toBe(0xabcdef);
    expect(w.r32(ESP0 - 8)).toBe(0x60000 - 4);
    expect(w.r32(ESP0 - 4)).toBe(SEL.DATA3);

    // the handler loads ES with a ring 0 segment: the return to ring 3 nulls it
    cpu.regs[Reg.EAX] = SEL.DATA0;
    w.put([0x8e, 0xc0, 0xca, ...d16(4)], 0x3000); // mov es,ax; retf 4
    expect(w.exec1()).toBeUndefined();
    expect(w.exec1()).toBeUndefined();
    expect(cpu.cpl).toBe(3);
    expect(cpu.eip).toBe(0x100c);
    expect(cpu.segSel[Seg.CS]).toBe(SEL.CODE3);
    expect(cpu.segSel[Seg.SS]).toBe(SEL.DATA3);
    expect(cpu.regs[Reg.ESP]).toBe(0x60000);
    expect(cpu.segSel[Seg.ES]).toBe(0);
    expect(cpu.segSel[Seg.DS]).toBe(SEL.DATA3);
  });

  it('a 16-bit gate pushes 16-bit values', () => {
    const w = world();
    const { cpu } = w;
    w.toRing3(0x60000);
    w.put([0x9a, ...d32(0), ...d16(SEL.GATE16)]);
    expect(w.exec1()).toBeUndefined();
    expect(cpu.eip).toBe(0x3100);
    expect(cpu.regs[Reg.ESP]).toBe(ESP0 - 8);
    expect(w.mem.read(ESP0 - 8, 2)).toBe(0x1007);
    expect(w.mem.read(ESP0 - 6, 2)).toBe(SEL.CODE3);
    expect(w.mem.read(ESP0 - 4, 2)).toBe(0);
    expect(w.mem.read(ESP0 - 2, 2)).toBe(SEL.DATA3);
  });

  it('gate DPL below CPL is #GP(gate), a not-present gate #NP, a bad TSS stack #TS', () => {
    const w = world();
    w.toRing3(0x60000);
    w.setDesc(0x30, [0x00083000, 0x0000cc01]); // DPL 0 gate
    expect(w.one([0x9a, ...d32(0), ...d16(0x33)])).toMatchObject({ vector: Vec.GP, code: 0x30 });
    w.setDesc(0x30, [0x00083000, 0x00006c01]); // DPL 3, not present
    expect(w.one([0x9a, ...d32(0), ...d16(0x33)])).toMatchObject({ vector: Vec.NP, code: 0x30 });
    w.setDesc(0x30, [0x00083000, 0x0000ec01]);
    w.w32(TSS + 8, SEL.DATA3); // SS0 with RPL 3
    expect(w.one([0x9a, ...d32(0), ...d16(0x33)])).toMatchObject({ vector: Vec.TS, code: 0x20 });
    expect(w.cpu.cpl).toBe(3);
    expect(w.cpu.regs[Reg.ESP]).toBe(0x60000);
  });

  it('jmp through a gate to a more privileged non-conforming segment is #GP', () => {
    const w = world();
    w.toRing3(0x60000);
    expect(w.one([0xea, ...d32(0), ...d16(SEL.GATE32)])).toMatchObject({ vector: Vec.GP, code: SEL.CODE0 });
  });
});

describe('iret', () => {
  it('returns to ring 3, nulls ring-0 data segments; int 0x80 comes back through the TSS stack', () => {
    const w = world();
    const { cpu } = w;
    // frame for iret: EIP CS EFLAGS ESP SS
    cpu.regs[Reg.ESP] = 0x80000 - 20;
    [0x2000, SEL.CODE3, 0x202 | 0x3000, 0x60000, SEL.DATA3].forEach((v, k) => w.w32(0x80000 - 20 + 4 * k, v));
    expect(w.one([0xcf])).toBeUndefined();
    expect(cpu.cpl).toBe(3);
    expect(cpu.eip).toBe(0x2000);
    expect(cpu.segSel[Seg.SS]).toBe(SEL.DATA3);
    expect(cpu.regs[Reg.ESP]).toBe(0x60000);
    expect(cpu.segSel[Seg.DS]).toBe(0);
    expect(cpu.getEflags() & IF).toBe(IF);
    expect(cpu.getEflags() & IOPL).toBe(0x3000); // changed at CPL 0

    w.put([0xcd, 0x80], 0x2000);
    w.interp.step();
    expect(cpu.cpl).toBe(0);
    expect(cpu.eip).toBe(handler(0x80));
    expect(cpu.segSel[Seg.SS]).toBe(SEL.DATA0);
    expect(cpu.regs[Reg.ESP]).toBe(ESP0 - 20);
    expect(w.r32(ESP0 - 20)).toBe(0x2002);
    expect(w.r32(ESP0 - 16)).toBe(SEL.CODE3);
    expect(w.r32(ESP0 - 8)).toBe(0x60000);
    expect(w.r32(ESP0 - 4)).toBe(SEL.DATA3);
    expect(cpu.getEflags() & IF).toBe(0);

    // and iret again from the handler
    w.put([0xcf], handler(0x80));
    w.interp.step();
    expect(cpu.cpl).toBe(3);
    expect(cpu.eip).toBe(0x2002);
    expect(cpu.regs[Reg.ESP]).toBe(0x60000);
  });

  it('at CPL 3 with IOPL 0 the popped IF and IOPL are ignored', () => {
    const w = world();
    const { cpu } = w;
    w.toRing3(0x60000);
    [0x2000, SEL.CODE3, 0x3202 | 0x1].forEach((v, k) => w.w32(0x60000 + 4 * k, v));
    expect(w.one([0xcf])).toBeUndefined();
    expect(cpu.getEflags() & (IF | IOPL)).toBe(0);
    expect(cpu.getEflags() & 1).toBe(1); // CF did change
    expect(cpu.regs[Reg.ESP]).toBe(0x6000c);
  });

  it('16-bit iret (66 CF) in protected mode pops words and changes only the low word of EFLAGS', () => {
    const w = world();
    const { cpu } = w;
    cpu.setEflags(0x40000, 0x40000); // AC, in the high word
    cpu.regs[Reg.ESP] = 0x7000;
    w.mem.write(0x7000, 2, 0x2345);
    w.mem.write(0x7002, 2, SEL.CODE0);
    w.mem.write(0x7004, 2, 0x0203);
    expect(w.one([0x66, 0xcf])).toBeUndefined();
    expect(cpu.eip).toBe(0x2345);
    expect(cpu.regs[Reg.ESP]).toBe(0x7006);
    expect(cpu.getEflags() & 0x40fff).toBe(0x40203);
  });

  it('returning to a more privileged level is #GP(sel); NT=1 with a link to a TSS that is not busy is #TS(link)', () => {
    const w = world();
    const { cpu } = w;
    w.toRing3(0x60000);
    [0x2000, SEL.CODE0, 0x2].forEach((v, k) => w.w32(0x60000 + 4 * k, v));
    expect(w.one([0xcf])).toMatchObject({ vector: Vec.GP, code: SEL.CODE0 });
    cpu.setEflags(0x4000, 0x4000);
    w.w32(TSS, SEL.TSS2);
    expect(w.one([0xcf])).toMatchObject({ vector: Vec.TS, code: SEL.TSS2 });
  });

  it('real mode: far jmp, call, retf and iret use paragraphs', () => {
    const w = world();
    const { cpu } = w;
    cpu.cr0 &= ~CR0_PE;
    for (let s = 0; s < 6; s++) cpu.setRealSeg(s, 0);
    cpu.regs[Reg.ESP] = 0x8000;
    w.put([0x9a, ...d16(0x0010), ...d16(0x0200)]); // call 0200:0010 (16-bit code)
    expect(w.exec1()).toBeUndefined();
    expect(cpu.segSel[Seg.CS]).toBe(0x200);
    expect(cpu.segBase[Seg.CS]).toBe(0x2000);
    expect(cpu.eip).toBe(0x10);
    expect(w.mem.read(0x7ffc, 2)).toBe(0x1005);
    expect(w.mem.read(0x7ffe, 2)).toBe(0);
    w.put([0xcb], 0x2010);
    cpu.eip = 0x10; // CS base is 0x2000
    expect(w.exec1()).toBeUndefined();
    expect(cpu.segSel[Seg.CS]).toBe(0);
    expect(cpu.eip).toBe(0x1005);
    // iret pops IP, CS, FLAGS
    cpu.regs[Reg.ESP] = 0x7ffa;
    w.mem.write(0x7ffa, 2, 0x1234);
    w.mem.write(0x7ffc, 2, 0x0300);
    w.mem.write(0x7ffe, 2, 0x0203);
    w.put([0xcf], 0x1005);
    expect(w.exec1()).toBeUndefined();
    expect(cpu.eip).toBe(0x1234);
    expect(cpu.segBase[Seg.CS]).toBe(0x3000);
    expect(cpu.getEflags() & 0xfff).toBe(0x203);
    expect(cpu.regs[Reg.ESP]).toBe(0x8000);
  });
});

describe('iret to the same ring and code segment: its common case (iretInRing) or the full return', () => {
  /** an iret frame at 0x7000 */
  function frame(w: World, eip: number, flags: number): void {
    w.cpu.regs[Reg.ESP] = 0x7000;
    [eip, SEL.CODE0, flags].forEach((v, k) => w.w32(0x7000 + 4 * k, v));
  }
  /** run iret, and say what the common case's check answered (0: the full return ran) */
  function iret(w: World): number {
    const spy = vi.spyOn(HELPERS, 'iretInRing');
    try {
      expect(w.one([0xcf])).toBeUndefined();
      return spy.mock.results.at(-1)?.value as number;
    } finally {
      spy.mockRestore();
    }
  }

  it('returns in place where only EIP, ESP and the copied flags change, as the full return leaves them', () => {
    const w = world();
    const { cpu } = w;
    frame(w, 0x2000, 0x2);
    iret(w); // the first may find the GDT's page outside the TLB: the full return reads it
    frame(w, 0x2100, 0x8d5 | 0x400 | 0x40000);
    const epoch = cpu.segEpoch;
    expect(iret(w)).toBe(3); // CPL 0 <= IOPL: IF is copied too
    expect([cpu.eip, cpu.regs[Reg.ESP], cpu.getEflags(), cpu.segEpoch]).toEqual([0x2100, 0x700c, 0x8d7 | 0x400 | 0x40000, epoch]);
  });

  it('a code descriptor rewritten since CS was loaded: the full return, which loads the new one', () => {
    const w = world();
    const { cpu } = w;
    frame(w, 0x2000, 0x2);
    iret(w);
    w.setDesc(SEL.CODE0, desc(0x100, 0xfffff, 0x9b, 0xc));
    frame(w, 0x2000, 0x2);
    expect(iret(w)).toBe(0);
    expect(cpu.segBase[Seg.CS]).toBe(0x100);
  });

  it('a code descriptor not marked accessed: the full return, which marks it', () => {
    const w = world();
    frame(w, 0x2000, 0x2);
    iret(w);
    w.setDesc(SEL.CODE0, desc(0, 0xfffff, 0x9a, 0xc));
    frame(w, 0x2000, 0x2);
    expect(iret(w)).toBe(0);
    expect(w.mem.read(GDT + SEL.CODE0 + 5, 1)).toBe(0x9b);
  });

  it('an image that enables interrupts, TF, or a return past the limit: the full return', () => {
    const w = world();
    const { cpu } = w;
    frame(w, 0x2000, 0x2);
    iret(w);
    cpu.setFlag(IF, 0);
    frame(w, 0x2000, 0x202);
    expect(iret(w)).toBe(0);
    expect(cpu.getEflags() & IF).toBe(IF);
    frame(w, 0x2000, 0x102);
    expect(iret(w)).toBe(0);
    cpu.setFlag(0x100, 0);
    w.setDesc(SEL.CODE0, desc(0, 0x1fff, 0x9b, 0x4));
    cpu.segLimit[Seg.CS] = 0x1fff;
    frame(w, 0x3000, 0x2);
    expect(w.one([0xcf])).toMatchObject({ vector: Vec.GP, code: 0 });
  });
});
