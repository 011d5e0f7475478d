/**
 * The decoder (isa/decoder.ts) over the table vmidbt runs: ModRM, SIB and
 * displacements, default segments and overrides, 16-bit addressing,
 * prefixes in any order, relative branch targets, sign-extended immediates,
 * the #GP and #UD it raises, and a table with one row per expanded encoding.
 */
import { describe, expect, it } from 'vitest';
import { decode, type CodeSource } from './decoder.ts';
import { Fault } from './faults.ts';
import { TABLE } from '../semantics/table.ts';
import { strayFields, type RowSpec } from './table.ts';

const rows = TABLE.rows;

function src(bytes: number[]): CodeSource {
  return { fetch8: (eip) => bytes[eip] ?? 0x90 };
}

function faultOf(bytes: number[], code32 = true): number {
  try {
    decode(TABLE, src(bytes), 0, code32);
  } catch (e) {
    if (e instanceof Fault) return e.vector;
    throw e;
  }
  return -1;
}

describe('decoder', () => {
  it('reads ModRM with SIB and displacement', () => {
    // add [eax+ecx*4+0x12345678], edx
    const i = decode(TABLE, src([0x01, 0x94, 0x88, 0x78, 0x56, 0x34, 0x12]), 0, true);
    expect(i.row.mn).toBe('add');
    expect([i.base, i.index, i.scale, i.disp, i.len]).toEqual([0, 1, 2, 0x12345678, 7]);
  });

  it('uses SS for EBP-based addresses and honours overrides', () => {
    expect(decode(TABLE, src([0x8b, 0x45, 0x08]), 0, true).seg).toBe(2);
    expect(decode(TABLE, src([0x64, 0x8b, 0x45, 0x08]), 0, true).seg).toBe(4);
  });

  it('decodes 16-bit addressing forms', () => {
    // mov ax, [bp+si+0x10] in 16-bit code
    const i = decode(TABLE, src([0x8b, 0x42, 0x10]), 0, false);
    expect([i.base, i.index, i.disp, i.seg, i.opsize, i.adsize]).toEqual([5, 6, 0x10, 2, 2, 2]);
    // mov ax, [0x1234]
    const j = decode(TABLE, src([0x8b, 0x06, 0x34, 0x12]), 0, false);
    expect([j.base, j.index, j.disp]).toEqual([-1, -1, 0x1234]);
  });

  it('switches operand and address size with prefixes in any order', () => {
    const i = decode(TABLE, src([0x67, 0x66, 0xf3, 0x2e, 0x66, 0x01, 0x00]), 0, true);
    expect([i.opsize, i.adsize, i.rep, i.segOverride, i.len]).toEqual([2, 2, 0xf3, 1, 7]);
  });

  it('resolves relative branch targets, wrapping in 16-bit code', () => {
    expect(decode(TABLE, src([0xeb, 0xfe]), 0, true).imm).toBe(0);
    expect(decode(TABLE, src([0xe9, 0xfb, 0xff, 0xff, 0xff]), 0, true).imm).toBe(0);
    expect(decode(TABLE, src([0xeb, 0x80]), 0, false).imm).toBe(0xff82);
  });

  it('sign-extends imm8 of the 83 group to the operand size', () => {
    const i = decode(TABLE, src([0x83, 0xc0, 0xff]), 0, true);
    expect(i.imm).toBe(-1);
  });

  it('raises #GP past 15 bytes and #UD for undefined encodings and bad lock', () => {
    expect(faultOf(new Array(16).fill(0x66).concat([0x90]))).toBe(13);
    expect(faultOf([0x0f, 0xff])).toBe(6);
    expect(faultOf([0xf0, 0x01, 0xc0])).toBe(6); // lock add eax, eax: register destination
    expect(faultOf([0xf0, 0x89, 0x00])).toBe(6); // lock mov: not lockable
    expect(faultOf([0xf0, 0x01, 0x00])).toBe(-1); // lock add [eax], eax
  });

  it('has one row for every expanded encoding and no duplicates', () => {
    const names = new Set(rows.map((r) => r.opcodeText + '|' + r.mn));
    expect(names.size).toBe(rows.length);
    expect(rows.length).toBeGreaterThan(300);
  });
});

describe('rows', () => {
  // the interpreter reads row fields on every instruction: with one hidden class those reads stay
  // monomorphic (rows built by spreading their specs had 53 shapes, and the interpreter ran 1.5x slower)
  it('all have the same fields in the same order', () => {
    const shapes = new Set(rows.map((r) => Object.keys(r).join(',')));
    expect([...shapes]).toHaveLength(1);
    expect(Object.keys(rows[0])).toEqual(expect.arrayContaining(['sem', 'exec', 'end', 'fin', 'operands']));
  });

  it('names a spec field no row has (strayFields: the tests check every family, the build does not)', () => {
    const specs = [{ op: '90', mn: 'nop', sem: () => {}, colour: 'red' }, { op: 'F4', mn: 'hlt', exec: () => {} }] as RowSpec[];
    expect(strayFields(specs, ['sem', 'exec'])).toEqual(['90: colour']);
    expect(strayFields(specs, ['sem'])).toEqual(['90: colour', 'F4: exec']);
  });
});
