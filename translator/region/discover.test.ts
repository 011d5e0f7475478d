/**
 * Block discovery on plain byte arrays (no CPU, no assembler): successors of
 * jumps, branches and calls, splitting at late leaders, jump-table hints,
 * the page window, the limits, lockstep's exclusion of external helpers;
 * the row properties discovery and emission rely on; and loop rotation
 * (rotate.ts) on the blocks discovery found.
 */
import { describe, expect, it } from 'vitest';
import { Fault } from '../../isa/faults.ts';
import { K } from '../../isa/operands.ts';
import { TABLE } from '../../semantics/table.ts';
import type { CodeSource } from '../../isa/decoder.ts';
import { CLAIMED_CALL_WEIGHT, DEFAULT_LIMITS, JUMP_TABLE_HINTS, LOOP_CLOSING_REACH, discoverBlocks, type Block, type CompileLimits } from './discover.ts';
import { MAX_LATCH_WEIGHT, rotateLoops } from './rotate.ts';
import type { Instr } from '../../isa/instr.ts';

const BASE = 0x1000;

/** `bytes` at 0x1000 as code (anything else reads as a page fault). */
function sourceOf(bytes: number[]): CodeSource {
  return {
    fetch8(eip: number): number {
      const k = eip - BASE;
      if (k < 0 || k >= bytes.length) throw new Fault(14, 0);
      return bytes[k];
    },
  };
}

/** Discover over `bytes` at 0x1000, with data words for jump tables. */
function blocks(bytes: number[], limits: CompileLimits = DEFAULT_LIMITS, data: Record<number, number> = {}): Block[] {
  return discoverBlocks(sourceOf(bytes), BASE, true, (lin) => data[lin], limits);
}

/** A block as its start and its instructions' mnemonics. */
const shape = (bs: Block[]) => bs.map((b) => [b.eip.toString(16), b.instrs.map((i) => i.row.mn).join(' ')]);

describe('block discovery', () => {
  it('follows a loop back-edge and the fall-through of its branch', () => {
    // top: inc eax; dec ecx; jnz top; ret
    expect(shape(blocks([0x40, 0x49, 0x75, 0xfc, 0xc3]))).toEqual([['1000', 'inc dec jne'], ['1004', 'ret']]);
  });

  it('splits a block where a later branch lands in its middle', () => {
    // mov eax, 1; L: inc eax; cmp eax, 5; jne L; ret
    const b = blocks([0xb8, 1, 0, 0, 0, 0x40, 0x83, 0xf8, 0x05, 0x75, 0xfa, 0xc3]);
    expect(shape(b)).toEqual([['1000', 'mov'], ['1005', 'inc cmp jne'], ['100b', 'ret']]);
  });

  it('puts no instruction in two blocks when a back-edge lands inside a block already decoded', () => {
    // mov ecx, 10; L: add eax, [esi]; add esi, 4; dec ecx; jne L; ret
    const b = blocks([0xb9, 10, 0, 0, 0, 0x03, 0x06, 0x83, 0xc6, 0x04, 0x49, 0x75, 0xf8, 0xc3]);
    expect(shape(b)).toEqual([['1000', 'mov'], ['1005', 'add add dec jne'], ['100d', 'ret']]);
  });

  it('a call gives two blocks: its target and the return point', () => {
    // call f; ret; f: ret
    const b = blocks([0xe8, 1, 0, 0, 0, 0xc3, 0xc3]);
    expect(shape(b)).toEqual([['1000', 'call'], ['1006', 'ret'], ['1005', 'ret']]);
  });

  it('reads jump-table entries as hints until one leaves the region', () => {
    // jmp [0x2000 + eax*4]; at 0x100b and 0x100c: ret
    const code = [0xff, 0x24, 0x85, 0x00, 0x20, 0x00, 0x00, 0x90, 0x90, 0x90, 0x90, 0xc3, 0xc3];
    const b = blocks(code, DEFAULT_LIMITS, { 0x2000: 0x100b, 0x2004: 0x100c, 0x2008: 0x9000, 0x200c: 0x1007 });
    expect(shape(b)).toEqual([['1000', 'jmp'], ['100b', 'ret'], ['100c', 'ret']]);
    expect(JUMP_TABLE_HINTS).toBeGreaterThan(2);
  });

  it('stays on the entry page and the next', () => {
    // jmp 0x3000 (two pages on): not followed
    const b = blocks([0xe9, 0xfb, 0x1f, 0x00, 0x00]);
    expect(shape(b)).toEqual([['1000', 'jmp']]);
  });

  it('stops before what it cannot decode, and at the instruction limit', () => {
    const nops = [0x90, 0x90, 0x90];
    const cut = blocks(nops);
    expect(shape(cut)).toEqual([['1000', 'nop nop nop']]);
    expect(cut[0].stopEip).toBe(0x1003);
    const few = blocks(nops, { maxInstructions: 2, maxBlocks: 4 });
    expect(shape(few)).toEqual([['1000', 'nop nop']]);
    expect(few[0].stopEip).toBe(0x1002);
  });

  it('leaves out whole a later block the budget would cut: the region leaves at its start', () => {
    // jmp L; nop; L: nop x4; ret
    const code = [0xeb, 0x01, 0x90, 0x90, 0x90, 0x90, 0x90, 0xc3];
    // the entry block (1) fits; L's block (5) would be cut after 2: it is left out, an exit to L
    expect(shape(blocks(code, { maxInstructions: 3, maxBlocks: 8 }))).toEqual([['1000', 'jmp']]);
    expect(shape(blocks(code, { maxInstructions: 6, maxBlocks: 8 }))).toEqual([['1000', 'jmp'], ['1003', 'nop nop nop nop ret']]);
    // the entry block itself is still cut where the budget ends
    const cut = blocks(code.slice(2), { maxInstructions: 2, maxBlocks: 8 });
    expect(shape(cut)).toEqual([['1000', 'nop nop']]);
    expect(cut[0].stopEip).toBe(0x1002);
  });

  it('counts an inlined call as CLAIMED_CALL_WEIGHT instructions of the budget', () => {
    // call +0 (to the next instruction) ten times: each claimed, the block goes on after it
    const calls = Array.from({ length: 10 }, () => [0xe8, 0, 0, 0, 0]).flat();
    const src = sourceOf(calls);
    const limits = { maxInstructions: 3 * CLAIMED_CALL_WEIGHT, maxBlocks: 4 };
    const claimedAll = discoverBlocks(src, BASE, true, () => undefined, limits, () => true);
    expect(claimedAll[0].instrs.length).toBe(3);
    expect(claimedAll[0].stopEip).toBe(BASE + 15);
  });

  it('neither follows forward nor runs into code another translation holds (elsewhere): the region leaves there', () => {
    // inc eax; L: inc ebx; dec ecx; jnz L; M: ret; with L and M held elsewhere
    const code = [0x40, 0x43, 0x49, 0x75, 0xfc, 0xc3];
    const src = sourceOf(code);
    const held = new Set([0x1001, 0x1005]);
    const asked: number[] = [];
    const elsewhere = (eip: number) => { asked.push(eip); return held.has(eip); };
    const b = discoverBlocks(src, BASE, true, () => undefined, DEFAULT_LIMITS, undefined, elsewhere);
    // the entry block stops before L instead of running into it; nothing else is decoded
    expect(shape(b)).toEqual([['1000', 'inc']]);
    expect(b[0].stopEip).toBeUndefined();
    expect(asked).toContain(0x1001);
    // without it, L's loop and M are the region's
    expect(shape(blocks(code))).toEqual([['1000', 'inc'], ['1001', 'inc dec jne'], ['1005', 'ret']]);
    // held elsewhere only M: the loop is here, its exit to M is not followed
    const onlyM = discoverBlocks(src, BASE, true, () => undefined, DEFAULT_LIMITS, undefined, (eip) => eip === 0x1005);
    expect(shape(onlyM)).toEqual([['1000', 'inc'], ['1001', 'inc dec jne']]);
    // a branch back is followed even into code held elsewhere: entered at 0x1002 (dec ecx), the loop
    // through L (held) is this region's, so it runs without leaving
    const fromInside = discoverBlocks(src, BASE + 2, true, () => undefined, DEFAULT_LIMITS, undefined, (eip) => held.has(eip));
    expect(shape(fromInside)).toEqual([['1002', 'dec jne'], ['1001', 'inc']]);
  });

  it('takes in code held elsewhere that leads back into the region within LOOP_CLOSING_REACH, with no loop of its own: a loop stays in one region', () => {
    // A: inc eax; H: inc ebx; cmp eax, ebx; ja E; inc ecx; E (entry): dec ecx; jnz A; ret; with H held elsewhere
    const code = [0x40, 0x43, 0x39, 0xd8, 0x77, 0x01, 0x41, 0x49, 0x75, 0xf6, 0xc3];
    const src = sourceOf(code);
    const heldH = (eip: number) => eip === 0x1001;
    const b = discoverBlocks(src, BASE + 7, true, () => undefined, DEFAULT_LIMITS, undefined, heldH);
    // H's code goes back to E, so the whole loop is this region's and it never leaves for H
    expect(shape(b)).toEqual([['1007', 'dec jne'], ['1000', 'inc inc cmp ja'], ['100a', 'ret'], ['1006', 'inc']]);
    // with H's way back longer than the reach (nops before the compare), the region leaves at H as before
    const far = [0x40, 0x43, ...new Array(LOOP_CLOSING_REACH).fill(0x90), 0x39, 0xd8, 0x77, 0x01, 0x41, 0x49, 0x75, 0xf6 - LOOP_CLOSING_REACH, 0xc3];
    const entry = BASE + far.length - 4;
    const stopped = discoverBlocks(sourceOf(far), entry, true, () => undefined, DEFAULT_LIMITS, undefined, heldH);
    expect(shape(stopped)).toEqual([[entry.toString(16), 'dec jne'], ['1000', 'inc'], [(entry + 3).toString(16), 'ret']]);
    // held code with a loop of its own is not taken in: A: inc eax; H: inc ebx; dec ecx; jnz H; E: dec edx; jnz A; ret
    const nest = [0x40, 0x43, 0x49, 0x75, 0xfc, 0x4a, 0x75, 0xf8, 0xc3];
    expect(shape(discoverBlocks(sourceOf(nest), BASE + 5, true, () => undefined, DEFAULT_LIMITS, undefined, heldH)))
      .toEqual([['1005', 'dec jne'], ['1000', 'inc'], ['1008', 'ret']]);
    // code held elsewhere that never comes back is not taken in: a stop at M (ret) stays a stop
    const heldM = (eip: number) => eip === 0x100a;
    expect(shape(discoverBlocks(src, BASE + 7, true, () => undefined, DEFAULT_LIMITS, undefined, heldM)))
      .toEqual([['1007', 'dec jne'], ['1000', 'inc inc cmp ja'], ['1006', 'inc']]);
  });

  it('leaves out a branch target no run has reached (notReached), back-edges included: the region leaves there', () => {
    // cmp eax, 0; je S; inc ebx; S: dec ecx; jnz 0x1000; ret
    const code = [0x83, 0xf8, 0x00, 0x74, 0x01, 0x43, 0x49, 0x75, 0xf7, 0xc3];
    const src = sourceOf(code);
    const all = discoverBlocks(src, BASE, true, () => undefined, DEFAULT_LIMITS);
    expect(shape(all)).toEqual([['1000', 'cmp je'], ['1006', 'dec jne'], ['1005', 'inc'], ['1009', 'ret']]);
    // the branch was always taken and the loop never left: the fall-through and the exit are not the region's
    const reached = new Set([0x1000, 0x1006]);
    const hot = discoverBlocks(src, BASE, true, () => undefined, DEFAULT_LIMITS, undefined, undefined, (eip) => !reached.has(eip));
    expect(shape(hot)).toEqual([['1000', 'cmp je'], ['1006', 'dec jne']]);
    // the entry itself is always there, reached or not
    const none = discoverBlocks(src, BASE, true, () => undefined, DEFAULT_LIMITS, undefined, undefined, () => true);
    expect(shape(none)).toEqual([['1000', 'cmp je']]);
  });

  it('stops at the block limit', () => {
    // three blocks in a row: jmp +0; jmp +0; ret
    const code = [0xeb, 0x00, 0xeb, 0x00, 0xc3];
    expect(blocks(code).length).toBe(3);
    expect(shape(blocks(code, { maxInstructions: 100, maxBlocks: 2 }))).toEqual([['1000', 'jmp'], ['1002', 'jmp']]);
  });

  it('under lockstep, a block stops before an external helper', () => {
    // inc eax; in al, dx; ret
    const code = [0x40, 0xec, 0xc3];
    expect(shape(blocks(code))).toEqual([['1000', 'inc in']]);
    const lockstep = blocks(code, { ...DEFAULT_LIMITS, excludeExternal: true });
    expect(shape(lockstep)).toEqual([['1000', 'inc']]);
    expect(lockstep[0].stopEip).toBe(0x1001);
  });

  it('a block ends after an opaque helper (wbinvd), not after an ordinary one (div) or cpuid', () => {
    // wbinvd; div ecx; inc eax; jmp $
    const b = blocks([0x0f, 0x09, 0xf7, 0xf1, 0x40, 0xeb, 0xfe]);
    expect(shape(b)).toEqual([['1000', 'wbinvd']]);
    // cpuid is a description the translator emits in place: the block goes on
    expect(shape(blocks([0x0f, 0xa2, 0x40, 0xeb, 0xfe]))).toEqual([['1000', 'cpuid inc'], ['1003', 'jmp']]);
    expect(shape(blocks([0xf7, 0xf1, 0x40, 0xeb, 0xfe]))).toEqual([['1000', 'div inc'], ['1003', 'jmp']]);
  });
});

describe('row properties discovery and emission rely on', () => {
  const rows = TABLE.rows;
  it('every row has semantics or a helper', () => {
    expect(rows.filter((r) => !r.sem && !r.exec).map((r) => r.opcodeText)).toEqual([]);
  });
  it('opaque and external are properties of helper rows', () => {
    expect(rows.filter((r) => (r.opaque || r.external) && !r.exec).map((r) => r.opcodeText)).toEqual([]);
  });
  it('a row with a flow ends its block; a relative destination always has a flow; a branch has one', () => {
    expect(rows.filter((r) => r.flow && !r.end).map((r) => r.opcodeText)).toEqual([]);
    const relative = rows.filter((r) => r.operands.some((o) => o.kind === K.J));
    expect(relative.filter((r) => !r.flow).map((r) => r.opcodeText)).toEqual([]);
    expect(rows.filter((r) => r.flow === 'branch' && !relative.includes(r)).map((r) => r.opcodeText)).toEqual([]);
  });
  it('every port access is external, and so are rep string moves (helpers that may reach MMIO)', () => {
    const devices = new Set(['in', 'out', 'insb', 'insw/insd', 'outsb', 'outsw/outsd', 'movsb', 'movsw/movsd', 'stosb', 'stosw/stosd']);
    const plainElement = (r: (typeof rows)[number]) => !!r.sem && r.string;
    const rowsOf = rows.filter((r) => devices.has(r.mn) && !plainElement(r));
    expect(rowsOf.length).toBe(16);
    expect(rowsOf.filter((r) => !r.external).map((r) => r.opcodeText)).toEqual([]);
    // one element is an ordinary load and store: under lockstep an MMIO access there is refused and
    // interpreted alone (engine/lockstep.ts), as for a mov
    expect(rows.filter((r) => devices.has(r.mn) && plainElement(r)).map((r) => r.opcodeText).sort()).toEqual(['A4', 'A5', 'AA', 'AB']);
  });
});

// ---- loop rotation (rotate.ts): which blocks get a copy of the latch they run into ----

/** Discovery from `entry`, then rotation; `claimed`: the EIPs of calls an inliner takes. */
function rotated(bytes: number[], entry = BASE, claimed: number[] = []): Block[] {
  const isClaimed = (i: Instr) => claimed.includes(i.eip);
  const found = discoverBlocks(sourceOf(bytes), entry, true, () => undefined, DEFAULT_LIMITS, isClaimed);
  return rotateLoops(found, isClaimed);
}

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
    // the same code entered at the call (L: call X; dec edi; jnz B): the latch weighs 7
    expect(shape(rotated(code, BASE + 5, [BASE + 5])).slice(0, 2)).toEqual([['1005', 'call dec jne'], ['1000', 'mov call dec jne']]);
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
