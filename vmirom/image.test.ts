import { describe, expect, it } from 'vitest';
import { buildRomImage, imageLayout, ROM_SIZE, slotCode } from './image.ts';
import { callAtAddress, romSymbols, vmiRomInfo } from './symbols.ts';
import { PROPOSAL } from './abis.ts';
import { makeRig, ROM_AT } from './testkit.ts';
import { disassembleRange } from '../isa/disasm.ts';
import { TABLE } from '../semantics/table.ts';

/** ROM detection exactly as guest/src/pvops.c vmi_probe does it, over guest physical memory. */
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

describe('VMI ROM image', () => {
  const rom = buildRomImage(PROPOSAL);
  const PCI_DATA_OFFSET = imageLayout(PROPOSAL).pci;

  it('has the option-ROM header, signature, version 13.1 and a zero 8-bit sum', () => {
    expect([rom[0], rom[1]]).toEqual([0x55, 0xaa]);
    expect(rom[2] * 512).toBe(ROM_SIZE);
    expect(rom[3]).toBe(0xcb); // romEntry: retf
    expect(String.fromCharCode(...rom.slice(8, 12))).toBe('cVmi');
    expect([rom[13], rom[12]]).toEqual([13, 1]);
    expect(rom.reduce((s, b) => (s + b) & 0xff, 0)).toBe(0);
  });

  it('points pciHeaderOffset at a PCIR structure for 15AD:0801', () => {
    const p = rom[0x18] | (rom[0x19] << 8);
    expect(p).toBe(PCI_DATA_OFFSET);
    expect(String.fromCharCode(...rom.slice(p, p + 4))).toBe('PCIR');
    expect(rom[p + 4] | (rom[p + 5] << 8)).toBe(0x15ad);
    expect(rom[p + 6] | (rom[p + 7] << 8)).toBe(0x0801);
    expect(rom[p + 16] | (rom[p + 17] << 8)).toBe(ROM_SIZE / 512);
    expect(p).toBeGreaterThanOrEqual(86 * 32);
  });

  it('has a vmicall N; ret slot at N*32 for every call 4..85 and nothing in 0..3', () => {
    for (let n = 4; n <= 85; n++) {
      expect([...rom.slice(n * 32, n * 32 + 4)]).toEqual([0x0f, 0x04, n, 0xc3]);
      expect(slotCode(n)).toEqual([0x0f, 0x04, n, 0xc3]);
    }
    expect(rom.slice(0x40, 0x80).every((b) => b === 0)).toBe(true);
  });

  it('disassembles as vmicall N; ret, with the slots labelled by call name', () => {
    const base = 0xc00c8000;
    const info = vmiRomInfo(rom)!;
    expect(info).toEqual({ abi: PROPOSAL, pciOffset: PCI_DATA_OFFSET, length: ROM_SIZE });
    const lines = disassembleRange(TABLE, rom.slice(0x80, 0xc0), base + 0x80, true);
    expect(lines[0].text).toBe('vmicall 0x4');
    expect(lines[1].text).toBe('ret');
    const syms = romSymbols(PROPOSAL, base, info.pciOffset);
    expect(syms.find((s) => s.addr === base + 39 * 32)?.name).toBe('VMI_IRET');
    expect(callAtAddress(PROPOSAL, base, base + 45 * 32)).toMatchObject({ number: 45, name: 'SetPxE', call: 'SetPxE' });
    expect(callAtAddress(PROPOSAL, base, base + 45 * 32 + 3)).toBeUndefined();
    expect(callAtAddress(PROPOSAL, base, base + 2 * 32)).toBeUndefined();
  });
});

describe('ROM placement and detection', () => {
  it('a guest-style scan of 0xC8000-0xDFFFF finds it: 2 KiB step, checksum, signature, major 13', () => {
    const rig = makeRig();
    const found = probe(rig.mem.u8);
    expect(found).toEqual({ at: ROM_AT, major: 13, minor: 1, len: ROM_SIZE });
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

  it('registers PCI function 15AD:0801 whose expansion ROM is the image', () => {
    const rig = makeRig();
    expect(rig.machine.pci).toEqual([
      { vendorId: 0x15ad, deviceId: 0x0801, classCode: 0x088000, revision: 1, romAddress: ROM_AT, romSize: ROM_SIZE },
    ]);
  });

  it('refuses an address outside the window or not 2 KiB aligned', async () => {
    const { installRom } = await import('./rom.ts');
    const rig = makeRig();
    expect(() => installRom(rig.machine, { address: 0xc8400 })).toThrow(/aligned/);
    expect(() => installRom(rig.machine, { address: 0xe0000 })).toThrow(/aligned/);
  });
});
