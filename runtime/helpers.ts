/**
 * Small pure or CPU-level functions that semantics call through `o.helper`.
 * The interpreter calls them directly; generated code calls them by name, so
 * each one is the single implementation of what it computes.
 */
import type { Cpu } from './cpu.ts';

export type Helper = (cpu: Cpu, ...args: number[]) => number;

export const HELPERS: Record<string, Helper> = {
  /** high 32 bits of the unsigned 64-bit product */
  mulhu: (_c, a, b) => Number((BigInt(a >>> 0) * BigInt(b >>> 0)) >> 32n) | 0,
  /** high 32 bits of the signed 64-bit product */
  mulhs: (_c, a, b) => Number((BigInt(a | 0) * BigInt(b | 0)) >> 32n) | 0,
  /** index of the lowest set bit (v != 0) */
  bsf: (_c, v) => 31 - Math.clz32(v & -v),
  /** index of the highest set bit (v != 0) */
  bsr: (_c, v) => 31 - Math.clz32(v),
  bswap: (_c, v) => ((v << 24) | ((v << 8) & 0xff0000) | ((v >>> 8) & 0xff00) | (v >>> 24)) | 0,
  /** a segment register's selector */
  segSel: (cpu, s) => cpu.segSel[s],
};
