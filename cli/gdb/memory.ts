/**
 * Guest memory as a debugger sees it: linear addresses through one vCPU's
 * page tables (cpu/mmu.ts `debugTranslate`: no rights checks, no accessed
 * or dirty bits, no TLB fill, never a fault in the guest). RAM and ROM are
 * readable and writable; a device page or an unmapped address is not, and a
 * read stops at the first byte that is not (gdb takes a short read as the
 * readable part). A write is checked whole before any byte changes; it
 * drops the decodings and translations of the code it overwrites.
 */
import type { Cpu } from '../../cpu/cpu.ts';

/** Physical address of linear `lin` when it is RAM or ROM the debugger may touch, else -1. */
function plainPhysical(cpu: Cpu, lin: number): number {
  const phys = cpu.mmu.debugTranslate(lin >>> 0);
  return phys >= 0 && phys < cpu.mem.size && cpu.mem.fastReadable(phys) ? phys : -1;
}

/** Up to `len` bytes from linear `addr`: fewer when an unreadable byte comes first. */
export function readLinear(cpu: Cpu, addr: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let n = 0;
  while (n < len) {
    const lin = (addr + n) >>> 0;
    const phys = plainPhysical(cpu, lin);
    if (phys < 0) break;
    const chunk = Math.min(len - n, 0x1000 - (lin & 0xfff));
    out.set(cpu.mem.u8.subarray(phys, phys + chunk), n);
    n += chunk;
  }
  return out.subarray(0, n);
}

/** Write bytes at linear `addr`; false (and nothing written) when some byte is not writable. */
export function writeLinear(cpu: Cpu, addr: number, bytes: Uint8Array): boolean {
  const chunks: [number, Uint8Array][] = [];
  for (let n = 0; n < bytes.length;) {
    const lin = (addr + n) >>> 0;
    const phys = plainPhysical(cpu, lin);
    if (phys < 0) return false;
    const chunk = Math.min(bytes.length - n, 0x1000 - (lin & 0xfff));
    chunks.push([phys, bytes.subarray(n, n + chunk)]);
    n += chunk;
  }
  // load() is the host's write: ROM pages too, and stale code is dropped
  for (const [phys, part] of chunks) cpu.mem.load(phys, part);
  return true;
}
