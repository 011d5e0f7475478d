/**
 * A host debugger's breakpoints in translated code: set on a page whose
 * code has been translated, a breakpoint drops those translations and
 * stops the vCPU exactly where the interpreter stops, after the same number
 * of instructions with the same registers. The stub's own calls are used
 * (no socket): HostDebug, Machine.pause/resume and the stub's way of
 * dropping a page's translations (memory.invalidateCode). (A region
 * entered on the breakpoint's page is refused anyway, at its entry; the
 * dropping matters for a region entered on the page before that runs on
 * into it, which the guest offers no easy way to aim at.)
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Machine } from '../../runtime/machine.ts';
import { InterpreterEngine } from '../../runtime/interpreter.ts';
import { TranslatingEngine } from '../../translator/engine/machine-engine.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../translator/engine/engine.ts';
import { HostDebug } from '../../cpu/debug.ts';
import { parseElf32 } from '../../runtime/elf.ts';
import { Reg } from '../../isa/instr.ts';
import { program, runProgram, systemTestNames } from '../../spec-tests/system/run.ts';

const KERNEL = readFileSync(new URL('../../guest/kernel.elf', import.meta.url));
// memset (lib.c): called at boot and by the sieve workload, its loop hot enough to be translated at once
const symbol = (name: string) => parseElf32(KERNEL).symbols.find((s) => s.name === name)!.value >>> 0;
const MEMSET = symbol('memset'), WL_SIEVE = symbol('wl_sieve');

interface Stop { instructions: number; eip: number; eax: number; esp: number }

/** Boot the guest, stop at each breakpoint the script asks for, and note where. */
async function session(engine: 'translator' | 'interpreter') {
  const jit = engine === 'translator' ? new TranslatingEngine({ ...DEFAULT_ENGINE_OPTIONS, threshold: 0 }) : null;
  const m = new Machine({ memMiB: 32 });
  m.engine = jit ?? new InterpreterEngine();
  m.loadKernel(KERNEL, 'kernel.elf novmi run=sieve scale=0.02');
  const host = new HostDebug();
  m.attachDebugger(host);
  const cpu = m.vcpus[0].cpu;
  let arrived: () => void = () => {};
  host.onStop = () => { m.pause(); arrived(); };
  const setBreak = (lin: number) => {
    host.addBreak(lin, true);
    m.memory.invalidateCode(cpu.mmu.debugTranslate(lin) >>> 12);
  };
  const go = () => new Promise<Stop>((res) => {
    arrived = () => res({ instructions: cpu.instructions, eip: cpu.eip >>> 0, eax: cpu.regs[Reg.EAX] >>> 0, esp: cpu.regs[Reg.ESP] >>> 0 });
    host.resumeFrom(0, cpu.eip);
    m.resume();
  });
  const invalidations = () => jit?.stats().invalidations ?? 0;
  m.pause();
  const running = m.run();
  setBreak(MEMSET);
  const first = await go();
  // run on to the sieve workload: memset, called at boot meanwhile, runs translated under the translator
  host.removeBreak(MEMSET, true);
  setBreak(WL_SIEVE);
  const workload = await go();
  host.removeBreak(WL_SIEVE, true);
  const before = invalidations();
  setBreak(MEMSET);
  const dropped = invalidations() - before;
  const second = await go();
  host.clear();
  m.resume();
  const r = await running;
  return { stops: [first, workload, second], dropped, exit: r.stop, share: jit ? jit.stats().translatedInstructions / r.instructions : 0 };
}

describe('the guest\'s own debugging under a host debugger', () => {
  // debug.asm: DR0-DR7 breakpoints, data breakpoints, RF, mov ss shadows, DR7.GD; the others: faults, paging, tasks, rings
  for (const mode of ['interpreter', 'jit'] as const) {
    it(`passes every system test with a host breakpoint and watchpoint armed (${mode})`, () => {
      for (const name of systemTestNames()) {
        let host: HostDebug | undefined;
        const r = runProgram(program(name), undefined, mode, undefined, (cpu) => {
          host = new HostDebug();
          host.attach([cpu]);
          // armed where the tests never go: every instruction and access is checked against them, none stops
          host.addBreak(0x7ff000, true);
          host.addWatch({ addr: 0x7ff800, len: 8, kind: 'access' });
          host.onStop = () => { throw new Error('the host debugger stopped a test that never touches its addresses'); };
        });
        expect(r.stop, name).toBeUndefined();
        expect(r.exit, `${name}: ${r.console}`).toBe(0);
        expect(r.cpu.hostDebug).toBe(host);
      }
    });
  }
});

describe('host breakpoints in translated code', () => {
  it('stop where the interpreter stops, after translations of the page are dropped', async () => {
    const t = await session('translator');
    const i = await session('interpreter');
    expect(t.stops[0].eip).toBe(MEMSET);
    expect(t.stops[1].eip).toBe(WL_SIEVE);
    expect(t.stops[2].eip).toBe(MEMSET);
    expect(t.stops).toEqual(i.stops);
    // the breakpoint set again found translated code on its page, and dropped it
    expect(t.dropped).toBeGreaterThan(0);
    expect(t.share).toBeGreaterThan(0.5);
    expect(t.exit).toMatchObject({ kind: 'exit', guestValue: 0 });
    expect(i.exit).toMatchObject({ kind: 'exit', guestValue: 0 });
  });
});
