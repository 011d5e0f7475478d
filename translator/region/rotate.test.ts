/**
 * Loop rotation on plain byte arrays: which blocks get a copy of the latch
 * they run into, and which are left as discovery made them.
 */
import { describe, expect, it } from 'vitest';
import { Fault } from '../../isa/faults.ts';
import type { CodeSource } from '../../isa/decoder.ts';
import type { Instr } from '../../isa/instr.ts';
import { DEFAULT_LIMITS, discoverBlocks, type Block } from './discover.ts';
import { MAX_LATCH_WEIGHT, rotateLoops } from './rotate.ts';

const BASE = 0x1000;

function sourceOf(bytes: number[]): CodeSource {
  return {
    fetch8(eip: number): number {
      const k = eip - BASE;
      if (k < 0 || k >= bytes.length) throw new Fault(14, 0);
      return bytes[k];
    },
  };
}

/** Discovery from `entry`, then rotation; `claimed`: the EIPs of calls an inliner takes. */
function rotated(bytes: number[], entry = BASE, claimed: number[] = []): Block[] {
  const isClaimed = (i: Instr) => claimed.includes(i.eip);
  const found = discoverBlocks(sourceOf(bytes), entry, true, () => undefined, DEFAULT_LIMITS, isClaimed);
  return rotateLoops(found, isClaimed);
}

const shape = (bs: Block[]) => bs.map((b) => [b.eip.toString(16), b.instrs.map((i) => i.row.mn).join(' ')]);

describe('loop rotation', () => {
  it('copies the test of a loop entered at its test into the body that runs into it', () => {
    // mov ecx, 10; jmp T; B: add eax, ecx; T: dec ecx; jnz B; ret
    const b = rotated([0xb9, 10, 0, 0, 0, 0xeb, 0x02, 0x01, 0xc8, 0x49, 0x75, 0xfb, 0xc3]);
    expect(shape(b)).toEqual([['1000', 'mov jmp'], ['1009', 'dec jne'], ['1007', 'add dec jne'], ['100c', 'ret']]);
    // the body now ends with the branch to itself
    const body = b[2];
    expect(body.instrs[body.instrs.length - 1].imm).toBe(body.eip);
  });

  it('makes a loop whose region starts at its latch (a return point) one block that loops on itself', () => {
    // B: add eax, ecx; L (entry): dec ecx; jnz B; ret
    const b = rotated([0x01, 0xc8, 0x49, 0x75, 0xfb, 0xc3], BASE + 2);
    expect(shape(b)).toEqual([['1002', 'dec jne'], ['1000', 'add dec jne'], ['1005', 'ret']]);
  });

  it('lets a claimed call run on into the latch, and copies a latch holding one', () => {
    // B: mov eax, 1; call X (claimed); L (entry): dec edi; jnz B; ret; X: ret
    const code = [0xb8, 1, 0, 0, 0, 0xe8, 0x05, 0, 0, 0, 0x4f, 0x75, 0xf3, 0xc3, 0x90, 0xc3];
    expect(shape(rotated(code, BASE + 10, [BASE + 5])).slice(0, 2)).toEqual([['100a', 'dec jne'], ['1000', 'mov call dec jne']]);
    // B: mov eax, 1; L (entry): call X (claimed); dec edi; jnz B; ret; X: ret: the latch weighs 7
    const inLatch = [0xb8, 1, 0, 0, 0, 0xe8, 0x05, 0, 0, 0, 0x4f, 0x75, 0xf3, 0xc3, 0x90, 0xc3];
    expect(shape(rotated(inLatch, BASE + 5, [BASE + 5])).slice(0, 2)).toEqual([['1005', 'call dec jne'], ['1000', 'mov call dec jne']]);
  });

  it('leaves a latch heavier than the limit, a block ending in its own jump, and a test that does not branch back', () => {
    // a latch of MAX_LATCH_WEIGHT + 1 incs, then dec; jnz: too heavy to copy
    const incs = MAX_LATCH_WEIGHT + 1;
    const heavy = [0x01, 0xc8, ...new Array<number>(incs).fill(0x40), 0x49, 0x75, -(incs + 5) & 0xff, 0xc3];
    expect(shape(rotated(heavy, BASE + 2))[1]).toEqual(['1000', 'add']);
    // B: add eax, ecx; jmp L; L (entry): dec ecx; jnz B; ret: B ends in its own jump
    expect(shape(rotated([0x01, 0xc8, 0xeb, 0x00, 0x49, 0x75, 0xf9, 0xc3], BASE + 4))[1]).toEqual(['1000', 'add jmp']);
    // B: add eax, ecx; L (entry): dec ecx; jnz X; ret; X: jmp B: the latch's branch goes elsewhere
    expect(shape(rotated([0x01, 0xc8, 0x49, 0x75, 0x01, 0xc3, 0xeb, 0xf8], BASE + 2)).find(([e]) => e === '1000')).toEqual(['1000', 'add']);
  });
});
