/**
 * Bit scans with a REP prefix: F3 0F BC and F3 0F BD are TZCNT and LZCNT on
 * CPUs with BMI1/ABM, but on this CPU (no such CPUID bit) the prefix is
 * ignored and they execute as bsf and bsr, which is what Linux's __ffs()
 * ("rep; bsf") relies on. Checked interpreted and translated.
 */
import { describe, expect, it } from 'vitest';
import { bareCpu } from '../../spec-tests/harness.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../../translator/engine/engine.ts';
import { Reg } from '../../isa/instr.ts';
import { ZF } from '../../isa/eflags.ts';

/** Run `code` (ending in jmp $) on EBX = src with EAX = 0x5a5a5a5a; returns [EAX, ZF]. */
function scan(code: number[], src: number, translated: boolean): [number, number] {
  const b = bareCpu();
  b.load([...code, 0xeb, 0xfe]);
  b.cpu.regs[Reg.EBX] = src;
  b.cpu.regs[Reg.EAX] = 0x5a5a5a5a;
  if (translated) {
    b.interp.step(); // fill the TLB, then run the whole snippet as one translated region
    b.load([...code, 0xeb, 0xfe]);
    b.cpu.regs[Reg.EAX] = 0x5a5a5a5a;
    new Engine(b.cpu, b.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0 }).run(4);
  } else {
    b.runToEnd();
  }
  return [b.cpu.regs[Reg.EAX] >>> 0, b.cpu.getFlag(ZF)];
}

const BSF = [0x0f, 0xbc, 0xc3], BSR = [0x0f, 0xbd, 0xc3]; // bsf/bsr eax, ebx

describe('rep bsf / rep bsr act as bsf / bsr', () => {
  for (const translated of [false, true]) {
    const how = translated ? 'translated' : 'interpreted';
    it(`F3 0F BC: the lowest set bit, ZF clear; a zero source sets ZF and leaves the destination (${how})`, () => {
      for (const src of [1, 0x80, 0x00f00000, 0x80000000, 0xffffffff]) {
        expect(scan([0xf3, ...BSF], src, translated)).toEqual(scan(BSF, src, translated));
      }
      expect(scan([0xf3, ...BSF], 0x00f00000, translated)).toEqual([20, 0]);
      expect(scan([0xf3, ...BSF], 0, translated)).toEqual([0x5a5a5a5a, 1]);
    });

    it(`F3 0F BD: the highest set bit (not a leading-zero count) (${how})`, () => {
      expect(scan([0xf3, ...BSR], 0x00f00000, translated)).toEqual([23, 0]);
      expect(scan([0xf3, ...BSR], 1, translated)).toEqual([0, 0]);
      expect(scan([0xf3, ...BSR], 0, translated)).toEqual([0x5a5a5a5a, 1]);
    });
  }
});
