/**
 * A small reader for 32-bit little-endian ELF files (i386).
 *
 * `parseElf32` validates the file header and then reads the three tables the
 * rest of the project needs: program headers (what a loader copies where:
 * the Multiboot loader uses the PT_LOAD entries), section headers (what the
 * disassembler lists: the executable sections) and the symbol table
 * (.symtab with its linked string table, for labels and `<sym+off>`); a
 * loader may take the last two as optional (a corrupt one is dropped with a
 * warning, as a Multiboot loader never needs them). Every
 * offset read from the file is bounds-checked first, so a truncated or
 * malformed file gives an `ElfError` naming what is wrong instead of a
 * RangeError or garbage. Nothing is copied: `sectionData` / `segmentData`
 * return views into the caller's buffer.
 */

export class ElfError extends Error {}

/** ELF constants the project uses (values from the System V ABI). */
export const EM_386 = 3;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHF_WRITE = 1;
export const SHF_ALLOC = 2;
export const SHF_EXECINSTR = 4;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;

export interface ElfHeader {
  /** e_type: ET_REL (object file), ET_EXEC, ET_DYN ... */
  type: number;
  machine: number;
  entry: number;
  phoff: number;
  shoff: number;
  flags: number;
  phnum: number;
  shnum: number;
  shstrndx: number;
}

export interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  /** PF_R | PF_W | PF_X */
  flags: number;
  align: number;
}

export interface Section {
  index: number;
  name: string;
  type: number;
  /** SHF_WRITE | SHF_ALLOC | SHF_EXECINSTR ... */
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export type SymbolType = 'NOTYPE' | 'OBJECT' | 'FUNC' | 'SECTION' | 'FILE' | 'OTHER';
export type SymbolBind = 'LOCAL' | 'GLOBAL' | 'WEAK' | 'OTHER';

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  type: SymbolType;
  bind: SymbolBind;
  /** section header index, or SHN_UNDEF / SHN_ABS / SHN_COMMON */
  shndx: number;
}

export interface Elf32 {
  header: ElfHeader;
  entry: number;
  programHeaders: ProgramHeader[];
  sections: Section[];
  /** .symtab contents (empty for a stripped file), in file order, without the null symbol */
  symbols: ElfSymbol[];
  /** the whole file, for sectionData / segmentData */
  bytes: Uint8Array;
  /** extras dropped under `extras: 'optional'` (one line each) */
  warnings: string[];
}

const SYM_TYPES: SymbolType[] = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE'];
const SYM_BINDS: SymbolBind[] = ['LOCAL', 'GLOBAL', 'WEAK'];

/** Does the buffer start with the ELF magic (whatever its class or machine)? */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/**
 * Parse an ELF32 little-endian file. `machine` is the required e_machine
 * (EM_386 by default; pass null to accept any). The file header and the
 * program headers must be sound; the section headers and the symbol table
 * are extras that a loader never needs, so with `extras: 'optional'` a
 * corrupt one is dropped with a line in `warnings` instead of refusing the
 * file (the disassembler, which lists sections, keeps them required).
 */
export function parseElf32(bytes: Uint8Array, machine: number | null = EM_386, opts: { extras?: 'required' | 'optional' } = {}): Elf32 {
  const file = new ElfFile(bytes);
  const header = file.header(machine);
  const programHeaders = file.programHeaders(header);
  const warnings: string[] = [];
  const extra = <T>(what: string, read: () => T[]): T[] => {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof ElfError) || opts.extras !== 'optional') throw e;
      warnings.push(`${what} ignored: ${e.message}`);
      return [];
    }
  };
  const sections = extra('section headers', () => file.sections(header));
  const symbols = extra('symbol table', () => file.symbols(sections));
  return { header, entry: header.entry, programHeaders, sections, symbols, bytes, warnings };
}

/** Bounds-checked reads of the tables of one ELF32 file. */
class ElfFile {
  private readonly dv: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private u16(o: number): number { return this.dv.getUint16(o, true); }
  private u32(o: number): number { return this.dv.getUint32(o, true); }

  private need(off: number, len: number, what: string): void {
    if (off + len > this.bytes.length) {
      throw new ElfError(`truncated file: ${what} at 0x${off.toString(16)}+${len} is past the end (${this.bytes.length} bytes)`);
    }
  }

  header(machine: number | null): ElfHeader {
    const bytes = this.bytes;
    if (!isElf(bytes)) throw new ElfError('not an ELF file (bad magic)');
    if (bytes.length < 52) throw new ElfError(`truncated ELF header (${bytes.length} bytes, need 52)`);
    if (bytes[4] !== 1) {
      throw new ElfError(bytes[4] === 2 ? 'ELF64 file: only 32-bit ELF is supported' : `bad ELF class ${bytes[4]}`);
    }
    if (bytes[5] !== 1) throw new ElfError('big-endian ELF file: only little-endian is supported');
    const header: ElfHeader = {
      type: this.u16(16), machine: this.u16(18), entry: this.u32(24), phoff: this.u32(28), shoff: this.u32(32),
      flags: this.u32(36), phnum: this.u16(44), shnum: this.u16(48), shstrndx: this.u16(50),
    };
    if (machine !== null && header.machine !== machine) {
      throw new ElfError(`wrong machine ${header.machine} in ELF header (expected ${machine}${machine === EM_386 ? ', i386' : ''})`);
    }
    return header;
  }

  programHeaders(header: ElfHeader): ProgramHeader[] {
    const out: ProgramHeader[] = [];
    if (header.phnum === 0) return out;
    const phentsize = this.u16(42);
    if (phentsize < 32) throw new ElfError(`bad program header size ${phentsize}`);
    this.need(header.phoff, header.phnum * phentsize, 'program header table');
    for (let k = 0; k < header.phnum; k++) {
      const o = header.phoff + k * phentsize;
      const ph: ProgramHeader = {
        type: this.u32(o), offset: this.u32(o + 4), vaddr: this.u32(o + 8), paddr: this.u32(o + 12),
        filesz: this.u32(o + 16), memsz: this.u32(o + 20), flags: this.u32(o + 24), align: this.u32(o + 28),
      };
      if (ph.type === PT_LOAD) this.need(ph.offset, ph.filesz, `segment ${k}`);
      out.push(ph);
    }
    return out;
  }

  sections(header: ElfHeader): Section[] {
    const out: Section[] = [];
    if (header.shoff === 0 || header.shnum === 0) return out;
    const shentsize = this.u16(46);
    if (shentsize < 40) throw new ElfError(`bad section header size ${shentsize}`);
    this.need(header.shoff, header.shnum * shentsize, 'section header table');
    for (let k = 0; k < header.shnum; k++) {
      const o = header.shoff + k * shentsize;
      const u = (d: number) => this.u32(o + d);
      const s: Section = {
        index: k, name: '', type: u(4), flags: u(8), addr: u(12), offset: u(16),
        size: u(20), link: u(24), info: u(28), addralign: u(32), entsize: u(36),
      };
      if (s.type !== SHT_NOBITS && k !== 0) this.need(s.offset, s.size, `section ${k}`);
      out.push(s);
    }
    // names need every header first: the name table is itself one of them
    const shstr = out[header.shstrndx];
    if (header.shstrndx !== SHN_UNDEF && shstr) {
      for (const s of out) s.name = cString(this.bytes, shstr, this.u32(header.shoff + s.index * shentsize));
    }
    return out;
  }

  symbols(sections: Section[]): ElfSymbol[] {
    const out: ElfSymbol[] = [];
    const symtab = sections.find((s) => s.type === SHT_SYMTAB);
    if (!symtab) return out;
    const strtab = sections[symtab.link];
    if (!strtab || strtab.type !== SHT_STRTAB) throw new ElfError(`symbol table links to section ${symtab.link}, not a string table`);
    const entsize = symtab.entsize || 16;
    if (entsize < 16) throw new ElfError(`bad symbol entry size ${entsize}`);
    // entry 0 is the reserved null symbol
    for (let o = symtab.offset + entsize; o + 16 <= symtab.offset + symtab.size; o += entsize) {
      const info = this.bytes[o + 12];
      out.push({
        name: cString(this.bytes, strtab, this.u32(o)),
        value: this.u32(o + 4),
        size: this.u32(o + 8),
        type: SYM_TYPES[info & 15] ?? 'OTHER',
        bind: SYM_BINDS[info >> 4] ?? 'OTHER',
        shndx: this.u16(o + 14),
      });
    }
    return out;
  }
}

/** A NUL-terminated string at `off` inside a string-table section. */
function cString(bytes: Uint8Array, table: Section, off: number): string {
  if (off >= table.size) throw new ElfError(`string offset ${off} outside '${table.name || table.index}' (${table.size} bytes)`);
  const start = table.offset + off;
  const limit = table.offset + table.size;
  // names are nearly always ASCII: built here, a name costs a third of a TextDecoder call on a
  // subarray (the built-in guest's 757 symbols: 0.6 ms a parse against 1.8, at every boot)
  let end = start;
  let ascii = '';
  for (; end < limit && bytes[end] !== 0; end++) {
    if (bytes[end] >= 0x80) {
      while (end < limit && bytes[end] !== 0) end++;
      return UTF8.decode(bytes.subarray(start, end));
    }
    ascii += String.fromCharCode(bytes[end]);
  }
  return ascii;
}

/** one decoder for the names that are not ASCII: making one costs more than decoding a name */
const UTF8 = new TextDecoder();

/** The file bytes of a section (empty for SHT_NOBITS such as .bss). */
export function sectionData(elf: Elf32, s: Section): Uint8Array {
  if (s.type === SHT_NOBITS) return new Uint8Array(0);
  return elf.bytes.subarray(s.offset, s.offset + s.size);
}

/** The file bytes of a segment (filesz of them; the loader zero-fills up to memsz). */
export function segmentData(elf: Elf32, ph: ProgramHeader): Uint8Array {
  return elf.bytes.subarray(ph.offset, ph.offset + ph.filesz);
}

/** Sections holding code: SHF_EXECINSTR with file contents. */
export function executableSections(elf: Elf32): Section[] {
  return elf.sections.filter((s) => (s.flags & SHF_EXECINSTR) !== 0 && s.type !== SHT_NOBITS && s.size > 0);
}
