/**
 * The Multiboot v1 loader and the ACPI tables: header search and refusal of
 * bad images, a.out-kludge loading, the guest kernel's segments, entry state
 * and information structure (memory sizes, command line, memory map), and
 * checksummed RSDP/RSDT/MADT with one processor per vCPU.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PhysicalMemory } from '../../cpu/memory.ts';
import { Cpu } from '../../cpu/cpu.ts';
import { bootMultiboot, findMultibootHeader, MULTIBOOT_MAGIC } from './multiboot.ts';
import { LoaderError } from './errors.ts';
import { parseElf32, PT_LOAD } from '../elf.ts';

const KERNEL = readFileSync(new URL('../../guest/kernel.elf', import.meta.url));

/** An a.out-kludge image: header at file offset 0 naming load address 0x200000, code after it. */
function kludgeImage(opts: { flags?: number; badSum?: boolean; bssEnd?: number } = {}): Uint8Array {
  const img = new Uint8Array(64);
  const dv = new DataView(img.buffer);
  const flags = opts.flags ?? 0x10003;
  dv.setUint32(0, MULTIBOOT_MAGIC, true);
  dv.setUint32(4, flags, true);
  dv.setUint32(8, (-(MULTIBOOT_MAGIC + flags) + (opts.badSum ? 1 : 0)) >>> 0, true);
  dv.setUint32(12, 0x200000, true); // header_addr
  dv.setUint32(16, 0x200000, true); // load_addr
  dv.setUint32(20, 0x200040, true); // load_end_addr
  dv.setUint32(24, opts.bssEnd ?? 0x201000, true); // bss_end_addr
  dv.setUint32(28, 0x200020, true); // entry
  img[32] = 0xf4;
  return img;
}

describe('Multiboot header', () => {
  it('finds the guest kernel header and its flags', () => {
    const h = findMultibootHeader(KERNEL);
    expect(h).not.toBeNull();
    expect(h!.offset % 4).toBe(0);
    expect(h!.flags & 3).toBe(3);
  });

  it('rejects images without a header, with a bad checksum, or with unknown required flags', () => {
    const mem = new PhysicalMemory(4 << 20);
    const cpu = new Cpu(mem);
    expect(() => bootMultiboot(mem, cpu, new Uint8Array(9000), 'x')).toThrow(/no Multiboot header/);
    expect(() => bootMultiboot(mem, cpu, kludgeImage({ badSum: true }), 'x')).toThrow(/bad checksum/);
    expect(() => bootMultiboot(mem, cpu, kludgeImage({ flags: 0x10010 }), 'x')).toThrow(LoaderError);
  });

  it('refuses a truncated ELF with a clear error', () => {
    const mem = new PhysicalMemory(128 << 20);
    const cpu = new Cpu(mem);
    expect(() => bootMultiboot(mem, cpu, KERNEL.subarray(0, 5000), 'x')).toThrow(/malformed ELF|past the end/);
  });

  it('boots an ELF whose section headers or symbol table are corrupt, with a warning (issue 9 item 17)', () => {
    const noSections = Uint8Array.from(KERNEL);
    new DataView(noSections.buffer).setUint32(32, 0xfffffff0, true); // e_shoff past the end
    const badSymtab = Uint8Array.from(KERNEL);
    const elf = parseElf32(KERNEL);
    const symtab = elf.sections.find((s) => s.type === 2)!;
    new DataView(badSymtab.buffer).setUint32(elf.header.shoff + symtab.index * 40 + 24, 0, true); // sh_link: not a string table
    for (const [image, warning] of [[noSections, /^ELF section headers ignored: truncated file/], [badSymtab, /^ELF symbol table ignored: .*not a string table/]] as const) {
      const mem = new PhysicalMemory(128 << 20);
      const cpu = new Cpu(mem);
      const r = bootMultiboot(mem, cpu, image, 'k');
      expect(r.entry).toBe(elf.entry);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatch(warning);
      // the disassembler, which lists sections, still refuses the file
      expect(() => parseElf32(image)).toThrow();
    }
  });

  it('loads a.out-kludge images at their addresses and zeroes the BSS', () => {
    const mem = new PhysicalMemory(4 << 20);
    mem.u8.fill(0xaa, 0x200040, 0x201000);
    const cpu = new Cpu(mem);
    const r = bootMultiboot(mem, cpu, kludgeImage(), 'k');
    expect(r.entry).toBe(0x200020);
    expect(mem.u8[0x200020]).toBe(0xf4);
    expect(mem.u8[0x200fff]).toBe(0);
    expect(cpu.eip).toBe(0x200020);
  });
});

describe('loading the guest kernel', () => {
  const mem = new PhysicalMemory(128 << 20);
  const cpu = new Cpu(mem);
  const r = bootMultiboot(mem, cpu, KERNEL, 'guest/kernel.elf run=sieve scale=0.1');
  const dv = mem.view;
  const MBI_ADDR = r.infoAddr;

  it('copies PT_LOAD segments to their physical addresses and enters at e_entry', () => {
    const elf = parseElf32(KERNEL);
    for (const p of elf.programHeaders.filter((ph) => ph.type === PT_LOAD && ph.filesz > 0)) {
      expect(Buffer.from(mem.u8.subarray(p.paddr, p.paddr + 64))).toEqual(Buffer.from(KERNEL.subarray(p.offset, p.offset + 64)));
    }
    expect(r.entry).toBe(elf.entry);
    expect(cpu.eip >>> 0).toBe(elf.entry);
  });

  it('leaves the CPU in flat protected mode with the Multiboot registers', () => {
    expect(cpu.regs[0] >>> 0).toBe(0x2badb002);
    expect(cpu.regs[3]).toBe(MBI_ADDR);
    expect(cpu.protectedMode).toBe(true);
    expect(cpu.cr0 & 0x80000000).toBe(0);
    expect(cpu.getEflags() & 0x200).toBe(0);
    expect(cpu.code32).toBe(true);
    expect(cpu.cpl).toBe(0);
  });

  it('writes flags, memory sizes, command line and loader name', () => {
    const flags = dv.getUint32(MBI_ADDR, true);
    expect(flags & 0x245).toBe(0x245);
    expect(dv.getUint32(MBI_ADDR + 4, true)).toBe(639);
    expect(dv.getUint32(MBI_ADDR + 8, true)).toBe(127 * 1024);
    const str = (a: number) => { let s = ''; while (mem.u8[a]) s += String.fromCharCode(mem.u8[a++]); return s; };
    expect(str(dv.getUint32(MBI_ADDR + 16, true))).toBe('guest/kernel.elf run=sieve scale=0.1');
    expect(str(dv.getUint32(MBI_ADDR + 64, true))).toBe('vmidbt');
  });

  it('puts the boot information on the first page after the image', () => {
    const imageEnd = Math.max(...r.ranges.map(([, e]) => e));
    expect(MBI_ADDR).toBe(Math.ceil(imageEnd / 4096) * 4096);
    expect(r.bootInfo[0]).toBe(MBI_ADDR);
    expect(r.bootInfo[1]).toBe(MBI_ADDR + 4096);
  });

  it('describes RAM, the reserved hole below 1 MiB and the boot information in the memory map', () => {
    const len = dv.getUint32(MBI_ADDR + 44, true);
    let p = dv.getUint32(MBI_ADDR + 48, true);
    const end = p + len;
    const entries: [number, number, number][] = [];
    while (p < end) {
      entries.push([dv.getUint32(p + 4, true), dv.getUint32(p + 12, true), dv.getUint32(p + 20, true)]);
      p += dv.getUint32(p, true) + 4;
    }
    const [start, stop] = r.bootInfo;
    expect(entries).toEqual([
      [0, 0x9fc00, 1],
      [0x9fc00, 0x60400, 2],
      [0x100000, start - 0x100000, 1],
      [start, stop - start, 2],
      [stop, (128 << 20) - stop, 1],
    ]);
  });
});
