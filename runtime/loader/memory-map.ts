/**
 * The PC's physical memory map as firmware reports it, shared by every
 * loader (the Multiboot memory map and the Linux zero page's e820 table
 * list the same ranges).
 *
 * Conventional memory runs from 0 to 0x9FC00; the hole from there to 1 MiB
 * (extended BIOS data area, VGA window, option ROMs including the VMI ROM,
 * the BIOS area with the ACPI tables at 0xE0000) is reserved; RAM goes on
 * from 1 MiB to the end of guest memory. Device windows above RAM (IO-APIC,
 * local APIC) are not listed, as on a PC without a BIOS region there.
 */

/** start of the reserved hole below 1 MiB (EBDA, VGA, option ROMs, BIOS) */
export const LOW_RAM_END = 0x9fc00;
export const HIGH_RAM_START = 0x100000;

/** e820 / Multiboot range types */
export const enum MemType { RAM = 1, RESERVED = 2 }

export interface MemRange {
  base: number;
  length: number;
  type: MemType;
}

/** The ranges of a machine with `ramBytes` of RAM, in address order. */
export function pcMemoryMap(ramBytes: number): MemRange[] {
  return [
    { base: 0, length: LOW_RAM_END, type: MemType.RAM },
    { base: LOW_RAM_END, length: HIGH_RAM_START - LOW_RAM_END, type: MemType.RESERVED },
    { base: HIGH_RAM_START, length: ramBytes - HIGH_RAM_START, type: MemType.RAM },
  ];
}

/** `map` with [start, end) carved out of its RAM as a reserved range (boot information a loader placed). */
export function withReserved(map: MemRange[], start: number, end: number): MemRange[] {
  const out: MemRange[] = [];
  for (const r of map) {
    const rEnd = r.base + r.length;
    if (r.type !== MemType.RAM || end <= r.base || start >= rEnd) { out.push(r); continue; }
    if (start > r.base) out.push({ base: r.base, length: start - r.base, type: MemType.RAM });
    out.push({ base: Math.max(start, r.base), length: Math.min(end, rEnd) - Math.max(start, r.base), type: MemType.RESERVED });
    if (end < rEnd) out.push({ base: end, length: rEnd - end, type: MemType.RAM });
  }
  return out;
}
