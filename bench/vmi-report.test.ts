import { describe, expect, it } from 'vitest';
import { callTable, closingLine, lossLines, ratioCell, targetLines, targets, microTable, unitTable, warmupTable, workloadTable, charts } from './vmi-report.ts';
import { rotate, type LabData } from './vmi-lab.ts';

/** A laboratory result with made-up samples (5 rounds). */
function lab(): LabData {
  const five = (x: number) => [x, x * 1.01, x * 0.99, x * 1.02, x * 0.98];
  return {
    runs: 5, modes: ['interp', 'native', 'rom', 'inline'], inliner: true, columns: ['interp', 'native', 'rom', 'inline', 'qemu'],
    ops: [
      { name: 'callret', kind: 'unit', per: 1, n: {} },
      { name: 'irq_off', kind: 'op', per: 1, n: {} },
      { name: 'pte_invlpg', kind: 'op', per: 2, n: {} },
      { name: 'pte_round', kind: 'op', per: 2, n: {} },
    ],
    micro: {
      callret: { native: five(20), rom: five(20), inline: five(20), interp: five(200) },
      irq_off: { native: five(100), rom: five(1000), inline: five(10), interp: five(50) },
      pte_invlpg: { native: five(200), rom: five(2000), inline: five(300), interp: five(400) },
      pte_round: { native: five(150), rom: five(2500), inline: five(60), interp: five(500) },
    },
    microUnits: {
      callret: { native: five(1), rom: five(1), inline: five(1), interp: five(1) },
      irq_off: { native: five(5), rom: five(50), inline: five(0.5), interp: five(0.25) },
      pte_invlpg: { native: five(10), rom: five(100), inline: five(15), interp: five(2) },
      pte_round: { native: five(7.5), rom: five(125), inline: five(3), interp: five(2.5) },
    },
    microAdds: {},
    inlinedShare: { irq_off: 1, pte_invlpg: 0.5, callret: NaN },
    workloads: { null: { native: five(1000), inline: five(1000), rom: five(1200), interp: five(5000), qemu: five(10) } },
    workloadRuns: [
      { null: { native: five(3000), inline: five(6000) } },
      { null: { native: five(1000), inline: five(1000) } },
    ],
    workloadIters: {}, checksums: {},
    workloadCalls: { null: { inline: { SetPxE: [1, 3], IRET: [2, 0] } } }, load: [1, 2], seconds: 1,
  };
}

describe('bench vmi report', () => {
  it('rotates the order of the ways of running round by round', () => {
    expect(rotate(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotate(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotate(['a', 'b', 'c'], 5)).toEqual(['c', 'a', 'b']);
    expect(rotate([], 3)).toEqual([]);
  });

  it('ends with the closing line: medians over the operations of each way in call/ret pairs', () => {
    // operations irq_off, pte_invlpg, pte_round: inlined 0.5, 15, 3 -> 3; ROM 50, 100, 125 -> 100; native 5, 10, 7.5 -> 7.5
    expect(closingLine(lab())).toBe('bench vmi: 3 operations, inlined median 3.00 call/ret pairs, ROM median 100, native-translated median 7.50');
  });

  it('marks a ratio inside the noise with ~', () => {
    const d = lab();
    expect(ratioCell(d.micro, 'irq_off', 'inline', 'native')).toBe(' 0.10x ±0%');
    expect(ratioCell(d.workloads, 'null', 'inline', 'native')).toBe('~1.00x ±0%');
    // per-round ratios 1.0, 1.2, 0.8, 1.1, 0.9: median 1.0, half range 0.2
    d.micro.irq_off.rom = [100, 120, 80, 110, 90];
    d.micro.irq_off.native = [100, 100, 100, 100, 100];
    expect(ratioCell(d.micro, 'irq_off', 'rom', 'native')).toBe('~1.00x ±20%');
    expect(ratioCell(d.micro, 'irq_off', 'inline', 'qemu')).toBe('-');
  });

  it('shows the warm-up run by run: inlined over native in each run of a workload, the last one timed', () => {
    const lines = warmupTable(lab()).split('\n');
    expect(lines[0]).toMatch(/^workload \(inlined\/native\) +run 1 +run 2 \(timed\)$/);
    // the first run twice native's in every round (beyond the noise), the second level with it
    expect(lines[2]).toMatch(/^null +2\.00x ±0% +~1\.00x ±0%$/);
  });

  it('checks the targets against the measured values', () => {
    const t = new Map(targets(lab()).map((x) => [x.what, x]));
    expect(t.get('inlined DisableInterrupts')!.met).toBe(true);
    const apic = targets({ ...lab(), micro: { ...lab().micro, apic_eoi: {}, apic_tpr: {} } }).map((x) => x.what).filter((w) => w.includes('APICWrite'));
    expect(apic).toEqual(['inlined APICWrite (EOI)', 'inlined APICWrite (TPR)']);
    expect(t.get('SetPxE+InvalPage inlined / ROM')!.value).toBe('0.15');
    expect(t.get('SetPxE+InvalPage inlined / ROM')!.met).toBe(true);
    expect(t.get('PTE rewrite+invalidate+access round, inlined')!.met).toBe(true);
    const w = t.get('workload null: inlined / native translated')!;
    expect(w.met).toBe(false);
    expect(w.value).toContain('inside the noise');
  });

  it('lists the VMI calls per iteration of each workload, most frequent first', () => {
    const t = callTable(lab()).split('\n');
    expect(t[2]).toMatch(/^null\s+6.00\s+50%\s+SetPxE 4.00, IRET 2.00$/);
  });

  it('tables and charts name every way of running', () => {
    const table = microTable(lab());
    expect(table.split('\n')[0]).toMatch(/interp .* native .* ROM .* inlined .* inlined\/native .* inlined\/ROM/);
    expect(table).toContain('cli | DisableInterrupts');
    const units = unitTable(lab()).split('\n');
    expect(units[0]).toMatch(/interp c\/r .* inlined c\/r .* interp adds .* inlined adds .* calls inlined$/);
    expect(units.find((l) => l.startsWith('cli'))).toMatch(/100%$/);
    expect(units.find((l) => l.startsWith('PTE+invlpg |'))).toMatch(/50%$/);
    expect(units.find((l) => l.startsWith('unit: call'))).toMatch(/-$/);
    const c = charts(lab(), 'note');
    expect(c.ops).toContain('VMI call, inlined');
    expect(c.workloads).toContain('QEMU TCG, native');
    expect(c.ops.match(/class="bar"/g)).toHaveLength(16);
  });

  it('with --wasm, adds the WebAssembly columns and their own inlined/native ratio', () => {
    const d = lab();
    const five = (x: number) => [x, x * 1.01, x * 0.99, x * 1.02, x * 0.98];
    d.modes.push('native-wasm', 'inline-wasm');
    d.columns.splice(4, 0, 'native-wasm', 'inline-wasm');
    d.micro.irq_off['native-wasm'] = five(80);
    d.micro.irq_off['inline-wasm'] = five(20);
    d.workloads.null['native-wasm'] = five(900);
    d.workloads.null['inline-wasm'] = five(1800);
    const table = microTable(d).split('\n');
    expect(table[0]).toMatch(/native wasm .* inlined wasm .* inlined\/native .* inl\. wasm\/native wasm$/);
    expect(table.find((l) => l.startsWith('cli'))).toMatch(/0\.25x ±\d+%$/);
    const work = workloadTable(d).split('\n');
    expect(work[0]).toMatch(/inlined\/QEMU +inl\. wasm\/native wasm$/);
    expect(work[2]).toMatch(/2\.00x ±\d+%$/);
    expect(charts(d, 'note').ops).toContain('VMI call, inlined, WebAssembly');
  });

  it('lists where the paravirtual column is slower than native translated, with the figures that say why', () => {
    const d = lab();
    // pte_invlpg: inlined 300 ns against native 200 (1.5x), 15 c/r against 10; irq_off and pte_round are faster; null is inside the noise
    d.workloads.fork = { native: [100, 101, 99, 102, 98], inline: [300, 303, 297, 306, 294] };
    d.workloadCalls.fork = { inline: { SetPxE: [10, 30], IRET: [2, 0] } };
    const rows = lossLines(d).split('\n').slice(2);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^PTE\+invlpg \| SetPxE\+InvalPage\s+1.50x\s+15.0 c\/r against 10.0$/);
    expect(rows[1]).toMatch(/^workload fork\s+3.00x\s+42.0 VMI calls\/iteration$/);
    delete d.micro.pte_invlpg;
    delete d.workloads.fork;
    expect(lossLines(d)).toMatch(/^\(none: /);
    expect(lossLines({ ...d, runs: 1 })).toBe('(none can be told with 1 round: the noise test needs 4 or more)');
  });

  it('says when the inlined column had no inliner behind it', () => {
    const d = { ...lab(), inliner: false };
    expect(targetLines(targets(d), false)).toMatch(/inlined DisableInterrupts .* yes \(no inliner\)/);
    expect(targetLines(targets(d), false)).toMatch(/PTE rewrite\+invalidate\+access round, inlined .* yes \(no inliner\)/);
    expect(targetLines(targets(d), true)).not.toContain('no inliner');
    expect(charts(d, 'note').ops).toContain('VMI call, inlined (no inliner: ROM)');
    expect(charts(lab(), 'note').ops).not.toContain('no inliner');
  });
});
