/**
 * A Multiboot v1 loader that does what `qemu-system-i386 -kernel` does.
 *
 * The Multiboot header is the first 4-byte aligned occurrence of the magic
 * 0x1BADB002 in the image's first 8 KiB whose flags and checksum sum to
 * zero. Requirement bits (0-15) we do not understand refuse the image; bit
 * 16 ("a.out kludge") says where to load from the header's own address
 * fields, otherwise the image must be an i386 ELF whose PT_LOAD segments are
 * copied to their physical addresses (p_paddr) with the rest of p_memsz
 * zeroed. Only the ELF and program headers are needed: corrupt section
 * headers or symbols are ignored with a warning (`warnings`). The entry point is e_entry, translated from virtual to physical
 * when it falls inside a segment linked elsewhere.
 *
 * Boot information goes where it cannot collide with the image, as QEMU
 * does: from the first page boundary after the image's highest address
 * (its BSS included) come the information structure, the loader name, the
 * memory map, the module list and the command lines, then each module
 * (QEMU's `-initrd "a args,b"`: one file per module, its command line the
 * whole comma-separated item), page-aligned. The memory map lists that
 * range as reserved, so a kernel that allocates from the map leaves it
 * alone: conventional memory 0-0x9FC00, the EBDA/VGA/BIOS hole
 * 0x9FC00-0xFFFFF reserved, RAM from 1 MiB to the end of guest memory, less
 * the boot information. A kernel linked low (at 0x8000, as real-mode test
 * code is) loads: nothing but the image is placed below it.
 * The CPU then enters the image in flat
 * 32-bit protected mode at CPL 0, paging and interrupts off, EAX =
 * 0x2BADB002, EBX = the structure's address.
 */
import { ElfError, EM_386, isElf, parseElf32, PT_LOAD } from '../elf.ts';
import type { PhysicalMemory } from '../../cpu/memory.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { enterFlatProtectedMode } from '../../cpu/setup.ts';
import { Reg } from '../../isa/instr.ts';
import { HIGH_RAM_START, LOW_RAM_END, pcMemoryMap, withReserved } from './memory-map.ts';
import { LoaderError } from './errors.ts';

export const MULTIBOOT_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** offsets in the boot information area (after the image) */
const INFO = { NAME: 0x80, MMAP: 0x100, MODS: 0x200 } as const;
const MMAP_ENTRY = 24, MOD_ENTRY = 16;
const PAGE = 0x1000;
const pageUp = (a: number) => Math.ceil(a / PAGE) * PAGE;

/** a Multiboot module: its bytes and its command line */
export interface BootModule {
  data: Uint8Array;
  cmdline: string;
}

export interface MultibootHeader {
  offset: number;
  flags: number;
  headerAddr?: number;
  loadAddr?: number;
  loadEndAddr?: number;
  bssEndAddr?: number;
  entryAddr?: number;
}

export interface LoadedImage {
  entry: number;
  /** [start, end) physical ranges written (segments and BSS) */
  ranges: [number, number][];
  infoAddr: number;
  /** [start, end) of the boot information and modules (reserved in the memory map) */
  bootInfo: [number, number];
  /** where each module went: [start, end) */
  modules: [number, number][];
  header: MultibootHeader;
  /** what the loader ignored (corrupt ELF section headers or symbols), one line each */
  warnings: string[];
}

/** Find and check the Multiboot header (null if there is none). */
export function findMultibootHeader(image: Uint8Array): MultibootHeader | null {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const limit = Math.min(8192, image.length) - 12;
  for (let off = 0; off <= limit; off += 4) {
    if (dv.getUint32(off, true) !== MULTIBOOT_MAGIC) continue;
    const flags = dv.getUint32(off + 4, true);
    const sum = (MULTIBOOT_MAGIC + flags + dv.getUint32(off + 8, true)) >>> 0;
    if (sum !== 0) {
      throw new LoaderError(`Multiboot header at offset 0x${off.toString(16)} has a bad checksum`);
    }
    const h: MultibootHeader = { offset: off, flags };
    if (flags & 0x10000) {
      if (off + 32 > image.length) throw new LoaderError('Multiboot header truncated (a.out address fields missing)');
      h.headerAddr = dv.getUint32(off + 12, true);
      h.loadAddr = dv.getUint32(off + 16, true);
      h.loadEndAddr = dv.getUint32(off + 20, true);
      h.bssEndAddr = dv.getUint32(off + 24, true);
      h.entryAddr = dv.getUint32(off + 28, true);
    }
    return h;
  }
  return null;
}

function checkRange(mem: PhysicalMemory, start: number, len: number, what: string): void {
  if (start < 0x1000 || start + len > mem.size) {
    throw new LoaderError(`${what} at 0x${start.toString(16)}..0x${(start + len).toString(16)} does not fit in guest RAM (${mem.size / 1048576} MiB)`);
  }
}

/** Copy the kernel into guest memory; returns the entry point and what was written. */
export function loadImage(mem: PhysicalMemory, image: Uint8Array): { entry: number; ranges: [number, number][]; header: MultibootHeader; warnings: string[] } {
  const header = findMultibootHeader(image);
  if (!header) throw new LoaderError('not a Multiboot kernel: no Multiboot header in the first 8 KiB');
  const unknown = header.flags & 0xfff8;
  if (unknown) throw new LoaderError(`Multiboot header requires features this loader lacks (flags 0x${(header.flags >>> 0).toString(16)})`);
  const ranges: [number, number][] = [];

  if (header.flags & 0x10000) {
    // a.out kludge: the header says where its own bytes go
    const { headerAddr, loadAddr, entryAddr } = header as Required<MultibootHeader>;
    let { loadEndAddr, bssEndAddr } = header as Required<MultibootHeader>;
    if (loadAddr > headerAddr) throw new LoaderError('Multiboot a.out kludge: load_addr is above header_addr');
    const fileStart = header.offset - (headerAddr - loadAddr);
    if (fileStart < 0) throw new LoaderError('Multiboot a.out kludge: header_addr - load_addr points before the file');
    if (loadEndAddr === 0) loadEndAddr = loadAddr + (image.length - fileStart);
    const len = loadEndAddr - loadAddr;
    if (len < 0 || fileStart + len > image.length) throw new LoaderError('Multiboot a.out kludge: load_end_addr is past the end of the file');
    checkRange(mem, loadAddr, len, 'image');
    mem.load(loadAddr, image.subarray(fileStart, fileStart + len));
    ranges.push([loadAddr, loadEndAddr]);
    if (bssEndAddr > loadEndAddr) {
      checkRange(mem, loadEndAddr, bssEndAddr - loadEndAddr, 'BSS');
      mem.u8.fill(0, loadEndAddr, bssEndAddr);
      ranges.push([loadEndAddr, bssEndAddr]);
    }
    return { entry: entryAddr, ranges, header, warnings: [] };
  }

  if (!isElf(image)) throw new LoaderError('Multiboot header without a.out addresses, and the image is not ELF');
  let elf;
  try {
    // only the program headers matter here: section headers and symbols are extras, dropped with a warning if corrupt
    elf = parseElf32(image, EM_386, { extras: 'optional' });
  } catch (e) {
    if (e instanceof ElfError) throw new LoaderError(`malformed ELF: ${e.message}`);
    throw e;
  }
  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0);
  if (!loads.length) throw new LoaderError('ELF image has no PT_LOAD segment');
  let entry = elf.entry >>> 0;
  for (const p of loads) {
    if (p.filesz > p.memsz) throw new LoaderError(`ELF segment at 0x${p.paddr.toString(16)} has filesz > memsz`);
    if (p.offset + p.filesz > image.length) throw new LoaderError(`ELF segment at 0x${p.paddr.toString(16)} is past the end of the file`);
    checkRange(mem, p.paddr, p.memsz, 'ELF segment');
    mem.load(p.paddr, image.subarray(p.offset, p.offset + p.filesz));
    mem.u8.fill(0, p.paddr + p.filesz, p.paddr + p.memsz);
    ranges.push([p.paddr, p.paddr + p.memsz]);
  }
  // an entry given as a virtual address of a segment linked elsewhere becomes physical
  const inPhys = loads.some((p) => entry >= p.paddr && entry < p.paddr + p.memsz);
  if (!inPhys) {
    const seg = loads.find((p) => entry >= p.vaddr && entry < p.vaddr + p.memsz);
    if (!seg) throw new LoaderError(`ELF entry point 0x${entry.toString(16)} is outside every loaded segment`);
    entry = entry - seg.vaddr + seg.paddr;
  }
  return { entry, ranges, header, warnings: elf.warnings.map((w) => `ELF ${w}`) };
}

/**
 * Write the Multiboot information and the modules from `area` (a page
 * boundary after the image); returns the structure's address, the end of
 * what was written and where each module went.
 */
export function writeBootInfo(mem: PhysicalMemory, cmdline: string, modules: BootModule[], area: number): { infoAddr: number; end: number; modules: [number, number][] } {
  const enc = new TextEncoder();
  const strings = [cmdline, ...modules.map((m) => m.cmdline)].map((t) => enc.encode(t + '\0'));
  const stringsAt = area + INFO.MODS + MOD_ENTRY * modules.length;
  const infoEnd = pageUp(stringsAt + strings.reduce((n, b) => n + b.length, 0));
  const placed: [number, number][] = [];
  let end = infoEnd;
  for (const m of modules) {
    placed.push([end, end + m.data.length]);
    end = pageUp(end + m.data.length);
  }
  if (end > mem.size) {
    throw new LoaderError(`the Multiboot information and modules (0x${area.toString(16)}..0x${end.toString(16)}) do not fit in guest RAM (${mem.size / 1048576} MiB)`,
      Math.ceil(end / 1048576));
  }
  mem.u8.fill(0, area, infoEnd);
  const dv = mem.view;
  let p = stringsAt;
  const stringAddrs = strings.map((b) => { const at = p; mem.load(at, b); p += b.length; return at; });
  mem.load(area + INFO.NAME, enc.encode('vmidbt'));
  modules.forEach((m, k) => {
    mem.load(placed[k][0], m.data);
    const e = area + INFO.MODS + MOD_ENTRY * k;
    dv.setUint32(e, placed[k][0], true);
    dv.setUint32(e + 4, placed[k][1], true);
    dv.setUint32(e + 8, stringAddrs[k + 1], true);
  });
  const mmapLength = writeMemoryMap(mem, area + INFO.MMAP, area, end);
  // flags: mem_* (0), cmdline (2), mods (3), mmap_* (6), boot_loader_name (9)
  dv.setUint32(area + 0, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9), true);
  dv.setUint32(area + 4, LOW_RAM_END / 1024, true);
  dv.setUint32(area + 8, (mem.size - HIGH_RAM_START) / 1024, true);
  dv.setUint32(area + 16, stringAddrs[0], true);
  dv.setUint32(area + 20, modules.length, true);
  dv.setUint32(area + 24, area + INFO.MODS, true);
  dv.setUint32(area + 44, mmapLength, true);
  dv.setUint32(area + 48, area + INFO.MMAP, true);
  dv.setUint32(area + 64, area + INFO.NAME, true);
  return { infoAddr: area, end, modules: placed };
}

/** The memory map entries (size 20, base, length, type) at `at`, the boot information reserved; returns their bytes. */
function writeMemoryMap(mem: PhysicalMemory, at: number, reservedStart: number, reservedEnd: number): number {
  const dv = mem.view;
  let p = at;
  for (const { base, length: len, type } of withReserved(pcMemoryMap(mem.size), reservedStart, reservedEnd)) {
    dv.setUint32(p, 20, true);
    dv.setUint32(p + 4, base, true);
    dv.setUint32(p + 8, 0, true);
    dv.setUint32(p + 12, len, true);
    dv.setUint32(p + 16, 0, true);
    dv.setUint32(p + 20, type, true);
    p += MMAP_ENTRY;
  }
  return p - at;
}

/**
 * Where boot information may go: the first page boundary after the image,
 * moved to 1 MiB if it would run into the hole below 1 MiB.
 */
function bootInfoArea(ranges: [number, number][], bytes: number): number {
  let area = pageUp(Math.max(...ranges.map(([, end]) => end)));
  if (area < HIGH_RAM_START && area + bytes > LOW_RAM_END) area = HIGH_RAM_START;
  return area;
}

/**
 * Load a Multiboot kernel and set up the boot CPU to enter it.
 * `cmdline` is the whole command line (QEMU passes the image name first).
 */
export function bootMultiboot(mem: PhysicalMemory, cpu: Cpu, image: Uint8Array, cmdline: string, modules: BootModule[] = []): LoadedImage {
  if (mem.size < 2 * 1024 * 1024) throw new LoaderError('guest memory must be at least 2 MiB');
  const { entry, ranges, header, warnings } = loadImage(mem, image);
  const infoBytes = INFO.MODS + MOD_ENTRY * modules.length + cmdline.length + modules.reduce((n, m) => n + m.cmdline.length + 1, 1);
  const area = bootInfoArea(ranges, infoBytes);
  const { infoAddr, end, modules: placed } = writeBootInfo(mem, cmdline, modules, area);
  enterFlatProtectedMode(cpu);
  cpu.regs.fill(0);
  cpu.regs[Reg.EAX] = MULTIBOOT_BOOTLOADER_MAGIC | 0;
  cpu.regs[Reg.EBX] = infoAddr;
  cpu.eip = entry | 0;
  return { entry, ranges, infoAddr, bootInfo: [area, end], modules: placed, header, warnings };
}
