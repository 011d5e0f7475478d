import { describe, expect, it } from 'vitest';
import { pkgLength, namePath, integer, eisaId, buffer, device, dwordMemory, wordSpace, ioPorts } from './aml.ts';

describe('AML encoding', () => {
  it('PkgLength: one byte up to 63, then a count of following bytes in bits 7-6', () => {
    expect(pkgLength(10)).toEqual([11]);
    expect(pkgLength(62)).toEqual([63]);
    expect(pkgLength(63)).toEqual([0x41, 0x04]); // 63 + 2 = 0x41: one following byte, low nibble 1, then 0x04
    const big = pkgLength(5000);
    expect(big[0] >> 6).toBe(2);
    expect((big[0] & 0x0f) | (big[1] << 4) | (big[2] << 12)).toBe(5000 + 3);
  });

  it('name paths, integers and EisaId', () => {
    expect(namePath('\\_S5')).toEqual([0x5c, 0x5f, 0x53, 0x35, 0x5f]);
    expect(namePath('PCI0')).toEqual([0x50, 0x43, 0x49, 0x30]);
    expect(namePath('\\_SB.PCI0')).toEqual([0x5c, 0x2e, ...Buffer.from('_SB_PCI0')]);
    expect(() => namePath('toolong')).toThrow(/bad AML name/);
    expect(integer(0)).toEqual([0]);
    expect(integer(1)).toEqual([1]);
    expect(integer(0xf0)).toEqual([0x0a, 0xf0]);
    expect(integer(0x1234)).toEqual([0x0b, 0x34, 0x12]);
    expect(integer(0xfebfffff)).toEqual([0x0c, 0xff, 0xff, 0xbf, 0xfe]);
    expect(eisaId('PNP0A03')).toEqual([0x0c, 0x41, 0xd0, 0x0a, 0x03]);
  });

  it('buffers and devices wrap their contents with a length', () => {
    expect(buffer([1, 2, 3])).toEqual([0x11, 0x06, 0x0a, 0x03, 1, 2, 3]);
    expect(device('PCI0', [[0xaa]])).toEqual([0x5b, 0x82, 0x06, 0x50, 0x43, 0x49, 0x30, 0xaa]);
  });

  it('resource descriptors have the sizes the specification gives', () => {
    expect(wordSpace(2, 0, 0xff)).toHaveLength(16);
    expect(wordSpace(1, 0xd00, 0xffff).slice(-2)).toEqual([0x00, 0xf3]); // length 0xF300
    expect(dwordMemory(0xa0000, 0xbffff, true)).toHaveLength(26);
    expect(ioPorts(0xcf8, 8)).toEqual([0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08]);
  });
});
