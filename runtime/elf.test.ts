/**
 * The ELF32 reader on a small image built here byte by byte (so the test
 * needs no toolchain), on truncated and foreign files, and on the committed
 * guest kernel when it is present.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import {
  ElfError, executableSections, isElf, parseElf32, PF_R, PF_X, PT_LOAD, sectionData, segmentData,
  SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_ABS,
} from './elf.ts';

interface SymSpec { name: string; value: number; size: number; type: number; bind: number; shndx: number }

/**
 * An ET_EXEC with one PT_LOAD, sections .text (code) .data .symtab .strtab
 * .shstrtab, and the given symbols.
 */
function buildElf(code: number[], data: number[], syms: SymSpec[]): Uint8Array {
  const out: number[] = [];
  const u8 = (o: number, v: number) => { out[o] = v & 0xff; };
  const u16 = (o: number, v: number) => { u8(o, v); u8(o + 1, v >> 8); };
  const u32 = (o: number, v: number) => { u16(o, v); u16(o + 2, v >>> 16); };
  const align = () => { while (out.length % 4) out.push(0); };
  const put = (bytes: number[]) => { const o = out.length; out.push(...bytes); return o; };
  const str = (names: string[]) => {
    const offs: number[] = [];
    const bytes: number[] = [0];
    for (const n of names) { offs.push(bytes.length); bytes.push(...Buffer.from(n), 0); }
    return { offs, bytes };
  };

  for (let k = 0; k < 52 + 32; k++) out.push(0);
  const textOff = put(code);
  align();
  const dataOff = put(data);
  align();
  const strtab = str(syms.map((s) => s.name));
  const strOff = put(strtab.bytes);
  align();
  const symOff = out.length;
  for (let k = 0; k < 16; k++) out.push(0);
  syms.forEach((s, k) => {
    const o = out.length;
    for (let j = 0; j < 16; j++) out.push(0);
    u32(o, strtab.offs[k]); u32(o + 4, s.value); u32(o + 8, s.size);
    u8(o + 12, (s.bind << 4) | s.type); u16(o + 14, s.shndx);
  });
  const names = str(['.text', '.data', '.symtab', '.strtab', '.shstrtab']);
  const shstrOff = put(names.bytes);
  align();
  const shoff = out.length;
  const sh = (name: number, type: number, flags: number, addr: number, off: number, size: number, link = 0, info = 0, entsize = 0) => {
    const o = out.length;
    for (let j = 0; j < 40; j++) out.push(0);
    u32(o, name); u32(o + 4, type); u32(o + 8, flags); u32(o + 12, addr); u32(o + 16, off);
    u32(o + 20, size); u32(o + 24, link); u32(o + 28, info); u32(o + 32, 4); u32(o + 36, entsize);
  };
  sh(0, 0, 0, 0, 0, 0);
  sh(names.offs[0], 1, SHF_ALLOC | SHF_EXECINSTR, 0x100000, textOff, code.length);
  sh(names.offs[1], 1, SHF_ALLOC | SHF_WRITE, 0x100000 + dataOff - textOff, dataOff, data.length);
  sh(names.offs[2], 2, 0, 0, symOff, 16 * (syms.length + 1), 4, 1, 16);
  sh(names.offs[3], 3, 0, 0, strOff, strtab.bytes.length);
  sh(names.offs[4], 3, 0, 0, shstrOff, names.bytes.length);

  // ELF header: magic, ELFCLASS32, little-endian, version 1
  [0x7f, 0x45, 0x4c, 0x46, 1, 1, 1].forEach((b, k) => u8(k, b));
  u16(16, 2); u16(18, 3); u32(20, 1); u32(24, 0x100000); u32(28, 52); u32(32, shoff);
  u16(40, 52); u16(42, 32); u16(44, 1); u16(46, 40); u16(48, 6); u16(50, 5);
  // PT_LOAD: text and data, readable and executable, 0x20 bytes of bss after them
  const fileEnd = dataOff + data.length - textOff;
  u32(52, PT_LOAD); u32(56, textOff); u32(60, 0x100000); u32(64, 0x100000); u32(68, fileEnd);
  u32(72, fileEnd + 0x20); u32(76, PF_R | PF_X); u32(80, 0x1000);
  return Uint8Array.from(out);
}

const CODE = [0x55, 0x89, 0xe5, 0xc9, 0xc3];
const DATA = [1, 2, 3, 4];
const SYMS: SymSpec[] = [
  { name: 'main', value: 0x100000, size: 5, type: 2, bind: 1, shndx: 1 },
  { name: 'counter', value: 0x100008, size: 4, type: 1, bind: 0, shndx: 2 },
  { name: 'limit', value: 0x1234, size: 0, type: 0, bind: 1, shndx: SHN_ABS },
];

describe('parseElf32 on a good file', () => {
  const bytes = buildElf(CODE, DATA, SYMS);
  const elf = parseElf32(bytes);

  it('reads the header and entry point', () => {
    expect(isElf(bytes)).toBe(true);
    expect(elf.header.type).toBe(2);
    expect(elf.header.machine).toBe(3);
    expect(elf.entry).toBe(0x100000);
  });

  it('reads the program headers', () => {
    expect(elf.programHeaders).toHaveLength(1);
    const ph = elf.programHeaders[0];
    expect(ph).toMatchObject({ type: PT_LOAD, vaddr: 0x100000, paddr: 0x100000, filesz: 12, memsz: 12 + 0x20, flags: PF_R | PF_X });
    expect([...segmentData(elf, ph).subarray(0, 5)]).toEqual(CODE);
  });

  it('reads the section headers with their names', () => {
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.text', '.data', '.symtab', '.strtab', '.shstrtab']);
    expect(executableSections(elf).map((s) => s.name)).toEqual(['.text']);
    expect([...sectionData(elf, elf.sections[1])]).toEqual(CODE);
    expect([...sectionData(elf, elf.sections[2])]).toEqual(DATA);
    expect(elf.sections[2].flags).toBe(SHF_ALLOC | SHF_WRITE);
  });

  it('reads the symbol table', () => {
    expect(elf.symbols).toEqual([
      { name: 'main', value: 0x100000, size: 5, type: 'FUNC', bind: 'GLOBAL', shndx: 1 },
      { name: 'counter', value: 0x100008, size: 4, type: 'OBJECT', bind: 'LOCAL', shndx: 2 },
      { name: 'limit', value: 0x1234, size: 0, type: 'NOTYPE', bind: 'GLOBAL', shndx: SHN_ABS },
    ]);
  });
});

describe('symbol names', () => {
  it('are read as UTF-8 where they are not ASCII, and end at their NUL', () => {
    const syms = ['ascii_name', 'größe', 'a', 'λx.x', 'mixed_é_tail'].map((name, k) => ({ name, value: 0x100000 + k, size: 0, type: 2, bind: 1, shndx: 1 }));
    expect(parseElf32(buildElf(CODE, DATA, syms)).symbols.map((s) => s.name)).toEqual(['ascii_name', 'größe', 'a', 'λx.x', 'mixed_é_tail']);
  });
});

describe('parseElf32 on bad files', () => {
  const good = buildElf(CODE, DATA, SYMS);

  it('rejects a file that is not ELF', () => {
    const text = new TextEncoder().encode('#!/bin/sh\necho hello\n');
    expect(isElf(text)).toBe(false);
    expect(() => parseElf32(text)).toThrow(ElfError);
    expect(() => parseElf32(text)).toThrow(/not an ELF file/);
    expect(() => parseElf32(new Uint8Array(0))).toThrow(/not an ELF file/);
  });

  it('rejects a truncated header, program header table, section or section table', () => {
    expect(() => parseElf32(good.subarray(0, 40))).toThrow(/truncated ELF header \(40 bytes/);
    expect(() => parseElf32(good.subarray(0, 70))).toThrow(/truncated file: program header table/);
    expect(() => parseElf32(good.subarray(0, 60 + 32))).toThrow(/truncated file: segment 0/);
    expect(() => parseElf32(good.subarray(0, good.length - 10))).toThrow(/truncated file: section header table/);
  });

  it('rejects the wrong class, byte order or machine', () => {
    const elf64 = good.slice(); elf64[4] = 2;
    expect(() => parseElf32(elf64)).toThrow(/ELF64 file/);
    const be = good.slice(); be[5] = 2;
    expect(() => parseElf32(be)).toThrow(/big-endian/);
    const x86_64 = good.slice(); x86_64[18] = 62;
    expect(() => parseElf32(x86_64)).toThrow(/wrong machine 62/);
    expect(parseElf32(x86_64, null).header.machine).toBe(62);
  });

  it('rejects a symbol table whose string table link is wrong', () => {
    const bad = good.slice();
    const shoff = new DataView(bad.buffer).getUint32(32, true);
    // .symtab is section 3; point its sh_link at .data
    new DataView(bad.buffer).setUint32(shoff + 3 * 40 + 24, 2, true);
    expect(() => parseElf32(bad)).toThrow(/not a string table/);
  });
});

const KERNEL = new URL('../guest/kernel.elf', import.meta.url).pathname;

describe.skipIf(!existsSync(KERNEL))('parseElf32 on the guest kernel', () => {
  it('finds loadable segments, code sections and the entry symbol', () => {
    const elf = parseElf32(readFileSync(KERNEL));
    expect(elf.programHeaders.filter((p) => p.type === PT_LOAD).length).toBeGreaterThan(0);
    expect(executableSections(elf).map((s) => s.name)).toContain('.text');
    const start = elf.symbols.find((s) => s.name === '_start');
    expect(start?.value).toBe(elf.entry);
    // the entry point lies inside a loaded segment (by physical address: Multiboot loads there)
    expect(elf.programHeaders.some((p) => p.type === PT_LOAD && elf.entry >= p.paddr && elf.entry < p.paddr + p.memsz)).toBe(true);
  });
});
