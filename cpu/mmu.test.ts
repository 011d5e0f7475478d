/**
 * The MMU and its software TLB (cpu/mmu.ts): page walks with accessed and
 * dirty bits, #PF with CR2 and the error code, global pages across CR3
 * loads, 4 MiB (PSE) and 2 MiB (PAE) pages, accesses that cross a page
 * boundary checking both pages before writing either, supervisor accesses at
 * CPL 3, and device pages held in the TLB.
 */
import { describe, expect, it } from 'vitest';
import { bareCpu } from '../spec-tests/harness.ts';
import { Fault } from '../isa/faults.ts';
import { Access, CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE } from './mmu.ts';
import { TLB_GLOBAL } from './tlb.ts';

function paged() {
  const b = bareCpu(8 << 20);
  const { cpu, mem } = b;
  const pd = 0x100000, pt = 0x101000;
  for (let k = 0; k < 1024; k++) mem.i32[(pt >> 2) + k] = (k << 12) | 3;
  mem.i32[pd >> 2] = pt | 7;
  cpu.cr3 = pd;
  cpu.cr0 |= CR0_PG;
  cpu.mmu.flushAll(false);
  return { ...b, pd, pt };
}

function pfCode(f: () => void): number {
  try { f(); } catch (e) { if (e instanceof Fault && e.vector === 14) return e.code; throw e; }
  return -1;
}

describe('MMU and software TLB', () => {
  it('walks two-level tables, setting accessed then dirty', () => {
    const { cpu, mem, pt } = paged();
    cpu.mmu.read32(0x5000);
    expect(mem.i32[(pt >> 2) + 5] & 0x60).toBe(0x20);
    cpu.mmu.write32(0x5000, 1);
    expect(mem.i32[(pt >> 2) + 5] & 0x60).toBe(0x60);
  });

  it('raises #PF with CR2 and the error code', () => {
    const { cpu, mem, pt } = paged();
    mem.i32[(pt >> 2) + 9] = 0;
    expect(pfCode(() => cpu.mmu.write8(0x9004, 1))).toBe(2);
    expect(cpu.cr2).toBe(0x9004);
    mem.i32[(pt >> 2) + 10] = 0xa000 | 1; // read-only
    cpu.cr0 |= CR0_WP;
    expect(pfCode(() => cpu.mmu.write8(0xa000, 1))).toBe(3);
    mem.i32[(pt >> 2) + 11] = 0xb000 | 3; // supervisor only
    cpu.setCpl(3);
    expect(pfCode(() => cpu.mmu.read8(0xb000))).toBe(5);
  });

  it('keeps global entries across a CR3 reload but not across INVLPG', () => {
    const { cpu, mem, pt } = paged();
    cpu.cr4 |= CR4_PGE;
    mem.i32[(pt >> 2) + 12] = 0xc000 | 0x103;
    cpu.mmu.read8(0xc000);
    cpu.mmu.read8(0xd000);
    expect(cpu.mmu.tlb[0xc] & TLB_GLOBAL).toBe(TLB_GLOBAL);
    cpu.mmu.flushAll(true);
    expect(cpu.mmu.tlb[0xc]).not.toBe(0);
    expect(cpu.mmu.tlb[0xd]).toBe(0);
    cpu.mmu.invalidatePage(0xc123);
    expect(cpu.mmu.tlb[0xc]).toBe(0);
  });

  it('drops exactly what each flush should, whatever mix of fills, kind changes and invlpg came before', () => {
    const { cpu, mem, pt } = paged();
    cpu.cr4 |= CR4_PGE;
    let seed = 12345;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
    // the model: which of pages 16..47 hold an entry, whether it is global, whether it may be written
    const held = new Map<number, { global: boolean; writable: boolean }>();
    let refills = 0;
    for (let step = 0; step < 20_000; step++) {
      const page = 16 + rand(32);
      const op = rand(10);
      if (op < 7) {
        // a PTE rewritten without invlpg (global or not, clean), then an access
        const global = rand(2) === 1;
        mem.i32[(pt >> 2) + page] = (page << 12) | 3 | (global ? 0x100 : 0);
        const h = held.get(page);
        if (op < 4) {
          cpu.mmu.read8(page << 12);
          if (!h) held.set(page, { global, writable: false });
        } else {
          // a write through an entry without write rights walks again (the dirty bit) and refills with the PTE's kind now
          cpu.mmu.write8(page << 12, 1);
          if (h && !h.writable && h.global !== global) refills++;
          if (!h || !h.writable) held.set(page, { global, writable: true });
        }
      } else if (op < 8) {
        cpu.mmu.invalidatePage(page << 12);
        held.delete(page);
      } else {
        const keep = op === 8;
        cpu.mmu.flushAll(keep);
        for (const [p, h] of held) if (!keep || !h.global) held.delete(p);
      }
      for (let p = 16; p < 48; p++) {
        const e = cpu.mmu.tlb[p];
        if (held.has(p) !== (e !== 0)) throw new Error(`step ${step}: page ${p} held ${held.has(p)}, entry ${e}`);
      }
    }
    expect(refills).toBeGreaterThan(100);
    expect(held.size).toBeGreaterThan(0);
  });

  it('lists a page rewritten, invalidated and read again once, so the loop never forces a full flush', () => {
    const { cpu, mem, pt } = paged();
    cpu.mmu.read8(0x7000);
    const flushes = cpu.mmu.flushes;
    for (let k = 0; k < 100_000; k++) {
      mem.i32[(pt >> 2) + 5] = ((k & 1 ? 0x300 : 0x301) << 12) | 3;
      cpu.mmu.invalidatePage(0x5000);
      cpu.mmu.read8(0x5000);
    }
    expect(cpu.mmu.flushes).toBe(flushes);
    // still listed: a flush drops it, and the page read before it
    cpu.mmu.flushAll(false);
    expect(cpu.mmu.tlb[5]).toBe(0);
    expect(cpu.mmu.tlb[7]).toBe(0);
  });

  it('maps 4 MiB pages with PSE and 2 MiB pages with PAE', () => {
    const { cpu, mem, pd } = paged();
    cpu.cr4 |= CR4_PSE;
    mem.i32[(pd >> 2) + 1] = 0x400000 | 0x83;
    mem.u8[0x400123] = 0x5a;
    expect(cpu.mmu.read8(0x400123)).toBe(0x5a);
    // PAE: PDPT at 0x200000, PD at 0x201000 with a 2 MiB page mapping 0x600000 at linear 0x40000000
    const pdpt = 0x200000, pd2 = 0x201000;
    mem.i32[(pdpt >> 2) + 2] = pd2 | 1; // entry 1 covers 0x40000000
    mem.i32[pd2 >> 2] = 0x600000 | 0x83;
    mem.u8[0x600042] = 0x77;
    cpu.cr4 |= CR4_PAE;
    cpu.cr3 = pdpt;
    cpu.mmu.flushAll(false);
    expect(cpu.mmu.read8(0x40000042)).toBe(0x77);
    expect(cpu.mmu.translate(0x40000042, Access.READ)).toBe(0x600042);
  });

  it('splits accesses that cross a page and checks both pages before writing', () => {
    const { cpu, mem, pt } = paged();
    mem.i32[(pt >> 2) + 0x21] = 0;
    expect(pfCode(() => cpu.mmu.write32(0x20ffe, 0x11223344))).toBe(2);
    expect(mem.u8[0x20ffe]).toBe(0); // nothing written to the first page
    expect(cpu.cr2).toBe(0x21000);
    mem.i32[(pt >> 2) + 0x21] = 0x21000 | 3;
    cpu.mmu.write32(0x20ffe, 0x11223344);
    expect(cpu.mmu.read32(0x20ffe)).toBe(0x11223344);
  });

  it('makes supervisor accesses at CPL 3 with supervisor rights, faulting as a supervisor access does', () => {
    const { cpu, mem, pt } = paged();
    mem.i32[(pt >> 2) + 0x30] = 0x30000 | 3; // supervisor only, writable
    mem.i32[(pt >> 2) + 0x31] = 0x31000 | 1; // supervisor only, read-only
    mem.i32[0x30010 >> 2] = 0x1234;
    cpu.setCpl(3);
    expect(pfCode(() => cpu.mmu.read32(0x30010))).toBe(5);
    expect(cpu.mmu.readSupervisor(0x30010, 4)).toBe(0x1234);
    // now cached with supervisor rights: the same again from the TLB, and the user right still refused
    expect(cpu.mmu.readSupervisor(0x30010, 2)).toBe(0x1234);
    expect(pfCode(() => cpu.mmu.read8(0x30010))).toBe(5);
    cpu.mmu.writeSupervisor(0x30012, 2, 0xbeef);
    expect(mem.i32[0x30010 >> 2]).toBe(0xbeef1234 | 0);
    expect(mem.i32[(pt >> 2) + 0x30] & 0x60).toBe(0x60);
    // with CR0.WP a supervisor write to a read-only page faults: present, write, not user
    cpu.cr0 |= CR0_WP;
    expect(pfCode(() => cpu.mmu.writeSupervisor(0x31000, 4, 1))).toBe(3);
    expect(cpu.cpl).toBe(3);
    expect(cpu.mmu.user).toBe(true);
    // across a page boundary, both pages at supervisor level
    mem.i32[(pt >> 2) + 0x2f] = 0x2f000 | 3;
    cpu.mmu.writeSupervisor(0x2fffe, 4, 0x11223344);
    expect(cpu.mmu.readSupervisor(0x2fffe, 4)).toBe(0x11223344);
  });

  it('holds a device page in the TLB: the device reached without a walk until the entry goes, rights still checked', () => {
    const { cpu, mem, pt } = paged();
    const seen: string[] = [];
    let reg = 0x42;
    mem.mapDevice(0x700000, 0x1000, {
      name: 'test register',
      read: (addr, size) => { seen.push(`r${(addr - 0x700000).toString(16)}/${size}`); return reg; },
      write: (addr, size, v) => { seen.push(`w${(addr - 0x700000).toString(16)}/${size}`); reg = v; },
    });
    mem.i32[(pt >> 2) + 0x40] = 0x700000 | 3; // linear 0x40000 -> the device, supervisor, clean
    const walks = cpu.mmu.walks;
    expect(cpu.mmu.read32(0x40020)).toBe(0x42);
    expect(cpu.mmu.read32(0x40020)).toBe(0x42);
    expect(cpu.mmu.walks).toBe(walks + 1);
    expect(cpu.mmu.deviceAccesses).toBe(1);
    // no fast path takes it: the entry grants no right itself
    expect(cpu.mmu.tlb[0x40] & 15).toBe(0);
    // the first write walks again to set the dirty bit; then writes go straight to the device
    cpu.mmu.write32(0x40020, 7);
    expect(mem.i32[(pt >> 2) + 0x40] & 0x60).toBe(0x60);
    cpu.mmu.write16(0x40024, 9);
    expect(cpu.mmu.walks).toBe(walks + 2);
    expect(seen).toEqual(['r20/4', 'r20/4', 'w20/4', 'w24/2']);
    // a user access to the supervisor page still faults (the walk finds why)
    cpu.setCpl(3);
    expect(pfCode(() => cpu.mmu.read32(0x40020))).toBe(5);
    cpu.setCpl(0);
    // INVLPG drops it: the next access walks and sees the PTE as it is now
    mem.i32[(pt >> 2) + 0x40] = 0;
    cpu.mmu.invalidatePage(0x40000);
    expect(pfCode(() => cpu.mmu.read32(0x40020))).toBe(0);
    expect(cpu.mmu.walks).toBe(walks + 4);
  });
});
