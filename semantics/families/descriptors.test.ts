import { describe, expect, it } from 'vitest';
import { world, SEL, GDT, TSS, LDT, d32 } from '../../spec-tests/system-testkit.ts';
import { Reg } from '../../isa/instr.ts';
import { Vec } from '../../isa/faults.ts';
import { ZF } from '../../isa/eflags.ts';
import { CR0_ET, CR0_PE, CR0_PG, CR0_TS, CR4_DE, CR4_PGE } from '../../cpu/mmu.ts';

describe('descriptor-table registers', () => {
  it('lgdt/sgdt and lidt/sidt round trip; the 16-bit form keeps 24 bits of base', () => {
    const w = world();
    const { cpu, mem } = w;
    const gdt = cpu.gdtBase;
    mem.write(0x5000, 2, 0x2f);
    w.w32(0x5002, 0x12345678);
    expect(w.one([0x0f, 0x01, 0x15, ...d32(0x5000)])).toBeUndefined(); // lgdt [0x5000]
    expect(cpu.gdtBase).toBe(0x12345678);
    expect(cpu.gdtLimit).toBe(0x2f);
    expect(w.one([0x0f, 0x01, 0x05, ...d32(0x6000)])).toBeUndefined(); // sgdt [0x6000]
    expect(mem.read(0x6000, 2)).toBe(0x2f);
    expect(w.r32(0x6002)).toBe(0x12345678);
    expect(w.one([0x66, 0x0f, 0x01, 0x1d, ...d32(0x5000)])).toBeUndefined(); // lidt (16-bit)
    expect(cpu.idtBase).toBe(0x345678);
    expect(w.one([0x0f, 0x01, 0x0d, ...d32(0x6000)])).toBeUndefined(); // sidt
    expect(w.r32(0x6002)).toBe(0x345678);
    cpu.gdtBase = gdt;
    // register forms do not exist
    expect(w.one([0x0f, 0x01, 0xd0])).toMatchObject({ vector: Vec.UD });
  });

  it('ltr marks the TSS busy; a busy or non-TSS descriptor is #GP(sel); str reads it back', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.EAX] = SEL.TSS2;
    expect(w.one([0x0f, 0x00, 0xd8])).toBeUndefined();
    expect(cpu.trSel).toBe(SEL.TSS2);
    expect(cpu.trBase).toBe(TSS + 0x100);
    expect(cpu.trLimit).toBe(0x67);
    expect(cpu.trType).toBe(0xb);
    expect((w.r32(GDT + SEL.TSS2 + 4) >> 8) & 0xf).toBe(0xb);
    expect(w.one([0x0f, 0x00, 0xd8])).toMatchObject({ vector: Vec.GP, code: SEL.TSS2 });
    cpu.regs[Reg.EAX] = SEL.DATA0;
    expect(w.one([0x0f, 0x00, 0xd8])).toMatchObject({ vector: Vec.GP, code: SEL.DATA0 });
    cpu.regs[Reg.EAX] = 0;
    expect(w.one([0x0f, 0x00, 0xd8])).toMatchObject({ vector: Vec.GP, code: 0 });
    cpu.regs[Reg.EBX] = -1;
    expect(w.one([0x0f, 0x00, 0xcb])).toBeUndefined(); // str ebx
    expect(cpu.regs[Reg.EBX]).toBe(SEL.TSS2);
  });

  it('lldt loads the LDT and sldt stores it; a non-LDT descriptor is #GP', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.EAX] = SEL.LDT;
    expect(w.one([0x0f, 0x00, 0xd0])).toBeUndefined();
    expect(cpu.ldtBase).toBe(LDT);
    expect(cpu.ldtLimit).toBe(0x17);
    w.w32(0x6000, -1);
    expect(w.one([0x0f, 0x00, 0x05, ...d32(0x6000)])).toBeUndefined(); // sldt [0x6000]
    expect(w.r32(0x6000)).toBe(0xffff0000 | SEL.LDT);
    cpu.regs[Reg.EAX] = SEL.TSS2;
    expect(w.one([0x0f, 0x00, 0xd0])).toMatchObject({ vector: Vec.GP, code: SEL.TSS2 });
  });

  it('sldt/str/lldt are #UD in real mode', () => {
    const w = world();
    w.cpu.cr0 &= ~CR0_PE;
    expect(w.one([0x0f, 0x00, 0xc0])).toMatchObject({ vector: Vec.UD });
  });
});

describe('control registers', () => {
  /** identity-map 0-4 MiB, and linear 0x400000 to `phys` */
  function paging(w: ReturnType<typeof world>, phys: number, global = false): void {
    const pd = 0x20000, pt = 0x21000, pt2 = 0x22000;
    for (let k = 0; k < 1024; k++) w.w32(pt + 4 * k, (k << 12) | 7);
    w.w32(pd, pt | 7);
    w.w32(pd + 4, pt2 | 7);
    w.w32(pt2, phys | 7 | (global ? 0x100 : 0));
    w.cpu.regs[Reg.EAX] = pd;
    expect(w.one([0x0f, 0x22, 0xd8])).toBeUndefined(); // mov cr3,eax
    w.cpu.regs[Reg.EAX] = w.cpu.cr0 | CR0_PG;
    expect(w.one([0x0f, 0x22, 0xc0])).toBeUndefined(); // mov cr0,eax
  }

  it('mov cr3 flushes the TLB (non-global entries)', () => {
    const w = world();
    const { cpu } = w;
    w.w32(0x30000, 0xaaaa);
    w.w32(0x31000, 0xbbbb);
    paging(w, 0x30000);
    expect(cpu.read(3, 0x400000, 4)).toBe(0xaaaa);
    w.w32(0x22000, 0x31000 | 7);
    expect(cpu.read(3, 0x400000, 4)).toBe(0xaaaa); // stale until flushed
    cpu.regs[Reg.EAX] = 0x20000;
    expect(w.one([0x0f, 0x22, 0xd8])).toBeUndefined();
    expect(cpu.read(3, 0x400000, 4)).toBe(0xbbbb);
  });

  it('global pages survive mov cr3 but not invlpg', () => {
    const w = world();
    const { cpu } = w;
    w.w32(0x30000, 0xaaaa);
    w.w32(0x31000, 0xbbbb);
    cpu.cr4 |= CR4_PGE;
    paging(w, 0x30000, true);
    expect(cpu.read(3, 0x400000, 4)).toBe(0xaaaa);
    w.w32(0x22000, 0x31000 | 7 | 0x100);
    cpu.regs[Reg.EAX] = 0x20000;
    w.one([0x0f, 0x22, 0xd8]);
    expect(cpu.read(3, 0x400000, 4)).toBe(0xaaaa);
    expect(w.one([0x0f, 0x01, 0x3d, ...d32(0x400000)])).toBeUndefined(); // invlpg [0x400000]
    expect(cpu.read(3, 0x400000, 4)).toBe(0xbbbb);
  });

  it('CR0: PG without PE is #GP(0), ET stays set; CR4 reserved bits #GP; CR1 #UD', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.EAX] = CR0_PG;
    expect(w.one([0x0f, 0x22, 0xc0])).toMatchObject({ vector: Vec.GP, code: 0 });
    cpu.regs[Reg.EAX] = CR0_PE;
    expect(w.one([0x0f, 0x22, 0xc0])).toBeUndefined();
    expect(cpu.cr0).toBe(CR0_PE | CR0_ET);
    cpu.regs[Reg.EAX] = 1; // VME: not offered
    expect(w.one([0x0f, 0x22, 0xe0])).toMatchObject({ vector: Vec.GP, code: 0 });
    expect(w.one([0x0f, 0x20, 0xc8])).toMatchObject({ vector: Vec.UD });
    cpu.cr2 = 0x1234;
    expect(w.one([0x0f, 0x20, 0xd3])).toBeUndefined(); // mov ebx,cr2
    expect(cpu.regs[Reg.EBX]).toBe(0x1234);
  });

  it('lmsw sets PE but cannot clear it; smsw reads the low word; clts clears TS', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.EAX] = CR0_TS; // PE clear in the source
    expect(w.one([0x0f, 0x01, 0xf0])).toBeUndefined(); // lmsw ax
    expect(cpu.cr0 & (CR0_PE | CR0_TS)).toBe(CR0_PE | CR0_TS);
    cpu.regs[Reg.EBX] = -1;
    expect(w.one([0x66, 0x0f, 0x01, 0xe3])).toBeUndefined(); // smsw bx
    expect(cpu.regs[Reg.EBX]).toBe((0xffff0000 | (cpu.cr0 & 0xffff)) | 0);
    expect(w.one([0x0f, 0x06])).toBeUndefined();
    expect(cpu.cr0 & CR0_TS).toBe(0);
  });

  it('debug registers: DR4/5 alias DR6/7 unless CR4.DE; DR6/DR7 fixed bits', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.EAX] = 0;
    expect(w.one([0x0f, 0x23, 0xf8])).toBeUndefined(); // mov dr7,eax
    expect(cpu.dr[7]).toBe(0x400);
    cpu.regs[Reg.EAX] = 0x12345678;
    w.one([0x0f, 0x23, 0xc0]); // mov dr0,eax
    expect(cpu.dr[0]).toBe(0x12345678);
    expect(w.one([0x0f, 0x21, 0xe3])).toBeUndefined(); // mov ebx,dr4 = dr6
    expect(cpu.regs[Reg.EBX]).toBe(0xffff0ff0 | 0);
    cpu.cr4 |= CR4_DE;
    expect(w.one([0x0f, 0x21, 0xe3])).toMatchObject({ vector: Vec.UD });
  });
});

describe('selector tests', () => {
  it('lar and lsl report rights and limits with ZF=1', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.EBX] = SEL.CODE0;
    expect(w.one([0x0f, 0x02, 0xc3])).toBeUndefined(); // lar eax,bx
    expect(cpu.getFlag(ZF)).toBe(1);
    expect(cpu.regs[Reg.EAX]).toBe(0x00c09b00); // limit bits 19:16 are undefined: we give 0
    expect(w.one([0x0f, 0x03, 0xc3])).toBeUndefined(); // lsl eax,bx
    expect(cpu.regs[Reg.EAX]).toBe(-1);
    cpu.regs[Reg.EBX] = SEL.TSS;
    w.one([0x0f, 0x03, 0xc3]);
    expect(cpu.regs[Reg.EAX]).toBe(0x67);
    expect(cpu.getFlag(ZF)).toBe(1);
    cpu.regs[Reg.EBX] = SEL.GATE32;
    w.one([0x0f, 0x03, 0xc3]); // gates have no limit
    expect(cpu.getFlag(ZF)).toBe(0);
  });

  it('invalid selectors give ZF=0 without faulting and leave the destination', () => {
    const w = world();
    const { cpu } = w;
    cpu.setFlag(ZF, 1);
    for (const sel of [0, 0x3f8, 0x0c /* LDT, none loaded */]) {
      cpu.regs[Reg.EBX] = sel;
      cpu.regs[Reg.EAX] = 0x5555;
      expect(w.one([0x0f, 0x02, 0xc3])).toBeUndefined();
      expect(cpu.getFlag(ZF)).toBe(0);
      expect(cpu.regs[Reg.EAX]).toBe(0x5555);
    }
  });

  it('visibility at CPL 3: ring 0 data is hidden, conforming code is readable, verw wants writable data', () => {
    const w = world();
    const { cpu } = w;
    w.toRing3();
    const test = (code: number[], sel: number) => {
      cpu.regs[Reg.EBX] = sel;
      expect(w.one(code)).toBeUndefined();
      return cpu.getFlag(ZF);
    };
    const lar = [0x0f, 0x02, 0xc3], verr = [0x0f, 0x00, 0xe3], verw = [0x0f, 0x00, 0xeb];
    expect(test(lar, SEL.DATA0)).toBe(0);
    expect(test(lar, SEL.DATA3)).toBe(1);
    expect(test(verr, SEL.CODE0)).toBe(0);
    expect(test(verr, SEL.CONFORM)).toBe(1);
    expect(test(verr, SEL.CODE3)).toBe(1);
    expect(test(verw, SEL.CODE3)).toBe(0);
    expect(test(verw, SEL.DATA3)).toBe(1);
    expect(test(verw, SEL.DATA3 & ~3)).toBe(1);
    expect(test(lar, SEL.GATE32)).toBe(1);
  });

  it('verw with a memory operand, as Linux runs it on every return to user mode (MDS buffer clearing)', () => {
    const w = world();
    const { cpu } = w;
    w.w32(0x5000, SEL.DATA0);
    w.w32(0x5004, SEL.CODE0);
    cpu.regs[Reg.EBX] = 0x5000;
    expect(w.one([0x0f, 0x00, 0x2b])).toBeUndefined(); // verw [ebx]: writable ring 0 data
    expect(cpu.getFlag(ZF)).toBe(1);
    expect(w.one([0x0f, 0x00, 0x6b, 0x04])).toBeUndefined(); // verw [ebx+4]: code is never writable
    expect(cpu.getFlag(ZF)).toBe(0);
    w.toRing3();
    cpu.regs[Reg.EBX] = 0x5000;
    expect(w.one([0x0f, 0x00, 0x2b])).toBeUndefined(); // from ring 3 the ring 0 segment is not visible
    expect(cpu.getFlag(ZF)).toBe(0);
  });

  it('arpl raises the RPL and sets ZF; #UD in real mode', () => {
    const w = world();
    const { cpu } = w;
    cpu.regs[Reg.EAX] = 0x10;
    cpu.regs[Reg.EBX] = 0x23;
    expect(w.one([0x63, 0xd8])).toBeUndefined(); // arpl ax,bx
    expect(cpu.regs[Reg.EAX]).toBe(0x13);
    expect(cpu.getFlag(ZF)).toBe(1);
    expect(w.one([0x63, 0xd8])).toBeUndefined();
    expect(cpu.getFlag(ZF)).toBe(0);
    cpu.cr0 &= ~CR0_PE;
    expect(w.one([0x63, 0xd8])).toMatchObject({ vector: Vec.UD });
  });
});
