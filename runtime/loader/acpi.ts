/**
 * The ACPI tables a firmware leaves for the guest, written where guests scan
 * for them (the RSDP at 0xE0000, in the reserved BIOS area) and also named
 * by address in Linux's zero page:
 *
 * - RSDP (ACPI 1.0 form) -> RSDT -> FADT, MADT, and HPET when the machine
 *   has one (its event timer block at 0xFED00000, devices/hpet.ts);
 * - MADT: the local APIC address, one processor entry per vCPU (APIC id =
 *   vCPU number), the IO-APIC, and the ISA IRQ 0 -> GSI 2 override;
 * - FADT (revision 3): the PM1a event and control blocks and the PM timer of
 *   devices/acpi-pm.ts, the reset register (port 0xCF9, value 6) of
 *   devices/reset.ts, no SMI command port (the machine is always in ACPI
 *   mode, so the OS's AcpiEnable has nothing to do), legacy devices present
 *   but no 8042 (Linux then does not probe for one), C1 by hlt only;
 * - FACS, which the FADT must name (no waking vector: no sleep states but S5);
 * - DSDT: the \_S5 package, so the OS knows which SLP_TYP powers off, and
 *   the PCI host bridge (PNP0A03) with its bus, I/O and memory windows (an
 *   OS that uses ACPI finds PCI root buses only there).
 *
 * Every table's bytes sum to zero, as the checksums require.
 */
import type { PhysicalMemory } from '../../cpu/memory.ts';
import { APIC_BASE } from '../devices/lapic.ts';
import { IOAPIC_BASE } from '../devices/ioapic.ts';
import { PM1A_CNT_BLK, PM1A_EVT_BLK, PM_TMR_BLK, S5_SLP_TYP } from '../devices/acpi-pm.ts';
import { RESET_CONTROL_PORT, RESET_VALUE } from '../devices/reset.ts';
import { HPET_BASE, HPET_ID } from '../devices/hpet.ts';
import * as aml from './aml.ts';

export const RSDP_ADDR = 0xe0000;
/** the tables follow the RSDP, each 64-byte aligned (the FACS must be) */
const TABLES_START = 0xe0040;
export const SCI_IRQ = 9;

function checksum(bytes: Uint8Array, at: number): void {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  bytes[at] = (0x100 - s) & 0xff;
}

function ascii(u8: Uint8Array, at: number, s: string): void {
  for (let i = 0; i < s.length; i++) u8[at + i] = s.charCodeAt(i);
}

/** A table with the standard 36-byte header (checksum left for `checksum(t, 9)`). */
function sdt(sig: string, length: number, revision = 1): { t: Uint8Array; dv: DataView } {
  const t = new Uint8Array(length);
  const dv = new DataView(t.buffer);
  ascii(t, 0, sig);
  dv.setUint32(4, length, true);
  t[8] = revision;
  ascii(t, 10, 'VMIDBT');
  ascii(t, 16, 'VMIDBTPC');
  dv.setUint32(24, 1, true);
  ascii(t, 28, 'VMDB');
  dv.setUint32(32, 1, true);
  return { t, dv };
}

function madt(cpus: number): Uint8Array {
  const { t, dv } = sdt('APIC', 44 + cpus * 8 + 12 + 10);
  dv.setUint32(36, APIC_BASE, true);
  dv.setUint32(40, 1, true); // PC-AT compatible dual 8259s present
  let p = 44;
  for (let i = 0; i < cpus; i++) {
    t.set([0, 8, i, i, 1, 0, 0, 0], p); // processor local APIC: uid, APIC id, enabled
    p += 8;
  }
  t.set([1, 12, 0, 0], p); // IO-APIC id 0
  dv.setUint32(p + 4, IOAPIC_BASE, true);
  dv.setUint32(p + 8, 0, true);
  p += 12;
  t.set([2, 10, 0, 0], p); // ISA bus, IRQ 0 ...
  dv.setUint32(p + 4, 2, true); // ... is GSI 2
  dv.setUint16(p + 8, 0, true);
  checksum(t, 9);
  return t;
}

/** Where PCI memory may be decoded: the VGA window, and from the top of RAM to below the IO-APIC. */
export const PCI_HOLE_END = 0xfebfffff;

/**
 * The DSDT's AML. It encodes this ASL (MEMTOP is the end of guest RAM):
 *
 *     DefinitionBlock ("", "DSDT", 1, "VMIDBT", "VMIDBTPC", 1)
 *     {
 *         Name (\_S5, Package (0x04) { S5_SLP_TYP, S5_SLP_TYP, Zero, Zero })
 *         Scope (\_SB)
 *         {
 *             Device (PCI0)
 *             {
 *                 Name (_HID, EisaId ("PNP0A03"))
 *                 Name (_UID, Zero)
 *                 Name (_CRS, ResourceTemplate ()
 *                 {
 *                     WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0x00, 0xFF, 0, 0x100)
 *                     IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
 *                     WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, 0x0000, 0x0CF7, 0, 0x0CF8)
 *                     WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, 0x0D00, 0xFFFF, 0, 0xF300)
 *                     DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
 *                                  0, 0x000A0000, 0x000BFFFF, 0, 0x00020000)
 *                     DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
 *                                  0, MEMTOP, 0xFEBFFFFF, 0, 0xFEC00000 - MEMTOP)
 *                 })
 *             }
 *             Device (RTC)
 *             {
 *                 Name (_HID, EisaId ("PNP0B00"))
 *                 Name (_CRS, ResourceTemplate () { IO (Decode16, 0x0070, 0x0070, 0x01, 0x02) IRQNoFlags () {8} })
 *             }
 *             Device (COM1)
 *             {
 *                 Name (_HID, EisaId ("PNP0501"))
 *                 Name (_UID, One)
 *                 Name (_CRS, ResourceTemplate () { IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08) IRQNoFlags () {4} })
 *             }
 *         }
 *     }
 *
 * The host bridge has no _PRT: no PCI function of this machine has an
 * interrupt pin. The ISA devices an OS cannot probe safely are described
 * (the RTC, the console UART); the PIC, PIT and absent 8042 are not, as on
 * many PCs.
 */
export function dsdtAml(memTop: number): Uint8Array {
  const crs = [
    ...aml.wordSpace(2, 0, 0xff),
    ...aml.ioPorts(0xcf8, 8),
    ...aml.wordSpace(1, 0, 0xcf7),
    ...aml.wordSpace(1, 0xd00, 0xffff),
    ...aml.dwordMemory(0xa0000, 0xbffff, true),
    ...aml.dwordMemory(memTop, PCI_HOLE_END, false),
    ...aml.END_TAG,
  ];
  return Uint8Array.from([
    ...aml.name('\\_S5', aml.pkg([aml.integer(S5_SLP_TYP), aml.integer(S5_SLP_TYP), aml.integer(0), aml.integer(0)])),
    ...aml.scope('\\_SB', [aml.device('PCI0', [
      aml.name('_HID', aml.eisaId('PNP0A03')),
      aml.name('_UID', aml.integer(0)),
      aml.name('_CRS', aml.buffer(crs)),
    ]),
    aml.device('RTC', [
      aml.name('_HID', aml.eisaId('PNP0B00')),
      aml.name('_CRS', aml.buffer([...aml.ioPorts(0x70, 2), ...aml.irq(8), ...aml.END_TAG])),
    ]),
    aml.device('COM1', [
      aml.name('_HID', aml.eisaId('PNP0501')),
      aml.name('_UID', aml.integer(1)),
      aml.name('_CRS', aml.buffer([...aml.ioPorts(0x3f8, 8), ...aml.irq(4), ...aml.END_TAG])),
    ]),
    ]),
  ]);
}

function dsdt(memTop: number): Uint8Array {
  const code = dsdtAml(memTop);
  const { t } = sdt('DSDT', 36 + code.length);
  t.set(code, 36);
  checksum(t, 9);
  return t;
}

function facs(): Uint8Array {
  const t = new Uint8Array(64);
  ascii(t, 0, 'FACS');
  new DataView(t.buffer).setUint32(4, 64, true);
  t[32] = 1; // version
  return t;
}

/** A Generic Address Structure for an I/O port register. */
function ioGas(dv: DataView, at: number, port: number, bits: number): void {
  dv.setUint8(at, 1); // system I/O space
  dv.setUint8(at + 1, bits);
  dv.setUint8(at + 2, 0);
  dv.setUint8(at + 3, 1); // byte access
  dv.setUint32(at + 4, port, true);
}

/** FADT revision 3 (ACPI 2.0 layout, 244 bytes); the 64-bit X_ fields stay zero, so the 32-bit ones count. */
function fadt(facsAddr: number, dsdtAddr: number): Uint8Array {
  const { t, dv } = sdt('FACP', 244, 3);
  dv.setUint32(36, facsAddr, true);
  dv.setUint32(40, dsdtAddr, true);
  dv.setUint16(46, SCI_IRQ, true);
  // SMI_CMD 0: no legacy mode to switch out of, ACPI is always enabled
  dv.setUint32(56, PM1A_EVT_BLK, true);
  dv.setUint32(64, PM1A_CNT_BLK, true);
  dv.setUint32(76, PM_TMR_BLK, true);
  t[88] = 4; // PM1_EVT_LEN
  t[89] = 2; // PM1_CNT_LEN
  t[91] = 4; // PM_TMR_LEN
  dv.setUint16(96, 101, true); // P_LVL2_LAT > 100: no C2
  dv.setUint16(98, 1001, true); // P_LVL3_LAT > 1000: no C3
  dv.setUint16(109, 0x0001, true); // IAPC_BOOT_ARCH: legacy devices, no 8042
  // flags: WBINVD, PROC_C1, PWR_BUTTON and SLP_BUTTON (none as fixed features), FIX_RTC, TMR_VAL_EXT, RESET_REG_SUP
  dv.setUint32(112, (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 10), true);
  ioGas(dv, 116, RESET_CONTROL_PORT, 8);
  t[128] = RESET_VALUE;
  checksum(t, 9);
  return t;
}

/**
 * The HPET description table: the event timer block id (the HPET's
 * capabilities register, low half), its base address (system memory), HPET
 * number 0, the minimum periodic tick QEMU gives (128 ticks), no page
 * protection.
 */
function hpetTable(): Uint8Array {
  const { t, dv } = sdt('HPET', 56);
  dv.setUint32(36, HPET_ID, true);
  t.set([0, 64, 0, 0], 40); // generic address: system memory, 64 bits wide
  dv.setUint32(44, HPET_BASE, true);
  t[52] = 0;
  dv.setUint16(53, 128, true);
  t[55] = 0;
  checksum(t, 9);
  return t;
}

/** Where the tables went: the RSDP, and the range the other tables fill. */
export interface AcpiPlacement {
  rsdp: number;
  start: number;
  end: number;
}

/** Write every table for a machine with `cpus` vCPUs (and an HPET if `hpet`). */
export function writeAcpiTables(mem: PhysicalMemory, cpus: number, opts: { hpet?: boolean } = {}): AcpiPlacement {
  let at = TABLES_START;
  const place = (table: Uint8Array): number => {
    const addr = at;
    mem.load(addr, table);
    at = (at + table.length + 63) & ~63;
    return addr;
  };
  const facsAddr = place(facs());
  const dsdtAddr = place(dsdt(mem.size));
  const fadtAddr = place(fadt(facsAddr, dsdtAddr));
  const pointed = [fadtAddr, place(madt(cpus))];
  if (opts.hpet) pointed.push(place(hpetTable()));

  const { t: rsdt, dv: r } = sdt('RSDT', 36 + 4 * pointed.length);
  pointed.forEach((addr, k) => r.setUint32(36 + 4 * k, addr, true));
  checksum(rsdt, 9);
  const rsdtAddr = place(rsdt);

  const rsdp = new Uint8Array(20);
  ascii(rsdp, 0, 'RSD PTR ');
  ascii(rsdp, 9, 'VMIDBT');
  new DataView(rsdp.buffer).setUint32(16, rsdtAddr, true);
  checksum(rsdp, 8);
  mem.load(RSDP_ADDR, rsdp);
  return { rsdp: RSDP_ADDR, start: TABLES_START, end: at };
}
