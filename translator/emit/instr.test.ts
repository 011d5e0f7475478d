/**
 * The emission decision (`emissionOf`) against the emitter itself: every
 * row it calls inline really emits, in many encodings, without an exception;
 * a row it sends to the interpreter form says why; and an exception while
 * emitting propagates instead of turning into a silent interpreter call.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../isa/decoder.ts';
import type { Instr } from '../../isa/instr.ts';
import type { Row } from '../../isa/table.ts';
import { parseOperand } from '../../isa/operands.ts';
import { ARITH } from '../../isa/eflags.ts';
import { TABLE } from '../../semantics/table.ts';
import { Rng, assemble, encodeRow } from '../../spec-tests/fuzz/generate.ts';
import { emitRegion, type EmittedRegion } from './region.ts';
import { emissionOf } from './instr.ts';
import { goesOnAfterSegmentLoad } from '../region/discover.ts';

/**
 * The last instruction of a fuzzer unit that encodes `row` (fixups come first). A unit for a string
 * instruction's plain row may carry a rep prefix, which selects the rep row: such units are drawn again.
 */
function encoded(rng: Rng, row: Row): Instr {
  for (;;) {
    const { bytes } = assemble([encodeRow(rng, row)], 0x1000);
    const src = { fetch8: (eip: number) => bytes[eip - 0x1000] };
    for (let eip = 0x1000; eip < 0x1000 + bytes.length;) {
      const i = decode(TABLE, src, eip, true);
      if (i.row === row) return i;
      eip = i.next;
    }
  }
}

/** One instruction as a region of its own. */
function emitOne(i: Instr): EmittedRegion {
  return emitRegion({
    entry: i.eip, blocks: [{ eip: i.eip, instrs: [i] }], liveOut: [[ARITH]],
    facts: { user: false, stack32: true, rmask: 1 }, claims: new Map(),
  });
}

describe('the emission decision', () => {
  it('inlines every semantic row, runs every helper row in its interpreter form, and falls back for none', () => {
    const by = new Map<string, number>();
    for (const r of TABLE.rows) {
      const e = emissionOf(r);
      const key = e.kind === 'helper' ? `helper:${e.reason}` : e.kind;
      by.set(key, (by.get(key) ?? 0) + 1);
      expect(e.kind === 'inline', r.opcodeText).toBe(!!r.sem);
      if (r.exec) expect(e.kind, r.opcodeText).toBe(r.fpu ? 'x87' : r.common ? 'common' : 'helper');
    }
    expect([...by.keys()].sort()).toEqual(['common', 'helper:helper', 'inline', 'x87']);
  });

  it('no x87 kernel row reads flags: a kernel call is given none (emitX87Kernel refuses such a row)', () => {
    const kernelRows = TABLE.rows.filter((r) => r.x87);
    expect(kernelRows.length).toBeGreaterThan(20);
    expect(kernelRows.filter((r) => r.fin !== 0).map((r) => r.opcodeText)).toEqual([]);
  });

  it('every row decided inline emits without an exception, in 12 random encodings each', () => {
    const rng = new Rng(7);
    let emitted = 0;
    for (const row of TABLE.rows.filter((r) => emissionOf(r).kind === 'inline')) {
      for (let k = 0; k < 12; k++) {
        const region = emitOne(encoded(rng, row));
        expect(region.emitted.inline, row.opcodeText).toBe(1);
        emitted++;
      }
    }
    expect(emitted).toBeGreaterThan(3000);
  });

  it('a helper row with a common case emits the case in place and the helper call only where it does not apply', () => {
    const rng = new Rng(3);
    const rows = TABLE.rows.filter((r) => emissionOf(r).kind === 'common');
    expect(rows.map((r) => `${r.mn} ${r.opcodeText}`).sort()).toEqual(['iret/iretd CF', 'mov 8E', 'pop 07', 'pop 0F A1', 'pop 0F A9', 'pop 1F']);
    for (const row of rows) {
      for (let k = 0; k < 12; k++) {
        const i = encoded(rng, row);
        const region = emitOne(i);
        expect(region.emitted.inline, row.opcodeText).toBe(1);
        expect(region.emitted.helper).toBe(0);
        // where the case does not apply, the long form alone: the case's test is not run a second time
        expect(region.fn).toContain('h.long(cpu,INS[0])');
        expect(region.fn).not.toContain('h.exec(');
        if (row.mn.startsWith('iret')) {
          // 32-bit: iret's return within the ring in place (semantics/families/far.ts iretInRing); 16-bit: the helper alone
          expect(region.fn.includes('hp.iretInRing('), row.opcodeText).toBe(i.opsize === 4);
        } else {
          // a data segment reloaded as last read in place; from memory, and SS, CS and the undefined registers, through the helper alone
          const data = row.mn === 'pop' || ([0, 3, 4, 5].includes(i.reg) && i.mod === 3);
          expect(region.fn.includes('hp.keptDataSegment('), `${row.opcodeText} reg ${i.reg}`).toBe(data);
          // whether the segments stay flat is asked once after the load, on either path
          expect(region.fn.split('h.stillFlat(').length - 1, `${row.opcodeText} reg ${i.reg}`).toBe(goesOnAfterSegmentLoad(i) ? 1 : 0);
        }
      }
    }
  });

  it('a semantic row with an operand the emitter cannot express runs its interpreter form, with the reason', () => {
    const nop = encoded(new Rng(1), TABLE.rows.find((r) => r.mn === 'nop')!);
    const row: Row = { ...nop.row, operands: [parseOperand('Cd')] };
    expect(emissionOf(row)).toEqual({ kind: 'helper', reason: 'operand' });
    const region = emitOne({ ...nop, row });
    expect(region.emitted.operand).toBe(1);
    expect(region.fn).toContain('h.interp(cpu,INS[0])');
  });

  it('an exception while emitting propagates (no silent fall-back)', () => {
    const nop = encoded(new Rng(1), TABLE.rows.find((r) => r.mn === 'nop')!);
    const row: Row = { ...nop.row, sem: () => { throw new Error('emitter bug'); } };
    expect(() => emitOne({ ...nop, row })).toThrow('emitter bug');
  });
});
