/**
 * Names for guest addresses: the guest kernel's ELF symbols and DWARF line
 * table (the guest kit builds with -g), System.map / kallsyms dumps, and
 * the side-effect-free frame-pointer walk the stacks come from.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Cpu } from '../cpu/cpu.ts';
import { PhysicalMemory } from '../cpu/memory.ts';
import { CR0_PG } from '../cpu/mmu.ts';
import { parseElf32 } from '../runtime/elf.ts';
import { Symbolizer } from './symbols.ts';
import { peekWord, walkFrames } from './guest-memory.ts';

const KERNEL = readFileSync(new URL('../guest/kernel.elf', import.meta.url));
const symbolOf = (name: string) => parseElf32(KERNEL).symbols.find((s) => s.name === name)!;

describe('symbols of the guest kernel', () => {
  const sym = Symbolizer.fromImage(KERNEL);

  it('names an address function+offset, with the line of its DWARF line table', () => {
    const f = symbolOf('paging_init');
    expect(sym.lookup(f.value)).toEqual({ fn: 'paging_init', offset: 0, file: 'guest/src/mm.c', line: expect.any(Number) });
    expect(sym.lookup(f.value + 5)?.fn).toBe('paging_init');
    // past a sized function's end, and below every symbol: nothing
    expect(sym.lookup(f.value + f.size)?.fn).not.toBe('paging_init');
    expect(sym.lookup(0x1000)).toBeUndefined();
    expect(sym.lines!.size).toBeGreaterThan(1000);
  });

  it('gives lines that run forward through a function', () => {
    const f = symbolOf('mm_fault');
    const first = sym.lookup(f.value)!, later = sym.lookup(f.value + f.size - 1)!;
    expect(first.file).toBe('guest/src/mm.c');
    expect(later.line!).toBeGreaterThan(first.line!);
  });

  it('formats a return address as the call it returns from', () => {
    const f = symbolOf('paging_init');
    expect(sym.formatSite(f.value + 0x10)).toMatch(/^paging_init\+0x10 \(guest\/src\/[a-z_]+\.[ch]:\d+\)$/);
    expect(sym.formatSite(0x1234)).toBe('0x1234');
    expect(sym.format(f.value + 0x10)).toBe('paging_init+0x10');
    expect(sym.format(0x1234)).toBe('0x1234');
  });

  it('names the line a call inside inlined code was inlined at (.debug_info), then the inlined line', () => {
    // mycpu() is cpu_index() and apic_id_read() inlined, whose pv_apic_read (kernel.h) makes the VMI call
    const f = symbolOf('mycpu');
    const elf = parseElf32(KERNEL);
    const text = elf.sections.find((s) => s.name === '.text')!;
    const code = KERNEL.subarray(text.offset + (f.value - text.addr), text.offset + (f.value - text.addr) + f.size);
    // the call is `call [disp32]` (ff 15), patched at boot to a direct call of the ROM's slot
    const at = code.findIndex((b, k) => b === 0xff && code[k + 1] === 0x15);
    expect(at).toBeGreaterThan(0);
    expect(sym.formatSite(f.value + at + 6)).toMatch(/^mycpu\+0x[0-9a-f]+ \(guest\/src\/smp\.c:\d+ inlining guest\/src\/kernel\.h:\d+\)$/);
    expect(sym.inlines!.size).toBeGreaterThan(100);
  });
});

describe('System.map and kallsyms', () => {
  it('reads text symbols and ignores data', () => {
    const s = Symbolizer.fromSymbolMap('c1000000 T _text\nc1001000 t do_page_fault\nc1002000 D some_data\nc1003000 T set_pte [mod]\n', 'map');
    expect(s.lookup(0xc1001010)).toEqual({ fn: 'do_page_fault', offset: 0x10, file: undefined, line: undefined });
    expect(s.lookup(0xc1002004)?.fn).toBe('do_page_fault');
    expect(s.lookup(0xc1003000)?.fn).toBe('set_pte');
  });

  it('refuses a dump without text symbols, or with every address zero (an unprivileged kallsyms)', () => {
    expect(() => Symbolizer.fromSymbolMap('00000000 T _text\n00000000 t foo\n', 'kallsyms')).toThrow(/every address is zero/);
    expect(() => Symbolizer.fromSymbolMap('hello\n', 'x')).toThrow(/no text symbols/);
  });
});

describe('frame-pointer walks', () => {
  /** a stack of three frames at 0x8000 in identity-mapped 2-level paging */
  function machine(): Cpu {
    const cpu = new Cpu(new PhysicalMemory(1 << 20));
    const m = cpu.mem;
    m.write(0x1000, 4, 0x2000 | 3); // PDE 0 -> page table at 0x2000
    for (let p = 0; p < 256; p++) m.write(0x2000 + p * 4, 4, (p << 12) | 3);
    m.write(0x8000, 4, 0x8100); m.write(0x8004, 4, 0xc0001111);
    m.write(0x8100, 4, 0x8200); m.write(0x8104, 4, 0xc0002222);
    m.write(0x8200, 4, 0); m.write(0x8204, 4, 0xc0003333);
    cpu.cr3 = 0x1000;
    cpu.cr0 |= CR0_PG;
    return cpu;
  }

  it('follows saved EBPs from the innermost frame out', () => {
    expect(walkFrames(machine(), 0xc0000000, 0x8000)).toEqual([0xc0000000, 0xc0001111, 0xc0002222, 0xc0003333]);
  });

  it('stops at an unmapped, unaligned or downward frame', () => {
    const cpu = machine();
    expect(walkFrames(cpu, 1, 0x8002)).toEqual([1]);
    expect(walkFrames(cpu, 1, 0x200000)).toEqual([1]);
    cpu.mem.write(0x8100, 4, 0x7000);
    expect(walkFrames(cpu, 1, 0x8000)).toEqual([1, 0xc0001111, 0xc0002222]);
  });

  it('reads without setting accessed bits or filling the TLB', () => {
    const cpu = machine();
    expect(peekWord(cpu, 0x8004)).toBe(0xc0001111);
    expect(cpu.mem.read(0x1000, 4) & 0x20).toBe(0);
    expect(cpu.mem.read(0x2000 + 8 * 4, 4) & 0x20).toBe(0);
    expect(cpu.mmu.tlb[8]).toBe(0);
  });
});
