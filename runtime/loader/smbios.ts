/**
 * SMBIOS (DMI) tables, as a PC firmware leaves them: a 2.8 entry point at
 * 0xF0000 (in the reserved BIOS area, 16-byte aligned, where OSes scan for
 * "_SM_"), then the structure table: BIOS information (type 0), system
 * information (type 1), and the end-of-table marker (type 127). Linux
 * prints them as "DMI: vmidbt vmidbt PC, BIOS ..." and dmidecode reads
 * them. Each structure is its formatted area followed by its strings (each
 * NUL-terminated, the set ended by one more NUL).
 */
import type { PhysicalMemory } from '../../cpu/memory.ts';
import { latin1Bytes } from '../../base/host.ts';

export const SMBIOS_ADDR = 0xf0000;
const TABLE_ADDR = SMBIOS_ADDR + 0x20;
export const SMBIOS_VENDOR = 'vmidbt';
export const SMBIOS_PRODUCT = 'vmidbt PC';
export const SMBIOS_VERSION = '1.0';
export const SMBIOS_DATE = '01/01/2026';

/** One structure: its formatted bytes (type, length and handle first) and its strings. */
function structure(type: number, handle: number, formatted: number[], strings: string[]): number[] {
  const head = [type, 4 + formatted.length, handle & 0xff, handle >> 8, ...formatted];
  const text = strings.length ? strings.flatMap((s) => [...latin1Bytes(s), 0]) : [0];
  return [...head, ...text, 0];
}

function biosInformation(): number[] {
  // vendor 1, version 2, segment 0xF000, date 3, ROM size 64 KiB, characteristics "not supported",
  // extension bytes (bit 3 of the second: the SMBIOS tables are from a virtual machine), release 1.0, no EC
  return structure(0, 0, [1, 2, 0x00, 0xf0, 3, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x10, 1, 0, 0xff, 0xff],
    [SMBIOS_VENDOR, SMBIOS_VERSION, SMBIOS_DATE]);
}

function systemInformation(): number[] {
  // manufacturer 1, product 2, version 3, no serial, UUID all zero ("not present"), wake-up by power switch, no SKU, no family
  return structure(1, 1, [1, 2, 3, 0, ...new Array(16).fill(0), 6, 0, 0], [SMBIOS_VENDOR, SMBIOS_PRODUCT, SMBIOS_VERSION]);
}

const sum8 = (bytes: number[]) => bytes.reduce((s, b) => (s + b) & 0xff, 0);

/** Write the entry point and the structure table; returns the entry point's address. */
export function writeSmbios(mem: PhysicalMemory): number {
  const structures = [biosInformation(), systemInformation(), structure(127, 2, [], [])];
  const table = structures.flat();
  const maxSize = Math.max(...structures.map((s) => s.length));
  const ep = [
    ...latin1Bytes('_SM_'), 0, 0x1f, 2, 8, maxSize & 0xff, maxSize >> 8, 0, 0, 0, 0, 0, 0,
    ...latin1Bytes('_DMI_'), 0, table.length & 0xff, table.length >> 8,
    TABLE_ADDR & 0xff, (TABLE_ADDR >> 8) & 0xff, (TABLE_ADDR >> 16) & 0xff, TABLE_ADDR >>> 24,
    structures.length, 0, 0x28,
  ];
  ep[21] = (0x100 - sum8(ep.slice(16))) & 0xff; // intermediate checksum over "_DMI_" onwards
  ep[4] = (0x100 - sum8(ep)) & 0xff; // checksum of the whole entry point
  mem.load(SMBIOS_ADDR, Uint8Array.from(ep));
  mem.load(TABLE_ADDR, Uint8Array.from(table));
  return SMBIOS_ADDR;
}
