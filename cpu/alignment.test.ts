/** #AC: misaligned data accesses fault at CPL 3 when CR0.AM and EFLAGS.AC are both set. */
import { describe, expect, it } from 'vitest';
import { testWorld, type World } from '../spec-tests/world.ts';
import { CR0_AM } from './mmu.ts';
import { AC } from '../isa/eflags.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../translator/engine/engine.ts';

/** Run one instruction; the exception vector it raises, or -1. */
function raised(code: number[], setup: (b: World) => void): number {
  const b = testWorld();
  b.load(code);
  setup(b);
  return b.exec1()?.vector ?? -1;
}

const enable = (cpl: 0 | 3) => (b: World) => {
  b.cpu.cr0 |= CR0_AM;
  b.cpu.eflags |= AC;
  if (cpl === 3) b.toRing3();
};

describe('alignment check', () => {
  const misaligned = [0xa1, 0x01, 0x00, 0x01, 0x00]; // mov eax, [0x10001]
  const aligned = [0xa1, 0x04, 0x00, 0x01, 0x00]; // mov eax, [0x10004]
  it('raises #AC for a misaligned dword at CPL 3 with AM and AC set', () => {
    expect(raised(misaligned, enable(3))).toBe(17);
  });
  it('lets aligned accesses through, and does nothing at CPL 0 or with AC clear', () => {
    expect(raised(aligned, enable(3))).toBe(-1);
    expect(raised(misaligned, enable(0))).toBe(-1);
    expect(raised(misaligned, (b) => { b.cpu.cr0 |= CR0_AM; b.toRing3(); })).toBe(-1);
  });
  it('keeps such code out of translation (translated accesses do not check alignment)', () => {
    const b = testWorld();
    b.load([0x40, 0xeb, 0xfd]); // l: inc eax; jmp l
    enable(3)(b);
    const engine = new Engine(b.cpu, b.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0 });
    engine.run(100);
    expect(engine.stats.translations).toBe(0);
    expect(b.cpu.regs[0]).toBeGreaterThan(10);
  });
});
