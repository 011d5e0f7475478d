/**
 * The test world itself (world.ts): its tables agree with the CPU state it
 * starts in, each option gives what it says, and a delivered exception is
 * read back as its vector.
 */
import { describe, expect, it } from 'vitest';
import { handlerAt, LAYOUT, ROM_AT, SEL, testWorld } from './world.ts';
import { Reg, Seg } from '../isa/instr.ts';

describe('test world', () => {
  it('delivers a fault through its IDT at CPL 0 and tells the vector', () => {
    const w = testWorld();
    w.load([0x0f, 0x0b]); // ud2
    expect(w.vectorTaken()).toBe(-1);
    w.interp.step();
    expect(w.cpu.eip >>> 0).toBe(handlerAt(6));
    expect(w.vectorTaken()).toBe(6);
    expect(w.cpu.regs[Reg.ESP]).toBe(LAYOUT.stack - 12);
  });

  it('starts at ring 3 with ring3, and a privileged instruction switches to the TSS ring 0 stack', () => {
    const w = testWorld({ ring3: true });
    expect(w.cpu.cpl).toBe(3);
    expect(w.cpu.segSel[Seg.CS]).toBe(SEL.CODE3);
    w.load([0xfa]); // cli at IOPL 0: #GP(0)
    w.cpu.regs[Reg.ESP] = LAYOUT.esp3;
    w.interp.step();
    expect(w.vectorTaken()).toBe(13);
    expect(w.cpu.cpl).toBe(0);
    expect(w.cpu.regs[Reg.ESP]).toBe(LAYOUT.esp0 - 24); // SS, ESP, EFLAGS, CS, EIP, error code
    expect(w.r32(LAYOUT.esp0 - 8)).toBe(LAYOUT.esp3);
  });

  it('pages with paging, a hole raising #PF with CR2', () => {
    const w = testWorld({ paging: { holes: [0x50000] } });
    w.load([0xa1, 0x10, 0x00, 0x05, 0x00]); // mov eax, [0x50010]
    w.interp.step();
    expect(w.vectorTaken()).toBe(14);
    expect(w.cpu.cr2 >>> 0).toBe(0x50010);
  });

  it('gives vCPUs their own stacks over shared tables, and grows the GDT limit with setDesc', () => {
    const w = testWorld({ cpus: 2 });
    expect(w.cpus.map((c) => c.regs[Reg.ESP])).toEqual([LAYOUT.stack, LAYOUT.stack - 0x4000]);
    expect(w.cpus.map((c) => c.idtBase)).toEqual([LAYOUT.idt, LAYOUT.idt]);
    w.setDesc(0x40, [0, 0]);
    expect(w.cpus.map((c) => c.gdtLimit)).toEqual([0x47, 0x47]);
  });

  it('installs the VMI ROM behind a fake machine with rom', () => {
    const w = testWorld({ rom: true });
    expect(w.machine?.vcpus.map((v) => v.cpu)).toEqual(w.cpus);
    expect([w.mem.u8[ROM_AT], w.mem.u8[ROM_AT + 1]]).toEqual([0x55, 0xaa]);
    expect(testWorld().rom).toBeUndefined();
  });
});
