/**
 * The smallest bootable Multiboot kernel: an a.out-kludge header (no ELF)
 * loading the file at 1 MiB and entering `code` right after the header. For
 * tests of the command line that need a guest doing exactly one thing
 * (print without a newline and spin, write a value to the debug-exit port).
 */
const LOAD_ADDR = 0x100000;
const HEADER_BYTES = 32;
const MAGIC = 0x1badb002;
const FLAGS = 0x10000; // a.out kludge: the header's own address fields say where to load

export function tinyKernel(code: number[]): Uint8Array {
  const img = new Uint8Array(HEADER_BYTES + code.length);
  const dv = new DataView(img.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, FLAGS, true);
  dv.setUint32(8, -(MAGIC + FLAGS) >>> 0, true);
  dv.setUint32(12, LOAD_ADDR, true); // header_addr
  dv.setUint32(16, LOAD_ADDR, true); // load_addr
  dv.setUint32(20, 0, true); // load_end_addr: the whole file
  dv.setUint32(24, 0, true); // bss_end_addr: no BSS
  dv.setUint32(28, LOAD_ADDR + HEADER_BYTES, true); // entry
  img.set(code, HEADER_BYTES);
  return img;
}

/** mov dx, 0x3f8 (COM1's data port) */
export const COM1_DX = [0x66, 0xba, 0xf8, 0x03];
/** out dx, al after mov al, `ch` */
export const putChar = (ch: string) => [0xb0, ch.charCodeAt(0), 0xee];
/** mov al, v; out 0xf4, al: the debug-exit port */
export const debugExit = (v: number) => [0xb0, v & 0xff, 0xe6, 0xf4];
/** jmp $ */
export const SPIN = [0xeb, 0xfe];
