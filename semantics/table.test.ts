import { describe, expect, it } from 'vitest';
import { strayFields } from '../isa/table.ts';
import { FAMILIES, ROW_BEHAVIOUR } from './table.ts';

describe('the instruction table', () => {
  it('has specs whose every field is a RowSpec field or a behaviour key (the build does not check it)', () => {
    expect(Object.values(FAMILIES).flatMap((rows) => strayFields(rows, ROW_BEHAVIOUR))).toEqual([]);
  });
});
