/**
 * Flag liveness as a pure function: blocks given as machine code bytes (no
 * assembler needed), decoded with the real table, effects from the real
 * probe backend or written by hand.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../isa/decoder.ts';
import type { Instr } from '../../isa/instr.ts';
import { TABLE } from '../../semantics/table.ts';
import { ARITH, CF, OF, ZF } from '../../isa/eflags.ts';
import { effectsOf } from '../emit/probe-ops.ts';
import { flagLiveness, LIVE_AT_BLOCK_END, LIVE_WHERE_VISIBLE, type InstrEffects } from './liveness.ts';

/** Decode a straight run of 32-bit code at 0x1000. */
function instrs(bytes: number[]): Instr[] {
  const src = { fetch8: (eip: number) => bytes[eip - 0x1000] };
  const out: Instr[] = [];
  for (let eip = 0x1000; eip < 0x1000 + bytes.length;) {
    const i = decode(TABLE, src, eip, true);
    out.push(i);
    eip = i.next;
  }
  return out;
}

const live = (block: Instr[]) => flagLiveness(block, block.map((i) => effectsOf(i, 4)));

const ADD_EAX_EBX = [0x01, 0xd8];
const SUB_EAX_ECX = [0x29, 0xc8];
const INC_EAX = [0x40];
const JZ = [0x74, 0x00];
const JC = [0x72, 0x00];
const LOAD_ECX = [0x8b, 0x0a]; // mov ecx, [edx]
const STORE_ECX = [0x89, 0x0a]; // mov [edx], ecx
const SHL_ECX_0 = [0xc1, 0xe1, 0x00];
const SHL_ECX_1 = [0xc1, 0xe1, 0x01];
const SETC_DL = [0x0f, 0x92, 0xc2];

describe('flag liveness', () => {
  it('the conservative sets are every arithmetic flag', () => {
    expect(LIVE_AT_BLOCK_END).toBe(ARITH);
    expect(LIVE_WHERE_VISIBLE).toBe(ARITH);
  });

  it('an update overwritten before any read is dead; every flag is live at the block end', () => {
    const b = instrs([...ADD_EAX_EBX, ...SUB_EAX_ECX, ...JZ]);
    expect(live(b)).toEqual([0, ARITH, ARITH]);
  });

  it('a partial writer keeps the flags it does not write live (inc leaves CF)', () => {
    const b = instrs([...ADD_EAX_EBX, ...INC_EAX, ...JC]);
    expect(live(b)[0]).toBe(CF);
  });

  it('every flag is live before an instruction that may fault', () => {
    const b = instrs([...ADD_EAX_EBX, ...LOAD_ECX, ...SUB_EAX_ECX, ...JZ]);
    expect(live(b)).toEqual([ARITH, 0, ARITH, ARITH]);
  });

  it('every flag is live after a store (it may hit translated code and end the region)', () => {
    const b = instrs([...SUB_EAX_ECX, ...STORE_ECX, ...ADD_EAX_EBX, ...JZ]);
    expect(live(b)).toEqual([ARITH, ARITH, ARITH, ARITH]);
  });

  it('a shift by a count of 0 writes no flag, so the flags before it stay live', () => {
    expect(live(instrs([...ADD_EAX_EBX, ...SHL_ECX_0, ...SETC_DL]))[0]).toBe(ARITH);
    // a count of 1 writes them all (OF included): the add's are dead
    expect(live(instrs([...ADD_EAX_EBX, ...SHL_ECX_1, ...SETC_DL]))[0]).toBe(0);
  });

  it('uses only the effects it is given, and changes nothing it is given', () => {
    const b = instrs([...ADD_EAX_EBX, ...SUB_EAX_ECX, ...JZ]);
    const quiet: InstrEffects = { loads: false, stores: false, raises: false, flagsWritten: ARITH };
    const fx = [quiet, { ...quiet, flagsWritten: OF }, { ...quiet, flagsWritten: 0 }];
    const copy = structuredClone(fx);
    // the sub is said to write only OF: the add's other flags survive it
    expect(flagLiveness(b, fx)).toEqual([ARITH & ~OF, ARITH, ARITH]);
    expect(fx).toEqual(copy);
    expect(flagLiveness(b, fx)).toEqual(flagLiveness(b, fx));
    // an instruction said to raise makes everything before it live
    expect(flagLiveness(b, [quiet, { ...quiet, raises: true }, fx[2]])[0]).toBe(ARITH);
  });

  it('an empty block has no instructions to answer for', () => {
    expect(flagLiveness([], [])).toEqual([]);
  });

  it('only the flags a later instruction does not overwrite stay live', () => {
    const b = instrs([...SUB_EAX_ECX, ...ADD_EAX_EBX, ...JZ]);
    const quiet: InstrEffects = { loads: false, stores: false, raises: false, flagsWritten: ARITH };
    // the add is said to write every flag but ZF: of the sub's flags, only ZF is still read
    expect(flagLiveness(b, [quiet, { ...quiet, flagsWritten: ARITH & ~ZF }, { ...quiet, flagsWritten: 0 }])).toEqual([ZF, ARITH, ARITH]);
  });
});
