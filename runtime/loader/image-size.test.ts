import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { declaredImageSize, IMAGE_HEAD_BYTES } from './image-size.ts';
import { tinyKernel } from '../../spec-tests/tiny-kernel.ts';

const KERNEL = readFileSync(new URL('../../guest/kernel.elf', import.meta.url));
const head = (bytes: Uint8Array) => bytes.subarray(0, IMAGE_HEAD_BYTES);

describe('the size a kernel image declares, from its first 8 KiB', () => {
  it('an ELF Multiboot kernel: its segments and its section header table (the built-in guest: the whole file)', () => {
    expect(declaredImageSize(head(KERNEL))).toEqual({ kind: 'bytes', bytes: KERNEL.length });
    // with the section header table gone, the last segment's end
    const noSections = Uint8Array.from(KERNEL);
    new DataView(noSections.buffer).setUint32(0x20, 0, true);
    new DataView(noSections.buffer).setUint16(0x30, 0, true);
    const r = declaredImageSize(head(noSections));
    expect(r.kind).toBe('bytes');
    expect(r.kind === 'bytes' && r.bytes).toBeLessThan(KERNEL.length);
    expect(r.kind === 'bytes' && r.bytes).toBeGreaterThan(IMAGE_HEAD_BYTES);
    // program headers past the head: not known from it
    const farHeaders = Uint8Array.from(KERNEL);
    new DataView(farHeaders.buffer).setUint32(0x1c, 0x10000, true);
    expect(declaredImageSize(head(farHeaders))).toEqual({ kind: 'unknown' });
  });

  it('a bzImage: setup sectors and syssize paragraphs', () => {
    const img = new Uint8Array(IMAGE_HEAD_BYTES);
    const dv = new DataView(img.buffer);
    dv.setUint32(0x202, 0x53726448, true); // "HdrS"
    img[0x1f1] = 30;
    dv.setUint32(0x1f4, 0x1000, true);
    expect(declaredImageSize(img)).toEqual({ kind: 'bytes', bytes: 31 * 512 + 0x10000 });
    img[0x1f1] = 0; // 0 means 4
    expect(declaredImageSize(img)).toEqual({ kind: 'bytes', bytes: 5 * 512 + 0x10000 });
    dv.setUint32(0x1f4, 0, true);
    expect(declaredImageSize(img)).toEqual({ kind: 'unknown' });
  });

  it('a Multiboot a.out kludge: where load_end_addr says the loaded bytes end', () => {
    const img = tinyKernel([0xf4]);
    expect(declaredImageSize(img)).toEqual({ kind: 'unknown' }); // load_end_addr 0: the whole file
    new DataView(img.buffer).setUint32(20, 0x100000 + 0x4000, true);
    expect(declaredImageSize(img)).toEqual({ kind: 'bytes', bytes: 0x4000 });
  });

  it('no image: zeros, text, a bad Multiboot checksum, an ELF without a Multiboot header', () => {
    expect(declaredImageSize(new Uint8Array(IMAGE_HEAD_BYTES))).toEqual({ kind: 'not-an-image' });
    expect(declaredImageSize(new TextEncoder().encode('#!/bin/sh\necho hello\n'))).toEqual({ kind: 'not-an-image' });
    const bad = tinyKernel([0xf4]);
    bad[8] ^= 1;
    expect(declaredImageSize(bad)).toEqual({ kind: 'not-an-image' });
    const elfOnly = Uint8Array.from(KERNEL.subarray(0, IMAGE_HEAD_BYTES));
    for (let k = 0; k + 4 <= elfOnly.length; k += 4) if (new DataView(elfOnly.buffer).getUint32(k, true) === 0x1badb002) elfOnly[k] = 0;
    expect(declaredImageSize(elfOnly)).toEqual({ kind: 'not-an-image' });
  });
});
