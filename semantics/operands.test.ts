import { describe, expect, it } from 'vitest';
import { NUM } from '../base/arith.ts';
import { X } from '../translator/emit/expr-arith.ts';
import { id } from '../translator/emit/ast.ts';
import { Rng } from '../spec-tests/fuzz/generate.ts';
import type { Instr } from '../isa/instr.ts';
import { addressPlus, addressRegisters, effectiveAddress, effectiveOffset } from './operands.ts';

/** Just the addressing fields of an instruction. */
function addressing(rng: Rng): Instr {
  return {
    base: rng.int(9) - 1, index: rng.chance(0.5) ? rng.int(8) : -1, scale: rng.int(4),
    disp: rng.chance(0.3) ? 0 : rng.u32() | 0, adsize: rng.chance(0.2) ? 2 : 4,
  } as Instr;
}

describe('the effective address', () => {
  it('is base + index << scale + displacement, wrapped to the address size, in every form', () => {
    const rng = new Rng(11);
    const names = [0, 1, 2, 3, 4, 5, 6, 7].map((r) => id(`r${r}`));
    for (let k = 0; k < 3000; k++) {
      const i = addressing(rng);
      const regs = Int32Array.from({ length: 8 }, () => rng.u32() | 0);
      const sum = i.disp + (i.base >= 0 ? regs[i.base] : 0) + (i.index >= 0 ? regs[i.index] * 2 ** i.scale : 0);
      const want = i.adsize === 2 ? ((sum % 65536) + 65536) % 65536 : sum | 0;
      expect(effectiveAddress(NUM, i, regs)).toBe(want);
      expect(effectiveOffset(i, regs)).toBe(want);
      const emitted = new Function(...names.map((n) => n.name), `return ${effectiveAddress(X, i, names).code};`);
      expect(emitted(...regs)).toBe(want);
      expect(addressRegisters(i)).toBe((i.base >= 0 ? 1 << i.base : 0) | (i.index >= 0 ? 1 << i.index : 0));
    }
  });

  it('wraps the next part of an operand at the address size', () => {
    expect(addressPlus(NUM, { adsize: 2 } as Instr, 0xfffe, 4)).toBe(2);
    expect(addressPlus(NUM, { adsize: 4 } as Instr, -2, 4)).toBe(2);
    expect(addressPlus(NUM, { adsize: 4 } as Instr, 0x7ffffffe, 4)).toBe(0x80000002 | 0);
  });
});
