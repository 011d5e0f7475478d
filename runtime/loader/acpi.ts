/**
 * The minimal ACPI tables a firmware leaves for an SMP guest to find its
 * CPUs: an RSDP in the BIOS area (0xE0000, where guests scan for "RSD PTR
 * "), an RSDT pointing at one MADT, and the MADT with the local APIC
 * address, one processor entry per vCPU (APIC id = vCPU number), the
 * IO-APIC, and the ISA IRQ 0 -> GSI 2 override. Every table's bytes sum to
 * zero, as the checksums require.
 */
import type { PhysicalMemory } from '../../cpu/memory.ts';
import { APIC_BASE } from '../devices/lapic.ts';
import { IOAPIC_BASE } from '../devices/ioapic.ts';

export const RSDP_ADDR = 0xe0000;
const RSDT_ADDR = 0xe0040;
const MADT_ADDR = 0xe0080;

function checksum(bytes: Uint8Array, at: number): void {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  bytes[at] = (0x100 - s) & 0xff;
}

function ascii(u8: Uint8Array, at: number, s: string): void {
  for (let i = 0; i < s.length; i++) u8[at + i] = s.charCodeAt(i);
}

function sdtHeader(t: Uint8Array, sig: string, length: number): DataView {
  const dv = new DataView(t.buffer, t.byteOffset, t.byteLength);
  ascii(t, 0, sig);
  dv.setUint32(4, length, true);
  t[8] = 1; // revision
  ascii(t, 10, 'VMIDBT');
  ascii(t, 16, 'VMIDBTPC');
  dv.setUint32(24, 1, true);
  ascii(t, 28, 'VMDB');
  dv.setUint32(32, 1, true);
  return dv;
}

export function writeAcpiTables(mem: PhysicalMemory, cpus: number): void {
  // MADT: header, local APIC address, flags (PC-AT compatible PICs), entries
  const entries = cpus * 8 + 12 + 10;
  const madt = new Uint8Array(44 + entries);
  const m = sdtHeader(madt, 'APIC', madt.length);
  m.setUint32(36, APIC_BASE, true);
  m.setUint32(40, 1, true);
  let p = 44;
  for (let i = 0; i < cpus; i++) {
    madt.set([0, 8, i, i, 1, 0, 0, 0], p); // processor local APIC: uid, APIC id, enabled
    p += 8;
  }
  madt.set([1, 12, 0, 0], p); // IO-APIC id 0
  m.setUint32(p + 4, IOAPIC_BASE, true);
  m.setUint32(p + 8, 0, true);
  p += 12;
  madt.set([2, 10, 0, 0], p); // ISA bus, IRQ 0 ...
  m.setUint32(p + 4, 2, true); // ... is GSI 2
  m.setUint16(p + 8, 0, true);
  checksum(madt, 9);

  const rsdt = new Uint8Array(36 + 4);
  const r = sdtHeader(rsdt, 'RSDT', rsdt.length);
  r.setUint32(36, MADT_ADDR, true);
  checksum(rsdt, 9);

  const rsdp = new Uint8Array(20);
  ascii(rsdp, 0, 'RSD PTR ');
  ascii(rsdp, 9, 'VMIDBT');
  new DataView(rsdp.buffer).setUint32(16, RSDT_ADDR, true);
  checksum(rsdp, 8);

  mem.load(RSDP_ADDR, rsdp);
  mem.load(RSDT_ADDR, rsdt);
  mem.load(MADT_ADDR, madt);
}
