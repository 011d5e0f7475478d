/**
 * A Multiboot v1 loader that does what `qemu-system-i386 -kernel` does.
 *
 * The Multiboot header is the first 4-byte aligned occurrence of the magic
 * 0x1BADB002 in the image's first 8 KiB whose flags and checksum sum to
 * zero. Requirement bits (0-15) we do not understand refuse the image; bit
 * 16 ("a.out kludge") says where to load from the header's own address
 * fields, otherwise the image must be an i386 ELF whose PT_LOAD segments are
 * copied to their physical addresses (p_paddr) with the rest of p_memsz
 * zeroed. The entry point is e_entry, translated from virtual to physical
 * when it falls inside a segment linked elsewhere.
 *
 * The Multiboot information structure, the command line, the loader name
 * and the memory map go in one page at 0x9000 (below 1 MiB, which a
 * Multiboot kernel treats as not its own to allocate): conventional memory
 * 0-0x9FC00, the EBDA/VGA/BIOS hole 0x9FC00-0xFFFFF reserved, then RAM from
 * 1 MiB to the end of guest memory. The CPU then enters the image in flat
 * 32-bit protected mode at CPL 0, paging and interrupts off, EAX =
 * 0x2BADB002, EBX = the structure's address.
 */
import { ElfError, isElf, parseElf32, PT_LOAD } from '../elf.ts';
import type { PhysicalMemory } from '../../cpu/memory.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { enterFlatProtectedMode } from '../../cpu/setup.ts';
import { Reg } from '../../isa/instr.ts';
import { LOW_RAM_END, pcMemoryMap } from './memory-map.ts';
import { LoaderError } from './errors.ts';

export const MULTIBOOT_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** where the information structure and its strings and map go */
export const MBI_ADDR = 0x9000;
const MBI_NAME = MBI_ADDR + 0x80;
const MBI_MMAP = MBI_ADDR + 0x100;
const MBI_CMDLINE = MBI_ADDR + 0x200;
const MBI_END = MBI_ADDR + 0x1000;

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
  header: MultibootHeader;
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
  if (start < MBI_END && start + len > MBI_ADDR) {
    throw new LoaderError(`${what} at 0x${start.toString(16)} overlaps the Multiboot information at 0x${MBI_ADDR.toString(16)}`);
  }
}

/** Copy the kernel into guest memory; returns the entry point and what was written. */
export function loadImage(mem: PhysicalMemory, image: Uint8Array): { entry: number; ranges: [number, number][]; header: MultibootHeader } {
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
    return { entry: entryAddr, ranges, header };
  }

  if (!isElf(image)) throw new LoaderError('Multiboot header without a.out addresses, and the image is not ELF');
  let elf;
  try {
    elf = parseElf32(image);
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
  return { entry, ranges, header };
}

/** Write the Multiboot information structure for `mem`; returns its address. */
export function writeBootInfo(mem: PhysicalMemory, cmdline: string): number {
  const dv = mem.view;
  mem.u8.fill(0, MBI_ADDR, MBI_END);
  const cmd = new TextEncoder().encode(cmdline);
  if (cmd.length > MBI_END - MBI_CMDLINE - 1) throw new LoaderError(`command line too long (${cmd.length} bytes, at most ${MBI_END - MBI_CMDLINE - 1})`);
  mem.load(MBI_CMDLINE, cmd);
  mem.load(MBI_NAME, new TextEncoder().encode('vmidbt'));
  // memory map entries: size (of the rest, 20), base (64), length (64), type (1 RAM, 2 reserved)
  let p = MBI_MMAP;
  for (const { base, length: len, type } of pcMemoryMap(mem.size)) {
    dv.setUint32(p, 20, true);
    dv.setUint32(p + 4, base, true);
    dv.setUint32(p + 8, 0, true);
    dv.setUint32(p + 12, len, true);
    dv.setUint32(p + 16, 0, true);
    dv.setUint32(p + 20, type, true);
    p += 24;
  }
  // flags: mem_* (0), cmdline (2), mmap_* (6), boot_loader_name (9)
  dv.setUint32(MBI_ADDR + 0, (1 << 0) | (1 << 2) | (1 << 6) | (1 << 9), true);
  dv.setUint32(MBI_ADDR + 4, LOW_RAM_END / 1024, true);
  dv.setUint32(MBI_ADDR + 8, (mem.size - 0x100000) / 1024, true);
  dv.setUint32(MBI_ADDR + 16, MBI_CMDLINE, true);
  dv.setUint32(MBI_ADDR + 44, p - MBI_MMAP, true);
  dv.setUint32(MBI_ADDR + 48, MBI_MMAP, true);
  dv.setUint32(MBI_ADDR + 64, MBI_NAME, true);
  return MBI_ADDR;
}

/**
 * Load a Multiboot kernel and set up the boot CPU to enter it.
 * `cmdline` is the whole command line (QEMU passes the image name first).
 */
export function bootMultiboot(mem: PhysicalMemory, cpu: Cpu, image: Uint8Array, cmdline: string): LoadedImage {
  if (mem.size < 2 * 1024 * 1024) throw new LoaderError('guest memory must be at least 2 MiB');
  const { entry, ranges, header } = loadImage(mem, image);
  const infoAddr = writeBootInfo(mem, cmdline);
  enterFlatProtectedMode(cpu);
  cpu.regs.fill(0);
  cpu.regs[Reg.EAX] = MULTIBOOT_BOOTLOADER_MAGIC | 0;
  cpu.regs[Reg.EBX] = infoAddr;
  cpu.eip = entry | 0;
  return { entry, ranges, infoAddr, header };
}
