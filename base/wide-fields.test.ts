import { describe, expect, it } from 'vitest';
import { mutable, widen } from './wide-fields.ts';
import { haveSameMap, staysOptimized } from '../spec-tests/v8-natives.ts';

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

describe('mutable', () => {
  it('keeps the values and refuses a field that is not a number or a boolean', () => {
    const o = mutable({ epoch: 3, on: true, name: 'x' }, ['epoch', 'on']);
    expect(o).toEqual({ epoch: 3, on: true, name: 'x' });
    expect(() => mutable({ epoch: 0 }, ['epoch', 'name'])).toThrow(/no number or boolean field name/);
  });

  it('optimised code that reads the field survives its first change', () => {
    class Plain { epoch = 0; other = 1; }
    class Mutable { epoch = 0; other = 1; constructor() { mutable(this, ['epoch']); } }
    // as a region reads the code epoch: from an object its factory closed over
    const stillOptimizedAfterChange = (holder: { epoch: number }): boolean => {
      const read = new Function('h', 'return function read() { return h.epoch + 1; }')(holder) as () => number;
      const kept = staysOptimized(read, () => holder.epoch++);
      expect(read()).toBe(holder.epoch + 1);
      return kept;
    };
    // the control: code folded the first value in, and is thrown away when it changes
    expect(stillOptimizedAfterChange(new Plain())).toBe(false);
    expect(stillOptimizedAfterChange(new Mutable())).toBe(true);
  });
});
