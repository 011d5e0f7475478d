/**
 * Segment loads (cpu/segments.ts): reloading the descriptor a register
 * already holds changes nothing, not even the epoch the translator watches
 * to re-check flat segments; any difference in selector or descriptor is a
 * real load.
 */
import { describe, expect, it } from 'vitest';
import { desc, LAYOUT, SEL, testWorld } from '../spec-tests/world.ts';
import { Reg, Seg } from '../isa/instr.ts';
import { Fault, Vec } from '../isa/faults.ts';
import { KEPT_DATA_LOADS, SEG_W } from './cpu.ts';
import { isDataSegment, loadSegment, readDescriptor, type Descriptor } from './segments.ts';

describe('a data-segment load the CPU remembers (segments.ts keptDataLoad)', () => {
  const faultOf = (f: () => void): number => {
    try { f(); } catch (e) { if (e instanceof Fault) return e.vector; throw e; }
    return -1;
  };

  it('loads the same cache again, and checks again once the descriptor, the table or the privilege changed', () => {
    const w = testWorld();
    const cpu = w.cpu;
    loadSegment(cpu, Seg.DS, SEL.DATA0);
    expect(cpu.keptDataLoads[(SEL.DATA0 >>> 3) & (KEPT_DATA_LOADS - 1)].sel).toBe(SEL.DATA0);
    // the remembered load: ES gets what DS got
    loadSegment(cpu, Seg.ES, SEL.DATA0);
    for (const a of [cpu.segBase, cpu.segLimit, cpu.segAttr]) expect(a[Seg.ES]).toBe(a[Seg.DS]);
    // not present now: #NP, as the first load would have raised
    w.setDesc(SEL.DATA0, desc(0, 0xfffff, 0x13, 0xc));
    expect(faultOf(() => loadSegment(cpu, Seg.FS, SEL.DATA0))).toBe(Vec.NP);
    // present again, 4 KiB: the new limit
    w.setDesc(SEL.DATA0, desc(0, 0, 0x93, 0x4));
    loadSegment(cpu, Seg.FS, SEL.DATA0);
    expect(cpu.segLimit[Seg.FS]).toBe(0);
    loadSegment(cpu, Seg.FS, SEL.DATA0);
    expect(cpu.segLimit[Seg.FS]).toBe(0);
    // another table, whose entry is 4 GiB
    const table = LAYOUT.gdt + 0x100;
    for (let k = 0; k < 0x30; k += 4) w.w32(table + k, w.r32(LAYOUT.gdt + k));
    w.w32(table + SEL.DATA0, desc(0, 0xfffff, 0x93, 0xc)[0]);
    w.w32(table + SEL.DATA0 + 4, desc(0, 0xfffff, 0x93, 0xc)[1]);
    cpu.gdtBase = table;
    loadSegment(cpu, Seg.GS, SEL.DATA0);
    expect(cpu.segLimit[Seg.GS]).toBe(0xffffffff);
    // the same load at CPL 3: DPL 0 is too privileged
    cpu.setCpl(3);
    expect(faultOf(() => loadSegment(cpu, Seg.GS, SEL.DATA0))).toBe(Vec.GP);
  });
});

describe('the data segment registers', () => {
  it('are ES, DS, FS and GS, and nothing else a number may name', () => {
    const named = [-1, 0, 1, 2, 3, 4, 5, 6, 7, 31, 32, 35, 2 ** 31].filter((s) => isDataSegment(s));
    expect(named).toEqual([Seg.ES, Seg.DS, Seg.FS, Seg.GS]);
  });
});

describe('reloading a segment register', () => {
  it('with the same selector and descriptor keeps segEpoch; a descriptor that changes flatness moves it, another flat selector not', () => {
    const w = testWorld();
    // mov ds, ax three times, then mov es, ax
    w.load([0x8e, 0xd8, 0x8e, 0xd8, 0x8e, 0xd8, 0x8e, 0xc0]);
    w.cpu.regs[Reg.EAX] = SEL.DATA0;
    w.interp.step(); // the first load sets the accessed bit in the cache: a change
    const epoch = w.cpu.segEpoch;
    w.interp.step();
    expect(w.cpu.segEpoch).toBe(epoch);
    // the GDT entry now says 4 KiB: the same selector loads a different cache
    w.setDesc(SEL.DATA0, desc(0, 0, 0x93, 0x4));
    w.interp.step();
    expect(w.cpu.segEpoch).toBeGreaterThan(epoch);
    expect(w.cpu.segLimit[Seg.DS]).toBe(0);
    expect(w.cpu.segHi[Seg.DS]).toBe(0);
    // DS is no longer flat: what translations rely on (translationFlatTop) sees it
    expect(w.cpu.translationFlatTop()).toBe(-1);
    const after = w.cpu.segEpoch;
    // another selector for a flat segment into ES, flat before: a load, but nothing translated code relies on changed
    const esTop = w.cpu.flatTop(Seg.ES, 0);
    expect(esTop).toBeGreaterThan(0);
    w.cpu.regs[Reg.EAX] = SEL.DATA3 & ~3;
    w.setDesc(SEL.DATA3, desc(0, 0xfffff, 0x93, 0xc));
    w.interp.step();
    expect(w.cpu.segSel[Seg.ES]).toBe(SEL.DATA3 & ~3);
    expect(w.cpu.segEpoch).toBe(after);
    expect(w.cpu.flatTop(Seg.ES, 0)).toBe(esTop);
  });

  it('takes a cache that differs only in selector and DPL with the checks it has, the new DPL kept for later checks', () => {
    const w = testWorld();
    // mov es, ax: DATA3 (DPL 3), then DATA0 (DPL 0)
    w.load([0x8e, 0xc0, 0x8e, 0xc0]);
    w.cpu.regs[Reg.EAX] = SEL.DATA3;
    w.interp.step();
    expect((w.cpu.segAttr[Seg.ES] >> 5) & 3).toBe(3);
    const checks = [w.cpu.segRights[Seg.ES], w.cpu.segLo[Seg.ES], w.cpu.segHi[Seg.ES], w.cpu.segFlatPage[Seg.ES]];
    const epoch = w.cpu.segEpoch;
    w.cpu.regs[Reg.EAX] = SEL.DATA0;
    w.interp.step();
    expect(w.cpu.segSel[Seg.ES]).toBe(SEL.DATA0);
    // the DPL an iret to an outer ring looks at to null the register (segments.ts nullInaccessibleSegments)
    expect((w.cpu.segAttr[Seg.ES] >> 5) & 3).toBe(0);
    expect([w.cpu.segRights[Seg.ES], w.cpu.segLo[Seg.ES], w.cpu.segHi[Seg.ES], w.cpu.segFlatPage[Seg.ES]]).toEqual(checks);
    expect(w.cpu.segEpoch).toBe(epoch);
    // CS at another DPL (a ring change): the same checks, and segEpoch moves
    const csEpoch = w.cpu.segEpoch;
    expect(w.cpu.reselectSeg(Seg.CS, SEL.CODE3, w.cpu.segBase[Seg.CS], w.cpu.segLimit[Seg.CS], w.cpu.segAttr[Seg.CS] | 0x60)).toBe(true);
    expect(w.cpu.segEpoch).toBeGreaterThan(csEpoch);
    // another type (read-only data) is more than a new DPL: not taken
    expect(w.cpu.reselectSeg(Seg.ES, SEL.DATA0, w.cpu.segBase[Seg.ES], w.cpu.segLimit[Seg.ES], w.cpu.segAttr[Seg.ES] & ~2)).toBe(false);
  });

  it('moves segEpoch for every load of CS or SS, and for a data segment whose rights change', () => {
    const w = testWorld();
    // mov es, ax with a read-only data segment, then mov ss, ax with the flat one
    w.load([0x8e, 0xc0, 0x8e, 0xd0]);
    w.setDesc(SEL.DATA3, desc(0, 0xfffff, 0x91, 0xc));
    w.cpu.regs[Reg.EAX] = SEL.DATA3 & ~3;
    const before = w.cpu.segEpoch;
    w.interp.step();
    expect(w.cpu.segEpoch).toBeGreaterThan(before);
    expect(w.cpu.flatTop(Seg.ES, SEG_W)).toBe(-1);
    const top = w.cpu.translationFlatTop();
    expect(top).toBe(-1);
    // SS with a flat descriptor that differs only in its AVL bit: rights and flatness as before, still a move
    w.setDesc(SEL.DATA0, desc(0, 0xfffff, 0x93, 0xd));
    w.cpu.regs[Reg.EAX] = SEL.DATA0;
    const beforeSs = w.cpu.segEpoch;
    w.interp.step();
    expect(w.cpu.segEpoch).toBeGreaterThan(beforeSs);
  });

  it('an iret to the same code segment keeps segEpoch and the code size', () => {
    const w = testWorld();
    // push 2 (EFLAGS); push cs; push 0x1010; iret; ... 0x1010: the same again
    const frame = [0x6a, 0x02, 0x0e, 0x68, 0x10, 0x10, 0x00, 0x00, 0xcf];
    w.load([...frame, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, ...frame.slice(0, 4), 0x1d, ...frame.slice(5)]);
    for (let k = 0; k < 4; k++) w.interp.step();
    expect(w.cpu.eip).toBe(0x1010);
    const epoch = w.cpu.segEpoch;
    for (let k = 0; k < 4; k++) w.interp.step();
    expect(w.cpu.eip).toBe(0x101d);
    expect(w.cpu.segEpoch).toBe(epoch);
    expect(w.cpu.code32).toBe(true);
    expect(w.cpu.segSel[Seg.CS]).toBe(SEL.CODE0);
    expect(w.r32(LAYOUT.gdt + SEL.CODE0 + 4) & 0x100).toBe(0x100); // accessed
  });

  it('an iret to the same code segment reloads it once its descriptor changed, after returns that kept it', () => {
    const w = testWorld();
    // three frames and irets, each returning to the next: 0x1000 -> 0x1010 -> 0x101d -> 0x102a
    const frame = (to: number) => [0x6a, 0x02, 0x0e, 0x68, to & 0xff, to >> 8, 0x00, 0x00, 0xcf];
    w.load([...frame(0x1010), ...Array(7).fill(0x90), ...frame(0x101d), ...Array(4).fill(0x90), ...frame(0x102a), 0x90]);
    for (let k = 0; k < 8; k++) w.interp.step();
    expect(w.cpu.eip).toBe(0x101d);
    expect(w.cpu.segLimit[Seg.CS]).toBe(0xffffffff); // 4 GiB
    // the same selector now names a 1 MiB code segment: the next return loads it, as the CPU would
    w.setDesc(SEL.CODE0, desc(0, 0xfffff, 0x9b, 0x4));
    const epoch = w.cpu.segEpoch;
    for (let k = 0; k < 4; k++) w.interp.step();
    expect(w.cpu.eip).toBe(0x102a);
    expect(w.cpu.segLimit[Seg.CS]).toBe(0xfffff);
    expect(w.cpu.segEpoch).toBeGreaterThan(epoch);
  });
});

describe('reading a descriptor', () => {
  it('through the TLB gives what the page walk gives, from an aligned or unaligned table, at CPL 0 or 3, and faults where the table is not mapped', () => {
    const w = testWorld({ paging: { holes: [0x5000] } });
    const cpu = w.cpu;
    const fields = (d: Descriptor) => [d.lo, d.hi, d.base, d.limit, d.attr, d.addr];
    for (const offset of [0, 2]) {
      // the GDT copied to 0x3000 + offset: the first read walks the page tables, the second finds the TLB entry
      const table = 0x3000 + offset;
      for (let k = 0; k < 0x40; k++) w.mem.u8[table + k] = w.mem.u8[LAYOUT.gdt + k];
      cpu.gdtBase = table;
      for (const cpl of [0, 3]) {
        cpu.mmu.flushAll(false);
        if (cpl === 3) w.toRing3(); else cpu.setCpl(0);
        const walked = fields(readDescriptor(cpu, SEL.DATA3));
        const cached = fields(readDescriptor(cpu, SEL.DATA3));
        expect(cached).toEqual(walked);
        expect(walked[5]).toBe(table + (SEL.DATA3 & ~7));
        // base 0, 4 GiB, a DPL 3 data segment
        expect(walked.slice(2, 4)).toEqual([0, 0xffffffff]);
        expect((walked[1] >>> 13) & 3).toBe(3);
      }
    }
    // a table on a page that is not present: the read is a page fault, whatever the TLB held before
    cpu.gdtBase = 0x5000;
    expect(() => readDescriptor(cpu, SEL.DATA0)).toThrow(Fault);
  });
});

describe('readDescriptor', () => {
  it('hands out the descriptor it read last for a selector while its table, TLB entry and words are unchanged', () => {
    const w = testWorld({ paging: true });
    // (the first read walks the page tables, which fills the TLB: the one after it is where the memo starts)
    readDescriptor(w.cpu, SEL.DATA0);
    const first = readDescriptor(w.cpu, SEL.DATA0);
    expect(readDescriptor(w.cpu, SEL.DATA0 | 3)).toBe(first);
    // the words in the table change: read again
    w.setDesc(SEL.DATA0, desc(0x10000, 0xff, 0x93, 0x4));
    const changed = readDescriptor(w.cpu, SEL.DATA0);
    expect(changed).not.toBe(first);
    expect(changed.base).toBe(0x10000);
    expect(changed.limit).toBe(0xff);
    // the TLB entry of the table's page goes (a flush): the same words, read again
    w.cpu.mmu.flushAll(false);
    const refilled = readDescriptor(w.cpu, SEL.DATA0);
    expect(refilled).not.toBe(changed);
    expect(refilled).toEqual(changed);
    // another table (an lgdt) with the same words at the same index: read from it
    w.cpu.mem.write(0x2000 + SEL.DATA0, 4, desc(0, 0x1, 0x93, 0x4)[0]);
    w.cpu.mem.write(0x2000 + SEL.DATA0 + 4, 4, desc(0, 0x1, 0x93, 0x4)[1]);
    w.cpu.gdtBase = 0x2000;
    expect(readDescriptor(w.cpu, SEL.DATA0).limit).toBe(1);
    // a selector past the table's limit faults, kept or not
    w.cpu.gdtLimit = SEL.DATA0 - 1;
    expect(() => readDescriptor(w.cpu, SEL.DATA0)).toThrow(Fault);
  });
});

describe('the accessed bit', () => {
  it('is written to the table before the descriptor says so: a load whose write faults faults again', () => {
    const w = testWorld({ paging: true });
    // the GDT's page read-only, CR0.WP set, DATA0's accessed bit clear
    w.setDesc(SEL.DATA0, desc(0, 0xfffff, 0x92, 0xc));
    w.w32(LAYOUT.pt, 0x001);
    w.cpu.cr0 |= 1 << 16;
    w.cpu.mmu.flushAll(false);
    for (let attempt = 0; attempt < 2; attempt++) {
      let fault: unknown;
      try { loadSegment(w.cpu, Seg.DS, SEL.DATA0); } catch (e) { fault = e; }
      expect(fault, `attempt ${attempt + 1}`).toBeInstanceOf(Fault);
      expect((fault as Fault).vector).toBe(Vec.PF);
      expect(readDescriptor(w.cpu, SEL.DATA0).hi & 0x100).toBe(0);
    }
  });
});
