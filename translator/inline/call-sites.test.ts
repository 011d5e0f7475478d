import { describe, expect, it } from 'vitest';
import { bareCpu } from '../../spec-tests/harness.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../engine/engine.ts';
import type { CallSiteInliner } from './call-sites.ts';

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

describe('call-site inliners', () => {
  it('leave calls alone when none claims them', () => {
    const { cpu } = run();
    expect(cpu.regs[0]).toBe(6);
    expect(cpu.regs[4]).toBe(0x80000);
  });

  it('replace a claimed call with the code the inliner emits, and the region goes on after it', () => {
    const seen: number[] = [];
    const inliner: CallSiteInliner = {
      name: 'test',
      inline(_i, target, ops) {
        seen.push(target);
        if (target !== 0x1020) return false;
        ops.setReg(0, 4, ops.c(42));
        return true;
      },
    };
    const { cpu, engine } = run(inliner);
    expect(seen).toContain(0x1020);
    expect(cpu.regs[0]).toBe(47);
    expect(cpu.regs[4]).toBe(0x80000); // no return address was pushed
    expect(engine.compiler.inlined.get('test')).toBe(1);
    const source = engine.translations().map((t) => t.source).join('\n');
    expect(source).toContain('r0 = 42');
  });
});
