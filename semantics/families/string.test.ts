import { afterEach, describe, expect, it, vi } from 'vitest';
import { bareCpu, CODE_ADDR, type Bare } from '../../spec-tests/harness.ts';
import { CF, DF, ZF } from '../../isa/eflags.ts';
import { Fault, Vec } from '../../isa/faults.ts';
import { CR0_PG } from '../../cpu/mmu.ts';
import { Seg } from '../../isa/instr.ts';
import type { CpuBus } from '../../cpu/cpu.ts';
import { rows, setRepIterationLimit } from './string.ts';
import { adjustDescriptor } from '../../vmirom/segs.ts';
import { LAYOUT, desc, testWorld, type World } from '../../spec-tests/world.ts';

const EAX = 0, ECX = 1, EDX = 2, ESI = 6, EDI = 7;
const SRC = 0x20000, DST = 0x30000;

const exec1 = (b: Bare): Fault | undefined => b.exec1();
/** Execute a rep longer than REP_CHUNK to the end: one execution per chunk. */
function execAll(b: Bare): void {
  for (let n = 0; n < 100 && b.cpu.eip === CODE_ADDR; n++) expect(exec1(b)).toBeUndefined();
}

function setup(code: number[], regs: Record<number, number> = {}, df = false): Bare {
  const b = bareCpu();
  b.load(code);
  for (const [r, v] of Object.entries(regs)) b.cpu.regs[Number(r)] = v;
  if (df) b.cpu.eflags |= DF;
  return b;
}

function pattern(b: Bare, at: number, n: number, seed = 1): void {
  for (let k = 0; k < n; k++) b.mem.u8[at + k] = (k * 7 + seed) & 0xff;
}

const u32 = (v: number) => v >>> 0;

afterEach(() => setRepIterationLimit(0));

describe('rep stos where writes vanish', () => {
  it('skips ROM and unassigned pages a run at a time, while a device still sees each element', () => {
    const b = setup([0xf3, 0xab], { [EAX]: 0x11223344, [ECX]: 0x40000, [EDI]: 0xe0000 });
    b.mem.load(0xe0000, new Uint8Array(4096).fill(0x5a));
    b.mem.setReadOnly(0xe0000, 4096);
    const writes: number[] = [];
    b.mem.mapDevice(0x180000, 0x100, { name: 'probe', read: () => 0, write: (a) => { writes.push(a); } });
    // 1 MiB of dwords from 0xE0000: a ROM page, RAM to the end at 1 MiB, unassigned, the device, unassigned
    const slowWrites = vi.spyOn(b.mem, 'write');
    let executions = 0;
    while (b.cpu.eip === CODE_ADDR && executions < 1000) { expect(exec1(b)).toBeUndefined(); executions++; }
    expect(b.cpu.regs[ECX]).toBe(0);
    expect(u32(b.cpu.regs[EDI])).toBe(0xe0000 + 0x100000);
    expect(b.mem.u8[0xe0000]).toBe(0x5a);
    expect(b.mem.i32[0xe1000 >> 2]).toBe(0x11223344);
    expect(b.mem.i32[(0x100000 - 4) >> 2]).toBe(0x11223344);
    expect(writes.length).toBe(0x40);
    expect(writes[0]).toBe(0x180000);
    // only the device's page went element by element (1,024 dwords; 0x40 of them reach the device)
    expect(slowWrites).toHaveBeenCalledTimes(1024);
    // REP_CHUNK dwords an execution
    expect(executions).toBe(0x40000 / 4096);
  });
});

describe('rep movs where writes vanish', () => {
  it('passes over runs from unassigned or RAM pages to unassigned ones, while a device source is read each element', () => {
    // 1 MiB of dwords from unassigned memory far above RAM to unassigned memory: only the index registers move
    const far = setup([0xf3, 0xa5], { [ECX]: 0x40000, [ESI]: 0x13840000, [EDI]: 0x23840000 });
    const slowReads = vi.spyOn(far.mem, 'read');
    const slowWrites = vi.spyOn(far.mem, 'write');
    let executions = 0;
    while (far.cpu.eip === CODE_ADDR && executions < 1000) { expect(exec1(far)).toBeUndefined(); executions++; }
    expect(far.cpu.regs[ECX]).toBe(0);
    expect(u32(far.cpu.regs[ESI])).toBe(0x13840000 + 0x100000);
    expect(u32(far.cpu.regs[EDI])).toBe(0x23840000 + 0x100000);
    // (the instruction's own fetch is a read of RAM)
    expect(slowReads.mock.calls.filter(([a]) => a >>> 0 >= 0x13840000)).toEqual([]);
    expect(slowWrites).not.toHaveBeenCalled();
    expect(executions).toBe(0x40000 / 4096);

    // from a device page: every element's read reaches the device, the writes still vanish
    const dev = setup([0xf3, 0xa5], { [ECX]: 0x40, [ESI]: 0x180000, [EDI]: 0x23840000 });
    const reads: number[] = [];
    dev.mem.mapDevice(0x180000, 0x100, { name: 'probe', read: (a) => { reads.push(a); return 0; }, write: () => {} });
    execAll(dev);
    expect(reads).toEqual(Array.from({ length: 0x40 }, (_, k) => 0x180000 + 4 * k));
    expect(u32(dev.cpu.regs[EDI])).toBe(0x23840000 + 0x100);
  });
});

describe('movs', () => {
  it('rep movsb, DF=0, 32-bit addresses', () => {
    const b = setup([0xf3, 0xa4], { [ECX]: 10, [ESI]: SRC, [EDI]: DST });
    pattern(b, SRC, 16);
    expect(exec1(b)).toBeUndefined();
    expect([...b.mem.u8.slice(DST, DST + 10)]).toEqual([...b.mem.u8.slice(SRC, SRC + 10)]);
    expect(b.mem.u8[DST + 10]).toBe(0);
    expect(b.cpu.regs[ECX]).toBe(0);
    expect(b.cpu.regs[ESI]).toBe(SRC + 10);
    expect(b.cpu.regs[EDI]).toBe(DST + 10);
    expect(b.cpu.eip).toBe(CODE_ADDR + 2);
  });

  it('rep movsd over several pages (fast path), aligned and unaligned', () => {
    for (const [src, dst] of [[0x20100, 0x40200], [0x20101, 0x40203]]) {
      const n = 3000;
      const b = setup([0xf3, 0xa5], { [ECX]: n, [ESI]: src, [EDI]: dst });
      pattern(b, src, n * 4);
      expect(exec1(b)).toBeUndefined();
      expect(Buffer.from(b.mem.u8.slice(dst, dst + n * 4)).equals(Buffer.from(b.mem.u8.slice(src, src + n * 4)))).toBe(true);
      expect(b.mem.u8[dst + n * 4]).toBe(0);
      expect(b.mem.u8[dst - 1]).toBe(0);
      expect(b.cpu.regs[ECX]).toBe(0);
      expect(b.cpu.regs[ESI]).toBe(src + n * 4);
      expect(b.cpu.regs[EDI]).toBe(dst + n * 4);
    }
  });

  it('rep movsb with the destination just ahead of the source replicates, as element-wise copying does', () => {
    const b = setup([0xf3, 0xa4], { [ECX]: 0x1800, [ESI]: SRC, [EDI]: SRC + 1 });
    b.mem.u8[SRC] = 0x5a;
    b.mem.u8[SRC + 1] = 0x11;
    execAll(b);
    expect(b.mem.u8.slice(SRC, SRC + 0x1801).every((x) => x === 0x5a)).toBe(true);
  });

  it('rep movsd with the destination behind an overlapping source copies forward', () => {
    const b = setup([0xf3, 0xa5], { [ECX]: 8, [ESI]: SRC + 4, [EDI]: SRC });
    pattern(b, SRC, 64);
    const want = [...b.mem.u8.slice(SRC + 4, SRC + 36)];
    exec1(b);
    expect([...b.mem.u8.slice(SRC, SRC + 32)]).toEqual(want);
  });

  it('rep movsw with DF=1 goes down', () => {
    const b = setup([0xf3, 0x66, 0xa5], { [ECX]: 4, [ESI]: SRC + 6, [EDI]: DST + 6 }, true);
    pattern(b, SRC, 8);
    exec1(b);
    expect([...b.mem.u8.slice(DST, DST + 8)]).toEqual([...b.mem.u8.slice(SRC, SRC + 8)]);
    expect(b.cpu.regs[ESI]).toBe(SRC - 2);
    expect(b.cpu.regs[EDI]).toBe(DST - 2);
    expect(b.cpu.regs[ECX]).toBe(0);
  });

  it('rep movsd with DF=1 goes down', () => {
    const b = setup([0xf3, 0xa5], { [ECX]: 3, [ESI]: SRC + 8, [EDI]: DST + 8 }, true);
    pattern(b, SRC, 12);
    exec1(b);
    expect([...b.mem.u8.slice(DST, DST + 12)]).toEqual([...b.mem.u8.slice(SRC, SRC + 12)]);
    expect(b.cpu.regs[ESI]).toBe(SRC - 4);
  });

  it('rep movsd with DF=1 over several pages (fast path), aligned and unaligned', () => {
    for (const [src, dst] of [[0x20100, 0x40200], [0x20101, 0x40203]]) {
      const n = 3000;
      const lo = [src - (n - 1) * 4, dst - (n - 1) * 4];
      const b = setup([0xf3, 0xa5], { [ECX]: n, [ESI]: src, [EDI]: dst }, true);
      pattern(b, lo[0], n * 4);
      exec1(b);
      expect(Buffer.from(b.mem.u8.slice(lo[1], lo[1] + n * 4)).equals(Buffer.from(b.mem.u8.slice(lo[0], lo[0] + n * 4)))).toBe(true);
      expect(b.mem.u8[dst + 4]).toBe(0);
      expect(b.mem.u8[lo[1] - 1]).toBe(0);
      expect(b.cpu.regs[ESI]).toBe(src - n * 4);
      expect(b.cpu.regs[EDI]).toBe(dst - n * 4);
      expect(b.cpu.regs[ECX]).toBe(0);
    }
  });

  it('rep movsb with DF=1 and the destination just below the source replicates', () => {
    const top = SRC + 0x1800;
    const b = setup([0xf3, 0xa4], { [ECX]: 0x1800, [ESI]: top, [EDI]: top - 1 }, true);
    b.mem.u8[top] = 0xa5;
    b.mem.u8[top - 1] = 0x11;
    execAll(b);
    expect(b.mem.u8.slice(top - 0x1800, top + 1).every((x) => x === 0xa5)).toBe(true);
  });

  it('rep movsw with DF=1 and an overlapping source below the destination copies backward', () => {
    // memmove's backward case: dst above src
    const b = setup([0xf3, 0x66, 0xa5], { [ECX]: 8, [ESI]: SRC + 14, [EDI]: SRC + 16 }, true);
    pattern(b, SRC, 32);
    const want = [...b.mem.u8.slice(SRC, SRC + 16)];
    exec1(b);
    expect([...b.mem.u8.slice(SRC + 2, SRC + 18)]).toEqual(want);
  });

  it('16-bit address size uses SI/DI/CX, keeps the high halves and wraps at 64 KiB', () => {
    const b = setup([0x67, 0xf3, 0xa4], { [ECX]: 0x12340003, [ESI]: 0xabcdfffe | 0, [EDI]: 0x77770100 });
    b.mem.u8[0xfffe] = 1; b.mem.u8[0xffff] = 2; b.mem.u8[0] = 3;
    exec1(b);
    expect([...b.mem.u8.slice(0x100, 0x103)]).toEqual([1, 2, 3]);
    expect(u32(b.cpu.regs[ECX])).toBe(0x12340000);
    expect(u32(b.cpu.regs[ESI])).toBe(0xabcd0001);
    expect(u32(b.cpu.regs[EDI])).toBe(0x77770103);
  });

  it('16-bit address size with DF=1 wraps below zero', () => {
    const b = setup([0x67, 0xa4], { [ESI]: 0x10000, [EDI]: 0x20005 }, true);
    b.mem.u8[0] = 9;
    exec1(b);
    expect(b.mem.u8[5]).toBe(9); // DI = 5 in flat ES
    expect(u32(b.cpu.regs[ESI])).toBe(0x1ffff);
    expect(u32(b.cpu.regs[EDI])).toBe(0x20004);
  });

  it('single movsb moves one element and leaves ECX', () => {
    const b = setup([0xa4], { [ECX]: 5, [ESI]: SRC, [EDI]: DST });
    b.mem.u8[SRC] = 0x42;
    b.mem.u8[SRC + 1] = 0x43;
    exec1(b);
    expect(b.mem.u8[DST]).toBe(0x42);
    expect(b.mem.u8[DST + 1]).toBe(0);
    expect(b.cpu.regs[ECX]).toBe(5);
  });

  it('a segment override applies to the source only', () => {
    // fs: rep movsb with FS based at 0x1000
    const b = setup([0x64, 0xf3, 0xa4], { [ECX]: 4, [ESI]: SRC, [EDI]: DST });
    b.cpu.segBase[Seg.FS] = 0x1000;
    b.cpu.refreshSeg(Seg.FS);
    pattern(b, SRC + 0x1000, 4, 50);
    b.cpu.segBase[Seg.ES] = 0;
    exec1(b);
    expect([...b.mem.u8.slice(DST, DST + 4)]).toEqual([...b.mem.u8.slice(SRC + 0x1000, SRC + 0x1004)]);
    // stos ignores the override: ES:EDI
    const s = setup([0x64, 0xaa], { [EAX]: 0x77, [EDI]: DST });
    s.cpu.segBase[Seg.FS] = 0x1000;
    s.cpu.refreshSeg(Seg.FS);
    exec1(s);
    expect(s.mem.u8[DST]).toBe(0x77);
    expect(s.mem.u8[DST + 0x1000]).toBe(0);
  });

  it('rep with ECX=0 does nothing', () => {
    const b = setup([0xf3, 0xa4], { [ECX]: 0, [ESI]: SRC, [EDI]: DST });
    b.mem.u8[SRC] = 1;
    exec1(b);
    expect(b.mem.u8[DST]).toBe(0);
    expect(b.cpu.regs[ESI]).toBe(SRC);
    expect(b.cpu.regs[EDI]).toBe(DST);
    expect(b.cpu.eip).toBe(CODE_ADDR + 2);
  });
});

describe('stos / lods', () => {
  it('rep stosd, DF=0 (fast path over pages, aligned and not)', () => {
    for (const dst of [0x40000, 0x40ffe]) {
      const b = setup([0xf3, 0xab], { [EAX]: 0x11223344, [ECX]: 1500, [EDI]: dst });
      exec1(b);
      const view = new DataView(b.mem.buffer);
      for (let k = 0; k < 1500; k++) expect(view.getUint32(dst + k * 4, true)).toBe(0x11223344);
      expect(b.mem.u8[dst + 6000]).toBe(0);
      expect(b.cpu.regs[EDI]).toBe(dst + 6000);
      expect(b.cpu.regs[ECX]).toBe(0);
    }
  });

  it('rep stosd with DF=1 over pages', () => {
    const b = setup([0xf3, 0xab], { [EAX]: 0x01020304, [ECX]: 2000, [EDI]: 0x42002 }, true);
    exec1(b);
    const lo = 0x42002 - 1999 * 4;
    const view = new DataView(b.mem.buffer);
    for (let k = 0; k < 2000; k++) expect(view.getUint32(lo + k * 4, true)).toBe(0x01020304);
    expect(b.mem.u8[0x42006]).toBe(0);
    expect(b.mem.u8[lo - 1]).toBe(0);
    expect(b.cpu.regs[EDI]).toBe(0x42002 - 8000);
  });

  it('rep stos over already-decoded code takes the invalidating path', () => {
    // rep stosb; nop -- run once with ECX=0 so the nop is decoded and cached
    const b = setup([0xf3, 0xaa, 0x90], { [EAX]: 0x40, [ECX]: 0, [EDI]: CODE_ADDR + 2 });
    b.interp.step();
    b.interp.step();
    expect(b.cpu.regs[EAX]).toBe(0x40);
    // now overwrite the nop with inc eax and run it
    b.cpu.eip = CODE_ADDR;
    b.cpu.regs[ECX] = 1;
    b.interp.step();
    expect(b.mem.u8[CODE_ADDR + 2]).toBe(0x40);
    b.interp.step();
    expect(b.cpu.regs[EAX]).toBe(0x41);
  });

  it('rep stosw on an odd address and rep stosb', () => {
    const b = setup([0xf3, 0x66, 0xab], { [EAX]: 0xbeef, [ECX]: 3, [EDI]: DST + 1 });
    exec1(b);
    expect([...b.mem.u8.slice(DST, DST + 8)]).toEqual([0, 0xef, 0xbe, 0xef, 0xbe, 0xef, 0xbe, 0]);
    const c = setup([0xf3, 0xaa], { [EAX]: 0x99, [ECX]: 5, [EDI]: DST });
    exec1(c);
    expect([...c.mem.u8.slice(DST, DST + 6)]).toEqual([0x99, 0x99, 0x99, 0x99, 0x99, 0]);
  });

  it('rep stosd with DF=1 and 16-bit addresses', () => {
    const b = setup([0x67, 0xf3, 0xab], { [EAX]: -1, [ECX]: 0x10002, [EDI]: 0x50008 }, true);
    exec1(b);
    // DI=8 then 4 (flat ES): the dwords at 8 and 4
    expect(new DataView(b.mem.buffer).getInt32(8, true)).toBe(-1);
    expect(new DataView(b.mem.buffer).getInt32(4, true)).toBe(-1);
    expect(new DataView(b.mem.buffer).getInt32(0, true)).toBe(0);
    expect(u32(b.cpu.regs[EDI])).toBe(0x50000);
    expect(b.cpu.regs[ECX]).toBe(0x10000);
  });

  it('lodsw loads and advances ESI only', () => {
    const b = setup([0x66, 0xad], { [EAX]: 0x12345678, [ESI]: SRC, [EDI]: DST, [ECX]: 3 });
    b.mem.u8[SRC] = 0xcd; b.mem.u8[SRC + 1] = 0xab;
    exec1(b);
    expect(b.cpu.regs[EAX]).toBe(0x1234abcd);
    expect(b.cpu.regs[ESI]).toBe(SRC + 2);
    expect(b.cpu.regs[EDI]).toBe(DST);
    expect(b.cpu.regs[ECX]).toBe(3);
  });

  it('rep lodsb leaves the last element in AL', () => {
    const b = setup([0xf3, 0xac], { [ECX]: 4, [ESI]: SRC + 3 }, true);
    pattern(b, SRC, 4);
    exec1(b);
    expect(b.cpu.regs[EAX] & 0xff).toBe(b.mem.u8[SRC]);
    expect(b.cpu.regs[ESI]).toBe(SRC - 1);
  });
});

describe('cmps / scas', () => {
  it('repe cmpsb stops at the first difference', () => {
    const b = setup([0xf3, 0xa6], { [ECX]: 10, [ESI]: SRC, [EDI]: DST });
    pattern(b, SRC, 10);
    pattern(b, DST, 10);
    b.mem.u8[SRC + 3] = 0x01;
    b.mem.u8[DST + 3] = 0x02;
    exec1(b);
    expect(b.cpu.regs[ECX]).toBe(6);
    expect(b.cpu.regs[ESI]).toBe(SRC + 4);
    expect(b.cpu.regs[EDI]).toBe(DST + 4);
    const f = b.cpu.getEflags();
    expect(f & ZF).toBe(0);
    expect(f & CF).toBe(CF); // 1 - 2 borrows
  });

  it('repe cmpsd runs out with ZF set when everything matches, DF=1', () => {
    const b = setup([0xf3, 0xa7], { [ECX]: 4, [ESI]: SRC + 12, [EDI]: DST + 12 }, true);
    pattern(b, SRC, 16);
    pattern(b, DST, 16);
    exec1(b);
    expect(b.cpu.regs[ECX]).toBe(0);
    expect(b.cpu.regs[ESI]).toBe(SRC - 4);
    expect(b.cpu.getEflags() & ZF).toBe(ZF);
  });

  it('repne cmpsw stops at the first equal element (16-bit addresses)', () => {
    const b = setup([0x67, 0xf2, 0x66, 0xa7], { [ECX]: 8, [ESI]: 0x2000, [EDI]: 0x3000 });
    pattern(b, 0x2000, 16, 1);
    pattern(b, 0x3000, 16, 2);
    b.mem.u8[0x2004] = b.mem.u8[0x3004] = 0x80;
    b.mem.u8[0x2005] = b.mem.u8[0x3005] = 0x81;
    exec1(b);
    expect(b.cpu.regs[ECX]).toBe(5);
    expect(b.cpu.regs[ESI]).toBe(0x2006);
    expect(b.cpu.regs[EDI]).toBe(0x3006);
    expect(b.cpu.getEflags() & ZF).toBe(ZF);
  });

  it('repne scasb finds a byte; DF=0 and DF=1', () => {
    const b = setup([0xf2, 0xae], { [EAX]: 0x2a, [ECX]: 100, [EDI]: DST });
    b.mem.u8[DST + 9] = 0x2a;
    exec1(b);
    expect(b.cpu.regs[ECX]).toBe(90);
    expect(b.cpu.regs[EDI]).toBe(DST + 10);
    expect(b.cpu.getEflags() & ZF).toBe(ZF);
    const c = setup([0xf2, 0xae], { [EAX]: 0x2a, [ECX]: 100, [EDI]: DST + 20 }, true);
    c.mem.u8[DST + 9] = 0x2a;
    exec1(c);
    expect(c.cpu.regs[ECX]).toBe(88);
    expect(c.cpu.regs[EDI]).toBe(DST + 8);
  });

  it('repe scasd runs while equal; a mismatch sets the flags of eAX - element', () => {
    const b = setup([0xf3, 0xaf], { [EAX]: 5, [ECX]: 10, [EDI]: DST });
    const v = new DataView(b.mem.buffer);
    v.setInt32(DST, 5, true); v.setInt32(DST + 4, 5, true); v.setInt32(DST + 8, 7, true);
    exec1(b);
    expect(b.cpu.regs[ECX]).toBe(7);
    expect(b.cpu.regs[EDI]).toBe(DST + 12);
    expect(b.cpu.getEflags() & (ZF | CF)).toBe(CF);
  });

  it('rep cmps with ECX=0 leaves the flags and the indexes', () => {
    const b = setup([0xf3, 0xa6], { [ECX]: 0, [ESI]: SRC, [EDI]: DST });
    b.mem.u8[SRC] = 1;
    b.cpu.eflags |= ZF | CF;
    exec1(b);
    expect(b.cpu.getEflags() & (ZF | CF)).toBe(ZF | CF);
    expect(b.cpu.regs[ESI]).toBe(SRC);
    expect(b.cpu.regs[EDI]).toBe(DST);
  });

  it('a single cmpsb ignores ECX', () => {
    const b = setup([0xa6], { [ECX]: 0, [ESI]: SRC, [EDI]: DST });
    b.mem.u8[SRC] = 3; b.mem.u8[DST] = 3;
    exec1(b);
    expect(b.cpu.getEflags() & ZF).toBe(ZF);
    expect(b.cpu.regs[ESI]).toBe(SRC + 1);
    expect(b.cpu.regs[ECX]).toBe(0);
  });
});

describe('repne scasb searching page runs (scasbAhead)', () => {
  /** The flags one scasb of AL against `byte` leaves: the oracle for the last element compared. */
  function flagsOfOne(al: number, byte: number): number {
    const o = setup([0xae], { [EAX]: al, [EDI]: DST });
    o.mem.u8[DST] = byte;
    exec1(o);
    return o.cpu.getEflags() & 0x8d5;
  }

  it('agrees with a byte-by-byte model over pages, found or not, at every count', () => {
    let seed = 7;
    const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    for (let round = 0; round < 60; round++) {
      const start = 0x20000 + rnd(0x3000), count = 1 + rnd(0x3000), al = rnd(4);
      const b = setup([0xf2, 0xae], { [EAX]: 0x5500 | al, [ECX]: count, [EDI]: start });
      // bytes 1..250 with the odd AL value sprinkled in, so matches come anywhere or nowhere
      for (let k = 0; k < 0x6000; k++) b.mem.u8[0x20000 + k] = rnd(300) === 0 ? al : 1 + rnd(250);
      let n = 0;
      while (n < count && b.mem.u8[start + n] !== al) n++;
      const done = Math.min(n + 1, count);
      const fast = vi.spyOn(b.mem.u8, 'subarray');
      execAll(b);
      expect(u32(b.cpu.regs[ECX])).toBe(count - done);
      expect(u32(b.cpu.regs[EDI])).toBe(start + done);
      expect(b.cpu.getEflags() & 0x8d5).toBe(flagsOfOne(al, b.mem.u8[start + done - 1]));
      if (done > 1) expect(fast).toHaveBeenCalled();
    }
  });

  it('stops after REP_CHUNK elements with EIP at the instruction', () => {
    setRepIterationLimit(1000);
    const b = setup([0xf2, 0xae], { [EAX]: 0, [ECX]: 5000, [EDI]: 0x20f00 });
    b.mem.u8.fill(9, 0x20f00, 0x20f00 + 6000);
    expect(exec1(b)).toBeUndefined();
    expect(b.cpu.regs[ECX]).toBe(4000);
    expect(b.cpu.regs[EDI]).toBe(0x20f00 + 1000);
    expect(b.cpu.eip).toBe(CODE_ADDR);
  });

  it('a fault on the next page leaves ECX, EDI and the flags as the last completed element did', () => {
    const b = setup([0xf2, 0xae], { [EAX]: 0, [ECX]: 0x100, [EDI]: 0x20f80 });
    b.mem.u8.fill(3, 0x20f80, 0x21000);
    b.mem.u8[0x20fff] = 0x80;
    enablePaging(b, [0x21]);
    const f = exec1(b);
    expect(f?.vector).toBe(Vec.PF);
    expect(u32(b.cpu.cr2)).toBe(0x21000);
    expect(b.cpu.regs[ECX]).toBe(0x80);
    expect(b.cpu.regs[EDI]).toBe(0x21000);
    expect(b.cpu.getEflags() & 0x8d5).toBe(flagsOfOne(0, 0x80));
  });
});

/** Identity-map the first 1 MiB with 4 KiB pages, leaving out the pages in `absent`. */
function enablePaging(b: Bare, absent: number[]): { pt: number } {
  const pd = 0x90000, pt = 0x91000;
  const v = new DataView(b.mem.buffer);
  v.setInt32(pd, pt | 3, true);
  for (let p = 0; p < 256; p++) v.setInt32(pt + p * 4, absent.includes(p) ? 0 : (p << 12) | 3, true);
  b.cpu.cr3 = pd;
  b.cpu.cr0 |= CR0_PG;
  b.cpu.mmu.flushAll(false);
  return { pt };
}

describe('faults in the middle of a rep', () => {
  it('rep movsb into a not-present page stops at the faulting element, and restarts', () => {
    const b = setup([0xf3, 0xa4], { [ECX]: 0x200, [ESI]: 0x20f00, [EDI]: 0x30f00 });
    pattern(b, 0x20f00, 0x200);
    const { pt } = enablePaging(b, [0x31]);
    const f = exec1(b);
    expect(f?.vector).toBe(Vec.PF);
    expect(f?.code).toBe(2); // not present, write, supervisor
    expect(u32(b.cpu.cr2)).toBe(0x31000);
    expect(b.cpu.regs[ECX]).toBe(0x100);
    expect(b.cpu.regs[ESI]).toBe(0x21000);
    expect(b.cpu.regs[EDI]).toBe(0x31000);
    expect(b.cpu.eip).toBe(CODE_ADDR);
    expect([...b.mem.u8.slice(0x30f00, 0x31000)]).toEqual([...b.mem.u8.slice(0x20f00, 0x21000)]);
    expect(b.mem.u8[0x31000]).toBe(0);
    const v = new DataView(b.mem.buffer);
    // the page written before the fault is accessed and dirty; the source page accessed only
    expect(v.getInt32(pt + 0x30 * 4, true) & 0x60).toBe(0x60);
    expect(v.getInt32(pt + 0x20 * 4, true) & 0x60).toBe(0x20);
    // the handler maps the page; running the instruction again finishes the copy
    v.setInt32(pt + 0x31 * 4, 0x31003, true);
    expect(exec1(b)).toBeUndefined();
    expect(b.cpu.regs[ECX]).toBe(0);
    expect(b.cpu.regs[EDI]).toBe(0x31100);
    expect([...b.mem.u8.slice(0x30f00, 0x31100)]).toEqual([...b.mem.u8.slice(0x20f00, 0x21100)]);
  });

  it('rep movsd reading a not-present source page faults with the read error code', () => {
    const b = setup([0xf3, 0xa5], { [ECX]: 0x800, [ESI]: 0x22000, [EDI]: 0x40000 });
    enablePaging(b, [0x23]);
    const f = exec1(b);
    expect(f?.vector).toBe(Vec.PF);
    expect(f?.code).toBe(0);
    expect(u32(b.cpu.cr2)).toBe(0x23000);
    expect(b.cpu.regs[ECX]).toBe(0x400);
    expect(b.cpu.regs[ESI]).toBe(0x23000);
    expect(b.cpu.regs[EDI]).toBe(0x41000);
  });

  it('rep stosb (16-bit addresses, slow path) faults with CX/DI at the element', () => {
    const b = setup([0x67, 0xf3, 0xaa], { [EAX]: 1, [ECX]: 0x100, [EDI]: 0x4ff0 });
    enablePaging(b, [0x5]);
    const f = exec1(b);
    expect(f?.vector).toBe(Vec.PF);
    expect(u32(b.cpu.cr2)).toBe(0x5000);
    expect(b.cpu.regs[ECX]).toBe(0xf0);
    expect(b.cpu.regs[EDI]).toBe(0x5000);
  });

  it('repe cmpsb faulting keeps the flags of the last completed element', () => {
    const b = setup([0xf3, 0xa6], { [ECX]: 0x20, [ESI]: 0x20ff8, [EDI]: 0x30ff8 });
    enablePaging(b, [0x21]);
    b.cpu.eflags &= ~ZF;
    const f = exec1(b);
    expect(f?.vector).toBe(Vec.PF);
    expect(b.cpu.regs[ECX]).toBe(0x18);
    expect(b.cpu.getEflags() & ZF).toBe(ZF);
  });
});

/**
 * The test world with paging, whose data and stack segments are what the
 * VMI ROM makes of a flat 4 GiB descriptor (limit 0xFBFFFFFF, below its
 * hole), and whose page tables also map the last two pages below the hole
 * and the first one in it to RAM, so that only the segment limit can stop an
 * access there.
 */
function underRomLimits(code: number[], regs: Record<number, number>, df = false): World {
  const w = testWorld({ paging: true });
  w.load(code);
  for (const [r, v] of Object.entries(regs)) w.cpu.regs[Number(r)] = v;
  if (df) w.cpu.eflags |= DF;
  const belowHole = 0x92000, inHole = 0x93000;
  w.w32(LAYOUT.pd + 0x3ef * 4, belowHole | 3);
  w.w32(belowHole + 0x3fe * 4, 0x50000 | 3);
  w.w32(belowHole + 0x3ff * 4, 0x51000 | 3);
  w.w32(LAYOUT.pd + 0x3f0 * 4, inHole | 3);
  w.w32(inHole, 0x52000 | 3);
  w.cpu.mmu.flushAll(false);
  const romData = 0x30;
  w.setDesc(romData, adjustDescriptor(...desc(0, 0xfffff, 0x93, 0xc)));
  for (const s of [Seg.DS, Seg.ES, Seg.SS]) w.loadSeg(w.cpu, s, romData);
  expect(w.cpu.segHi[Seg.ES]).toBe(0xfbffffff);
  return w;
}

describe('the page-wise fast path under the VMI ROM\'s segment limits', () => {
  it('copies page runs for rep movsd', () => {
    const b = underRomLimits([0xf3, 0xa5], { [ECX]: 3000, [ESI]: 0x20100, [EDI]: 0x40200 });
    pattern(b, 0x20100, 12000);
    const copies = vi.spyOn(b.mem.u8, 'copyWithin');
    expect(exec1(b)).toBeUndefined();
    expect(copies).toHaveBeenCalled();
    expect(Buffer.from(b.mem.u8.slice(0x40200, 0x40200 + 12000)).equals(Buffer.from(b.mem.u8.slice(0x20100, 0x20100 + 12000)))).toBe(true);
    expect(b.cpu.regs[ECX]).toBe(0);
  });

  it('fills the page below the limit for rep stosd, then faults #GP(0) at the limit', () => {
    const b = underRomLimits([0xf3, 0xab], { [EAX]: 0x11223344, [ECX]: 0x100, [EDI]: 0xfbffff00 | 0 });
    const fills = vi.spyOn(b.mem.i32, 'fill');
    const f = exec1(b);
    expect(fills).toHaveBeenCalled();
    expect(f?.vector).toBe(Vec.GP);
    expect(f?.code).toBe(0);
    expect(b.cpu.regs[ECX]).toBe(0x100 - 64);
    expect(u32(b.cpu.regs[EDI])).toBe(0xfc000000);
    expect(b.cpu.eip).toBe(CODE_ADDR);
    expect(new DataView(b.mem.buffer).getInt32(0x51ffc, true)).toBe(0x11223344);
    expect(b.mem.u8.slice(0x52000, 0x52010).every((x) => x === 0)).toBe(true);
  });

  it('faults #GP(0) when a rep movsb source crosses the DS limit, and #SS(0) through an SS override', () => {
    for (const [code, vector] of [[[0xf3, 0xa4], Vec.GP], [[0x36, 0xf3, 0xa4], Vec.SS]] as const) {
      const b = underRomLimits([...code], { [ECX]: 0x20, [ESI]: 0xfbfffff0 | 0, [EDI]: 0x30000 });
      const f = exec1(b);
      expect(f?.vector).toBe(vector);
      expect(f?.code).toBe(0);
      expect(b.cpu.regs[ECX]).toBe(0x10);
      expect(u32(b.cpu.regs[ESI])).toBe(0xfc000000);
    }
  });

  it('faults on the first element of a run that starts above the limit, going down', () => {
    const b = underRomLimits([0xf3, 0xab], { [ECX]: 8, [EDI]: 0xfc000008 | 0 }, true);
    const f = exec1(b);
    expect(f?.vector).toBe(Vec.GP);
    expect(b.cpu.regs[ECX]).toBe(8);
    expect(u32(b.cpu.regs[EDI])).toBe(0xfc000008);
  });
});

describe('iteration limit (interrupt window hook)', () => {
  it('stops after N elements with EIP at the instruction, and resumes', () => {
    for (const code of [[0xf3, 0xa4], [0xf3, 0xa6], [0x67, 0xf3, 0xa4]]) {
      setRepIterationLimit(3);
      const b = setup(code, { [ECX]: 10, [ESI]: 0x2000, [EDI]: 0x3000 });
      pattern(b, 0x2000, 10);
      pattern(b, 0x3000, 10, code[1] === 0xa6 ? 1 : 0);
      exec1(b);
      expect(b.cpu.regs[ECX]).toBe(7);
      expect(b.cpu.eip).toBe(CODE_ADDR);
      let steps = 1;
      while (b.cpu.eip === CODE_ADDR && steps < 100) { exec1(b); steps++; }
      expect(steps).toBe(4);
      expect(b.cpu.regs[ECX]).toBe(0);
      expect(b.cpu.regs[ESI]).toBe(0x2000 + 10);
      expect([...b.mem.u8.slice(0x3000, 0x3000 + 10)]).toEqual([...b.mem.u8.slice(0x2000, 0x2000 + 10)]);
    }
  });

  it('applies to the stos fast path', () => {
    setRepIterationLimit(1000);
    const b = setup([0xf3, 0xab], { [EAX]: 7, [ECX]: 2500, [EDI]: 0x40000 });
    exec1(b);
    expect(b.cpu.regs[ECX]).toBe(1500);
    expect(b.cpu.regs[EDI]).toBe(0x40000 + 4000);
    expect(b.cpu.eip).toBe(CODE_ADDR);
  });
});

/** A bus that answers reads from a counter and records writes. */
function fakeBus(): CpuBus & { reads: [number, number][]; writes: [number, number, number][] } {
  let next = 0x10;
  const reads: [number, number][] = [];
  const writes: [number, number, number][] = [];
  return {
    reads, writes,
    portRead(port, size) { reads.push([port, size]); const v = next; next += 0x11; return size === 1 ? v & 0xff : v; },
    portWrite(port, size, value) { writes.push([port, size, value]); },
    pendingInterrupt: () => -1,
    ackInterrupt: () => {},
  };
}

describe('ins / outs', () => {
  it('rep insw reads the port into ES:EDI', () => {
    const b = setup([0xf3, 0x66, 0x6d], { [ECX]: 3, [EDX]: 0x1f0, [EDI]: DST });
    const bus = fakeBus();
    b.cpu.bus = bus;
    exec1(b);
    expect(bus.reads).toEqual([[0x1f0, 2], [0x1f0, 2], [0x1f0, 2]]);
    const v = new DataView(b.mem.buffer);
    expect([v.getUint16(DST, true), v.getUint16(DST + 2, true), v.getUint16(DST + 4, true)]).toEqual([0x10, 0x21, 0x32]);
    expect(b.cpu.regs[EDI]).toBe(DST + 6);
    expect(b.cpu.regs[ECX]).toBe(0);
  });

  it('rep outsb writes DS:ESI to the port, DF=1', () => {
    const b = setup([0xf3, 0x6e], { [ECX]: 3, [EDX]: 0x3f8, [ESI]: SRC + 2 }, true);
    b.mem.u8.set([0xa, 0xb, 0xc], SRC);
    const bus = fakeBus();
    b.cpu.bus = bus;
    exec1(b);
    expect(bus.writes).toEqual([[0x3f8, 1, 0xc], [0x3f8, 1, 0xb], [0x3f8, 1, 0xa]]);
    expect(b.cpu.regs[ESI]).toBe(SRC - 1);
  });

  it('outsd takes the source segment override', () => {
    const b = setup([0x65, 0x6f], { [EDX]: 0x80, [ESI]: 0x10 });
    b.cpu.segBase[Seg.GS] = SRC;
    b.cpu.refreshSeg(Seg.GS);
    new DataView(b.mem.buffer).setInt32(SRC + 0x10, 0x01020304, true);
    const bus = fakeBus();
    b.cpu.bus = bus;
    exec1(b);
    expect(bus.writes).toEqual([[0x80, 4, 0x01020304]]);
  });

  it('insb into a not-present page faults before reading the port', () => {
    const b = setup([0xf3, 0x6c], { [ECX]: 4, [EDX]: 0x60, [EDI]: 0x30ffe });
    enablePaging(b, [0x31]);
    const bus = fakeBus();
    b.cpu.bus = bus;
    expect(exec1(b)?.vector).toBe(Vec.PF);
    expect(bus.reads.length).toBe(2);
    expect(b.cpu.regs[ECX]).toBe(2);
    expect(b.cpu.regs[EDI]).toBe(0x31000);
  });

  it('rep insb at CPL 3 with the port denied by the I/O bitmap raises #GP(0) and does nothing', () => {
    const b = setup([0xf3, 0x6c], { [ECX]: 4, [EDX]: 0x61, [EDI]: DST });
    const tss = 0x50000;
    b.cpu.trBase = tss;
    b.cpu.trLimit = 0x68 + 0x2000;
    b.cpu.trType = 0xb;
    new DataView(b.mem.buffer).setUint16(tss + 0x66, 0x68, true);
    b.mem.u8.fill(0xff, tss + 0x68, tss + 0x68 + 0x2000);
    b.mem.u8[tss + 0x68 + (0x60 >> 3)] = 0xfe; // only port 0x60 allowed
    b.cpu.setCpl(3);
    const bus = fakeBus();
    b.cpu.bus = bus;
    const f = exec1(b);
    expect(f?.vector).toBe(Vec.GP);
    expect(f?.code).toBe(0);
    expect(bus.reads.length).toBe(0);
    expect(b.cpu.regs[ECX]).toBe(4);
    expect(b.cpu.regs[EDI]).toBe(DST);
    // the allowed port goes through
    b.cpu.regs[EDX] = 0x60;
    expect(exec1(b)).toBeUndefined();
    expect(bus.reads.length).toBe(4);
  });
});

describe('rows', () => {
  it('are string rows; cmps/scas write the arithmetic flags, and under rep (a zero count keeps them) read them', () => {
    expect(rows.every((r) => r.string)).toBe(true);
    const cmps = rows.find((r) => r.op === 'A6')!;
    expect(cmps.fout).toBe(0x8d5);
    expect(cmps.fin).toBe(0);
    const repCmps = rows.find((r) => r.op === 'F3 A6')!;
    expect(repCmps.fout).toBe(0x8d5);
    expect(repCmps.fin).toBe(0x8d5);
    expect(rows.find((r) => r.op === '6C')!.fault).toBe(true);
  });

  it('one element is a semantic row the translator inlines; the rep form is a helper, for every rep prefix', () => {
    for (const op of ['A4', 'A5', 'A6', 'A7', 'AA', 'AB', 'AC', 'AD', 'AE', 'AF']) {
      expect(rows.find((r) => r.op === op)!.sem, op).toBeDefined();
      expect(rows.find((r) => r.op === `F3 ${op}`)!.exec, op).toBeDefined();
    }
  });
});
