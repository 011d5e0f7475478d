import { describe, expect, it } from 'vitest';
import { world, SEL, handler, d32 } from '../../spec-tests/system-testkit.ts';
import { Seg, Reg } from '../../isa/instr.ts';
import { Vec } from '../../isa/faults.ts';
import { CF, IF, IOPL, OF, RF, ZF } from '../../isa/eflags.ts';
import { VMIDBT_CPU, FEAT, FEAT_ECX_HYPERVISOR, PM_INVARIANT_TSC, EXT_FEAT_NX } from '../../cpu/models.ts';
import { CR0_MP, CR0_NE, CR0_TS } from '../../cpu/mmu.ts';
import { FSW_ES } from './fpu-stack.ts';

describe('segment register loads', () => {
  it('mov ss with a null selector is #GP(0); a not-present segment #NP(sel); ring 3 loading ring 0 data #GP(sel)', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.EAX] = 0;
    expect(w.one([0x8e, 0xd0])).toMatchObject({ vector: Vec.GP, code: 0 }); // mov ss,ax
    cpu.regs[Reg.EAX] = SEL.NP_DATA;
    expect(w.one([0x8e, 0xd8])).toMatchObject({ vector: Vec.NP, code: SEL.NP_DATA }); // mov ds,ax
    expect(cpu.segSel[Seg.DS]).toBe(SEL.DATA0);
    w.toRing3();
    cpu.regs[Reg.EAX] = SEL.DATA0;
    expect(w.one([0x8e, 0xd8])).toMatchObject({ vector: Vec.GP, code: SEL.DATA0 });
    cpu.regs[Reg.EAX] = SEL.DATA0 | 3; // RPL 3 but DPL 0 still fails
    expect(w.one([0x8e, 0xd8])).toMatchObject({ vector: Vec.GP, code: SEL.DATA0 });
    cpu.regs[Reg.EAX] = 0x20; // ring 3 stack with RPL 0 != CPL
    expect(w.one([0x8e, 0xd0])).toMatchObject({ vector: Vec.GP, code: 0x20 });
  });

  it('mov ss sets the interrupt shadow; mov cs is #UD; a null DS is allowed', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.EAX] = SEL.DATA0;
    expect(w.one([0x8e, 0xd0])).toBeUndefined();
    expect(cpu.interruptShadow).toBe(true);
    expect(w.one([0x8e, 0xc8])).toMatchObject({ vector: Vec.UD });
    cpu.regs[Reg.EAX] = 0;
    expect(w.one([0x8e, 0xd8])).toBeUndefined();
    expect(cpu.segSel[Seg.DS]).toBe(0);
  });

  it('mov r32,sreg zero-extends, mov r16 keeps the upper half, mov m,sreg stores 16 bits', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.EAX] = 0x12345678;
    w.one([0x8c, 0xd8]);
    expect(cpu.regs[Reg.EAX]).toBe(SEL.DATA0);
    cpu.regs[Reg.EAX] = 0x12345678;
    w.one([0x66, 0x8c, 0xc8]); // mov ax,cs
    expect(cpu.regs[Reg.EAX]).toBe(0x12340008);
    w.w32(0x5000, -1);
    w.one([0x8c, 0x1d, ...d32(0x5000)]);
    expect(w.r32(0x5000)).toBe(0xffff0010 | 0);
  });

  it('pop ds leaves ESP unchanged when the load faults, and pops when it succeeds', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.ESP] = 0x7000;
    w.w32(0x7000, SEL.NP_DATA);
    expect(w.one([0x1f])).toMatchObject({ vector: Vec.NP });
    expect(cpu.regs[Reg.ESP]).toBe(0x7000);
    w.w32(0x7000, SEL.SMALL);
    expect(w.one([0x1f])).toBeUndefined();
    expect(cpu.regs[Reg.ESP]).toBe(0x7004);
    expect(cpu.segBase[Seg.DS]).toBe(0x8000);
  });

  it('pop ss opens an interrupt shadow', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.ESP] = 0x7000;
    w.w32(0x7000, SEL.DATA0);
    cpu.interruptShadow = false;
    expect(w.one([0x17])).toBeUndefined();
    expect(cpu.interruptShadow).toBe(true);
    expect(cpu.regs[Reg.ESP]).toBe(0x7004);
  });

  it('lss loads SS:ESP; the register form of lds is #UD', () => {
    const w = world();
    const { cpu } = w;
    w.w32(0x5000, 0x6543);
    w.mem.write(0x5004, 2, SEL.SMALL);
    expect(w.one([0x0f, 0xb2, 0x25, ...d32(0x5000)])).toBeUndefined();
    expect(cpu.regs[Reg.ESP]).toBe(0x6543);
    expect(cpu.segSel[Seg.SS]).toBe(SEL.SMALL);
    expect(cpu.stack32).toBe(false);
    expect(w.one([0xc5, 0xc0])).toMatchObject({ vector: Vec.UD });
  });
});

describe('interrupts and bound', () => {
  it('int3 delivers vector 3 with the EIP after the instruction', () => {
    const w = world();
    const { cpu } = w;
    w.put([0x90, 0xcc]);
    w.interp.step();
    w.interp.step();
    expect(cpu.eip).toBe(handler(3));
    expect(w.r32(cpu.regs[Reg.ESP])).toBe(0x1002);
  });

  it('into traps only when OF is set', () => {
    const w = world();
    const { cpu } = w;
    w.put([0xce]);
    w.interp.step();
    expect(cpu.eip).toBe(0x1001);
    cpu.setFlag(OF, 1);
    w.put([0xce]);
    w.interp.step();
    expect(cpu.eip).toBe(handler(4));
    expect(w.r32(cpu.regs[Reg.ESP])).toBe(0x1001);
  });

  it('int n checks the gate DPL at CPL 3; int1 does not', () => {
    const w = world();
    const { cpu } = w;
    w.toRing3();
    expect(w.one([0xcd, 0x21])).toMatchObject({ vector: Vec.GP, code: 0x21 * 8 + 2 });
    w.put([0xf1]);
    w.interp.step();
    expect(cpu.eip).toBe(handler(1));
    expect(cpu.cpl).toBe(0);
  });

  it('bound: in range passes, below or above is #BR (signed), register form #UD', () => {
    const w = world();
    const { cpu } = w;
    w.w32(0x5000, -5);
    w.w32(0x5004, 10);
    const bound = [0x62, 0x05, ...d32(0x5000)];
    cpu.regs[Reg.EAX] = -5;
    expect(w.one(bound)).toBeUndefined();
    cpu.regs[Reg.EAX] = 10;
    expect(w.one(bound)).toBeUndefined();
    cpu.regs[Reg.EAX] = 11;
    expect(w.one(bound)).toMatchObject({ vector: Vec.BR });
    cpu.regs[Reg.EAX] = -6;
    expect(w.one(bound)).toMatchObject({ vector: Vec.BR });
    expect(w.one([0x62, 0xc0])).toMatchObject({ vector: Vec.UD });
  });

  it('hlt halts with EIP after it and tells the bus', () => {
    const w = world();
    const { cpu } = w;
    let told = 0;
    cpu.bus = { ...cpu.bus, onHalt: () => { told++; } };
    expect(w.one([0xf4])).toBeUndefined();
    expect(cpu.halted).toBe(true);
    expect(cpu.eip).toBe(0x1001);
    expect(told).toBe(1);
  });
});

describe('privilege', () => {
  it('privileged instructions are #GP(0) at CPL 3', () => {
    const w = world();
    w.toRing3();
    const cases = [
      [0xf4], // hlt
      [0x0f, 0x22, 0xc0], // mov cr0,eax
      [0x0f, 0x20, 0xd8], // mov eax,cr3
      [0x0f, 0x01, 0x15, ...d32(0x5000)], // lgdt
      [0x0f, 0x00, 0xd8], // ltr ax
      [0x0f, 0x06], // clts
      [0x0f, 0x32], // rdmsr
      [0x0f, 0x01, 0x3d, ...d32(0x5000)], // invlpg
      [0x0f, 0x09], // wbinvd
    ];
    for (const code of cases) expect(w.one(code), code.join(' ')).toMatchObject({ vector: Vec.GP, code: 0 });
  });

  it('cli/sti need CPL <= IOPL; sti opens an interrupt shadow', () => {
    const w = world();
    const { cpu } = w;
    w.toRing3();
    expect(w.one([0xfa])).toMatchObject({ vector: Vec.GP, code: 0 });
    cpu.setEflags(0x3000, IOPL);
    expect(w.one([0xfa])).toBeUndefined();
    expect(cpu.getEflags() & IF).toBe(0);
    cpu.interruptShadow = false;
    expect(w.one([0xfb])).toBeUndefined();
    expect(cpu.getEflags() & IF).toBe(IF);
    expect(cpu.interruptShadow).toBe(true);
  });

  it('popf at CPL 3: IF and IOPL are kept when CPL > IOPL, arithmetic flags change', () => {
    const w = world();
    const { cpu } = w;
    w.toRing3(0x60000);
    cpu.setEflags(0, IF | IOPL | CF);
    w.w32(0x60000, IF | IOPL | CF | RF | 2);
    expect(w.one([0x9d])).toBeUndefined();
    const f = cpu.getEflags();
    expect(f & (IF | IOPL | RF)).toBe(0);
    expect(f & CF).toBe(CF);
    expect(cpu.regs[Reg.ESP]).toBe(0x60004);
    // with IOPL 3, IF may change but IOPL still may not
    cpu.setEflags(0x3000, IOPL);
    cpu.regs[Reg.ESP] = 0x60000;
    w.w32(0x60000, IF | 2);
    w.one([0x9d]);
    expect(cpu.getEflags() & (IF | IOPL)).toBe(IF | 0x3000);
  });

  it('popf at CPL 0 sets IOPL; the 16-bit form leaves the high word', () => {
    const w = world();
    const { cpu } = w;
    cpu.setEflags(0x40000, 0x40000); // AC
    cpu.regs[Reg.ESP] = 0x7000;
    w.mem.write(0x7000, 2, 0x3202);
    expect(w.one([0x66, 0x9d])).toBeUndefined();
    expect(cpu.getEflags() & (IOPL | IF | 0x40000)).toBe(0x3000 | IF | 0x40000);
    expect(cpu.regs[Reg.ESP]).toBe(0x7002);
  });

  it('pushf hides RF', () => {
    const w = world();
    const { cpu } = w;
    cpu.eflags |= RF;
    cpu.regs[Reg.ESP] = 0x7000;
    w.one([0x9c]);
    expect(w.r32(0x6ffc) & RF).toBe(0);
    expect(w.r32(0x6ffc) & 2).toBe(2);
  });
});

describe('cpuid, time stamp, MSRs', () => {
  /** Run cpuid for `leaf`; returns [EAX, EBX, ECX, EDX]. */
  function cpuid(leaf: number, apicId = 0): number[] {
    const w = world();
    w.cpu.id = apicId;
    w.cpu.regs[Reg.EAX] = leaf | 0;
    w.cpu.regs[Reg.ECX] = 0x1234;
    w.one([0x0f, 0xa2]);
    return [Reg.EAX, Reg.EBX, Reg.ECX, Reg.EDX].map((r) => w.cpu.regs[r] >>> 0);
  }
  const text = (...regs: number[]) => regs.map((v) => String.fromCharCode(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24)).join('');

  it('leaf 0: highest basic leaf and the vendor GenuineIntel (EBX, EDX, ECX)', () => {
    const [a, b, c, d] = cpuid(0);
    expect(a).toBe(1);
    expect(text(b, d, c)).toBe('GenuineIntel');
  });

  it('leaf 1: signature 0x633, initial APIC id, the P6 features vmidbt implements (MTRR, MCA, PAT as registers), the hypervisor bit', () => {
    const [a, b, c, d] = cpuid(1, 3);
    expect(a).toBe(0x633);
    expect(b >>> 24).toBe(3);
    expect(c).toBe(FEAT_ECX_HYPERVISOR >>> 0);
    expect(d).toBe(VMIDBT_CPU.features);
    for (const f of [FEAT.FPU, FEAT.TSC, FEAT.CX8, FEAT.CMOV, FEAT.SEP, FEAT.PAE, FEAT.APIC, FEAT.PGE]) expect(d & f).not.toBe(0);
    for (const f of [FEAT.MMX, FEAT.FXSR, FEAT.SSE, FEAT.VME, FEAT.PSE36]) expect(d & f).toBe(0);
    for (const f of [FEAT.MTRR, FEAT.MCA, FEAT.MCE, FEAT.PAT]) expect(d & f).not.toBe(0);
  });

  it('leaf 0x40000000 names the hypervisor; extended leaves give NX, the brand, invariant TSC, address sizes', () => {
    const [ha, hb, hc, hd] = cpuid(0x40000000);
    expect(ha).toBe(0x40000000);
    expect(text(hb, hc, hd)).toBe('VmidbtVmidbt');
    expect(cpuid(0x80000000)[0]).toBe(0x80000008);
    expect(cpuid(0x80000001)[3]).toBe(EXT_FEAT_NX);
    const brand = text(...cpuid(0x80000002), ...cpuid(0x80000003), ...cpuid(0x80000004));
    expect(brand.replace(/\0+$/, '')).toBe(VMIDBT_CPU.brand);
    expect(brand.length).toBe(48);
    expect(brand.endsWith('\0')).toBe(true);
    expect(cpuid(0x80000007)[3]).toBe(PM_INVARIANT_TSC);
    expect(cpuid(0x80000008)[0]).toBe(0x2020);
  });

  it('a leaf out of range returns the highest basic leaf, as Intel processors do', () => {
    expect(cpuid(2)).toEqual(cpuid(1));
    expect(cpuid(0x80000009)).toEqual(cpuid(1));
    expect(cpuid(0x40000001)).toEqual(cpuid(1));
  });

  it('IA32_BIOS_SIGN_ID (0x8B) takes the write Linux makes before reading the microcode revision', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.ECX] = 0x8b;
    cpu.regs[Reg.EAX] = 0;
    cpu.regs[Reg.EDX] = 0;
    w.one([0x0f, 0x30]);
    cpu.regs[Reg.EAX] = cpu.regs[Reg.EDX] = -1;
    w.one([0x0f, 0x32]);
    expect([cpu.regs[Reg.EAX], cpu.regs[Reg.EDX]]).toEqual([0, VMIDBT_CPU.microcodeRevision]);
  });

  it('rdtsc counts instructions; wrmsr 0x10 sets it; TSD makes it #GP at CPL 3', () => {
    const w = world();
    const { cpu } = w;
    cpu.instructions = 100;
    w.one([0x0f, 0x31]);
    expect(cpu.regs[Reg.EAX]).toBe(100);
    expect(cpu.regs[Reg.EDX]).toBe(0);
    // past 2^32, with the low half's top bit set: both halves (split by number arithmetic)
    cpu.instructions = 0x12_3456_8000_0001;
    w.one([0x0f, 0x31]);
    expect([cpu.regs[Reg.EAX] >>> 0, cpu.regs[Reg.EDX]]).toEqual([0x8000_0001, 0x12_3456]);
    cpu.instructions = 100;
    cpu.regs[Reg.ECX] = 0x10;
    cpu.regs[Reg.EAX] = 5000;
    cpu.regs[Reg.EDX] = 7;
    w.one([0x0f, 0x30]);
    cpu.instructions += 10;
    w.one([0x0f, 0x31]);
    expect(cpu.regs[Reg.EAX]).toBe(5010);
    expect(cpu.regs[Reg.EDX]).toBe(0); // P6 clears the high half on write
    cpu.cr4 |= 4;
    w.toRing3();
    expect(w.one([0x0f, 0x31])).toMatchObject({ vector: Vec.GP, code: 0 });
  });

  it('wrmsr/rdmsr round trip of the SYSENTER MSRs; unknown MSRs are #GP(0) unless the bus knows them', () => {
    const w = world();
    const { cpu } = w;
    const wr = (msr: number, v: number) => {
      cpu.regs[Reg.ECX] = msr; cpu.regs[Reg.EAX] = v; cpu.regs[Reg.EDX] = 0;
      return w.one([0x0f, 0x30]);
    };
    const rd = (msr: number) => {
      cpu.regs[Reg.ECX] = msr;
      const f = w.one([0x0f, 0x32]);
      return f ?? cpu.regs[Reg.EAX];
    };
    wr(0x174, 0x08); wr(0x175, 0x9000); wr(0x176, 0xc0001234 | 0);
    expect(rd(0x174)).toBe(0x08);
    expect(rd(0x175)).toBe(0x9000);
    expect(rd(0x176)).toBe(0xc0001234 | 0);
    expect(rd(0x999)).toMatchObject({ vector: Vec.GP, code: 0 });
    expect(wr(0xc0000080 | 0, 1)).toMatchObject({ vector: Vec.GP }); // SCE is not a P6 feature
    expect(wr(0xc0000080 | 0, 0x800)).toBeUndefined();
    expect(cpu.efer).toBe(0x800);
    cpu.bus = { ...cpu.bus, rdmsr: (_c, msr) => (msr === 0x999 ? [42, 0] : undefined) };
    expect(rd(0x999)).toBe(42);
  });

  it('rdpmc: counters 0 and 1 read 0, others #GP', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.ECX] = 1;
    cpu.regs[Reg.EAX] = 5;
    expect(w.one([0x0f, 0x33])).toBeUndefined();
    expect(cpu.regs[Reg.EAX]).toBe(0);
    cpu.regs[Reg.ECX] = 2;
    expect(w.one([0x0f, 0x33])).toMatchObject({ vector: Vec.GP });
  });
});

describe('sysenter / sysexit', () => {
  it('enters ring 0 flat from SYSENTER_CS/ESP/EIP and sysexit returns to ring 3 at EDX with ECX', () => {
    const w = world();
    const { cpu } = w;
    cpu.sysenterCs = SEL.CODE0;
    cpu.sysenterEsp = 0x9000;
    cpu.sysenterEip = 0x4000;
    w.toRing3();
    cpu.setFlag(IF, 1);
    expect(w.one([0x0f, 0x34])).toBeUndefined();
    expect(cpu.cpl).toBe(0);
    expect(cpu.segSel[Seg.CS]).toBe(SEL.CODE0);
    expect(cpu.segSel[Seg.SS]).toBe(SEL.DATA0);
    expect(cpu.code32 && cpu.stack32).toBe(true);
    expect(cpu.regs[Reg.ESP]).toBe(0x9000);
    expect(cpu.eip).toBe(0x4000);
    expect(cpu.getEflags() & IF).toBe(0);
    cpu.regs[Reg.ECX] = 0x61000;
    cpu.regs[Reg.EDX] = 0x2345;
    expect(w.one([0x0f, 0x35], 0x4000)).toBeUndefined();
    expect(cpu.cpl).toBe(3);
    expect(cpu.segSel[Seg.CS]).toBe(SEL.CODE3);
    expect(cpu.segSel[Seg.SS]).toBe(SEL.DATA3);
    expect(cpu.regs[Reg.ESP]).toBe(0x61000);
    expect(cpu.eip).toBe(0x2345);
    // and sysexit is CPL 0 only
    expect(w.one([0x0f, 0x35])).toMatchObject({ vector: Vec.GP, code: 0 });
  });

  it('#GP(0) when SYSENTER_CS is null', () => {
    const w = world();
    expect(w.one([0x0f, 0x34])).toMatchObject({ vector: Vec.GP, code: 0 });
  });
});

describe('cmpxchg8b, wait, ud2', () => {
  it('equal: stores ECX:EBX and sets ZF; unequal: loads EDX:EAX and clears ZF', () => {
    const w = world();
    const { cpu } = w;
    const insn = [0x0f, 0xc7, 0x0d, ...d32(0x5000)];
    w.w32(0x5000, 0x11111111); w.w32(0x5004, 0x22222222);
    cpu.regs[Reg.EAX] = 0x11111111; cpu.regs[Reg.EDX] = 0x22222222;
    cpu.regs[Reg.EBX] = 0x33333333; cpu.regs[Reg.ECX] = 0x44444444;
    expect(w.one(insn)).toBeUndefined();
    expect(cpu.getFlag(ZF)).toBe(1);
    expect(w.r32(0x5000)).toBe(0x33333333);
    expect(w.r32(0x5004)).toBe(0x44444444);
    cpu.regs[Reg.EAX] = 0;
    expect(w.one(insn)).toBeUndefined();
    expect(cpu.getFlag(ZF)).toBe(0);
    expect(cpu.regs[Reg.EAX]).toBe(0x33333333);
    expect(cpu.regs[Reg.EDX]).toBe(0x44444444);
    expect(w.r32(0x5000)).toBe(0x33333333);
    // lock prefix accepted; register form #UD
    expect(w.one([0xf0, ...insn])).toBeUndefined();
    expect(w.one([0x0f, 0xc7, 0xc8])).toMatchObject({ vector: Vec.UD });
  });

  it('wait is #NM with MP and TS; ud2 is #UD', () => {
    const w = world();
    const { cpu } = w;
    expect(w.one([0x9b])).toBeUndefined();
    cpu.cr0 |= CR0_MP | CR0_TS;
    expect(w.one([0x9b])).toMatchObject({ vector: Vec.NM });
    expect(w.one([0x0f, 0x0b])).toMatchObject({ vector: Vec.UD });
  });

  it('wait reports a pending unmasked x87 exception as #MF when CR0.NE is set', () => {
    const w = world();
    const { cpu } = w;
    cpu.fpu.sw |= FSW_ES;
    expect(w.one([0x9b])).toBeUndefined();
    cpu.cr0 |= CR0_NE;
    expect(w.one([0x9b])).toMatchObject({ vector: Vec.MF });
  });
});


