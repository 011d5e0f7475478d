/**
 * A loader for Linux/x86 kernels (bzImage) through the "32-bit boot
 * protocol" of the kernel's Documentation/arch/x86/boot.rst: no BIOS and no
 * real-mode setup code run; the loader fills in the zero page (`struct
 * boot_params`) itself and enters the protected-mode kernel.
 *
 * A bzImage is recognised by "HdrS" at 0x202. Protocol 2.06 or later is
 * required (the version that made cmdline_size and the 32-bit entry with a
 * zero page dependable); the image must be a bzImage (LOADED_HIGH) and not
 * a 64-bit-only kernel (XLF_KERNEL_64 says its entry expects long mode).
 *
 * Placement: the protected-mode part (the file after its 512-byte sectors
 * of real-mode setup) goes to `pref_address` when the kernel is relocatable
 * and its `init_size` bytes fit there, else to `code32_start`. The kernel
 * unpacks itself within [load address, load address + init_size) (a
 * relocatable kernel loaded low moves up to its preferred address first),
 * so that range must fit in RAM. The initrd goes as high as it can, page
 * aligned, below both the top of RAM and `initrd_addr_max`, and above the
 * kernel's unpacking range, as QEMU puts it.
 *
 * Low memory used by the loader: the zero page at 0x10000, a GDT at
 * 0x11000 and the command line at 0x20000, all in conventional RAM the
 * kernel copies out of before it allocates memory.
 *
 * Entry state: flat 4 GiB segments from that GDT (CS = 0x10, DS = ES = SS
 * = 0x18, the selectors the protocol names), CPL 0, paging and interrupts
 * off, ESI = the zero page, EBX = EBP = EDI = 0, EIP = the load address.
 */
import type { PhysicalMemory } from '../../cpu/memory.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import { enterFlatProtectedMode } from '../../cpu/setup.ts';
import { Reg } from '../../isa/instr.ts';
import { HIGH_RAM_START, pcMemoryMap } from './memory-map.ts';
import { LoaderError } from './errors.ts';

export const ZERO_PAGE = 0x10000;
export const BOOT_GDT = 0x11000;
export const CMDLINE_ADDR = 0x20000;
export const BOOT_CS = 0x10;
export const BOOT_DS = 0x18;
/** "undefined" in the protocol's boot loader id table: vmidbt has no assigned id */
export const LOADER_TYPE = 0xff;
const MIB = 1 << 20;

/** Offsets in the zero page (the setup header keeps its offsets from the image). */
export const BP = {
  acpiRsdpAddr: 0x070,
  altMemK: 0x1e0,
  e820Entries: 0x1e8,
  setupHeader: 0x1f1,
  e820Table: 0x2d0,
} as const;

/** Offsets of setup header fields, in both the image and the zero page. */
export const HDR = {
  setupSects: 0x1f1,
  bootFlag: 0x1fe,
  jump: 0x200,
  magic: 0x202,
  version: 0x206,
  typeOfLoader: 0x210,
  loadflags: 0x211,
  code32Start: 0x214,
  ramdiskImage: 0x218,
  ramdiskSize: 0x21c,
  heapEndPtr: 0x224,
  cmdLinePtr: 0x228,
  initrdAddrMax: 0x22c,
  kernelAlignment: 0x230,
  relocatable: 0x234,
  xloadflags: 0x236,
  cmdlineSize: 0x238,
  prefAddress: 0x258,
  initSize: 0x260,
} as const;

const HDRS = 0x53726448; // "HdrS"
const LOADED_HIGH = 0x01;
const CAN_USE_HEAP = 0x80;
const XLF_KERNEL_64 = 0x01;
const E820_MAX = 128;

export interface LinuxHeader {
  version: number;
  setupSects: number;
  loadflags: number;
  xloadflags: number;
  code32Start: number;
  relocatable: boolean;
  kernelAlignment: number;
  prefAddress: number;
  initSize: number;
  initrdAddrMax: number;
  cmdlineSize: number;
  /** file offset of the protected-mode kernel */
  pmOffset: number;
  /** end of the setup header in the image (0x202 + the jump's displacement byte) */
  headerEnd: number;
}

export interface LinuxBoot {
  header: LinuxHeader;
  /** where the protected-mode kernel was put, and its entry */
  loadAddr: number;
  /** end of the range the kernel unpacks itself into */
  kernelEnd: number;
  initrd: { addr: number; size: number } | null;
  zeroPage: number;
}

/** Is this a Linux bzImage (a setup header with the "HdrS" magic)? */
export function isLinuxImage(image: Uint8Array): boolean {
  return image.length >= 0x210 && new DataView(image.buffer, image.byteOffset, image.byteLength).getUint32(HDR.magic, true) === HDRS;
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
const mib = (bytes: number) => Math.ceil(bytes / MIB);

/** Read and check the setup header of a bzImage. */
export function parseLinuxHeader(image: Uint8Array): LinuxHeader {
  if (!isLinuxImage(image)) throw new LoaderError('not a Linux kernel: no "HdrS" setup header at offset 0x202');
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const version = dv.getUint16(HDR.version, true);
  const v = `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
  if (version < 0x206) throw new LoaderError(`Linux boot protocol ${v} is too old: vmidbt needs 2.06 or later (Linux 2.6.22 and later)`);
  const headerEnd = 0x202 + image[HDR.jump + 1];
  if (headerEnd < HDR.initSize + 4 && version >= 0x20a) throw new LoaderError(`malformed setup header: it ends at ${hex(headerEnd)}`);
  const loadflags = image[HDR.loadflags];
  if (!(loadflags & LOADED_HIGH)) throw new LoaderError('zImage kernels (loaded below 1 MiB) are not supported: use a bzImage');
  const xloadflags = version >= 0x20c ? dv.getUint16(HDR.xloadflags, true) : 0;
  if (xloadflags & XLF_KERNEL_64) throw new LoaderError('this is a 64-bit (x86-64) kernel: vmidbt runs 32-bit i386 kernels only');
  const setupSects = image[HDR.setupSects] || 4;
  const pmOffset = (setupSects + 1) * 512;
  if (pmOffset >= image.length) throw new LoaderError(`truncated kernel: ${setupSects} setup sectors but the file has ${image.length} bytes`);
  const pmSize = image.length - pmOffset;
  return {
    version, setupSects, loadflags, xloadflags, headerEnd, pmOffset,
    code32Start: dv.getUint32(HDR.code32Start, true),
    relocatable: version >= 0x205 && image[HDR.relocatable] !== 0,
    kernelAlignment: dv.getUint32(HDR.kernelAlignment, true),
    prefAddress: version >= 0x20a ? dv.getUint32(HDR.prefAddress, true) : 0,
    // before 2.10 there is no init_size: assume the kernel unpacks to at most four times its compressed size
    initSize: Math.max(version >= 0x20a ? dv.getUint32(HDR.initSize, true) : pmSize * 4, pmSize),
    initrdAddrMax: dv.getUint32(HDR.initrdAddrMax, true) >>> 0,
    cmdlineSize: version >= 0x206 ? dv.getUint32(HDR.cmdlineSize, true) : 255,
  };
}

/** Where the protected-mode kernel goes: the preferred address when relocatable and it fits there. */
function placeKernel(h: LinuxHeader, ramBytes: number): number {
  const fits = (at: number) => at >= HIGH_RAM_START && at + h.initSize <= ramBytes;
  if (h.relocatable && h.prefAddress && fits(h.prefAddress)) return h.prefAddress;
  if (!fits(h.code32Start)) {
    // a relocatable kernel loaded low still moves up to its preferred (compiled-in) address to unpack
    const runsAt = h.relocatable ? Math.max(h.code32Start, h.prefAddress) : h.code32Start;
    const need = mib(runsAt + h.initSize);
    throw new LoaderError(`the kernel needs at least ${need} MiB of guest RAM to unpack itself (init_size ${hex(h.initSize)} at ${hex(runsAt)}); the machine has ${mib(ramBytes)} MiB`, need);
  }
  return h.code32Start;
}

/** Put the initrd as high as allowed; throws when it cannot fit above the kernel. */
function placeInitrd(h: LinuxHeader, kernelEnd: number, ramBytes: number, size: number): number {
  const ceiling = Math.min(ramBytes, h.initrdAddrMax + 1);
  const addr = Math.floor((ceiling - size) / 4096) * 4096;
  if (addr < kernelEnd) {
    const need = mib(kernelEnd + size + 4096);
    const limit = ceiling < ramBytes ? `initrd_addr_max ${hex(h.initrdAddrMax)}` : `the top of RAM (${mib(ramBytes)} MiB)`;
    throw new LoaderError(`the initrd (${(size / MIB).toFixed(1)} MiB) does not fit between the kernel (up to ${hex(kernelEnd)}) and ${limit}`,
      ceiling < ramBytes ? undefined : need);
  }
  return addr;
}

/** A GDT with the flat code (0x10) and data (0x18) descriptors the protocol's entry requires. */
function writeBootGdt(mem: PhysicalMemory, cpu: Cpu): void {
  const dv = mem.view;
  mem.u8.fill(0, BOOT_GDT, BOOT_GDT + 32);
  // limit 0xFFFFF pages, base 0; access 0x9B (code) / 0x93 (data); flags G and D/B
  dv.setUint32(BOOT_GDT + BOOT_CS, 0x0000ffff, true);
  dv.setUint32(BOOT_GDT + BOOT_CS + 4, 0x00cf9b00, true);
  dv.setUint32(BOOT_GDT + BOOT_DS, 0x0000ffff, true);
  dv.setUint32(BOOT_GDT + BOOT_DS + 4, 0x00cf9300, true);
  cpu.gdtBase = BOOT_GDT;
  cpu.gdtLimit = 31;
}

/** The zero page: the image's setup header, then what the loader fills in. */
function writeZeroPage(mem: PhysicalMemory, image: Uint8Array, h: LinuxHeader, boot: LinuxBoot, rsdp: number): void {
  const dv = mem.view;
  const zp = ZERO_PAGE;
  mem.u8.fill(0, zp, zp + 4096);
  mem.load(zp + BP.setupHeader, image.subarray(BP.setupHeader, h.headerEnd));
  mem.u8[zp + HDR.typeOfLoader] = LOADER_TYPE;
  // no real-mode setup code runs, so there is no heap to offer it
  mem.u8[zp + HDR.loadflags] = h.loadflags & ~CAN_USE_HEAP;
  dv.setUint16(zp + HDR.heapEndPtr, 0, true);
  dv.setUint32(zp + HDR.code32Start, boot.loadAddr, true);
  dv.setUint32(zp + HDR.cmdLinePtr, CMDLINE_ADDR, true);
  dv.setUint32(zp + HDR.ramdiskImage, boot.initrd?.addr ?? 0, true);
  dv.setUint32(zp + HDR.ramdiskSize, boot.initrd?.size ?? 0, true);
  dv.setUint32(zp + BP.acpiRsdpAddr, rsdp, true);
  dv.setUint32(zp + BP.altMemK, (mem.size - HIGH_RAM_START) / 1024, true);
  const map = pcMemoryMap(mem.size);
  if (map.length > E820_MAX) throw new LoaderError('memory map too long for the zero page');
  mem.u8[zp + BP.e820Entries] = map.length;
  map.forEach((r, k) => {
    const e = zp + BP.e820Table + k * 20;
    dv.setUint32(e, r.base, true);
    dv.setUint32(e + 8, r.length, true);
    dv.setUint32(e + 16, r.type, true);
  });
}

/**
 * Load a bzImage, its initrd and command line into `mem` and set up `cpu`
 * (the boot processor) at the kernel's 32-bit entry. `rsdp` is where the
 * ACPI tables' root pointer was written.
 */
export function bootLinux(mem: PhysicalMemory, cpu: Cpu, image: Uint8Array, opts: { cmdline: string; initrd?: Uint8Array; rsdp: number }): LinuxBoot {
  const h = parseLinuxHeader(image);
  const cmd = new TextEncoder().encode(opts.cmdline);
  if (cmd.length > h.cmdlineSize) throw new LoaderError(`command line too long: ${cmd.length} bytes, the kernel takes at most ${h.cmdlineSize}`);
  const loadAddr = placeKernel(h, mem.size);
  const kernelEnd = loadAddr + h.initSize;
  const initrd = opts.initrd?.length ? { addr: placeInitrd(h, kernelEnd, mem.size, opts.initrd.length), size: opts.initrd.length } : null;
  const boot: LinuxBoot = { header: h, loadAddr, kernelEnd, initrd, zeroPage: ZERO_PAGE };

  mem.load(loadAddr, image.subarray(h.pmOffset));
  if (initrd) mem.load(initrd.addr, opts.initrd!);
  mem.u8.fill(0, CMDLINE_ADDR, CMDLINE_ADDR + cmd.length + 1);
  mem.load(CMDLINE_ADDR, cmd);
  writeZeroPage(mem, image, h, boot, opts.rsdp);

  writeBootGdt(mem, cpu);
  enterFlatProtectedMode(cpu, BOOT_CS, BOOT_DS);
  cpu.regs.fill(0);
  cpu.regs[Reg.ESI] = ZERO_PAGE;
  cpu.eip = loadAddr;
  return boot;
}
