/**
 * Descriptor adjustments for a deprivileged kernel (ABI.md section 2), used
 * by Init, the descriptor-table calls and AP start-up.
 *
 * Code and data descriptors of DPL 0 become DPL 1 (the kernel's level), and
 * expand-up segments have their limit cut so that base + limit stays below
 * the hypervisor's hole at 0xFC000000: with a flat base, offsets from
 * 0xFC000000 up (negative offsets included) fault with #GP or #SS. System
 * descriptors (TSS, LDT, gates) and expand-down segments are left alone.
 */
import type { Cpu } from '../cpu/cpu.ts';
import { loadCache, parseDescriptor, readDescriptor, type Descriptor } from '../cpu/segments.ts';

export const HOLE_START = 0xfc000000;
export const KERNEL_CPL = 1;

/** Highest offset an expand-up segment based at `base` may reach. */
function maxOffset(base: number): number {
  const b = base >>> 0;
  return b >= HOLE_START ? 0 : HOLE_START - 1 - b;
}

/** The adjusted [lo, hi] of a descriptor. */
export function adjustDescriptor(lo: number, hi: number): [number, number] {
  if (!(hi & 0x1000) || !(hi & 0x8000)) return [lo, hi]; // system or not present
  if (((hi >>> 13) & 3) === 0) hi = (hi & ~0x6000) | (KERNEL_CPL << 13);
  const d = parseDescriptor(lo, hi);
  const expandDown = !(d.type & 8) && (d.type & 4) !== 0;
  const max = maxOffset(d.base);
  if (!expandDown && d.limit > max) {
    const gran = (hi & 0x800000) !== 0;
    // with 4 KiB granularity the limit covers whole pages: keep the last page entirely below the hole
    const raw = gran ? Math.floor((max + 1) / 4096) - 1 : max;
    if (raw < 0) {
      lo &= ~0xffff; hi &= ~0x800000 & ~0xf0000; // a byte-granular limit of 0
    } else {
      lo = (lo & ~0xffff) | (raw & 0xffff);
      hi = (hi & ~0xf0000) | (raw & 0xf0000);
    }
  }
  return [lo | 0, hi | 0];
}

export function adjusted(d: Descriptor): Descriptor {
  const [lo, hi] = adjustDescriptor(d.lo, d.hi);
  return lo === d.lo && hi === d.hi ? d : parseDescriptor(lo, hi, d.addr);
}

/** Apply the same rules to a loaded segment register's cache. */
export function adjustCache(cpu: Cpu, s: number): void {
  const attr = cpu.segAttr[s];
  if (!(attr & 0x10) || !(attr & 0x80)) return;
  if (((attr >> 5) & 3) === 0) cpu.segAttr[s] = (attr & ~0x60) | (KERNEL_CPL << 5);
  const type = attr & 0xf;
  const expandDown = !(type & 8) && (type & 4) !== 0;
  const max = maxOffset(cpu.segBase[s]);
  if (!expandDown && cpu.segLimit[s] > max) cpu.segLimit[s] = max;
  cpu.refreshSeg(s);
}

/**
 * Reload segment register `s` from its descriptor table without privilege
 * checks (the hypervisor does it on the guest's behalf): the hidden state
 * follows the tables the guest just installed. A null selector is left as is.
 */
export function reloadSegment(cpu: Cpu, s: number, sel: number): void {
  if ((sel & ~3) === 0) return;
  const d = adjusted(readDescriptor(cpu, sel));
  loadCache(cpu, s, sel, d);
}
