/**
 * ROM detection through PCI, as a guest would do it on the real machine:
 * configuration mechanism #1 (0xCF8 address, 0xCFC data) over bus 0 for
 * 15AD:0801, then its expansion-ROM BAR, which must name the image the
 * option-ROM scan finds.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../runtime/machine.ts';
import { installRom } from './rom.ts';
import { ROM_SIZE } from './image.ts';

function cfg(m: Machine, dev: number, reg: number): number {
  m.portWrite(0xcf8, 4, (0x80000000 | (dev << 11) | reg) | 0);
  return m.portRead(0xcfc, 4) >>> 0;
}

describe('VMI ROM on the PCI bus', () => {
  it('is found as 15AD:0801 with an expansion ROM at the image', () => {
    const m = new Machine({ memMiB: 8 });
    const rom = installRom(m);
    let found = -1;
    for (let dev = 0; dev < 32; dev++) if (cfg(m, dev, 0) === 0x080115ad) found = dev;
    expect(found).toBeGreaterThan(0); // 0 is the host bridge
    expect(cfg(m, found, 8) >>> 8).toBe(0x088000); // class code
    const bar = cfg(m, found, 0x30);
    expect(bar & ~0x7ff).toBe(rom.address);
    // the sizing probe reports the image size
    m.portWrite(0xcf8, 4, (0x80000000 | (found << 11) | 0x30) | 0);
    m.portWrite(0xcfc, 4, -2);
    expect(((~(m.portRead(0xcfc, 4) & ~0x7ff)) + 1) >>> 0).toBe(ROM_SIZE);
    // and the image there carries the same IDs in its PCI data structure
    const u8 = m.memory.u8;
    const p = rom.address + (u8[rom.address + 0x18] | (u8[rom.address + 0x19] << 8));
    expect(String.fromCharCode(...u8.slice(p, p + 4))).toBe('PCIR');
    expect(m.memory.view.getUint32(p + 4, true)).toBe(0x080115ad);
  });
});
