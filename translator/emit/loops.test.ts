import { describe, expect, it } from 'vitest';
import { INLINE_BLOCK_MAX, loopBody, loopHeaders, oneLoop, structureLoops, type EmittedBlock } from './loops.ts';
import { block, switchCase } from './ast.ts';

/** A block's text in the emitter's shape: `pc=k;continue run;` jumps, `break run` exits. */
const go = (k: number) => `pc=${k};continue run;`;

/** The cases as region.ts made them before this pass (each block its own case, self-loops wrapped). */
function plainCases(blocks: EmittedBlock[]): string[] {
  return blocks.map((b, k) => switchCase(k, [b.selfLoop ? `self:for(;;){${b.body.join('')}}` : block(b.body)]));
}

/** The pass's blocks as region.ts makes them cases. */
const asCases = (blocks: EmittedBlock[]) => structureLoops(blocks).map((s, k) => switchCase(k, [s]));

/** Run the cases as a region's dispatch loop does, from block 0; the trace of blocks run, and the exit. */
function run(cases: string[], counter: number): { trace: number[]; exit: number } {
  const src = `let pc=0,n=${counter},xl=0;const trace=[];run:for(;;){switch(pc){${cases.join('')}}}return {trace,exit:xl};`;
  return new Function(src)() as { trace: number[]; exit: number };
}

describe('loop structuring (emit/loops.ts)', () => {
  it('finds the blocks back-edges reach', () => {
    // 0 -> 1 -> 2 -> 1 (loop), 1 -> 3
    expect([...loopHeaders([[1], [2, 3], [1], []])]).toEqual([1]);
    // a block that reaches itself through two others, and a separate loop not reached from the entry
    expect([...loopHeaders([[1], [2], [0], [4], [3]])].sort()).toEqual([0, 3]);
  });

  it('takes a loop\'s blocks as those that reach its header again', () => {
    // 0 -> 1 -> 2 -> 1, 2 -> 4 (an exit), 1 -> 3 -> 1
    expect([...loopBody(1, [[1], [2, 3], [1, 4], [1], []])].sort()).toEqual([1, 2, 3]);
  });

  it('tells the arms of one loop from loops inside one another that share a header', () => {
    // 0 -> 1 -> 2 -> 0 and 1 -> 3 -> 0: an if and its else, each jumping back
    expect(oneLoop(0, [2, 3], [[1], [2, 3], [0], [0]])).toBe(true);
    // 0 -> 1 -> 0 an inner loop whose way out (1 -> 2) runs through the outer body 2 -> 3 -> 0
    expect(oneLoop(0, [1, 3], [[1, 2], [0, 2], [3], [0]])).toBe(false);
  });

  it('inlines the blocks of a loop into its header, and makes the back-edge its own loop', () => {
    const blocks: EmittedBlock[] = [
      { body: ['trace.push(0);', go(1)], selfLoop: false, fallsThrough: false },
      { body: ['trace.push(1);', `if(--n>0){${go(2)}}`, go(3)], selfLoop: false, fallsThrough: false },
      { body: ['trace.push(2);', go(1)], selfLoop: false, fallsThrough: false },
      { body: ['trace.push(3);', 'xl=7;break run;'], selfLoop: false, fallsThrough: false },
    ];
    const cases = asCases(blocks);
    // block 1 heads the loop: its case holds blocks 2 and 3, and goes round as `self`
    expect(cases[1]).toMatch(/^case 1:self:for\(;;\)/);
    expect(cases[1]).toContain('trace.push(2);continue self;');
    // the loop's exit runs once: it stays a jump, and so does the entry's jump to the header
    expect(cases[1]).toContain(go(3));
    expect(cases[0]).toBe(plainCases(blocks)[0]);
    for (const n of [1, 2, 5]) expect(run(cases, n)).toEqual(run(plainCases(blocks), n));
  });

  it('gives a copied block that ran on into the next case the jump it had implied', () => {
    const blocks: EmittedBlock[] = [
      { body: ['trace.push(0);', `if(--n>0){${go(1)}}`, go(3)], selfLoop: false, fallsThrough: false },
      // runs on into case 2
      { body: ['trace.push(1);'], selfLoop: false, fallsThrough: true },
      { body: ['trace.push(2);', go(0)], selfLoop: false, fallsThrough: false },
      { body: ['trace.push(3);', 'xl=1;break run;'], selfLoop: false, fallsThrough: false },
    ];
    const cases = asCases(blocks);
    expect(cases[0]).toMatch(/^case 0:self:for\(;;\)/);
    expect(cases[0]).toContain('trace.push(1);{trace.push(2);continue self;}');
    for (const n of [1, 3, 4]) expect(run(cases, n)).toEqual(run(plainCases(blocks), n));
  });

  it('leaves loops with loops inside, and long blocks, as they were', () => {
    const long = `trace.push(2);${'n=n+0;'.repeat(INLINE_BLOCK_MAX / 6)}`;
    const blocks: EmittedBlock[] = [
      { body: ['trace.push(0);', `if(n>2){${go(1)}}`, go(2)], selfLoop: false, fallsThrough: false },
      // an inner loop of its own
      { body: ['trace.push(1);', 'if(--n>2)continue self;', go(0)], selfLoop: true, fallsThrough: false },
      { body: [long, `if(--n>0){${go(0)}}`, 'xl=2;break run;'], selfLoop: false, fallsThrough: false },
    ];
    const cases = asCases(blocks);
    expect(cases[0]).toContain(go(1));
    expect(cases[0]).toContain(go(2));
    expect(cases[1]).toBe(plainCases(blocks)[1]);
    for (const n of [1, 4, 6]) expect(run(cases, n)).toEqual(run(plainCases(blocks), n));
  });

  it('does not copy a block longer than the limit', () => {
    const long = `trace.push(1);${'n=n+0;'.repeat(INLINE_BLOCK_MAX / 6)}`;
    const blocks: EmittedBlock[] = [
      { body: ['trace.push(0);', `if(--n>0){${go(1)}}`, 'xl=3;break run;'], selfLoop: false, fallsThrough: false },
      { body: [long, go(0)], selfLoop: false, fallsThrough: false },
    ];
    expect(asCases(blocks)).toEqual(plainCases(blocks));
  });
});
