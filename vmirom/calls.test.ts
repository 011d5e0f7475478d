/**
 * One ABI test per VMI call: each call is made the way the guest makes it
 * (a `call` to the slot run by the interpreter) and checked for its effect,
 * its outputs, the registers it must preserve or clobber, its stack
 * arguments and its faults.
 */
import { describe, expect, it } from 'vitest';
import { Reg, Seg } from '../isa/instr.ts';
import { IF, IOPL } from '../isa/eflags.ts';
import { POISON } from './rom.ts';
import { PROPOSAL } from './abis.ts';
import {
  makeRig, CODE, GDT, IDT, KCODE, KDATA, LDT, LDT_SEL, PD, PT, TSS, TSS_SEL, UCODE, UDATA, type Rig,
} from '../spec-tests/rom-rig.ts';

const poison = (name: string) => POISON | PROPOSAL.calls.find((c) => c.name === name)!.number!;

function initRig(ncpu = 1): Rig {
  const rig = makeRig(ncpu);
  rig.call('Init');
  expect(rig.cpu.regs[Reg.EAX]).toBe(0);
  return rig;
}

const r = (rig: Rig, reg: number) => rig.cpu.regs[reg];
const u = (rig: Rig, reg: number) => rig.cpu.regs[reg] >>> 0;
const rd = (rig: Rig, at: number) => rig.mem.view.getInt32(at, true);
const wr = (rig: Rig, at: number, v: number) => rig.mem.view.setInt32(at, v, true);

/** EBX ESI EDI EBP are preserved by every call */
function expectCalleeSaved(rig: Rig) {
  expect([r(rig, Reg.EBX), r(rig, Reg.ESI), r(rig, Reg.EDI), r(rig, Reg.EBP)]).toEqual([0x1111, 0x2222, 0x3333, 0x4444]);
}
const saved = { ebx: 0x1111, esi: 0x2222, edi: 0x3333, ebp: 0x4444 };

describe('Init (4)', () => {
  it('moves the kernel to CPL 1: DPL 1 descriptors, RPL 1 CS/SS, limits below the hole, EAX 0', () => {
    const rig = makeRig();
    rig.call('Init', { ...saved, ecx: 7, edx: 8 });
    const cpu = rig.cpu;
    expect(r(rig, Reg.EAX)).toBe(0);
    expect(r(rig, Reg.ECX)).toBe(poison('Init'));
    expect(r(rig, Reg.EDX)).toBe(poison('Init'));
    expectCalleeSaved(rig);
    expect(cpu.cpl).toBe(1);
    expect(cpu.segSel[Seg.CS]).toBe(KCODE | 1);
    expect(cpu.segSel[Seg.SS]).toBe(KDATA | 1);
    expect((cpu.segAttr[Seg.CS] >> 5) & 3).toBe(1);
    expect(cpu.segLimit[Seg.DS]).toBe(0xfbffffff);
    // kernel code descriptor in the GDT: DPL 1, limit 0xFBFFF pages
    const hi = rd(rig, GDT + 8 + 4);
    expect((hi >>> 13) & 3).toBe(1);
    expect((rd(rig, GDT + 8) & 0xffff) | (hi & 0xf0000)).toBe(0xfbfff);
    // user descriptors keep DPL 3 but are cut too
    expect((rd(rig, GDT + 24 + 4) >>> 13) & 3).toBe(3);
    expect((rd(rig, GDT + 24) & 0xffff) | (rd(rig, GDT + 28) & 0xf0000)).toBe(0xfbfff);
    expect(cpu.pv).not.toBeNull();
  });

  it('a guest access to the hole at 0xFC000000 faults (#GP), as does a negative offset', () => {
    const rig = initRig();
    // mov eax, [0xFC000000]
    rig.mem.load(CODE + 0x200, new Uint8Array([0xa1, 0x00, 0x00, 0x00, 0xfc]));
    rig.cpu.eip = CODE + 0x200;
    rig.interp.step();
    expect(rig.inHandler()).toBe(13);
    const rig2 = initRig();
    rig2.mem.load(CODE + 0x200, new Uint8Array([0x8b, 0x40, 0xfc])); // mov eax, [eax-4] with eax = 0
    rig2.cpu.regs[Reg.EAX] = 0;
    rig2.cpu.eip = CODE + 0x200;
    rig2.interp.step();
    expect(rig2.inHandler()).toBe(13);
  });

  it('a second Init changes nothing and returns 0', () => {
    const rig = initRig();
    const gdt = rig.mem.u8.slice(GDT, GDT + 56);
    rig.call('Init');
    expect(r(rig, Reg.EAX)).toBe(0);
    expect(rig.mem.u8.slice(GDT, GDT + 56)).toEqual(gdt);
  });

  it('a VMI call from CPL 3 is #GP', () => {
    const rig = initRig();
    const cpu = rig.cpu;
    cpu.sysenterCs = KCODE;
    rig.cpu.eip = rig.slot('SYSEXIT');
    cpu.regs[Reg.EDX] = CODE + 0x300; cpu.regs[Reg.ECX] = 0x60000;
    rig.interp.step();
    expect(cpu.cpl).toBe(3);
    rig.mem.load(CODE + 0x300, new Uint8Array([0xe8, ...new Uint8Array(new Int32Array([rig.slot('GetCR0') - (CODE + 0x305)]).buffer)]));
    rig.interp.step(); // the call (the ROM page is user-accessible here: paging is off)
    rig.interp.step(); // vmicall
    expect(rig.inHandler()).toBe(13);
  });
});

describe('CPUID (5)', () => {
  it('returns the leaves with unsupported features masked; flags only', () => {
    const rig = initRig();
    rig.call('CPUID', { eax: 0, ecx: 0, esi: 0x2222, edi: 0x3333, ebp: 0x4444 });
    expect(u(rig, Reg.EBX)).toBe(0x756e6547); // "Genu"
    expect(r(rig, Reg.EAX)).toBe(1);
    rig.call('CPUID', { eax: 1, ecx: 0 });
    expect(r(rig, Reg.EAX)).toBe(0x633);
    expect(r(rig, Reg.EDX) & (1 << 11)).not.toBe(0); // SEP kept
    expect(r(rig, Reg.EDX) & ((1 << 1) | (1 << 12))).toBe(0);
    expect([r(rig, Reg.ESI), r(rig, Reg.EDI), r(rig, Reg.EBP)]).toEqual([0x2222, 0x3333, 0x4444]);
  });
});

describe('MSRs (6, 7)', () => {
  it('WRMSR writes EDX:EAX to MSR ECX, RDMSR reads it back in EDX:EAX', () => {
    const rig = initRig();
    rig.call('WRMSR', { ecx: 0x176, eax: 0xc0105000 | 0, edx: 0, ...saved });
    expect(rig.cpu.sysenterEip >>> 0).toBe(0xc0105000);
    expect(r(rig, Reg.EAX)).toBe(poison('WRMSR'));
    expectCalleeSaved(rig);
    rig.call('RDMSR', { ecx: 0x176, eax: 0, edx: 0 });
    expect(u(rig, Reg.EAX)).toBe(0xc0105000);
    expect(r(rig, Reg.EDX)).toBe(0);
    expect(r(rig, Reg.ECX)).toBe(poison('RDMSR'));
  });

  it('an unknown MSR is #GP', () => {
    const rig = initRig();
    rig.call('RDMSR', { ecx: 0x12345 });
    expect(rig.inHandler()).toBe(13);
  });
});

describe('descriptor tables (8-18)', () => {
  it('SetGDT loads GDTR from the 6-byte image and reloads every live segment register', () => {
    const rig = initRig();
    const NEW = 0x6000;
    rig.mem.u8.copyWithin(NEW, GDT, GDT + 56);
    // the new table's kernel data segment is based at 0x1000
    wr(rig, NEW + 16, (rd(rig, NEW + 16) & 0xffff) | (0x1000 << 16));
    rig.mem.view.setUint16(0x7000, 55, true);
    wr(rig, 0x7002, NEW);
    rig.call('SetGDT', { eax: 0x7000, ...saved });
    expect(rig.cpu.gdtBase).toBe(NEW);
    expect(rig.cpu.gdtLimit).toBe(55);
    expect(rig.cpu.segBase[Seg.DS]).toBe(0x1000);
    expect(rig.cpu.segBase[Seg.SS]).toBe(0x1000);
    expect(rig.cpu.segSel[Seg.CS]).toBe(KCODE | 1);
    expectCalleeSaved(rig);
    expect(r(rig, Reg.EDX)).toBe(poison('SetGDT'));
  });

  it('GetGDT and GetIDT store limit and base; SetIDT loads IDTR', () => {
    const rig = initRig();
    rig.call('GetGDT', { eax: 0x7000 });
    expect(rig.mem.view.getUint16(0x7000, true)).toBe(55);
    expect(rd(rig, 0x7002)).toBe(GDT);
    rig.mem.view.setUint16(0x7010, 0x7ff, true);
    wr(rig, 0x7012, 0x8000);
    rig.call('SetIDT', { eax: 0x7010 });
    expect([rig.cpu.idtBase, rig.cpu.idtLimit]).toEqual([0x8000, 0x7ff]);
    rig.call('GetIDT', { eax: 0x7020 });
    expect(rig.mem.view.getUint16(0x7020, true)).toBe(0x7ff);
    expect(rd(rig, 0x7022)).toBe(0x8000);
    rig.cpu.idtBase = IDT;
  });

  it('SetLDT loads LDTR and reloads segment registers that select the LDT; GetLDT returns it', () => {
    const rig = initRig();
    rig.cpu.segSel[Seg.FS] = 0x0c | 1; // LDT entry 1, left stale in the cache
    rig.call('SetLDT', { eax: LDT_SEL });
    expect(rig.cpu.ldtBase).toBe(LDT);
    expect(rig.cpu.segBase[Seg.FS]).toBe(0x100000);
    rig.call('GetLDT', { eax: 5 });
    expect(r(rig, Reg.EAX)).toBe(LDT_SEL);
    expect(r(rig, Reg.EDX)).toBe(poison('GetLDT'));
  });

  it('SetLDT with a selector that is not an LDT is #GP', () => {
    const rig = initRig();
    rig.call('SetLDT', { eax: KDATA });
    expect(rig.inHandler()).toBe(13);
  });

  it('SetTR loads TR and marks the TSS busy; GetTR returns it', () => {
    const rig = initRig();
    rig.cpu.trSel = 0;
    rig.call('SetTR', { eax: TSS_SEL });
    expect(rig.cpu.trBase).toBe(TSS);
    expect((rd(rig, GDT + 40 + 4) >>> 8) & 0xf).toBe(0xb);
    rig.call('GetTR');
    expect(r(rig, Reg.EAX)).toBe(TSS_SEL);
  });

  it('SetTR on a TSS that is already busy is #GP, as ltr', () => {
    const rig = initRig();
    rig.call('SetTR', { eax: TSS_SEL });
    expect(rig.inHandler()).toBe(-1);
    rig.call('SetTR', { eax: TSS_SEL });
    expect(rig.inHandler()).toBe(13);
  });

  it('WriteGDTEntry stores ECX and the stack word, adjusted (DPL 0 -> 1, limit below the hole)', () => {
    const rig = initRig();
    rig.call('WriteGDTEntry', { eax: GDT, edx: 7, ecx: 0x0000ffff, ...saved }, [0x00cf9a00]);
    expect(rd(rig, GDT + 56)).toBe(0x0000bfff);
    expect(rd(rig, GDT + 60) >>> 0).toBe(0x00cfba00);
    expectCalleeSaved(rig);
    expect(rig.cpu.regs[Reg.ESP]).toBe(rig.lastEsp + 4); // the stack word stays for the caller to pop
  });

  it('WriteLDTEntry adjusts the same way; WriteIDTEntry stores the gate as given', () => {
    const rig = initRig();
    rig.call('WriteLDTEntry', { eax: LDT, edx: 1, ecx: 0x0000ffff }, [0x00cf9200]);
    expect(rd(rig, LDT + 12) >>> 0).toBe(0x00cfb200);
    expect(rd(rig, LDT + 8) & 0xffff).toBe(0xbfff);
    rig.call('WriteIDTEntry', { eax: IDT, edx: 0x80, ecx: 0x00085000 }, [0x0000ee00]);
    expect([rd(rig, IDT + 0x400), rd(rig, IDT + 0x404)]).toEqual([0x00085000, 0x0000ee00]);
  });
});

describe('UpdateKernelStack (19)', () => {
  it('writes the ring-1 (and ring-0) stack pointer of the TSS, which the next ring 3 -> 1 interrupt uses', () => {
    const rig = initRig();
    rig.call('UpdateKernelStack', { eax: TSS, edx: 0x68000 });
    expect(rd(rig, TSS + 12)).toBe(0x68000);
    expect(rd(rig, TSS + 4)).toBe(0x68000);
    // go to ring 3 and take an interrupt: the frame lands on the new stack
    const cpu = rig.cpu;
    cpu.sysenterCs = KCODE;
    cpu.eip = rig.slot('SYSEXIT');
    cpu.regs[Reg.EDX] = CODE + 0x300; cpu.regs[Reg.ECX] = 0x60000;
    rig.interp.step();
    rig.bus.pending.push(0x40);
    rig.interp.checkInterrupts();
    expect(cpu.cpl).toBe(1);
    expect(cpu.regs[Reg.ESP]).toBe(0x68000 - 20);
    expect(rd(rig, 0x68000 - 16)).toBe(UCODE);
    expect(rd(rig, 0x68000 - 8)).toBe(0x60000);
  });
});

describe('control registers (20-27, 34)', () => {
  it('SetCRn / GetCRn', () => {
    const rig = initRig();
    rig.call('SetCR2', { eax: 0x1234 });
    rig.call('GetCR2');
    expect(r(rig, Reg.EAX)).toBe(0x1234);
    rig.call('SetCR4', { eax: 0x10 });
    rig.call('GetCR4');
    expect(r(rig, Reg.EAX)).toBe(0x10);
    rig.call('SetCR3', { eax: PD });
    rig.call('GetCR3');
    expect(r(rig, Reg.EAX)).toBe(PD);
    rig.call('SetCR0', { eax: rig.cpu.cr0 | 8 });
    rig.call('GetCR0');
    expect(r(rig, Reg.EAX) & 8).toBe(8);
    rig.call('CLTS', { ...saved });
    expect(rig.cpu.cr0 & 8).toBe(0);
    expectCalleeSaved(rig);
  });

  it('SetCR4 with a reserved bit is #GP', () => {
    const rig = initRig();
    rig.call('SetCR4', { eax: 0x40000000 });
    expect(rig.inHandler()).toBe(13);
  });

  it('SetCR3 drops non-global translations', () => {
    const rig = initRig();
    rig.enablePaging();
    rig.cpu.read(Seg.DS, 0x5000, 4);
    expect(rig.cpu.mmu.tlb[5]).not.toBe(0);
    rig.call('SetCR3', { eax: PD });
    expect(rig.cpu.mmu.tlb[5]).toBe(0);
  });
});

describe('INVD, WBINVD (28, 29)', () => {
  it('INVD raises #GP in the guest', () => {
    const rig = initRig();
    rig.call('INVD');
    expect(rig.inHandler()).toBe(13);
  });
  it('WBINVD has no effect but the standard clobbers', () => {
    const rig = initRig();
    rig.call('WBINVD', { eax: 1, ecx: 2, edx: 3, ...saved });
    expect([r(rig, Reg.EAX), r(rig, Reg.ECX), r(rig, Reg.EDX)]).toEqual([poison('WBINVD'), poison('WBINVD'), poison('WBINVD')]);
    expectCalleeSaved(rig);
  });
});

describe('debug registers (30, 31)', () => {
  it('SetDR EAX=n EDX=value, GetDR EAX=n -> EAX; DR7 keeps its fixed bits', () => {
    const rig = initRig();
    rig.call('SetDR', { eax: 1, edx: 0xc0001000 | 0 });
    rig.call('GetDR', { eax: 1 });
    expect(u(rig, Reg.EAX)).toBe(0xc0001000);
    rig.call('SetDR', { eax: 7, edx: 0 });
    rig.call('GetDR', { eax: 7 });
    expect(r(rig, Reg.EAX)).toBe(0x400);
  });
});

describe('RDPMC, RDTSC (32, 33)', () => {
  it('RDPMC counter 0 reads 0 in EDX:EAX; counter 5 is #GP', () => {
    const rig = initRig();
    rig.call('RDPMC', { ecx: 0, eax: 9, edx: 9 });
    expect([r(rig, Reg.EAX), r(rig, Reg.EDX)]).toEqual([0, 0]);
    rig.call('RDPMC', { ecx: 5 });
    expect(rig.inHandler()).toBe(13);
  });
  it('RDTSC returns the time stamp counter in EDX:EAX', () => {
    const rig = initRig();
    rig.cpu.writeTsc(0x123456789an);
    rig.call('RDTSC');
    const v = (BigInt(u(rig, Reg.EDX)) << 32n) | BigInt(u(rig, Reg.EAX));
    expect(v >= 0x123456789an && v < 0x123456789an + 10n).toBe(true);
    expect(r(rig, Reg.ECX)).toBe(poison('RDTSC'));
  });
});

describe('virtual interrupt flag (35-38)', () => {
  it('Init takes IF as the virtual IF; the real IF is set from then on', () => {
    const rig = makeRig();
    rig.call('Init');
    expect(rig.cpu.getEflags() & IF).toBe(IF);
    rig.call('GetInterruptMask');
    expect(r(rig, Reg.EAX)).toBe(0);
  });

  it('DisableInterrupts keeps pending interrupts pending although the real IF is set; flags only', () => {
    const rig = initRig();
    rig.call('DisableInterrupts', { eax: 1, ecx: 2, edx: 3 });
    expect([r(rig, Reg.EAX), r(rig, Reg.ECX), r(rig, Reg.EDX)]).toEqual([1, 2, 3]);
    rig.bus.pending.push(0x41);
    expect(rig.interp.checkInterrupts()).toBe(false);
    expect(rig.cpu.getEflags() & IF).toBe(IF);
  });

  it('EnableInterrupts delivers a pending interrupt before the slot returns; flags only', () => {
    const rig = initRig();
    rig.bus.pending.push(0x41);
    rig.call('EnableInterrupts', { eax: 1, ecx: 2, edx: 3 });
    expect(rig.inHandler()).toBe(0x41);
    expect([r(rig, Reg.EAX), r(rig, Reg.ECX), r(rig, Reg.EDX)]).toEqual([1, 2, 3]);
    // the frame's EFLAGS shows the virtual IF (set), the handler runs with it clear
    const frame = rig.cpu.regs[Reg.ESP];
    expect(rd(rig, frame) >>> 0).toBe(rig.slot('EnableInterrupts') + 3); // returns to the slot's ret
    expect(rd(rig, frame + 8) & IF).toBe(IF);
    rig.call('GetInterruptMask');
    expect(r(rig, Reg.EAX)).toBe(0);
  });

  it('GetInterruptMask reports 0x200 when enabled; SetInterruptMask enabling delivers pending ones', () => {
    const rig = initRig();
    rig.call('SetInterruptMask', { eax: 0x200, ecx: 7, edx: 8 });
    expect([r(rig, Reg.ECX), r(rig, Reg.EDX)]).toEqual([7, 8]);
    rig.call('GetInterruptMask', { ecx: 7, edx: 8 });
    expect(r(rig, Reg.EAX)).toBe(0x200);
    expect([r(rig, Reg.ECX), r(rig, Reg.EDX)]).toEqual([7, 8]);
    rig.call('SetInterruptMask', { eax: 0 });
    rig.bus.pending.push(0x42);
    rig.call('GetInterruptMask');
    expect(rig.inHandler()).toBe(-1);
    rig.call('SetInterruptMask', { eax: 0x200 });
    expect(rig.inHandler()).toBe(0x42);
  });
});

/** Put an IRET frame on the stack and jump to the IRET slot, as trapret does. */
function jumpIret(rig: Rig, frame: number[]) {
  const cpu = rig.cpu;
  for (let k = frame.length - 1; k >= 0; k--) {
    cpu.regs[Reg.ESP] -= 4;
    wr(rig, cpu.regs[Reg.ESP], frame[k]);
  }
  cpu.eip = rig.slot('IRET');
  rig.interp.step();
}

describe('IRET (39)', () => {
  it('returns at the same level taking the virtual IF from the image; IOPL is not restored; the real IF stays set', () => {
    const rig = initRig();
    rig.call('EnableInterrupts');
    const esp = rig.cpu.regs[Reg.ESP];
    jumpIret(rig, [CODE + 0x40, KCODE | 1, 0x3002]); // IF clear, IOPL 3 in the image
    expect(rig.cpu.eip).toBe(CODE + 0x40);
    expect(rig.cpu.regs[Reg.ESP]).toBe(esp);
    expect(rig.cpu.getEflags() & IOPL).toBe(0);
    expect(rig.cpu.getEflags() & IF).toBe(IF);
    rig.call('GetInterruptMask');
    expect(r(rig, Reg.EAX)).toBe(0);
  });

  it('returns to ring 3 popping SS:ESP, with the virtual IF set from the image', () => {
    const rig = initRig();
    jumpIret(rig, [CODE + 0x40, UCODE, 0x202, 0x60000, UDATA]);
    expect(rig.cpu.cpl).toBe(3);
    expect(rig.cpu.regs[Reg.ESP]).toBe(0x60000);
    expect(rig.cpu.segSel[Seg.SS]).toBe(UDATA);
    expect((rig.cpu.pv as { vif: boolean }).vif).toBe(true);
  });

  it('#GP on a return selector with RPL below CPL (does not return to CPL 0)', () => {
    const rig = initRig();
    jumpIret(rig, [CODE + 0x40, KCODE, 0x202]);
    expect(rig.inHandler()).toBe(13);
    expect(rig.cpu.cpl).toBe(1);
  });
});

describe('SYSEXIT (40)', () => {
  it('goes to CPL 3 at EDX with ESP = ECX, selectors from SYSENTER_CS, interrupts enabled', () => {
    const rig = initRig();
    rig.call('DisableInterrupts');
    rig.cpu.sysenterCs = KCODE | 1;
    rig.cpu.regs[Reg.EDX] = CODE + 0x80;
    rig.cpu.regs[Reg.ECX] = 0x61000;
    rig.cpu.eip = rig.slot('SYSEXIT');
    rig.interp.step();
    expect(rig.cpu.cpl).toBe(3);
    expect(rig.cpu.eip).toBe(CODE + 0x80);
    expect(rig.cpu.regs[Reg.ESP]).toBe(0x61000);
    expect([rig.cpu.segSel[Seg.CS], rig.cpu.segSel[Seg.SS]]).toEqual([UCODE, UDATA]);
    expect((rig.cpu.pv as { vif: boolean }).vif).toBe(true);
    expect(rig.cpu.segLimit[Seg.CS]).toBe(0xfbffffff);
  });
  /** SYSEXIT to ring 3 at CODE + 0x300, where a sysenter (to CODE + 0x600, stack 0x64000) waits */
  function sysexitThenSysenter(rig: Rig): void {
    const cpu = rig.cpu;
    cpu.sysenterCs = KCODE | 1; cpu.sysenterEip = CODE + 0x600; cpu.sysenterEsp = 0x64000;
    cpu.regs[Reg.EDX] = CODE + 0x300; cpu.regs[Reg.ECX] = 0x61000;
    cpu.eip = rig.slot('SYSEXIT');
    rig.interp.step();
    rig.mem.load(CODE + 0x300, new Uint8Array([0x0f, 0x34])); // sysenter
  }

  it('a sysenter from ring 3 under the ROM enters the kernel at CPL 1 with the virtual IF clear', () => {
    const rig = initRig();
    const cpu = rig.cpu;
    sysexitThenSysenter(rig);
    rig.interp.step();
    expect([cpu.cpl, cpu.segSel[Seg.CS], cpu.segSel[Seg.SS], cpu.eip, cpu.regs[Reg.ESP]]).toEqual([1, KCODE | 1, KDATA | 1, CODE + 0x600, 0x64000]);
    expect((cpu.pv as { vif: boolean }).vif).toBe(false);
    expect(cpu.getEflags() & IF).toBe(IF);
  });

  it('sysenter under the ROM loads flat segments that stop below the hypervisor hole (issue 16 item 8)', () => {
    const rig = initRig();
    const cpu = rig.cpu;
    sysexitThenSysenter(rig);
    rig.mem.load(CODE + 0x600, new Uint8Array([0x36, 0xa1, 0x00, 0x00, 0x00, 0xfc])); // mov eax, ss:[0xFC000000]
    rig.interp.step();
    expect([cpu.segLimit[Seg.CS], cpu.segLimit[Seg.SS]]).toEqual([0xfbffffff, 0xfbffffff]);
    rig.interp.step();
    expect(rig.inHandler()).toBe(12); // #SS, not a write into the hypervisor's space
  });

  it('#GP with no SYSENTER_CS', () => {
    const rig = initRig();
    rig.cpu.eip = rig.slot('SYSEXIT');
    rig.interp.step();
    expect(rig.inHandler()).toBe(13);
  });
});

describe('Pause, Halt, Reboot, Shutdown (41-44)', () => {
  it('Pause: standard clobbers only', () => {
    const rig = initRig();
    rig.call('Pause', { eax: 1, ...saved });
    expect(r(rig, Reg.EAX)).toBe(poison('Pause'));
    expectCalleeSaved(rig);
  });

  it('Halt waits with interrupts enabled; an interrupt wakes it and the call returns after the handler', () => {
    const rig = initRig();
    rig.call('DisableInterrupts');
    rig.call('Halt');
    expect(rig.cpu.halted).toBe(true);
    expect(rig.interp.run(5)).toBe(0);
    rig.bus.pending.push(0x43);
    rig.interp.checkInterrupts();
    expect(rig.cpu.halted).toBe(false);
    expect(rig.inHandler()).toBe(0x43);
    expect(rd(rig, rig.cpu.regs[Reg.ESP]) >>> 0).toBe(rig.slot('Halt') + 3);
  });

  it('Reboot resets the machine, EAX 0 soft (INIT-like, memory kept) and 1 hard (reset), rather than stopping it (issue 16 item 7)', () => {
    const rig = initRig();
    rig.call('Reboot', { eax: 0 });
    rig.call('Reboot', { eax: 1 });
    expect(rig.machine.resets).toEqual(['soft', 'hard']);
    expect(rig.machine.stopped).toBeUndefined();
  });

  it('Shutdown powers this vCPU off with interrupts disabled', () => {
    const rig = initRig();
    rig.call('EnableInterrupts');
    rig.call('Shutdown');
    expect(rig.machine.poweredOff).toEqual([0]);
    expect(rig.cpu.halted).toBe(true);
    rig.bus.pending.push(0x40);
    expect(rig.interp.checkInterrupts()).toBe(false);
  });
});

describe('page-table entries (45-52, 72-74)', () => {
  const PTE = PT + 0x100 * 4; // maps linear 0x100000

  it('SetPxE EAX=entry EDX=pointer; GetPxE returns it with the A/D bits the MMU set', () => {
    const rig = initRig();
    rig.enablePaging();
    rig.call('SetPxE', { eax: 0x200003, edx: PTE, ...saved });
    expect(rd(rig, PTE)).toBe(0x200003);
    expectCalleeSaved(rig);
    rig.cpu.mmu.flushAll(false);
    rig.cpu.write(Seg.DS, 0x100000, 4, 5);
    expect(rd(rig, 0x200000)).toBe(5);
    rig.call('GetPxE', { eax: PTE });
    expect(r(rig, Reg.EAX)).toBe(0x200063);
  });

  it('SwapPxE returns the old entry; TestAndSet/TestAndClear return the old bit', () => {
    const rig = initRig();
    rig.enablePaging();
    rig.call('SwapPxE', { eax: 0x300003, edx: PTE });
    expect(r(rig, Reg.EAX)).toBe(0x100003);
    expect(rd(rig, PTE)).toBe(0x300003);
    rig.call('TestAndSetPxEBit', { eax: 9, edx: PTE });
    expect(r(rig, Reg.EAX)).toBe(0);
    expect(rd(rig, PTE)).toBe(0x300203);
    rig.call('TestAndClearPxEBit', { eax: 1, edx: PTE });
    expect(r(rig, Reg.EAX)).toBe(1);
    expect(rd(rig, PTE)).toBe(0x300201);
  });

  it('SetPxELong EDX:EAX at ECX; GetPxELong; SwapPxELongAtomic; Deactivate; the PAE bit tests', () => {
    const rig = initRig();
    const E = 0x20000;
    rig.call('SetPxELong', { eax: 0x5003, edx: 0x80000000 | 0, ecx: E });
    expect([rd(rig, E), rd(rig, E + 4) >>> 0]).toEqual([0x5003, 0x80000000]);
    rig.call('GetPxELong', { eax: E });
    expect([r(rig, Reg.EAX), u(rig, Reg.EDX)]).toEqual([0x5003, 0x80000000]);
    rig.call('SwapPxELongAtomic', { eax: 0x6003, edx: 1, ecx: E });
    expect([r(rig, Reg.EAX), u(rig, Reg.EDX)]).toEqual([0x5003, 0x80000000]);
    rig.call('TestAndSetPxELongBit', { eax: 63, edx: E });
    expect(r(rig, Reg.EAX)).toBe(0);
    expect(rd(rig, E + 4) >>> 0).toBe(0x80000001);
    rig.call('TestAndClearPxELongBit', { eax: 32, edx: E });
    expect(r(rig, Reg.EAX)).toBe(1);
    rig.call('DeactivatePxELongAtomic', { ecx: E });
    expect([r(rig, Reg.EAX), u(rig, Reg.EDX)]).toEqual([0x6003, 0x80000000]);
    expect(rd(rig, E)).toBe(0x6002);
  });
});

describe('AllocatePage, ReleasePage, SetLinearMapping (53, 54, 58)', () => {
  it('tracks which physical pages are page tables', () => {
    const rig = initRig();
    rig.call('AllocatePage', { eax: PT >>> 12, edx: 1 });
    rig.call('AllocatePage', { eax: PD >>> 12, edx: 2 });
    expect(rig.rom.pageUsage.get(PT >>> 12)).toBe(1);
    expect(rig.rom.pageUsage.get(PD >>> 12)).toBe(2);
    rig.call('ReleasePage', { eax: PT >>> 12, edx: 1 });
    expect(rig.rom.pageUsage.has(PT >>> 12)).toBe(false);
    expect(r(rig, Reg.EAX)).toBe(poison('ReleasePage'));
  });

  it('counts page-table writes into pages never registered', () => {
    const rig = initRig();
    rig.enablePaging();
    rig.call('SetPxE', { eax: 0, edx: PT + 0x800 });
    expect(rig.rom.stats.unregisteredPxeWrites).toBe(1);
    rig.call('AllocatePage', { eax: PT >>> 12, edx: 1 });
    rig.call('SetPxE', { eax: 0, edx: PT + 0x800 });
    expect(rig.rom.stats.unregisteredPxeWrites).toBe(1);
    // released, it is no page table again (the flag follows every change)
    rig.call('ReleasePage', { eax: PT >>> 12, edx: 1 });
    rig.call('SetPxE', { eax: 0, edx: PT + 0x804 });
    expect(rig.rom.stats.unregisteredPxeWrites).toBe(2);
    // a page number beyond 32-bit physical addresses (a PAE frame) registers that page, not a low one
    rig.call('AllocatePage', { eax: (PT >>> 12) + (1 << 20), edx: 1 });
    rig.call('SetPxE', { eax: 0, edx: PT + 0x808 });
    expect(rig.rom.stats.unregisteredPxeWrites).toBe(3);
  });

  it('SetLinearMapping records slot EAX: linear EDX, ECX pages, first pfn ST(0)', () => {
    const rig = initRig();
    rig.call('SetLinearMapping', { eax: 2, edx: 0xffc00000 | 0, ecx: 1024 }, [0x123]);
    expect(rig.rom.linearMappings[2]).toEqual({ linear: 0xffc00000, pages: 1024, pfn: 0x123 });
    rig.call('SetLinearMapping', { eax: 2, edx: 0, ecx: 0 }, [0]);
    expect(rig.rom.linearMappings[2]).toBeUndefined();
  });
});

describe('port I/O (59-70)', () => {
  it('IN, INB, INW read port EDX into EAX (zero-extended)', () => {
    const rig = initRig();
    rig.machine.portValues.set(0x3f8, [0x41]);
    rig.call('INB', { edx: 0x3f8, eax: -1 });
    expect(r(rig, Reg.EAX)).toBe(0x41);
    rig.machine.portValues.set(0x60, [0x1234]);
    rig.call('INW', { edx: 0x60 });
    expect(r(rig, Reg.EAX)).toBe(0x1234);
    rig.machine.portValues.set(0xcfc, [0x08011234]);
    rig.call('IN', { edx: 0xcfc });
    expect(r(rig, Reg.EAX)).toBe(0x08011234);
    expect(r(rig, Reg.ECX)).toBe(poison('IN'));
  });

  it('OUT, OUTB, OUTW write EAX to port EDX', () => {
    const rig = initRig();
    rig.call('OUTB', { eax: 0x1241, edx: 0x3f8, ...saved });
    rig.call('OUTW', { eax: 0x11234, edx: 0x70 });
    rig.call('OUT', { eax: 0x80000000 | 0, edx: 0xcf8 });
    expect(rig.machine.portWrites).toEqual([[0x3f8, 1, 0x41], [0x70, 2, 0x1234], [0xcf8, 4, 0x80000000 | 0]]);
    expectCalleeSaved(rig);
  });

  it('INS/INSB/INSW fill ES:EDI, ECX elements, leaving EDI advanced and ECX 0', () => {
    const rig = initRig();
    rig.machine.portValues.set(0x1f0, [0x11, 0x22, 0x33]);
    rig.call('INSB', { edx: 0x1f0, edi: 0x9000, ecx: 3 });
    expect([...rig.mem.u8.slice(0x9000, 0x9003)]).toEqual([0x11, 0x22, 0x33]);
    expect([r(rig, Reg.EDI), r(rig, Reg.ECX)]).toEqual([0x9003, 0]);
    rig.machine.portValues.set(0x1f0, [0xbeef]);
    rig.call('INSW', { edx: 0x1f0, edi: 0x9010, ecx: 1 });
    expect(rig.mem.view.getUint16(0x9010, true)).toBe(0xbeef);
    rig.machine.portValues.set(0x1f0, [0x01020304]);
    rig.call('INS', { edx: 0x1f0, edi: 0x9020, ecx: 1 });
    expect(rd(rig, 0x9020)).toBe(0x01020304);
    expect(r(rig, Reg.EDI)).toBe(0x9024);
  });

  /**
   * INSB into a buffer whose third byte lies on a page that is not present:
   * the call faults after two elements. The port byte of the third must not
   * be consumed by the faulting attempt, so that the re-run after the fault
   * handler (here: map the page, call again with the committed EDI/ECX)
   * stores exactly 1 2 3 4, as `rep insb` does.
   */
  function insbAcrossMissingPage(run: (rig: Rig, edi: number, ecx: number) => void) {
    const rig = initRig();
    rig.enablePaging();
    const pte9 = PT + 9 * 4;
    wr(rig, pte9, 0); // page 0x9000 not present
    rig.cpu.mmu.flushAll(false);
    rig.machine.portValues.set(0x1f0, [1, 2, 3, 4]);
    run(rig, 0x8ffe, 4);
    const vector = rig.inHandler();
    const [ecx, edi] = [r(rig, Reg.ECX), r(rig, Reg.EDI)];
    wr(rig, pte9, 0x9003); // the handler maps the page and returns into the call
    rig.cpu.mmu.flushAll(false);
    rig.cpu.regs[Reg.ESP] = rig.lastEsp;
    run(rig, edi, ecx);
    return { bytes: [...rig.mem.u8.slice(0x8ffe, 0x9002)], left: rig.machine.portValues.get(0x1f0)!, vector, ecx, edi };
  }

  it('a page fault in the middle of INSB loses no port byte and repeats none, as rep insb', () => {
    const viaCall = insbAcrossMissingPage((rig, edi, ecx) => rig.call('INSB', { edx: 0x1f0, edi, ecx }));
    const viaInstr = insbAcrossMissingPage((rig, edi, ecx) => {
      rig.call('SetIOPLMask', { eax: 1 << 12 }); // the kernel's own rep insb needs the I/O privilege
      Object.assign(rig.cpu.regs, { [Reg.EDX]: 0x1f0, [Reg.EDI]: edi, [Reg.ECX]: ecx });
      rig.mem.load(CODE + 0x200, new Uint8Array([0xf3, 0x6c])); // rep insb
      rig.cpu.eip = CODE + 0x200;
      rig.lastEsp = rig.cpu.regs[Reg.ESP];
      rig.interp.step();
    });
    expect(viaCall).toEqual({ bytes: [1, 2, 3, 4], left: [], vector: 14, ecx: 2, edi: 0x9000 });
    expect(viaInstr).toEqual(viaCall);
  });

  it('OUTS/OUTSB/OUTSW send DS:ESI, ECX elements', () => {
    const rig = initRig();
    rig.mem.u8.set([1, 2, 3, 4, 5, 6, 7, 8], 0x9000);
    rig.call('OUTSB', { edx: 0x3f8, esi: 0x9000, ecx: 2 });
    rig.call('OUTSW', { edx: 0x3f8, esi: 0x9002, ecx: 1 });
    rig.call('OUTS', { edx: 0x3f8, esi: 0x9004, ecx: 1 });
    expect(rig.machine.portWrites).toEqual([[0x3f8, 1, 1], [0x3f8, 1, 2], [0x3f8, 2, 0x0403], [0x3f8, 4, 0x08070605]]);
    expect([r(rig, Reg.ESI), r(rig, Reg.ECX)]).toEqual([0x9008, 0]);
  });
});

describe('SetIOPLMask (71)', () => {
  it('sets EFLAGS.IOPL from EAX, which never gives control of interrupts', () => {
    const rig = initRig();
    rig.call('DisableInterrupts');
    rig.call('SetIOPLMask', { eax: 3 << 12 });
    expect(rig.cpu.getEflags() & IOPL).toBe(3 << 12);
    // cli at CPL 1 is now allowed, and changes only the real IF, which nobody consults
    rig.mem.load(CODE + 0x200, new Uint8Array([0xfb])); // sti
    rig.cpu.eip = CODE + 0x200;
    rig.interp.step();
    rig.bus.pending.push(0x40);
    expect(rig.interp.checkInterrupts()).toBe(false);
  });
});

describe('SetInitialAPState (75) and the startup IPI', () => {
  function apState(rig: Rig, at: number) {
    const v = rig.mem.view;
    const d = (o: number, x: number) => v.setInt32(at + o, x, true);
    const w = (o: number, x: number) => v.setUint16(at + o, x, true);
    rig.enablePaging();
    d(0, rig.cpu.cr0); d(8, PD); d(12, 0); d(24, CODE + 0x500); d(28, 0x202);
    d(32, 0xaa); d(48, 0x50000);
    w(64, KCODE | 1); w(66, KDATA | 1); w(68, KDATA | 1); w(70, KDATA | 1); w(72, 0); w(74, 0); w(76, 0);
    w(78, 55); d(80, GDT); d(84, IDT); w(88, 0x7ff);
  }

  it('starts the AP from the APState at the SIPI, at CPL 1, paravirtually', () => {
    const rig = initRig(2);
    apState(rig, 0x8000);
    rig.call('SetInitialAPState', { eax: 0x8000, edx: 1 });
    expect(rig.rom.onStartupIpi(1, 0x08)).toBe(true);
    expect(rig.machine.apStarts).toEqual([{ id: 1, kind: 'state' }]);
    const ap = rig.machine.vcpus[1].cpu;
    expect(ap.eip).toBe(CODE + 0x500);
    expect(ap.cpl).toBe(1);
    expect(ap.regs[Reg.EAX]).toBe(0xaa);
    expect(ap.regs[Reg.ESP]).toBe(0x50000);
    expect(ap.cr3).toBe(PD);
    expect(ap.segLimit[Seg.CS]).toBe(0xfbffffff);
    expect(ap.pv).not.toBeNull();
    expect((ap.pv as { vif: boolean }).vif).toBe(true);
    // the state is used once
    expect(rig.rom.onStartupIpi(1, 0x08)).toBe(true);
    expect(rig.machine.apStarts.length).toBe(1);
  });

  it('accepts a state anywhere in memory and starts the AP at the kernel level even with RPL-0 selectors (issue 16 item 3)', () => {
    // Linux builds the state on its stack and passes __KERNEL_CS / __KERNEL_DS with RPL 0
    const rig = initRig(2);
    const at = 0x8ffa;
    apState(rig, at);
    rig.mem.view.setUint16(at + 64, KCODE, true);
    rig.mem.view.setUint16(at + 66, KDATA, true);
    rig.call('SetInitialAPState', { eax: at, edx: 1 });
    expect(rig.rom.onStartupIpi(1, 0x08)).toBe(true);
    expect(rig.machine.apStarts).toEqual([{ id: 1, kind: 'state' }]);
    const ap = rig.machine.vcpus[1].cpu;
    expect([ap.cpl, ap.segSel[Seg.CS], ap.segSel[Seg.SS]]).toEqual([1, KCODE | 1, KDATA | 1]);
    expect(ap.eip).toBe(CODE + 0x500);
  });

  it('with no valid state the AP does not start (CR0 without PG)', () => {
    const rig = initRig(2);
    apState(rig, 0x8000);
    wr(rig, 0x8000, 0x11);
    rig.call('SetInitialAPState', { eax: 0x8000, edx: 1 });
    expect(rig.rom.onStartupIpi(1, 0x08)).toBe(true);
    expect(rig.machine.apStarts).toEqual([]);
  });

  it('before any Init the SIPI is left to the machine (native start)', () => {
    const rig = makeRig(2);
    expect(rig.rom.onStartupIpi(1, 0x08)).toBe(false);
  });
});

describe('local APIC (76, 77)', () => {
  it('APICWrite EAX=address EDX=value, APICRead EAX=address -> EAX (low 12 bits select the register)', () => {
    const rig = initRig();
    rig.call('APICWrite', { eax: 0xfee00320 | 0, edx: 0x40 });
    expect(rig.machine.vcpus[0].apic.regs.get(0x320)).toBe(0x40);
    rig.call('APICRead', { eax: 0xfee00320 | 0 });
    expect(r(rig, Reg.EAX)).toBe(0x40);
    expect(r(rig, Reg.EDX)).toBe(poison('APICRead'));
  });
});

describe('IODelay (78)', () => {
  it('does nothing but the standard clobbers', () => {
    const rig = initRig();
    rig.call('IODelay', { eax: 5, ...saved });
    expect(r(rig, Reg.EAX)).toBe(poison('IODelay'));
    expectCalleeSaved(rig);
    expect(rig.machine.portWrites).toEqual([]);
  });
});

describe('time (79-84)', () => {
  it('GetCycleFrequency -> EDX:EAX', () => {
    const rig = initRig();
    rig.call('GetCycleFrequency');
    expect([r(rig, Reg.EAX), r(rig, Reg.EDX)]).toEqual([1_000_000, 0]);
  });

  it('GetCycleCounter EAX = 0 real, 1 available, 2 stolen -> EDX:EAX', () => {
    const rig = initRig();
    rig.machine.real = 0x1_0000_0005n;
    rig.machine.vcpus[0].availableCycles = 0x1_0000_0003n;
    rig.machine.vcpus[0].stolenCycles = 2n;
    rig.call('GetCycleCounter', { eax: 0 });
    expect([r(rig, Reg.EAX), r(rig, Reg.EDX)]).toEqual([5, 1]);
    rig.call('GetCycleCounter', { eax: 1 });
    expect([r(rig, Reg.EAX), r(rig, Reg.EDX)]).toEqual([3, 1]);
    rig.call('GetCycleCounter', { eax: 2 });
    expect([r(rig, Reg.EAX), r(rig, Reg.EDX)]).toEqual([2, 0]);
    // a low word with its top bit set, and a high word past 2^20 (the halves are split by number arithmetic)
    rig.machine.real = 0x12_3456_8000_0001n;
    rig.call('GetCycleCounter', { eax: 0 });
    expect([r(rig, Reg.EAX) >>> 0, r(rig, Reg.EDX)]).toEqual([0x8000_0001, 0x12_3456]);
    rig.call('GetCycleCounter', { eax: 7 });
    expect([r(rig, Reg.EAX), r(rig, Reg.EDX)]).toEqual([0, 0]);
  });

  it('SetAlarm: flags EAX, expiry EDX (low) ECX (high), period ST(0) ST(1); CancelAlarm reports whether it was armed', () => {
    const rig = initRig();
    rig.call('SetAlarm', { eax: 0x10100, edx: 1000, ecx: 0 }, [500, 0]);
    expect(rig.machine.events.map((e) => [e.clock, e.at])).toEqual([['real', 1000n]]);
    expect(rig.cpu.regs[Reg.ESP]).toBe(rig.lastEsp + 8);
    rig.call('CancelAlarm', { eax: 0 });
    expect(r(rig, Reg.EAX)).toBe(1);
    expect(rig.machine.events).toEqual([]);
    rig.call('CancelAlarm', { eax: 0 });
    expect(r(rig, Reg.EAX)).toBe(0);
    rig.call('SetAlarm', { eax: 1, edx: 7, ecx: 1 }, [0, 0]);
    expect(rig.machine.events.map((e) => [e.clock, e.at])).toEqual([['available', 0x1_0000_0007n]]);
    rig.call('SetAlarm', { eax: 2, edx: 7, ecx: 0 }, [0, 0]); // stolen: no alarm
    expect(rig.machine.events.length).toBe(1);
  });

  it('GetWallclockTime -> EDX:EAX nanoseconds since 1970; WallclockUpdated says 1 once after the clock moved', () => {
    const rig = initRig();
    rig.call('GetWallclockTime');
    expect((BigInt(u(rig, Reg.EDX)) << 32n) | BigInt(u(rig, Reg.EAX))).toBe(rig.machine.wallclockNs());
    rig.machine.real += 5000n;
    rig.call('WallclockUpdated');
    expect(r(rig, Reg.EAX)).toBe(0);
    rig.machine.wallBase += 3_000_000_000n; // the host clock was set forward
    rig.call('WallclockUpdated');
    expect(r(rig, Reg.EAX)).toBe(1);
    rig.call('WallclockUpdated');
    expect(r(rig, Reg.EAX)).toBe(0);
  });
});

describe('statistics', () => {
  it('counts calls by name and by call site (the return address)', () => {
    const rig = initRig();
    rig.call('GetCR0');
    rig.call('GetCR0');
    rig.call('GetCR2');
    expect(rig.rom.stats.count('GetCR0')).toBe(2);
    expect(rig.rom.stats.count('Init')).toBe(1);
    const site = rig.rom.stats.bySite().find((s) => s.name === 'GetCR0')!;
    expect(site).toMatchObject({ site: CODE + 5, calls: 2, vcpu: 0 });
    expect(rig.rom.stats.toJSON().byName.GetCR2).toBe(1);
  });
});
