import { describe, expect, it } from 'vitest';
import { barChartSvg, decadeRange, escapeXml, type BarChart } from './svg.ts';

const chart: BarChart = {
  title: 'cost <per> op & more',
  unit: 'host ns',
  series: [{ name: 'native', color: '#1f77b4' }, { name: 'ROM "called"', color: '#ff7f0e' }],
  groups: [
    { label: 'cli', bars: [{ value: 10, lo: 8, hi: 12 }, { value: 1000 }] },
    { label: 'cr3', bars: [{ value: undefined }, { value: 100, lo: 90, hi: 150 }] },
  ],
};

const attr = (el: string, name: string) => Number(new RegExp(`${name}="([-0-9.]+)"`).exec(el)![1]);

describe('SVG bar chart writer', () => {
  const svg = barChartSvg(chart);
  const bars = svg.split('\n').filter((l) => l.includes('class="bar"'));

  it('is one svg element with escaped text and no script', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('cost &lt;per&gt; op &amp; more');
    expect(svg).toContain('ROM &quot;called&quot;');
    expect(svg).not.toMatch(/<script/);
    expect(escapeXml(`a<b>&"'`)).toBe('a&lt;b&gt;&amp;&quot;&apos;');
  });

  it('draws one bar per value and leaves a missing one out', () => {
    expect(bars).toHaveLength(3);
    expect(svg.match(/class="whisker"/g)).toHaveLength(2);
    expect(svg.match(/class="legend"/g)).toHaveLength(2);
  });

  it('bar heights follow the log scale: each decade is the same height', () => {
    const h = bars.map((b) => attr(b, 'height'));
    // values 10, 1000, 100 on decades 10^0..10^3 (the whisker at 8 reaches below 10): 1, 3 and 2 thirds
    expect(h[0] * 2).toBeCloseTo(h[2], 0);
    expect(h[1] * 2).toBeCloseTo(h[2] * 3, 0);
    const bottoms = bars.map((b) => attr(b, 'y') + attr(b, 'height'));
    expect(new Set(bottoms.map((v) => Math.round(v))).size).toBe(1);
  });

  it('labels every decade from the smallest to the largest value or whisker', () => {
    expect(decadeRange([8, 1000, 150])).toEqual([0, 3]);
    expect(decadeRange([5])).toEqual([0, 1]);
    expect(decadeRange([])).toEqual([0, 1]);
    const ticks = [...svg.matchAll(/class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['1', '10', '100', '1k']);
  });
});
