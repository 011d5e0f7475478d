/**
 * How many bytes of a kernel image its own headers account for, read from
 * its first bytes. A file states its size, but a pipe or a device does not
 * (`vmidbt run /dev/zero`): the reader takes the head, asks here, and reads
 * what the format declares and no more; a head that is no image at all is
 * all it reads, and the loader refuses it in one line.
 *
 * The formats are the loaders': a bzImage (setup sectors plus `syssize`
 * paragraphs of protected-mode code, boot protocol), an ELF file (its
 * program headers' segments and its section header table, which ld puts
 * last), and a Multiboot image with the a.out kludge (its header gives where
 * the loaded bytes end). Anything they leave open (a table past the head,
 * a zero `syssize` or `load_end_addr`) is 'unknown': read on to the bound.
 */
import { isElf, PT_LOAD } from '../elf.ts';
import { HDR, isLinuxImage } from './linux.ts';
import { findMultibootHeader } from './multiboot.ts';
import { LoaderError } from './errors.ts';

/** What a reader takes before asking: the Multiboot header must lie within it, and ELF program headers normally do. */
export const IMAGE_HEAD_BYTES = 8192;

export type DeclaredSize = { kind: 'bytes'; bytes: number } | { kind: 'unknown' } | { kind: 'not-an-image' };

const SYSSIZE = 0x1f4;

export function declaredImageSize(head: Uint8Array): DeclaredSize {
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u32 = (off: number) => (off + 4 <= head.length ? dv.getUint32(off, true) : 0);
  const u16 = (off: number) => (off + 2 <= head.length ? dv.getUint16(off, true) : 0);
  if (isLinuxImage(head)) {
    const paragraphs = u32(SYSSIZE);
    if (paragraphs === 0) return { kind: 'unknown' };
    return { kind: 'bytes', bytes: ((head[HDR.setupSects] || 4) + 1) * 512 + paragraphs * 16 };
  }
  // the loader's order: a Multiboot header with the a.out kludge wins over the ELF headers
  let mb;
  try {
    mb = findMultibootHeader(head);
  } catch (e) {
    if (e instanceof LoaderError) return { kind: 'not-an-image' };
    throw e;
  }
  if (mb && mb.flags & 0x10000) {
    if (!mb.loadEndAddr || mb.headerAddr === undefined || mb.loadAddr === undefined) return { kind: 'unknown' };
    const fileStart = mb.offset - (mb.headerAddr - mb.loadAddr);
    const len = mb.loadEndAddr - mb.loadAddr;
    return fileStart < 0 || len <= 0 ? { kind: 'unknown' } : { kind: 'bytes', bytes: fileStart + len };
  }
  if (mb && isElf(head)) {
    const [phoff, shoff] = [u32(0x1c), u32(0x20)];
    const [phentsize, phnum, shentsize, shnum] = [u16(0x2a), u16(0x2c), u16(0x2e), u16(0x30)];
    const phEnd = phoff + phnum * phentsize;
    if (phentsize < 32 || phEnd > head.length) return { kind: 'unknown' };
    let end = Math.max(phEnd, shoff + shnum * shentsize);
    for (let k = 0; k < phnum; k++) {
      const ph = phoff + k * phentsize;
      if (u32(ph) === PT_LOAD) end = Math.max(end, u32(ph + 4) + u32(ph + 16));
    }
    return { kind: 'bytes', bytes: end };
  }
  return { kind: 'not-an-image' };
}
