/**
 * Frames pushed by control transfers rather than by a push instruction:
 * the return address and flags an interrupt or exception leaves
 * (cpu/interrupts.ts), and what a far call leaves, through a call gate to an
 * inner privilege level included (semantics/families/far.ts).
 *
 * Both write the whole frame before anything is committed, so a fault on
 * the way leaves ESP, SS and every other register as they were: these
 * functions return the new stack pointer and the caller commits it (with
 * cpu/registers.ts stackCommit) once every other check has passed. A frame goes
 * either onto the current stack (SS:eSP, checked by the segment as any data
 * access) or onto a stack segment not loaded yet, described by its
 * descriptor (the inner stack from the TSS), whose limit is checked here and
 * whose writes are supervisor accesses: the new level is 0..2.
 */
import { NUM } from '../base/arith.ts';
import { Seg } from '../isa/instr.ts';
import { Fault, Vec } from '../isa/faults.ts';
import type { Cpu } from './cpu.ts';
import { stackMove } from './registers.ts';
import { writeSystem, type Descriptor } from './segments.ts';
import { TLB_WS, fitsInPage, grants, physical } from './tlb.ts';

/** Write `values` below SS:eSP, first value highest, each `size` bytes; returns the new stack pointer. */
export function writeFrame(cpu: Cpu, values: readonly number[], size: number): number {
  let sp = cpu.sp;
  const bytes = values.length * size;
  const p = cpu.stackInRam(-bytes, bytes, true);
  if (p >= 0) {
    // every slot lies writable in RAM: the same stores, checked once
    storeSlots(cpu, p, values, size);
    return stackMove(NUM, sp, -bytes, cpu.stack32);
  }
  for (const v of values) {
    sp = stackMove(NUM, sp, -size, cpu.stack32);
    cpu.write(Seg.SS, sp, size, v);
  }
  return sp;
}

/**
 * The same onto the stack segment `d` with the stack pointer `esp`, before
 * SS is loaded with it. A slot outside the segment's limit raises #SS with
 * `errorCode`.
 */
export function writeFrameOnNewStack(
  cpu: Cpu, d: Descriptor, esp: number, values: readonly number[], size: number, errorCode: number,
): number {
  const big = (d.attr & 0x4000) !== 0;
  const expandDown = (d.type & 4) !== 0;
  let sp = big ? esp : esp & 0xffff;
  const bytes = values.length * size;
  const top = sp >>> 0;
  if (!expandDown && top >= bytes && top - 1 <= d.limit) {
    // every slot inside the segment: where they all lie on one page the TLB maps for supervisor writes, the same stores checked once
    const lin = (d.base + top - bytes) | 0;
    const e = cpu.mmu.entry(lin);
    if (grants(e, TLB_WS) && fitsInPage(lin, bytes)) {
      storeSlots(cpu, physical(e, lin), values, size);
      return stackMove(NUM, sp, -bytes, big);
    }
  }
  for (const v of values) {
    sp = stackMove(NUM, sp, -size, big);
    const o = sp >>> 0;
    const inside = expandDown ? o > d.limit && o + size - 1 <= (big ? 0xffffffff : 0xffff) : o + size - 1 <= d.limit;
    if (!inside) throw new Fault(Vec.SS, errorCode);
    writeSystem(cpu, (d.base + o) | 0, size, v);
  }
  return sp;
}

/** A frame's slots stored in RAM from physical `p` (its lowest byte) up, first value highest, once every check passed. */
function storeSlots(cpu: Cpu, p: number, values: readonly number[], size: number): void {
  const mem = cpu.mmu.mem;
  const top = p + values.length * size;
  for (let k = 0; k < values.length; k++) mem.ramWrite(top - (k + 1) * size, size, values[k]);
}
