import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../cpu/memory.ts';
import { writeSmbios, SMBIOS_ADDR, SMBIOS_PRODUCT, SMBIOS_VENDOR } from './smbios.ts';

describe('SMBIOS tables', () => {
  const mem = new PhysicalMemory(2 << 20);
  const ep = writeSmbios(mem);
  const dv = mem.view;
  const sum = (a: number, n: number) => mem.u8.subarray(a, a + n).reduce((s, b) => (s + b) & 0xff, 0);

  it('has a 2.8 entry point in the BIOS area with both checksums right', () => {
    expect(ep).toBe(SMBIOS_ADDR);
    expect(ep % 16).toBe(0);
    expect(Buffer.from(mem.u8.subarray(ep, ep + 4)).toString()).toBe('_SM_');
    expect(Buffer.from(mem.u8.subarray(ep + 16, ep + 21)).toString()).toBe('_DMI_');
    expect([mem.u8[ep + 6], mem.u8[ep + 7]]).toEqual([2, 8]);
    expect(sum(ep, mem.u8[ep + 5])).toBe(0);
    expect(sum(ep + 16, 15)).toBe(0);
  });

  it('holds BIOS and system information, then the end marker, each followed by its strings', () => {
    let p = dv.getUint32(ep + 24, true);
    const end = p + dv.getUint16(ep + 22, true);
    const found: { type: number; strings: string[] }[] = [];
    while (p < end) {
      const type = mem.u8[p];
      let q = p + mem.u8[p + 1];
      const strings: string[] = [];
      while (mem.u8[q]) { let s = ''; while (mem.u8[q]) s += String.fromCharCode(mem.u8[q++]); strings.push(s); q++; }
      q += strings.length ? 1 : 2;
      found.push({ type, strings });
      p = q;
    }
    expect(p).toBe(end);
    expect(found.map((f) => f.type)).toEqual([0, 1, 127]);
    expect(found.length).toBe(dv.getUint16(ep + 28, true));
    expect(found[1].strings.slice(0, 2)).toEqual([SMBIOS_VENDOR, SMBIOS_PRODUCT]);
  });
});
