import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../cpu/memory.ts';
import { Cpu } from '../../cpu/cpu.ts';
import { Reg, Seg } from '../../isa/instr.ts';
import { bootLinux, isLinuxImage, parseLinuxHeader, BP, HDR, ZERO_PAGE, CMDLINE_ADDR, BOOT_GDT, LOADER_TYPE } from './linux.ts';
import { LoaderError } from './errors.ts';
import { Machine } from '../machine.ts';
import { RSDP_ADDR } from './acpi.ts';
import { bzImage, PAYLOAD } from '../../spec-tests/bzimage.ts';

const MIB = 1 << 20;

function boot(image: Uint8Array, memMiB = 16, opts: { cmdline?: string; initrd?: Uint8Array } = {}) {
  const mem = new PhysicalMemory(memMiB * MIB);
  const cpu = new Cpu(mem);
  const r = bootLinux(mem, cpu, image, { cmdline: opts.cmdline ?? 'console=ttyS0', initrd: opts.initrd, rsdp: RSDP_ADDR });
  return { mem, cpu, r, dv: mem.view };
}

function loaderError(f: () => unknown): LoaderError {
  try { f(); } catch (e) { if (e instanceof LoaderError) return e; throw e; }
  throw new Error('no LoaderError');
}

describe('bzImage setup header', () => {
  it('is recognised by "HdrS" and read', () => {
    expect(isLinuxImage(bzImage())).toBe(true);
    expect(isLinuxImage(new Uint8Array(4096))).toBe(false);
    const h = parseLinuxHeader(bzImage({ setupSects: 3 }));
    expect(h).toMatchObject({ version: 0x20f, setupSects: 3, pmOffset: 2048, relocatable: true, prefAddress: 0x400000, initSize: 0x200000, headerEnd: 0x268 });
  });

  it('refuses an old protocol, a zImage, a 64-bit kernel and a truncated file, each in one line', () => {
    expect(loaderError(() => parseLinuxHeader(bzImage({ version: 0x205 }))).message).toMatch(/boot protocol 2\.05 is too old: vmidbt needs 2\.06 or later/);
    expect(loaderError(() => parseLinuxHeader(bzImage({ loadflags: 0 }))).message).toMatch(/zImage/);
    expect(loaderError(() => parseLinuxHeader(bzImage({ xloadflags: 1 }))).message).toMatch(/64-bit \(x86-64\) kernel/);
    expect(loaderError(() => parseLinuxHeader(bzImage({ setupSects: 1 }, []))).message).toMatch(/truncated/);
  });
});

describe('placement', () => {
  it('puts a relocatable kernel at pref_address when it fits, else at code32_start', () => {
    expect(boot(bzImage()).r.loadAddr).toBe(0x400000);
    expect(boot(bzImage({ relocatable: 0 })).r.loadAddr).toBe(0x100000);
    expect(boot(bzImage({ prefAddress: 0x1000000 }), 8).r.loadAddr).toBe(0x100000);
    const { mem, r } = boot(bzImage());
    expect([...mem.u8.subarray(r.loadAddr, r.loadAddr + PAYLOAD.length)]).toEqual(PAYLOAD);
    expect(r.kernelEnd).toBe(0x600000);
  });

  it('says how much memory a kernel needs when init_size does not fit', () => {
    const e = loaderError(() => boot(bzImage({ initSize: 0x1018000, prefAddress: 0x1000000 }), 16));
    expect(e.message).toMatch(/needs at least 33 MiB of guest RAM to unpack itself \(init_size 0x1018000 at 0x1000000\); the machine has 16 MiB/);
    expect(e.needMiB).toBe(33);
  });

  it('puts the initrd page-aligned at the top of RAM, or below initrd_addr_max', () => {
    const initrd = Uint8Array.from({ length: 10000 }, (_, k) => k & 0xff);
    const { mem, r } = boot(bzImage(), 16, { initrd });
    expect(r.initrd).toEqual({ addr: 16 * MIB - 12288, size: 10000 });
    expect([...mem.u8.subarray(r.initrd!.addr, r.initrd!.addr + 10000)]).toEqual([...initrd]);
    expect(boot(bzImage({ initrdAddrMax: 0x7fffff }), 16, { initrd }).r.initrd!.addr).toBe(8 * MIB - 12288);
  });

  it('refuses an initrd that does not fit above the kernel, naming the memory it needs', () => {
    const e = loaderError(() => boot(bzImage(), 8, { initrd: new Uint8Array(3 * MIB) }));
    expect(e.message).toMatch(/the initrd \(3\.0 MiB\) does not fit between the kernel \(up to 0x600000\) and the top of RAM \(8 MiB\)/);
    expect(e.needMiB).toBe(10);
    const capped = loaderError(() => boot(bzImage({ initrdAddrMax: 0x6fffff }), 16, { initrd: new Uint8Array(2 * MIB) }));
    expect(capped.message).toMatch(/initrd_addr_max 0x6fffff/);
    expect(capped.needMiB).toBeUndefined();
  });

  it('refuses a command line longer than cmdline_size', () => {
    expect(loaderError(() => boot(bzImage({ cmdlineSize: 8 }), 16, { cmdline: 'console=ttyS0' })).message).toMatch(/command line too long: 13 bytes, the kernel takes at most 8/);
  });
});

describe('zero page and entry state', () => {
  const initrd = new Uint8Array(5000);
  const image = bzImage();
  const { mem, cpu, r, dv } = boot(image, 32, { cmdline: 'console=ttyS0 quiet', initrd });
  const zp = ZERO_PAGE;

  it('copies the setup header and fills in the loader fields', () => {
    const copied = [...mem.u8.subarray(zp + HDR.version, zp + HDR.typeOfLoader)];
    expect(copied).toEqual([...image.subarray(HDR.version, HDR.typeOfLoader)]);
    expect(dv.getUint32(zp + HDR.magic, true)).toBe(0x53726448);
    expect(dv.getUint32(zp + HDR.initSize, true)).toBe(0x200000);
    expect(mem.u8[zp + HDR.typeOfLoader]).toBe(LOADER_TYPE);
    expect(mem.u8[zp + HDR.loadflags]).toBe(0x01); // CAN_USE_HEAP cleared: no setup code runs
    expect(dv.getUint32(zp + HDR.code32Start, true)).toBe(r.loadAddr);
    expect(dv.getUint32(zp + HDR.ramdiskImage, true)).toBe(r.initrd!.addr);
    expect(dv.getUint32(zp + HDR.ramdiskSize, true)).toBe(5000);
    expect(dv.getUint32(zp + BP.acpiRsdpAddr, true)).toBe(RSDP_ADDR);
    expect(mem.u8.subarray(zp + 0x269, zp + 0x2d0).every((b) => b === 0)).toBe(true);
  });

  it('passes the command line as given, NUL-terminated', () => {
    const p = dv.getUint32(zp + HDR.cmdLinePtr, true);
    expect(p).toBe(CMDLINE_ADDR);
    expect(Buffer.from(mem.u8.subarray(p, p + 20)).toString('latin1')).toBe('console=ttyS0 quiet\0');
  });

  it('describes memory in the e820 table', () => {
    const n = mem.u8[zp + BP.e820Entries];
    const entries = [];
    for (let k = 0; k < n; k++) {
      const e = zp + BP.e820Table + 20 * k;
      entries.push([dv.getUint32(e, true), dv.getUint32(e + 8, true), dv.getUint32(e + 16, true)]);
    }
    expect(entries).toEqual([[0, 0x9fc00, 1], [0x9fc00, 0x60400, 2], [0x100000, 31 * MIB, 1]]);
  });

  it('enters at the load address in flat protected mode: CS 0x10, data 0x18, ESI = zero page, interrupts off', () => {
    expect(cpu.eip).toBe(r.loadAddr);
    expect(cpu.regs[Reg.ESI]).toBe(zp);
    expect([Reg.EBX, Reg.EBP, Reg.EDI].map((x) => cpu.regs[x])).toEqual([0, 0, 0]);
    expect(cpu.segSel[Seg.CS]).toBe(0x10);
    for (const s of [Seg.DS, Seg.ES, Seg.SS]) expect(cpu.segSel[s]).toBe(0x18);
    expect(cpu.protectedMode && cpu.code32).toBe(true);
    expect(cpu.cr0 & 0x80000000).toBe(0);
    expect(cpu.getEflags() & 0x200).toBe(0);
    expect(cpu.gdtBase).toBe(BOOT_GDT);
    expect(dv.getUint32(BOOT_GDT + 0x14, true)).toBe(0x00cf9b00);
    expect(dv.getUint32(BOOT_GDT + 0x1c, true)).toBe(0x00cf9300);
  });
});

describe('a bzImage on the machine', () => {
  it('runs from its 32-bit entry and reads its zero page (the debug-exit value is the command line\'s first byte)', () => {
    const m = new Machine({ memMiB: 16 });
    const loaded = m.loadKernel(bzImage(), 'Hello');
    expect(loaded.kind).toBe('linux');
    const r = m.runSync();
    expect(r.stop).toMatchObject({ kind: 'exit', guestValue: 'H'.charCodeAt(0) });
  });

  it('refuses an initrd for a Multiboot kernel', () => {
    const m = new Machine({ memMiB: 16 });
    expect(() => m.loadKernel(new Uint8Array(64), 'x', new Uint8Array(10))).toThrow(/an initrd is for Linux kernels/);
  });
});
