/**
 * Regions that only jump forward, as nested labelled blocks instead of a
 * dispatch loop.
 *
 * A region's blocks are the cases of a `switch` in a labelled loop
 * (region.ts): a jump to block k is `pc = k; continue run`. That loop is
 * what a region with a loop in it needs, but much kernel code the
 * translator meets has none: a stretch of a function's body with its
 * forward branches, where every jump goes to a later block and none is
 * indirect (495 of the 1,295 regions of Debian's boot, 27 % of their
 * bytes). There every jump went round a loop that does not loop, through
 * the switch, and V8 saw one loop around everything, merging every local
 * at its head once per way back.
 *
 * So when every jump of every block a run reaches goes to a later block (a
 * block's own loop, `continue self`, stays as it is: it is a loop inside
 * the block), the blocks are laid out in order inside labelled blocks, one
 * per block after the first, each closing just before its block's code:
 *
 *     run: { b3: { b2: { b1: { switch (pc) { case 1: break b1; ... }
 *       block 0 } block 1 } block 2 } block 3 }
 *
 * A jump to block k is `break bk`, which leaves every block before k at
 * once and lands on k's code; a block that ran on into the next still
 * does; `break run` leaves the region as before. A region entered at an
 * inner block (the code cache's `enterBlock`) jumps there from the switch
 * at the top. Nothing else changes: the blocks' text, the exits, the tables
 * and the `finally` are the dispatch loop's.
 *
 * A region with an indirect jump (a jump to the dispatch case) keeps the
 * loop: the dispatch case finds the jump's target among the region's
 * blocks, earlier ones too, where a forward layout could only leave for it
 * and be entered again by the site cache (stop 62 did, and a loop closed by
 * a jump through a register went from 9 ns a pass to 50; bench/README.md,
 * stop 63).
 *
 * What it buys, measured (bench/README.md, stop 62): a little on system
 * call paths (the null call's best run 1.89 → 1.78 µs), the JavaScript of
 * the switch; not V8's optimising compile, which costs the same with the
 * loop or without (about 2 µs a byte of source either way).
 */
import { LABELS, blockLabel } from './abi.ts';
import { breakTo, labelled, switchCase, switchStmt, type Expr, type Stmt } from './ast.ts';
import { DISPATCH, GO_TO_BLOCK, goToBlock } from './statements.ts';
import { successorsOf } from './loops.ts';

/** A jump to the dispatch case (GO_TO_BLOCK matches block numbers, which are not negative). */
const TO_DISPATCH = goToBlock(DISPATCH).join('');

/**
 * The blocks as a forward region (every jump to a later block), or
 * undefined where that cannot be. The blocks that count are those a run
 * reaches from the first block or from `roots` (the blocks after the
 * region's calls, where a return comes back in: a loop that calls out of
 * the region goes round through them). A block none of them reaches is
 * there only for other entries into the region's inner blocks (a loop that
 * loops.ts copied into its header keeps its blocks' cases so): its jumps
 * back become exits to the block's EIP (`leaveFor`), which the code cache
 * links to this region entered there. A jump to the dispatch case (number
 * -1: an indirect jump, whose target may be an earlier block) keeps the
 * loop. `fallsThrough`: the blocks that may run on into the next one
 * (EmittedBlock.fallsThrough).
 */
export function forwardBlocks(blocks: readonly Stmt[], fallsThrough: readonly boolean[], roots: readonly number[], leaveFor: (k: number) => Stmt[]): Stmt[] | undefined {
  if (blocks.some((text) => text.includes(TO_DISPATCH))) return undefined;
  const successors = successorsOf(blocks, fallsThrough);
  const reached = new Set<number>([0, ...roots]);
  for (const todo = [...reached]; todo.length;) {
    for (const t of successors[todo.pop()!]) if (t < blocks.length && !reached.has(t)) { reached.add(t); todo.push(t); }
  }
  if ([...reached].some((k) => successors[k].some((t) => t <= k))) return undefined;
  return blocks.map((text, k) => (reached.has(k) || successors[k].every((t) => t > k) ? text
    : text.replace(GO_TO_BLOCK, (jump, n: string) => (Number(n) > k ? jump : leaveFor(Number(n)).join('')))));
}

/**
 * The blocks of a forward region (`forwardBlocks`) nested as above, entered
 * at block `start` (the function's parameter); `entries` are the blocks it
 * may be entered at besides the first.
 */
export function nestForward(blocks: readonly Stmt[], start: Expr, entries: readonly number[]): Stmt {
  const jumps = blocks.map((text) => text.replace(GO_TO_BLOCK, (_jump, k: string) => breakTo(blockLabel(Number(k)))));
  let nest = entries.length ? switchStmt(start, entries.map((k) => switchCase(k, [breakTo(blockLabel(k))]))) : '';
  nest += jumps[0];
  for (let k = 1; k < jumps.length; k++) nest = labelled(blockLabel(k), [nest]) + jumps[k];
  return labelled(LABELS.run, [nest]);
}
