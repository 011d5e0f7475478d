import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { widen } from './wide-fields.ts';

setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('widen', () => {
  it('keeps the values and refuses a field the object does not have', () => {
    const o = widen({ count: 7, name: 'x' }, ['count']);
    expect(o).toEqual({ count: 7, name: 'x' });
    expect(() => widen({ count: 0 }, ['cuont'])).toThrow(/no field cuont/);
  });

  it('a widened field takes a number past 2^31 without the object changing shape', () => {
    class Plain { count = 0; other = 1; }
    class Wide { count = 0; other = 1; constructor() { widen(this, ['count']); } }
    // the control: a small-integer field that meets 2^31 gives its object a new shape
    const [p1, p2] = [new Plain(), new Plain()];
    p1.count = 2 ** 31 + 5;
    expect(haveSameMap(p1, p2)).toBe(false);
    const [w1, w2] = [new Wide(), new Wide()];
    w1.count = 2 ** 31 + 5;
    expect(haveSameMap(w1, w2)).toBe(true);
    expect(w1.count).toBe(2 ** 31 + 5);
  });
});
