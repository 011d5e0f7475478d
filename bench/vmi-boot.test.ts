import { describe, expect, it } from 'vitest';
import { bootHere, INLINER } from './vmi-boot.ts';
import { microCosts, workloadCosts } from './timeline.ts';

// The guest's microbenchmarks end to end, in-process: that every loop runs in
// both forms and is marked for the host, not how fast (no timed assertion).
describe('bench vmi boots', () => {
  it('native translated: the loops run at CPL 0 and every pass is marked', async () => {
    const r = await bootHere({ mode: 'native', append: 'vmibench=irq_off,pte_round,iret_user,sysexit vmibench.scale=0.005 vmibench.reps=2', steady: false });
    expect(r.exitCode).toBe(0);
    expect(r.lines.some((l) => l.text.startsWith('VMIBENCH begin mode=native marks=host reps=2'))).toBe(true);
    const c = microCosts(r);
    expect([...c.keys()]).toEqual(['callret', 'add', 'irq_off', 'pte_round', 'iret_user', 'sysexit']);
    for (const m of c.values()) expect(m.passes).toBe(2);
    expect(c.get('add')!.per).toBe(8);
    expect(r.lineCalls).toBeUndefined();
  }, 60_000);

  it('the guest runs more passes while the host asks for them (port 0xE4), and no more', async () => {
    // more while an operation has at most 4 passes; a gain of 200 % is never reached, so then no more
    const steady = { gain: 2, calm: 4, minMs: 0, budgetMs: 1e9 };
    const r = await bootHere({ mode: 'inline', append: 'vmibench=irq_off vmibench.scale=0.005 vmibench.reps=2', steady });
    expect(r.exitCode).toBe(0);
    for (const m of microCosts(r).values()) expect(m.passes).toBe(5);
  }, 60_000);

  it('through the ROM: the call sites are patched, the VMI forms run, the ROM counts them', async () => {
    const r = await bootHere({ mode: 'rom', append: 'vmibench=irq_off,batch64_deferred,iret_same vmibench.scale=0.005 vmibench.reps=2' });
    expect(r.exitCode).toBe(0);
    expect(r.lines.some((l) => l.text.startsWith('VMIBENCH begin mode=vmi marks=host'))).toBe(true);
    const c = microCosts(r);
    expect([...c.keys()]).toEqual(['callret', 'add', 'irq_off', 'batch64_deferred', 'iret_same']);
    expect(r.lineCalls).toHaveLength(r.lines.length);
    const end = r.lines.findIndex((l) => l.text === 'VMIBENCH end');
    const calls = r.lineCalls![end];
    const n = c.get('irq_off')!.n;
    const total = (name: string) => (calls[name] ?? [0, 0])[0] + (calls[name] ?? [0, 0])[1];
    // a warm-up of n/4 + 1 and two passes of n
    expect(total('DisableInterrupts')).toBeGreaterThanOrEqual(2 * n + Math.floor(n / 4) + 1);
    expect(total('SetPxE')).toBeGreaterThanOrEqual(64 * 2 * c.get('batch64_deferred')!.n);
    expect(total('IRET')).toBeGreaterThanOrEqual(2 * c.get('iret_same')!.n);
  }, 60_000);

  it('the inlined column inlines with an inliner, and without one calls the ROM like the ROM column', async () => {
    const append = 'vmibench=irq_off vmibench.scale=0.005 vmibench.reps=2';
    const [inline, rom] = [await bootHere({ mode: 'inline', append }), await bootHere({ mode: 'rom', append })];
    const counts = (r: typeof inline) => r.lineCalls![r.lines.findIndex((l) => l.text === 'VMIBENCH end')].DisableInterrupts;
    const [called, inlined] = counts(inline);
    if (INLINER) expect(inlined).toBeGreaterThan(called);
    else expect(inlined).toBe(0);
    expect(called + inlined).toBeGreaterThan(0);
    // --no-vmi-inline: every call through the ROM
    expect(counts(rom)[1]).toBe(0);
    expect(counts(rom)[0]).toBeGreaterThan(0);
  }, 60_000);

  it('the WebAssembly columns: the same loops, inlined, with regions lowered on the lowering thread', async () => {
    const append = 'vmibench=irq_off,iret_same vmibench.scale=0.005 vmibench.reps=2';
    const r = await bootHere({ mode: 'inline-wasm', append });
    expect(r.exitCode).toBe(0);
    expect([...microCosts(r).keys()]).toEqual(['callret', 'add', 'irq_off', 'iret_same']);
    const [, inlined] = r.lineCalls![r.lines.findIndex((l) => l.text === 'VMIBENCH end')].DisableInterrupts;
    if (INLINER) expect(inlined).toBeGreaterThan(0);
    const native = await bootHere({ mode: 'native-wasm', append });
    expect(native.exitCode).toBe(0);
    expect(native.lineCalls).toBeUndefined();
  }, 60_000);

  it('repeat=2 runs each workload twice, with equal results, and the cost is the second run\'s', async () => {
    const r = await bootHere({ mode: 'native', append: 'run=null,ptemod scale=0.001 repeat=2' });
    expect(r.exitCode).toBe(0);
    const results = r.lines.filter((l) => l.text.startsWith('RESULT '));
    expect(results.map((l) => l.text.split(' ')[1])).toEqual(['name=null', 'name=null', 'name=ptemod', 'name=ptemod']);
    const sums = results.map((l) => l.text.replace(/cycles=\d+ /, ''));
    expect(sums[0]).toBe(sums[1]);
    expect(sums[2]).toBe(sums[3]);
    const at = r.lines.indexOf(results[1]);
    expect(workloadCosts(r).get('null')!.ns).toBeCloseTo(((results[1].ms - r.lines[at - 1].ms) * 1e6) / 200, 6);
  }, 60_000);

  it('an unknown operation ends the boot with the guest\'s failure status', async () => {
    const r = await bootHere({ mode: 'interp', append: 'vmibench=nosuchop' });
    expect(r.exitCode).toBe(1);
    expect(r.lines.some((l) => l.text.includes('unknown operation in vmibench=nosuchop'))).toBe(true);
  }, 60_000);
});
