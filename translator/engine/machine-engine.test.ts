/**
 * The translator as the machine's engine, and lockstep mode: on the real
 * guest (devices and all), and on a region made to disagree with the
 * interpreter, which lockstep must catch with a readable diff.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Machine } from '../../runtime/machine.ts';
import { TranslatingEngine } from './machine-engine.ts';
import { InterpreterEngine } from '../../runtime/interpreter.ts';
import { DEFAULT_ENGINE_OPTIONS, Engine } from './engine.ts';
import { LockstepMismatch } from './lockstep.ts';
import { bareCpu } from '../../spec-tests/harness.ts';

const kernel = readFileSync(new URL('../../guest/kernel.elf', import.meta.url));

/** Boot the guest on the translating engine with these options, or on the interpreter's engine. */
async function boot(options: Partial<typeof DEFAULT_ENGINE_OPTIONS> | 'interpreter', append: string, smp = 1) {
  let text = '';
  const engine = options === 'interpreter' ? new InterpreterEngine() : new TranslatingEngine({ ...DEFAULT_ENGINE_OPTIONS, ...options });
  const m = new Machine({ memMiB: 32, smp, console: (b) => { text += Buffer.from(b).toString('latin1'); } });
  m.engine = engine;
  m.loadKernel(kernel, `kernel.elf ${append}`);
  const r = await m.run();
  return { r, text, stats: engine instanceof TranslatingEngine ? engine.stats() : undefined, name: engine.name };
}

describe('the translator running the machine', () => {
  it('boots the guest translated with the checksum the interpreter gives', async () => {
    const jit = await boot({ threshold: 0 }, 'novmi run=crc32t scale=0.02');
    const interp = await boot('interpreter', 'novmi run=crc32t scale=0.02');
    expect([jit.name, interp.name]).toEqual(['translator', 'interpreter']);
    const sum = (t: string) => /RESULT name=crc32t .*checksum=(0x[0-9a-f]+)/.exec(t)?.[1];
    expect(jit.r.stop).toMatchObject({ kind: 'exit', guestValue: 0 });
    expect(sum(jit.text)).toBeDefined();
    expect(sum(jit.text)).toBe(sum(interp.text));
    expect(jit.r.instructions).toBe(interp.r.instructions); // deterministic time: same instruction count
    expect(jit.stats!.translatedInstructions / jit.r.instructions).toBeGreaterThan(0.9);
  });

  it('checks every region in lockstep on the guest without running device accesses twice', async () => {
    const { r, text, stats } = await boot({ threshold: 0, lockstep: true }, 'run=sieve scale=0.01');
    expect(r.stop).toMatchObject({ kind: 'exit', guestValue: 0 });
    expect(text).toContain('DONE workloads=1 failed=0');
    expect(text).toMatch(/vmidbt guest kernel, cmdline: kernel.elf run=sieve scale=0.01\r?\n/); // the console is not doubled
    expect(stats!.lockstepRegions).toBeGreaterThan(100);
  });
});

describe('lockstep', () => {
  it('stops at the first difference with a diff of the state', () => {
    const b = bareCpu();
    // mov eax, 1; inc eax; jmp $
    b.load([0xb8, 1, 0, 0, 0, 0x40, 0xeb, 0xfe]);
    const engine = new Engine(b.cpu, b.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0, lockstep: true });
    // make the next translation wrong on purpose: it adds one to EAX on the way out
    const compile = engine.compiler.compile.bind(engine.compiler);
    engine.compiler.compile = (cpu, key) => {
      const t = compile(cpu, key)!;
      const fn = t.fn;
      t.fn = (c, k) => { const r = fn(c, k); c.regs[0]++; return r; };
      return t;
    };
    let error: unknown;
    try { engine.run(50); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(LockstepMismatch);
    expect(String((error as Error).message)).toMatch(/eax +translated 00000003 +interpreter 00000002/);
  });
});
