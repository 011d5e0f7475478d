import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../cpu/memory.ts';
import { writeAcpiTables, dsdtAml, RSDP_ADDR, SCI_IRQ } from './acpi.ts';
import { integer } from './aml.ts';
import { PM1A_CNT_BLK, PM1A_EVT_BLK, PM_TMR_BLK, S5_SLP_TYP } from '../devices/acpi-pm.ts';

function tables(cpus: number, hpet = false) {
  const mem = new PhysicalMemory(4 << 20);
  expect(writeAcpiTables(mem, cpus, { hpet }).rsdp).toBe(RSDP_ADDR);
  const dv = mem.view;
  const sig = (a: number) => Buffer.from(mem.u8.subarray(a, a + 4)).toString('latin1');
  const sum = (a: number, n: number) => mem.u8.subarray(a, a + n).reduce((s, b) => (s + b) & 0xff, 0);
  const rsdt = dv.getUint32(RSDP_ADDR + 16, true);
  const byName = new Map<string, number>();
  for (let e = rsdt + 36; e < rsdt + dv.getUint32(rsdt + 4, true); e += 4) byName.set(sig(dv.getUint32(e, true)), dv.getUint32(e, true));
  return { mem, dv, sig, sum, rsdt, byName };
}

describe('ACPI tables', () => {
  it('chain RSDP -> RSDT -> FADT and MADT, every table checksummed', () => {
    const { mem, dv, sum, rsdt, byName } = tables(2);
    expect(Buffer.from(mem.u8.subarray(RSDP_ADDR, RSDP_ADDR + 8)).toString()).toBe('RSD PTR ');
    expect(sum(RSDP_ADDR, 20)).toBe(0);
    expect(sum(rsdt, dv.getUint32(rsdt + 4, true))).toBe(0);
    expect([...byName.keys()].sort()).toEqual(['APIC', 'FACP']);
    for (const a of byName.values()) expect(sum(a, dv.getUint32(a + 4, true))).toBe(0);
  });

  it('with an HPET, the RSDT names its table: event timer block id, base 0xFED00000 in system memory, checksummed', () => {
    const { dv, sum, byName } = tables(1, true);
    expect([...byName.keys()].sort()).toEqual(['APIC', 'FACP', 'HPET']);
    const h = byName.get('HPET')!;
    expect(dv.getUint32(h + 4, true)).toBe(56);
    expect(sum(h, 56)).toBe(0);
    expect(dv.getUint32(h + 36, true)).toBe(0x8086a201);
    expect(dv.getUint8(h + 40)).toBe(0);
    expect(dv.getUint32(h + 44, true)).toBe(0xfed00000);
    expect(dv.getUint16(h + 53, true)).toBe(128);
  });

  it('the MADT lists one enabled processor per vCPU, the IO-APIC and the IRQ 0 override', () => {
    const { mem, dv, byName } = tables(3);
    const madt = byName.get('APIC')!;
    const ids: number[] = [];
    const types: number[] = [];
    for (let e = madt + 44; e < madt + dv.getUint32(madt + 4, true); e += mem.u8[e + 1]) {
      types.push(mem.u8[e]);
      if (mem.u8[e] === 0 && mem.u8[e + 4] & 1) ids.push(mem.u8[e + 3]);
    }
    expect(ids).toEqual([0, 1, 2]);
    expect(types.filter((t) => t !== 0)).toEqual([1, 2]);
  });

  it('the FADT names the PM blocks, the reset register, the FACS and the DSDT; no SMI port, no 8042', () => {
    const { dv, sig, sum, byName } = tables(1);
    const f = byName.get('FACP')!;
    expect(dv.getUint8(f + 8)).toBe(3); // revision: the 8042 flag counts from here on
    expect(dv.getUint32(f + 4, true)).toBe(244);
    const facs = dv.getUint32(f + 36, true);
    const dsdt = dv.getUint32(f + 40, true);
    expect(sig(facs)).toBe('FACS');
    expect(facs % 64).toBe(0);
    expect(sig(dsdt)).toBe('DSDT');
    expect(sum(dsdt, dv.getUint32(dsdt + 4, true))).toBe(0);
    expect(dv.getUint16(f + 46, true)).toBe(SCI_IRQ);
    expect(dv.getUint32(f + 48, true)).toBe(0); // SMI_CMD
    expect([dv.getUint32(f + 56, true), dv.getUint32(f + 64, true), dv.getUint32(f + 76, true)]).toEqual([PM1A_EVT_BLK, PM1A_CNT_BLK, PM_TMR_BLK]);
    expect([dv.getUint8(f + 88), dv.getUint8(f + 89), dv.getUint8(f + 91)]).toEqual([4, 2, 4]);
    expect(dv.getUint16(f + 109, true) & 2).toBe(0); // no 8042
    const flags = dv.getUint32(f + 112, true);
    expect(flags & (1 << 10)).not.toBe(0); // RESET_REG_SUP
    expect(flags & (1 << 8)).not.toBe(0); // 32-bit PM timer
    expect([dv.getUint8(f + 116), dv.getUint32(f + 120, true), dv.getUint8(f + 128)]).toEqual([1, 0xcf9, 6]);
  });

  it('the DSDT holds Name (\\_S5, Package (4) {typ, typ, 0, 0}) and the PCI host bridge with its windows', () => {
    const code = [...dsdtAml(128 << 20)];
    const s5 = [0x08, 0x5c, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x04, ...integer(S5_SLP_TYP), ...integer(S5_SLP_TYP), 0, 0];
    expect(code.slice(0, s5.length)).toEqual(s5);
    const text = Buffer.from(code).toString('latin1');
    expect(text).toContain('\\_SB_');
    expect(text).toContain('PCI0');
    expect(text).toContain('_HID\x0c\x41\xd0\x0a\x03'); // EisaId ("PNP0A03")
    // the last window runs from the top of RAM to 0xFEBFFFFF
    const top = Buffer.from(code).indexOf(Buffer.from([0x00, 0x00, 0x00, 0x08, 0xff, 0xff, 0xbf, 0xfe]));
    expect(top).toBeGreaterThan(0);
  });
});
