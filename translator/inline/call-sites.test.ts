import { describe, expect, it } from 'vitest';
import { bareCpu } from '../../spec-tests/harness.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../engine/engine.ts';
import type { CallSiteInliner } from './call-sites.ts';
import { num } from '../emit/ast.ts';

// 0x1000: mov ebx, 5; call 0x1020; add eax, ebx; hlt      0x1020: mov eax, 1; ret
const CODE = new Uint8Array(0x30);
CODE.set([0xbb, 5, 0, 0, 0, 0xe8, 0x16, 0, 0, 0, 0x01, 0xd8, 0xf4]);
CODE.set([0xb8, 1, 0, 0, 0, 0xc3], 0x20);

function run(inliner?: CallSiteInliner) {
  const b = bareCpu();
  b.load(CODE);
  const engine = new Engine(b.cpu, b.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0 });
  if (inliner) engine.compiler.inliners.push(inliner);
  engine.run(100);
  return { cpu: b.cpu, engine };
}

/** Claims the call to 0x1020 and emits what the callee does: push, mov eax 1, pop (its two instructions as steps). */
const TEST_INLINER: CallSiteInliner & { seen: number[] } = {
  name: 'test',
  seen: [],
  claim(i) {
    TEST_INLINER.seen.push(i.eip);
    if (i.imm !== 0x1020) return undefined;
    return {
      name: 'callee', calleeEips: [0x1020, 0x1025], transfers: false,
      emit(ops, at) {
        ops.out.push(...at.faultPoint(0));
        ops.push(num(i.next), 4);
        ops.out.push(...at.faultPoint(1));
        ops.setReg(0, 4, ops.c(1));
        ops.out.push(...at.faultPoint(2));
        ops.pop(4);
      },
    };
  },
};

describe('call-site inliners', () => {
  it('leave calls alone when none claims them', () => {
    const { cpu } = run();
    expect(cpu.regs[0]).toBe(6);
    expect(cpu.regs[4]).toBe(0x80000);
  });

  it('emit a claimed call in place: the same state and instruction count as the call, and the region goes on after it', () => {
    const called = run();
    const { cpu, engine } = run(TEST_INLINER);
    expect(TEST_INLINER.seen).toContain(0x1005);
    expect(cpu.regs[0]).toBe(6);
    expect(cpu.regs[4]).toBe(0x80000);
    expect(cpu.instructions).toBe(called.cpu.instructions);
    // the return address is written below ESP, as the call writes it
    expect(cpu.mem.read(0x80000 - 4, 4)).toBe(0x100a);
    expect(engine.compiler.inlined.get('callee')).toBe(1);
    // the code after the call ran in place: no region starts at the callee or the return point
    expect(engine.translations().map((t) => t.entryEip).filter((e) => e === 0x100a || e === 0x1020)).toEqual([]);
  });
});
