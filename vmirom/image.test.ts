/**
 * The ROM image of each ABI, read the way the guests that speak it read it:
 * the proposal's scan (guest/src/pvops.c), a revision-13.3 guest's (Sanos:
 * signature and major 13), and Linux 2.6.2x's check_vmi_rom (major 3, the
 * PCI header, a "GPL" license string, virtual_top, Init at 0x80 and
 * get_reloc at 0x88).
 */
import { describe, expect, it } from 'vitest';
import { buildRomImage, imageLayout, ROM_SIZE, slotCode } from './image.ts';
import { callAtAddress, romSymbols, vmiRomInfo } from './symbols.ts';
import { ABIS, LINUX3, PROPOSAL, VMWARE13, type VmiAbi } from './abis.ts';
import { makeRig, ROM_AT } from '../spec-tests/rom-rig.ts';
import { disassembleRange } from '../isa/disasm.ts';
import { TABLE } from '../semantics/table.ts';

/** ROM detection as guest/src/pvops.c's vmi_probe does it, over guest physical memory. */
function probe(u8: Uint8Array): { at: number; major: number; minor: number; len: number } | undefined {
  for (let pa = 0xc8000; pa < 0xe0000; pa += 2048) {
    if (u8[pa] !== 0x55 || u8[pa + 1] !== 0xaa) continue;
    const len = u8[pa + 2] * 512;
    if (len === 0) continue;
    let sum = 0;
    for (let k = 0; k < len; k++) sum = (sum + u8[pa + k]) & 0xff;
    if (sum !== 0) continue;
    const sig = (u8[pa + 8] | (u8[pa + 9] << 8) | (u8[pa + 10] << 16) | (u8[pa + 11] << 24)) >>> 0;
    if (sig !== 0x696d5663) continue;
    return { at: pa, minor: u8[pa + 12], major: u8[pa + 13], len };
  }
  return undefined;
}

const u16 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number) => (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;
const cstr = (b: Uint8Array, at: number) => String.fromCharCode(...b.slice(at, b.indexOf(0, at)));

/** Linux 2.6.2x's check_vmi_rom, as a predicate over an image (facts from arch/x86/kernel/vmi_32.c). */
function linuxAccepts(rom: Uint8Array): boolean {
  if (u16(rom, 0) !== 0xaa55 || u32(rom, 8) !== 0x696d5663) return false;
  if (rom[13] !== 3) return false; // "mismatched rom version"
  const pci = u16(rom, 0x18);
  if (!pci) return false;
  const lic = u16(rom, 0x16);
  const license = lic ? cstr(rom, lic) : 'unspecified';
  return license === 'GPL' || license === 'GPL v2';
}

describe('VMI ROM images', () => {
  for (const abi of Object.values(ABIS)) {
    it(`${abi.id}: option-ROM header, "cVmi", version ${abi.major}.${abi.minor}, a zero 8-bit sum, PCIR for 15AD:0801`, () => {
      const rom = buildRomImage(abi);
      expect([rom[0], rom[1], rom[2] * 512, rom[3]]).toEqual([0x55, 0xaa, ROM_SIZE, 0xcb]);
      expect(String.fromCharCode(...rom.slice(8, 12))).toBe('cVmi');
      expect([rom[13], rom[12]]).toEqual([abi.major, abi.minor]);
      expect(rom.reduce((s, b) => (s + b) & 0xff, 0)).toBe(0);
      const p = u16(rom, 0x18);
      expect(p).toBe(imageLayout(abi).pci);
      expect(p).toBeGreaterThanOrEqual(abi.codeEnd);
      expect(String.fromCharCode(...rom.slice(p, p + 4))).toBe('PCIR');
      expect([u16(rom, p + 4), u16(rom, p + 6), u16(rom, p + 16)]).toEqual([0x15ad, 0x0801, ROM_SIZE / 512]);
      expect([rom[p + 19], rom[p + 18]]).toEqual([abi.major, abi.minor]);
      for (const c of abi.calls) expect([...rom.slice(c.offset, c.offset + 4)]).toEqual(slotCode(c.entry));
      expect(vmiRomInfo(rom)).toEqual({ abi, pciOffset: p, length: ROM_SIZE });
    });
  }

  it('proposal (13.4): calls 4..88 at N * 32, 85..87 as in 13.3, SetDeferredMode moved to 88', () => {
    const rom = buildRomImage(PROPOSAL);
    for (let n = 4; n <= 88; n++) expect([...rom.slice(n * 32, n * 32 + 4)]).toEqual([0x0f, 0x04, n, 0xc3]);
    expect(rom.slice(0x40, 0x80).every((b) => b === 0)).toBe(true);
    expect(PROPOSAL.byNumber(85)?.call).toBe('GetRelocationInfo');
    expect(PROPOSAL.byNumber(86)).toMatchObject({ call: 'SetPxE', conv: { params: ['eax', 'edx', 'ecx'] } });
    expect(PROPOSAL.byNumber(88)?.call).toBe('SetDeferredMode');
  });

  it('vmware13 (13.3): 4..87, GetRelocationInfo at 85, SetPxE and SetPxELong with flags at 86 and 87, no call 88', () => {
    expect(VMWARE13.byNumber(85)?.call).toBe('GetRelocationInfo');
    expect(VMWARE13.byNumber(86)).toMatchObject({ name: 'SetPxE', call: 'SetPxE', conv: { params: ['eax', 'edx', 'ecx'] } });
    expect(VMWARE13.byNumber(87)).toMatchObject({ name: 'SetPxELong', conv: { params: ['eax', 'edx', 'ecx', 'st0'] } });
    expect(VMWARE13.byNumber(45)).toMatchObject({ name: 'SetPxE0', call: 'SetPxE', conv: { params: ['eax', 'edx', 0] } });
    expect(VMWARE13.byNumber(88)).toBeUndefined();
    expect(VMWARE13.calls.length).toBe(84);
  });

  it('linux3 (API 3.0): what check_vmi_rom requires, Init at 0x80 and get_reloc at 0x88 (not int3 padding)', () => {
    const rom = buildRomImage(LINUX3);
    expect(linuxAccepts(rom)).toBe(true);
    expect(linuxAccepts(buildRomImage(PROPOSAL))).toBe(false);
    expect(linuxAccepts(buildRomImage(VMWARE13))).toBe(false);
    expect(cstr(rom, u16(rom, 0x16))).toBe('GPL');
    expect(u32(rom, 0x10)).toBe(0xfc000000); // virtual_top: the hypervisor's part of the address space
    const at = (name: string) => LINUX3.calls.find((c) => c.name === name)!;
    expect([at('Init').offset, at('get_reloc').offset]).toEqual([0x80, 0x88]);
    expect([...rom.slice(0x88, 0x8c)]).toEqual(slotCode(at('get_reloc').entry));
    expect(LINUX3.byNumber(73)).toMatchObject({ name: 'SetLazyMode', call: 'SetDeferredMode' });
    expect(LINUX3.byNumber(14)).toMatchObject({ call: 'UpdateKernelStack', conv: { params: [0, 'eax', 'edx'] } });
    expect(LINUX3.byNumber(49)).toBeUndefined(); // API 3.0 has no number 49
  });

  it('disassembles as vmicall N; ret, labelled by call name, for each ABI', () => {
    const base = 0xc00c8000;
    const check = (abi: VmiAbi, off: number, name: string) => {
      const rom = buildRomImage(abi);
      const lines = disassembleRange(TABLE, rom.slice(off, off + 8), base + off, true);
      expect(lines[0].text).toBe(`vmicall 0x${abi.atOffset(off)!.entry.toString(16)}`);
      expect(lines[1].text).toBe('ret');
      expect(romSymbols(abi, base, imageLayout(abi).pci).find((s) => s.addr === base + off)?.name).toBe(`VMI_${name}`);
      expect(callAtAddress(abi, base, base + off)?.name).toBe(name);
      expect(callAtAddress(abi, base, base + off + 3)).toBeUndefined();
    };
    check(PROPOSAL, 39 * 32, 'IRET');
    check(VMWARE13, 45 * 32, 'SetPxE0');
    check(LINUX3, 0x88, 'get_reloc');
    check(LINUX3, 0x100 + 38 * 32, 'SetPxE');
  });
});

describe('ROM placement and detection', () => {
  it('a guest-style scan of 0xC8000-0xDFFFF finds it: 2 KiB step, checksum, signature, major 13', () => {
    const rig = makeRig();
    const found = probe(rig.mem.u8);
    expect(found).toEqual({ at: ROM_AT, major: 13, minor: 4, len: ROM_SIZE });
  });

  it('a corrupted byte makes the checksum fail and the scan ignore the ROM', () => {
    const rig = makeRig();
    rig.mem.u8[ROM_AT + 0x300] ^= 1;
    expect(probe(rig.mem.u8)).toBeUndefined();
  });

  it('is read-only to the guest: a guest store to the ROM changes nothing', () => {
    const rig = makeRig();
    const before = rig.mem.u8[ROM_AT + 4 * 32];
    rig.cpu.write(3, ROM_AT + 4 * 32, 1, 0x90);
    expect(rig.mem.u8[ROM_AT + 4 * 32]).toBe(before);
  });

  it('registers PCI function 15AD:0801 whose expansion ROM is the image; revision = the API minor', () => {
    const rig = makeRig(1, 4 << 20, LINUX3);
    expect(rig.machine.pci).toEqual([
      { vendorId: 0x15ad, deviceId: 0x0801, classCode: 0x088000, revision: 0, romAddress: ROM_AT, romSize: ROM_SIZE },
    ]);
  });

  it('refuses an address outside the window or not 2 KiB aligned', async () => {
    const { installRom } = await import('./rom.ts');
    const rig = makeRig();
    expect(() => installRom(rig.machine, { address: 0xc8400 })).toThrow(/aligned/);
    expect(() => installRom(rig.machine, { address: 0xe0000 })).toThrow(/aligned/);
  });
});
