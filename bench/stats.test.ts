import { describe, expect, it } from 'vitest';
import { differs, geomean, mannWhitneyP, median, pairedRatios, summarize, uDistribution, uStatistic } from './stats.ts';

describe('bench statistics', () => {
  it('median of odd and even counts, unsorted input left alone', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('summary: median, range and half-range spread; non-finite samples are left out', () => {
    const s = summarize([100, 90, 110, 105, Infinity, NaN]);
    expect(s).toEqual({ n: 4, median: 102.5, min: 90, max: 110, spread: 10 / 102.5 });
    expect(summarize([7]).spread).toBe(0);
    expect(summarize([]).n).toBe(0);
  });

  it('the U distribution counts every arrangement and is symmetric', () => {
    const d = uDistribution(5, 5);
    expect(d.length).toBe(26);
    expect(d.reduce((a, b) => a + b, 0)).toBe(252); // C(10, 5)
    expect(d[0]).toBe(1);
    expect(d[1]).toBe(1);
    expect(d[2]).toBe(2);
    for (let u = 0; u <= 25; u++) expect(d[u]).toBe(d[25 - u]);
    expect(uDistribution(2, 3)).toEqual([1, 1, 2, 2, 2, 1, 1]);
  });

  it('U counts pairs with the first sample below, ties as one half', () => {
    expect(uStatistic([1, 2], [3, 4])).toBe(4);
    expect(uStatistic([3, 4], [1, 2])).toBe(0);
    expect(uStatistic([2], [2])).toBe(0.5);
  });

  it('exact two-sided p: complete separation of 5 and 5 is 2/252, identical samples are 1', () => {
    const a = [10, 11, 12, 13, 14];
    const b = [20, 21, 22, 23, 24];
    expect(mannWhitneyP(a, b)).toBeCloseTo(2 / 252, 12);
    expect(mannWhitneyP(b, a)).toBeCloseTo(2 / 252, 12);
    expect(mannWhitneyP(a, a)).toBe(1);
    expect(differs(a, b)).toBe(true);
    // one overlapping pair: U = 1 -> p = 2 * 2/252
    expect(mannWhitneyP([10, 11, 12, 13, 21], [20, 22, 23, 24, 25])).toBeCloseTo(4 / 252, 12);
    // interleaved: inside the noise
    expect(differs([1, 3, 5, 7, 9], [2, 4, 6, 8, 10])).toBe(false);
    // three samples a side can never reach 5 %: the smallest p is 2/20
    expect(mannWhitneyP([1, 2, 3], [4, 5, 6])).toBeCloseTo(0.1, 12);
    expect(differs([1, 2, 3], [4, 5, 6])).toBe(false);
  });

  it('paired ratios and geometric mean', () => {
    expect(pairedRatios([2, 9, 4], [1, 3])).toEqual([2, 3]);
    expect(geomean([1, 4, 16])).toBeCloseTo(4, 12);
    expect(geomean([0, -1])).toBeNaN();
  });
});
