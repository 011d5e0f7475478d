import { describe, expect, it } from 'vitest';
import { forwardBlocks, nestForward } from './forward.ts';
import { id, switchCase } from './ast.ts';

/** A block's text in the emitter's shape: `pc=k;continue run;` jumps, `break run` exits. */
const go = (k: number) => `pc=${k};continue run;`;

/** Run statement `body` with `pc` = `entry`, `n` = `counter`; the trace of blocks run, and the exit. */
function run(body: string, entry: number, counter: number): { trace: number[]; exit: number } {
  return new Function(`let pc=${entry},n=${counter},xl=0,xt=0;const trace=[];${body}return {trace,exit:xl};`)() as { trace: number[]; exit: number };
}

/** The blocks as the cases of the dispatch loop (region.ts's other layout). */
const dispatchLoop = (blocks: string[]) => `run:for(;;){switch(pc){${blocks.map((b, k) => switchCase(k, [b])).join('')}}}`;

describe('regions laid out forward (emit/forward.ts)', () => {
  // 0 -> 1 or 3; 1 runs on into 2; 2 loops on itself and goes to 4; 3 -> 4; 4 leaves
  const blocks = [
    `{trace.push(0);if(n&1){${go(1)}}${go(3)}}`,
    '{trace.push(1);}',
    `self:for(;;){trace.push(2);if(--n>0)continue self;${go(4)}}`,
    `{trace.push(3);${go(4)}}`,
    '{trace.push(4);xl=7;break run;}',
  ];

  it('runs a region whose jumps all go forward as the dispatch loop does, from every block', () => {
    const forward = forwardBlocks(blocks, [false, true, false, false, false], [], () => { throw new Error('no block is left out'); })!;
    expect(forward).toEqual(blocks);
    const nested = nestForward(forward, id('pc'), [1, 2, 3, 4]);
    expect(nested).not.toContain('for(;;){switch');
    for (const entry of [0, 1, 2, 3, 4]) {
      for (const n of [1, 2, 5]) expect(run(nested, entry, n)).toEqual(run(dispatchLoop(blocks), entry, n));
    }
  });

  it('keeps the dispatch loop where a block that runs jumps back', () => {
    const back = [...blocks.slice(0, 4), `{trace.push(4);if(--n>0){${go(1)}}xl=7;break run;}`];
    expect(forwardBlocks(back, [false, true, false, false, false], [], () => [])).toBeUndefined();
    // so does a jump to the dispatch case, which may go anywhere
    expect(forwardBlocks([`{xt=n;${go(-1)}}`], [false], [], () => [])).toBeUndefined();
  });

  it('makes a jump back from a block no run from the entry reaches an exit, and counts a return point as reached', () => {
    // block 2 is a loop's block loops.ts copied into its header 1: its own case is only entered from outside
    const copied = [`{trace.push(0);${go(1)}}`, `self:for(;;){trace.push(1);if(--n>0){trace.push(2);continue self;}${go(3)}}`, `{trace.push(2);${go(1)}}`, '{trace.push(3);xl=9;break run;}'];
    const leave = (k: number) => [`trace.push(-${k});xl=${k};break run;`];
    const forward = forwardBlocks(copied, [false, false, false, false], [], leave)!;
    expect(forward[2]).toBe('{trace.push(2);trace.push(-1);xl=1;break run;}');
    expect(run(nestForward(forward, id('pc'), [1, 2, 3]), 2, 3)).toEqual({ trace: [2, -1], exit: 1 });
    expect(run(nestForward(forward, id('pc'), [1, 2, 3]), 0, 3)).toEqual(run(dispatchLoop(copied), 0, 3));
    // where a call's return comes back in at block 2, its jump back is a loop the dispatch loop keeps
    expect(forwardBlocks(copied, [false, false, false, false], [2], leave)).toBeUndefined();
  });
});
