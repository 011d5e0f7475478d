/**
 * Differential fuzzing in CI, first half: 50,000 random sequences (seeds
 * 1..50000) run interpreted and translated must end in identical states
 * (differential.ts). The second half (differential-2.test.ts) is a separate
 * file so that vitest runs the two on separate workers. A failure prints the
 * minimised sequence as a listing with the differences.
 */
import { describe, expect, it } from 'vitest';
import { campaignInChunks, CAMPAIGN_TIMEOUT_MS, caseFromSeed, Differential } from './differential.ts';
import { AVOID_KNOWN, POOL, Rng, VMI_POOL, vmiUnit } from './generate.ts';

describe('differential fuzzing: interpreter vs translator (threshold 0)', () => {
  it('50,000 sequences from seed 1 agree', async () => {
    const r = await campaignInChunks(1, 50_000, 5);
    expect(r.failures.map((f) => f.text).join('\n\n')).toBe('');
    expect(r.failed).toBe(0);
    // the sequences reach the end and also raise exceptions the engines must deliver alike
    expect(r.stops.get('end')).toBeGreaterThan(40_000);
    expect(r.stops.get('#DE')).toBeGreaterThan(1_000);
    expect(r.stops.get('#GP')).toBeGreaterThan(100);
    // data breakpoints and DR7.GD the sequences arm (generate.ts controlModrm)
    expect(r.stops.get('#DB')).toBeGreaterThan(50); // 59 at these seeds; about 40 came from single-stepping alone
    expect(r.instructions).toBeGreaterThan(5 * r.cases);
    console.log(`fuzz: ${r.cases} sequences, ${r.instructions} instructions, ${(r.ms / 1000).toFixed(1)} s (${Math.round(r.cases / (r.ms / 1000))}/s)`);
  }, CAMPAIGN_TIMEOUT_MS);

  it('draws from every family the sandbox allows, helpers and x87 included', () => {
    const families = new Set(POOL.map((r) => r.family));
    for (const f of ['alu', 'shift', 'muldiv', 'bits', 'move', 'stack', 'control', 'string', 'bcd', 'system', 'fpu']) expect(families).toContain(f);
    for (const f of ['io', 'far', 'vmi']) expect(families).not.toContain(f);
    expect(POOL.some((r) => r.mn === 'hlt')).toBe(false);
    // the system paths: MSRs, performance counters, CR reads and DR moves, but no CR write
    for (const mn of ['rdmsr', 'wrmsr', 'rdpmc']) expect(POOL.some((r) => r.mn === mn)).toBe(true);
    expect(POOL.filter((r) => r.family === 'descriptors').map((r) => r.opcodeText).sort()).toEqual(['0F 20', '0F 21', '0F 23']);
  });

  it('draws IRET, CPUID and the port calls among its VMI calls; sequences of them agree, inlined', () => {
    const names = ['IRET', 'CPUID', 'INB', 'OUTB', 'IN', 'OUTW'];
    for (const n of names) expect(VMI_POOL.some((c) => c.call === n), n).toBe(true);
    const d = new Differential();
    for (let seed = 1; seed <= 60; seed++) {
      const c = caseFromSeed(seed, AVOID_KNOWN, 4);
      const rng = new Rng(seed);
      // the case's own units with one of these calls in front, and twice IRET
      const pick = VMI_POOL.filter((v) => names.includes(v.call));
      const units = [vmiUnit(rng, rng.pick(pick)), ...c.units, vmiUnit(rng, VMI_POOL.find((v) => v.call === 'IRET'))];
      const o = d.run(c, units);
      expect(o.diff, `seed ${seed}`).toEqual([]);
    }
    for (const n of ['IRET', 'CPUID', 'INB', 'OUTB']) expect(d.engine.compiler.inlined.get(n), n).toBeGreaterThan(0);
  });

  it('a case is reproducible from its seed alone', () => {
    const d = new Differential();
    const a = d.run(caseFromSeed(4242, AVOID_KNOWN));
    const b = d.run(caseFromSeed(4242, AVOID_KNOWN));
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect([a.stop, a.instructions]).toEqual([b.stop, b.instructions]);
  });
});
