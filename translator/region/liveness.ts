/**
 * Flag liveness: for each instruction of a block, which flags are read
 * after it before being written again. Emission drops a flag update that
 * nobody reads (`EmitOps.setFlags` with `liveFlagsOut`), which is most of
 * them: x86 code sets flags on nearly every arithmetic instruction and reads
 * them rarely.
 *
 * A pure function of the block's decoded instructions and what each may do
 * (`InstrEffects`, found by running its semantics through the probe backend,
 * emit/probe-ops.ts): a backward pass, each instruction killing the flags it
 * really writes (row `fout` narrowed by the probe: a shift by a count of 0
 * writes none) and adding the flags its row reads (`fin`).
 *
 * The conservative rule: every flag is live
 *   - where the block ends (LIVE_AT_BLOCK_END): the next block, the
 *     dispatcher or another region may read any of them;
 *   - before an instruction that may fault (LIVE_WHERE_VISIBLE): the fault
 *     shows the state as it was before that instruction;
 *   - after a store (LIVE_WHERE_VISIBLE): a store that hits translated code
 *     ends the region right after it.
 * Look-ahead: the rest of the instruction's own block, never past its end
 * (a block holds at most `CompileLimits.maxInstructions` instructions);
 * nothing is assumed about successors.
 */
import type { Instr } from '../../isa/instr.ts';
import { ARITH } from '../../isa/eflags.ts';

/** What liveness needs to know about an instruction beyond its row. */
export interface InstrEffects {
  /** may load from memory (and so may fault) */
  loads: boolean;
  /** may store to memory (and so may fault, or hit translated code) */
  stores: boolean;
  /** may raise an exception */
  raises: boolean;
  /** flags some path of its semantics writes */
  flagsWritten: number;
}

/** Flags live where a block ends. */
export const LIVE_AT_BLOCK_END = ARITH;
/** Flags live where guest state may be seen in the middle of a block (a fault, a store to code). */
export const LIVE_WHERE_VISIBLE = ARITH;

/** Per instruction of the block, the flags live after it. */
export function flagLiveness(instrs: readonly Instr[], effects: readonly InstrEffects[]): number[] {
  const liveOut: number[] = new Array(instrs.length);
  let live = LIVE_AT_BLOCK_END;
  for (let n = instrs.length - 1; n >= 0; n--) {
    const fx = effects[n];
    if (fx.stores) live = LIVE_WHERE_VISIBLE;
    liveOut[n] = live;
    const row = instrs[n].row;
    live = (live & ~(row.fout & fx.flagsWritten)) | row.fin;
    if (fx.loads || fx.stores || fx.raises) live = LIVE_WHERE_VISIBLE;
  }
  return liveOut;
}
