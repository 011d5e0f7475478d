/**
 * What a guest's code can make tiering cost (issue 9, items 1 and 5): code
 * that never repeats and code that rewrites itself must neither grow the
 * process without bound nor make the translator much slower than the
 * interpreter alone. Memory is measured after a full collection (the `gc`
 * a flag exposes); translation work as JavaScript bytes per guest
 * instruction, a count of guest events and so deterministic.
 */
import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { testWorld } from '../../spec-tests/world.ts';
import { CODE_ADDR } from '../../spec-tests/harness.ts';
import { nasm } from '../../spec-tests/snippets.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS, type EngineOptions } from './engine.ts';
import { Tiering, HEAT_SLOTS, HEAT_UNIT } from './tiering.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMiB = (): number => { gc(); gc(); return process.memoryUsage().heapUsed / 2 ** 20; };

function machine(code: Uint8Array, options: Partial<EngineOptions>, memBytes = 1 << 20) {
  const b = testWorld({ memBytes });
  b.load(code);
  return { b, e: new Engine(b.cpu, b.interp, { ...DEFAULT_ENGINE_OPTIONS, ...options }) };
}

/** `n` one-byte nops then `jmp $`: every address runs once. */
function sled(n: number): Uint8Array {
  const code = new Uint8Array(n + 2).fill(0x90);
  code.set([0xeb, 0xfe], n);
  return code;
}

describe('code that never repeats', () => {
  it('a 3-million-instruction nop sled holds no per-address state (heat, decodings)', () => {
    const n = 3_000_000;
    const { b, e } = machine(sled(n), {}, 4 << 20);
    const before = heapMiB();
    expect(e.run(n)).toBe(n);
    const grown = heapMiB() - before;
    expect(b.cpu.eip).toBe(CODE_ADDR + n);
    // one map entry per address was ~50 bytes (150 MB here); what is left is fixed-size tables, the
    // decode cache's 2^18 decodings (about 48 MB of them here) the largest
    expect(grown).toBeLessThan(80);
  });

  it('with --jit-threshold 0 the tiers back off instead of translating every address once', () => {
    const n = 2_000_000;
    const { b, e } = machine(sled(n), { threshold: 0 }, 4 << 20);
    expect(e.run(n)).toBe(n);
    expect(b.cpu.eip).toBe(CODE_ADDR + n);
    expect(e.stats.tiering.boost).toBeGreaterThan(1);
    // translating all of it is about 100 bytes of JavaScript per instruction
    expect(e.stats.jsBytes / n).toBeLessThan(10);
  });
});

describe('long straight-line code', () => {
  // a loop whose body is one block of 2,000 adds: it runs 30 times, far below the threshold of 150
  // executions, but each run is 2,000 instructions, which a region pays for after a few
  const body = Array.from({ length: 2000 }, (_, k) => `add eax, ${k + 1}`).join('\n');
  const unrolled = nasm(`
    mov ecx, 30
  top:
    ${body}
    dec ecx
    jnz top
    jmp $`);

  it('is translated after a few runs, by the instructions it ran, and computes what the interpreter does', () => {
    const { b, e } = machine(unrolled, {});
    const n = 1 + 30 * 2002;
    expect(e.run(n)).toBe(n);
    expect(b.cpu.regs[0]).toBe((30 * (2000 * 2001) / 2) | 0);
    expect(e.stats.translations).toBeGreaterThan(0);
    // counted once a run, the whole loop ran in the interpreter; credited by length, each region's worth of
    // the body (a region holds at most a few hundred instructions) is translated after two runs from its start
    expect(e.stats.interpretedSteps).toBeLessThan(0.6 * n);
  });
});

describe('self-modifying code', () => {
  // each pass rewrites an immediate of the loop it runs: every translation is dropped before it pays
  const smc = nasm(`
    mov ecx, 20000
  top:
    mov dword [patch + 1], ecx
  patch:
    mov eax, 0
    add ebx, eax
    dec ecx
    jnz top
    jmp $`);

  it('a loop patching itself does not retranslate every pass, and computes what the interpreter does', () => {
    const { b, e } = machine(smc, { threshold: 0 });
    const ran = e.run(100_002);
    expect(ran).toBe(100_002);
    expect(b.cpu.regs[3]).toBe((20000 * 20001 / 2) | 0);
    expect(e.stats.tiering.strikes).toBeGreaterThan(0);
    // retranslating each pass is thousands of bytes of JavaScript per instruction
    expect(e.stats.jsBytes / ran).toBeLessThan(50);
  });
});

describe('the heat table', () => {
  it('counts to the threshold, and a colliding key wears the holder down before it takes the slot over', () => {
    const t = new Tiering(3, 16);
    const key = (phys: number) => phys * 32 + 1;
    expect(t.hot(key(0x100), 0x100)).toBe(false);
    expect(t.hot(key(0x100), 0x100)).toBe(false);
    expect(t.hot(key(0x100), 0x100)).toBe(true);
    expect(t.hot(key(0x200), 0x200)).toBe(false);
    expect(t.hot(key(0x200), 0x200)).toBe(false); // 0x200 holds its slot at 2
    const other = key(0x200 + HEAT_SLOTS);
    expect(t.hot(other, 0x200)).toBe(false); // wears 0x200 down to 1
    expect(t.hot(other, 0x200)).toBe(false); // takes the slot over at 1
    expect(t.hot(other, 0x200)).toBe(false);
    expect(t.hot(other, 0x200)).toBe(true);
  });

  it('a key run often is translated though a key on the same slot keeps coming back', () => {
    const t = new Tiering(100, 16);
    const hot = 0x300 * 32 + 1, warm = (0x300 + HEAT_SLOTS) * 32 + 1;
    let translatedAfter = -1;
    // the warm key once per 50 runs of the hot one (with plain takeover the hot one never got past 50)
    for (let k = 1; k <= 1000 && translatedAfter < 0; k++) {
      if (k % 50 === 0) t.hot(warm, 0x300);
      if (t.hot(hot, 0x300)) translatedAfter = k;
    }
    expect(translatedAfter).toBeGreaterThan(0);
    expect(translatedAfter).toBeLessThan(110);
  });

  it('remembers which keys the interpreter reached, in any mode, however the heat slots collide', () => {
    const t = new Tiering(50, 16);
    const key = (phys: number, mode: number) => phys * 32 + mode;
    const keys = [key(0x1000, 1), key(0x1000 + HEAT_SLOTS, 1), key(0x1000, 2), key(0xc0001234, 1)];
    for (const k of keys) expect(t.reached(k)).toBe(false);
    t.hot(keys[0], 0x1000);
    t.hot(keys[1], 0x1000 + HEAT_SLOTS); // takes nothing from the first: it is reached for good
    expect(keys.map((k) => t.reached(k))).toEqual([true, true, false, false]);
    // a key that was translated (its heat slot freed) stays reached
    for (let k = 0; k < 50; k++) t.hot(keys[3], 0xc0001234);
    expect(t.reached(keys[3])).toBe(true);
    expect(t.reached(keys[2])).toBe(false);
  });

  it('a long interpreted run counts one execution per HEAT_UNIT of its instructions, on its own key only', () => {
    const t = new Tiering(100, 16);
    const key = 0x400 * 32 + 1, other = (0x400 + HEAT_SLOTS) * 32 + 1;
    expect(t.hot(key, 0x400)).toBe(false);
    t.credit(key, HEAT_UNIT * 2 - 1); // an ordinary block's run adds nothing to what `hot` counted
    t.credit(key, HEAT_UNIT * 50); // 49 more: 50 so far
    expect(t.hot(key, 0x400)).toBe(false); // 51
    t.credit(key, HEAT_UNIT * 49); // 48 more: 99
    expect(t.hot(key, 0x400)).toBe(true); // 100
    // a credit for a key that no longer holds its slot is dropped
    expect(t.hot(other, 0x400)).toBe(false);
    t.credit(key, HEAT_UNIT * 1000);
    expect([1, 2].map(() => t.hot(other, 0x400))).toEqual([false, false]);
  });

  it('a page whose translations are dropped before they paid needs twice the heat', () => {
    const t = new Tiering(2, 16);
    const key = 0x3000 * 32 + 1;
    t.invalidated(3, [{ instructions: 10, executed: 10 }]);
    expect([1, 2, 3, 4].map(() => t.hot(key, 0x3000))).toEqual([false, false, false, true]);
    t.invalidated(3, [{ instructions: 10, executed: 1000 }]); // paid: the strikes clear
    expect([1, 2].map(() => t.hot(key, 0x3000))).toEqual([false, true]);
  });
});
