/**
 * The statistics of the benchmarks: robust summaries of a few repeated
 * measurements, and a test of whether two sets of them differ beyond the
 * noise.
 *
 * A benchmark here repeats each measurement a handful of times (at least 5)
 * in separate, interleaved runs on a shared machine. Such samples are not
 * normal: a busy neighbour or a garbage collection only ever adds time. So a
 * figure is the median, its spread the half range relative to the median,
 * and two figures differ only when the exact two-sided Mann-Whitney U test
 * (rank-based, no assumption about the distribution) says so at the 5 %
 * level; with 5 samples on each side that needs every sample of one side
 * below every sample of the other (p = 2/252 = 0.008) or all but one pair
 * (p = 0.016, 0.032).
 *
 * Pure functions; every caller in bench/ may use them.
 */

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  /** half the range over the median (0.05 = ±5 %); 0 for a single sample */
  spread: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(xs: readonly number[]): Summary {
  const finite = xs.filter((x) => Number.isFinite(x));
  if (finite.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN, spread: NaN };
  const med = median(finite);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const spread = med !== 0 ? (max - min) / 2 / Math.abs(med) : 0;
  return { n: finite.length, median: med, min, max, spread };
}

/**
 * How many arrangements of n1 + n2 ranked values give each value of U
 * (the count of pairs (a, b) with a < b): counts[u] for u = 0..n1*n2.
 */
export function uDistribution(n1: number, n2: number): number[] {
  // f(i, j)[u]: arrangements of i first-sample and j second-sample values; the largest value is either
  // a first-sample one (it beats no second-sample value: f(i-1, j)) or a second-sample one (every one of
  // the i first-sample values is below it: f(i, j-1) shifted by i)
  let prev: number[][] = [];
  for (let i = 0; i <= n1; i++) {
    const row: number[][] = [];
    for (let j = 0; j <= n2; j++) {
      if (i === 0 || j === 0) { row.push([1]); continue; }
      const a = prev[j];
      const b = row[j - 1];
      const out = new Array<number>(i * j + 1).fill(0);
      a.forEach((c, u) => { out[u] += c; });
      b.forEach((c, u) => { out[u + i] += c; });
      row.push(out);
    }
    prev = row;
  }
  return prev[n2];
}

/** U of sample a against b: pairs with a below b, a tie counting one half. */
export function uStatistic(a: readonly number[], b: readonly number[]): number {
  let u = 0;
  for (const x of a) for (const y of b) u += x < y ? 1 : x === y ? 0.5 : 0;
  return u;
}

/**
 * The exact two-sided p-value of the Mann-Whitney U test (ties are counted
 * one half, and then the exact distribution is a close approximation).
 */
export function mannWhitneyP(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 1;
  const counts = uDistribution(a.length, b.length);
  const total = counts.reduce((s, c) => s + c, 0);
  const u = uStatistic(a, b);
  let below = 0, above = 0;
  counts.forEach((c, k) => {
    if (k <= u) below += c;
    if (k >= u) above += c;
  });
  return Math.min(1, (2 * Math.min(below, above)) / total);
}

/** Whether two sets of measurements differ beyond the noise (Mann-Whitney, two-sided, level alpha). */
export function differs(a: readonly number[], b: readonly number[], alpha = 0.05): boolean {
  return mannWhitneyP(a, b) < alpha;
}

/** Per-index ratios a[i] / b[i] of two equally long sample lists (the same run's numbers). */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(a[i] / b[i]);
  return out;
}

export function geomean(xs: readonly number[]): number {
  const pos = xs.filter((x) => x > 0 && Number.isFinite(x));
  if (pos.length === 0) return NaN;
  return Math.exp(pos.reduce((s, x) => s + Math.log(x), 0) / pos.length);
}
