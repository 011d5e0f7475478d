/**
 * Loop rotation: a loop entered in its middle becomes one block again.
 *
 * A region often starts inside a loop: at a call's return point, an iret's,
 * or where a time slice ended. The loop's latch (its closing `dec; jnz`)
 * is then the entry block, and the rest of the body a second block that
 * runs into it, so every pass goes through the region's `switch` twice
 * (`pc = k; continue run`) and checks the budget twice. Where a block runs
 * on (falls through) into a small block whose last instruction branches
 * back to it, this stage appends a copy of that small block to it: the
 * body then ends with the branch to itself and becomes its own inner loop
 * (emit/region.ts `self`), while the original latch stays for the entry
 * and any other predecessor. The copy is the same `Instr` objects, so an
 * inlined call in the latch is claimed once and emitted twice.
 *
 * Invariants: only blocks that end by running on into the latch grow;
 * every block keeps its start EIP and place (block numbers and the entry
 * stay as discovery made them); an instruction may now sit in two blocks,
 * each copy with its own per-instruction table entries (fault EIPs and
 * counts come out as the one copy that ran). A pure function of the blocks.
 */
import type { Instr } from '../../isa/instr.ts';
import { endsBlock, hasStaticTarget, weightOf, type Block } from './discover.ts';

/**
 * The largest latch copied, in instructions as the region's budget counts
 * them (discover.ts `weightOf`: an inlined call is `CLAIMED_CALL_WEIGHT`):
 * a `dec; jnz`, a compare and branch, or one VMI call with its argument
 * and the branch (the paravirtual loops of `vmibench`), but not a second
 * body.
 */
export const MAX_LATCH_WEIGHT = 8;

/** Blocks with each latch a block runs into appended to it (see above); `claimed`: calls an inliner took. */
export function rotateLoops(blocks: readonly Block[], claimed: (i: Instr) => boolean): Block[] {
  const byEip = new Map(blocks.filter((b) => b.instrs.length).map((b) => [b.eip, b]));
  return blocks.map((b) => {
    const last = b.instrs[b.instrs.length - 1];
    if (!last || b.stopEip !== undefined) return b;
    // a block that ends in its own jump or branch does not run on; a claimed call does
    if (endsBlock(last) && !(last.row.flow === 'call' && claimed(last))) return b;
    const latch = byEip.get(last.next);
    if (!latch || latch === b || latch.stopEip !== undefined) return b;
    const end = latch.instrs[latch.instrs.length - 1];
    if (!hasStaticTarget(end) || end.imm !== b.eip || end.row.flow === 'call') return b;
    const weight = latch.instrs.reduce((n, i) => n + weightOf(claimed(i)), 0);
    if (weight > MAX_LATCH_WEIGHT) return b;
    return { eip: b.eip, instrs: [...b.instrs, ...latch.instrs] };
  });
}
