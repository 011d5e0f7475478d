/**
 * Small pure or CPU-level functions that semantics call through `o.helper`.
 * The interpreter calls them directly; generated code calls them by name, so
 * each one is the single implementation of what it computes.
 */
import type { Cpu } from '../cpu/cpu.ts';
import { CR4_TSD } from '../cpu/mmu.ts';
import { high32 } from '../base/arith.ts';
import { cpuidLeaf } from '../cpu/models.ts';
import { loadKeptDataSegment, returnKeepsCs } from '../cpu/segments.ts';
import { IF, IOPL, NT, RF, TF, VIF, VIP, VM } from '../isa/eflags.ts';
import { Seg } from '../isa/instr.ts';

export type Helper = (cpu: Cpu, ...args: number[]) => number;

/** High half of a 32x32 unsigned product, in 16-bit pieces (exact in doubles, no BigInt). */
function mulhu(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lo = al * bl;
  const mid1 = ah * bl;
  const mid2 = al * bh;
  const carry = ((lo >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (ah * bh + (mid1 >>> 16) + (mid2 >>> 16) + carry) | 0;
}

export const HELPERS: Record<string, Helper> = {
  /** cli or sti with EFLAGS.IOPL `iopl` (its bits in place): #GP (1) in protected mode when CPL > IOPL */
  interruptFlagDenied: (cpu, iopl) => (cpu.protectedMode && cpu.cpl > iopl >>> 12 ? 1 : 0),
  /** rdtsc at CPL > 0 with CR4.TSD set in protected mode: #GP (1) */
  tscDenied: (cpu) => (cpu.cr4 & CR4_TSD && cpu.cpl > 0 && cpu.protectedMode ? 1 : 0),
  /**
   * Half `half` (0 low, 1 high) of the time stamp counter with `n`
   * instructions retired before the reading one: the clock reads the count
   * (translated code keeps it in a local until it has to say it)
   */
  tsc: (cpu, n, half) => {
    cpu.instructions = n;
    if (cpu.tscOffset === 0n) {
      // no offset written (the common case): the clock itself, split without BigInt arithmetic
      const v = cpu.tscClock();
      return half ? high32(v) : v | 0;
    }
    const v = cpu.readTsc();
    return Number(BigInt.asIntN(32, half ? v >> 32n : v));
  },
  /** high 32 bits of the unsigned 64-bit product */
  mulhu: (_c, a, b) => mulhu(a, b),
  /** high 32 bits of the signed 64-bit product: the unsigned one, corrected for negative factors */
  mulhs: (_c, a, b) => (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0,
  /** index of the lowest set bit (v != 0) */
  bsf: (_c, v) => 31 - Math.clz32(v & -v),
  /** index of the highest set bit (v != 0) */
  bsr: (_c, v) => 31 - Math.clz32(v),
  bswap: (_c, v) => ((v << 24) | ((v << 8) & 0xff0000) | ((v >>> 8) & 0xff00) | (v >>> 24)) | 0,
  /** word k (EAX, EBX, ECX, EDX) of the vCPU's model's answer to cpuid leaf `leaf` (cpu/models.ts) */
  cpuid: (cpu, leaf, k) => cpuidLeaf(cpu.model, leaf, cpu.id)[k],
  /**
   * Load data segment register `s` (ES, DS, FS, GS) with `sel` where the
   * descriptor a load of it read last is unchanged (cpu/segments.ts
   * `loadKeptDataSegment`): 1, the load done; 0, nothing changed (the full
   * load runs). The one helper with an effect: on segment registers, which
   * generated code does not keep in locals (it asks `stillFlat` after).
   */
  keptDataSegment: (cpu, s, sel) => (loadKeptDataSegment(cpu, s, sel) ? 1 : 0),
  /**
   * May iret read its frame before it does anything else (protected mode, no
   * NMI blocking to end first)? The first test of semantics/families/far.ts
   * `iretInRing`.
   */
  iretFrameFirst: (cpu) => (cpu.protectedMode && !cpu.nmiBlocked ? 1 : 0),
  /**
   * Would this 32-bit iret frame return to the same ring and code segment,
   * changing nothing but EIP, ESP and the flags it copies (far.ts
   * `iretInRing`)? `now` holds IF, NT, IOPL, VIF and VIP as they are. 0:
   * no, the full iret runs; else 1, plus 2 where IF is taken from the image
   * (CPL <= IOPL).
   */
  iretInRing: (cpu, eip, sel, image, now) => {
    const cpl = cpu.cpl;
    if (cpl === 3 || now & NT || image & (TF | NT | RF | VM)) return 0;
    // IOPL, VIF and VIP change only at CPL 0: there, only returns that keep them
    if (cpl === 0 && (image ^ now) & (IOPL | VIF | VIP)) return 0;
    const ifFromImage = cpl <= (now & IOPL) >> 12;
    // enabling interrupts: the full path, after which the engine looks for one to take
    if (ifFromImage && image & IF && !(now & IF)) return 0;
    if (eip >>> 0 > cpu.segLimit[Seg.CS] || !returnKeepsCs(cpu, sel)) return 0;
    return ifFromImage ? 3 : 1;
  },
};
