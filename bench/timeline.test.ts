import { describe, expect, it } from 'vitest';
import { inlinedShare, LineClock, MARK, microCalls, microCosts, steadyPasses, workloadCalls, workloadCosts, type TimedMark, type Timeline } from './timeline.ts';

/** Marks of `passes` passes of operation `id`: [empty ms, ops ms] each, starting at t. */
function marks(id: number, passes: [number, number][], t = 1000): TimedMark[] {
  const out: TimedMark[] = [];
  for (const [empty, ops] of passes) {
    out.push({ code: (id << 8) | MARK.EMPTY_BEGIN, ms: t }, { code: (id << 8) | MARK.EMPTY_END, ms: (t += empty) });
    out.push({ code: (id << 8) | MARK.OPS_BEGIN, ms: (t += 0.01) }, { code: (id << 8) | MARK.OPS_END, ms: (t += ops) });
    t += 0.5;
  }
  return out;
}

describe('bench timelines', () => {
  it('cut console text into lines stamped with the time their newline came', () => {
    const seen: string[] = [];
    const c = new LineClock((l) => seen.push(l.text));
    c.take('ab', 1);
    c.take('c\r\nde\nf', 2);
    c.take('\n', 3);
    expect(c.lines).toEqual([{ ms: 2, text: 'abc' }, { ms: 2, text: 'de' }, { ms: 3, text: 'f' }]);
    expect(seen).toEqual(['abc', 'de', 'f']);
  });

  it('an operation costs (fastest loop pass - fastest empty pass) / operations, in ns', () => {
    const lines = [
      { ms: 0, text: 'VMIBENCH begin mode=native marks=host reps=3 scale=1.000' },
      { ms: 1, text: 'VMIBENCH id=1 op=callret kind=unit n=1000 per=1 cycles=1 empty=1' },
      { ms: 2, text: 'VMIBENCH id=7 op=write_cr3 kind=op n=100 per=2 cycles=1 empty=1' },
      { ms: 3, text: 'VMIBENCH id=9 op=sysexit skipped (no sysenter)' },
    ];
    const tl = {
      lines,
      marks: [
        { code: 0xf0, ms: 0 },
        // callret: empty 1 ms at best, loop 3 ms at best (a preempted 9 ms pass is ignored)
        ...marks(1, [[1.2, 9], [1, 3.5], [1.1, 3]]),
        ...marks(7, [[0.5, 2.5]], 5000),
        { code: 0xf1, ms: 6000 },
      ],
    };
    const c = microCosts(tl);
    expect([...c.keys()]).toEqual(['callret', 'write_cr3']);
    const cr = c.get('callret')!;
    expect(cr.kind).toBe('unit');
    expect(cr.passes).toBe(3);
    expect(cr.ns).toBeCloseTo(((3 - 1) * 1e6) / 1000, 6);
    expect(cr.emptyNs).toBeCloseTo(1e6 / 1000, 6);
    const w = c.get('write_cr3')!;
    expect(w.ns).toBeCloseTo((2 * 1e6) / 200, 6); // 100 iterations of 2 operations
  });

  it('an incomplete pass is not counted, and an operation without marks is left out', () => {
    const broken = marks(2, [[1, 2]]).slice(0, 3);
    const tl = {
      lines: [{ ms: 0, text: 'VMIBENCH id=2 op=add kind=unit n=10 per=8 cycles=1 empty=1' }],
      marks: [...broken, ...marks(2, [[1, 5]], 2000)],
    };
    expect(microCosts(tl).get('add')!.passes).toBe(1);
    expect(microCosts({ lines: tl.lines, marks: [] }).size).toBe(0);
  });

  it('asks for more passes while the last ones still beat the best before them, for at least minMs, within budgetMs', () => {
    const more = steadyPasses({ gain: 0.05, calm: 2, minMs: 100, budgetMs: 1000 });
    const ops = (times: number[], id = 3) => marks(id, times.map((t) => [1, t] as [number, number]));
    expect(more([])).toBe(false);
    // too few passes to judge
    expect(more(ops([50, 40]))).toBe(true);
    // the last two include a best 20 % below the one before them: still warming up
    expect(more(ops([50, 60, 40]))).toBe(true);
    // the last two are no more than 5 % better than the best before them: steady
    expect(more(ops([50, 40, 39, 41]))).toBe(false);
    // steady but shorter than minMs in all: more
    expect(more(ops([2, 2, 2, 2]))).toBe(true);
    // still improving but past the budget: no more
    expect(more(ops([400, 300, 200, 100]))).toBe(false);
    // only the operation being measured (the last mark's) counts
    expect(more([...ops([50, 40, 39, 41], 2), ...ops([50, 40], 4)])).toBe(true);
  });

  it('a workload costs the time from the line before its RESULT line, per iteration', () => {
    const tl = {
      marks: [],
      lines: [
        { ms: 100, text: 'cpus: 1 online' },
        { ms: 150, text: 'RESULT name=null iters=1000 cycles=5 checksum=0x0000abcd' },
        { ms: 350, text: 'RESULT name=fork iters=10 cycles=5 checksum=0x12345678' },
        { ms: 360, text: 'DONE workloads=2 failed=0 cpus=1 mode=native' },
      ],
    };
    const w = workloadCosts(tl);
    expect(w.get('null')).toEqual({ name: 'null', iters: 1000, checksum: '0x0000abcd', ns: 50e6 / 1000, runs: [50e6 / 1000] });
    expect(w.get('fork')!.ns).toBeCloseTo(200e6 / 10, 6);
  });

  it('a workload run more than once (repeat=N) costs what its last, warm run took, and keeps every run', () => {
    const tl = {
      marks: [],
      lines: [
        { ms: 100, text: 'cpus: 1 online' },
        { ms: 400, text: 'RESULT name=null iters=1000 cycles=5 checksum=0x0000abcd' },
        { ms: 450, text: 'RESULT name=null iters=1000 cycles=5 checksum=0x0000abcd' },
      ],
    };
    expect(workloadCosts(tl).get('null')!.ns).toBeCloseTo(50e6 / 1000, 6);
    expect(workloadCosts(tl).get('null')!.runs.map((ns) => Math.round(ns))).toEqual([300e6 / 1000, 50e6 / 1000]);
  });

  it('VMI calls per iteration: the counts at the RESULT line less those at the line before', () => {
    const tl: Timeline = {
      marks: [],
      lines: [{ ms: 0, text: 'cpus: 1 online' }, { ms: 1, text: 'RESULT name=mmap iters=10 cycles=5 checksum=0x00000001' }],
      lineCalls: [{ SetPxE: [100, 0], IRET: [5, 0] }, { SetPxE: [150, 200], IRET: [5, 0], InvalPage: [0, 30] }],
    };
    expect(workloadCalls(tl).get('mmap')).toEqual({ SetPxE: [5, 20], InvalPage: [0, 3] });
    expect(workloadCalls({ lines: tl.lines, marks: [] }).size).toBe(0);
  });

  it('VMI calls of each microbenchmark, and the share inlined', () => {
    const tl: Timeline = {
      marks: [],
      lines: [{ ms: 0, text: 'VMIBENCH begin' }, { ms: 1, text: 'VMIBENCH id=3 op=irq_off kind=op n=10 per=1 cycles=1 empty=1' }],
      lineCalls: [{ OUTB: [5, 0] }, { OUTB: [6, 0], DisableInterrupts: [1, 39] }],
    };
    const c = microCalls(tl).get('irq_off')!;
    expect(c).toEqual({ OUTB: [1, 0], DisableInterrupts: [1, 39] });
    expect(inlinedShare(c)).toBeCloseTo(39 / 41, 12);
    expect(inlinedShare({})).toBeNaN();
  });
});
