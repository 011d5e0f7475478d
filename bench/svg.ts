/**
 * A small SVG writer for the benchmark charts: grouped bars on a log scale,
 * one group per measured thing, one bar per system, a whisker from the
 * smallest to the largest sample, decade grid lines, a legend.
 *
 * It writes plain SVG 1.1 text, with no script, no external font and no
 * dependency, so a README can show the file and a test can read it. Every
 * text that comes from outside (titles, labels, names) is escaped. A bar
 * with no value (a column not measured) is left out and its slot stays
 * empty, so groups stay aligned.
 */

export interface BarValue {
  /** the bar's height (must be > 0 to be drawn on a log scale) */
  value: number | undefined;
  /** whisker ends: the smallest and largest sample */
  lo?: number;
  hi?: number;
}

export interface BarGroup {
  label: string;
  /** one entry per series, in the series' order */
  bars: BarValue[];
}

export interface Series {
  name: string;
  color: string;
}

export interface BarChart {
  title: string;
  /** the value axis' caption, e.g. "host ns per operation" */
  unit: string;
  series: Series[];
  groups: BarGroup[];
  /** optional line under the title */
  subtitle?: string;
}

const PAD_LEFT = 70;
const PAD_RIGHT = 20;
const PAD_TOP = 60;
/** group labels slant down to the left by this many degrees */
const LABEL_ANGLE = 50;
const LEGEND_ROW = 18;
/** a generous average width of one legend character at font size 11 */
const LEGEND_CHAR = 6.5;
const PLOT_HEIGHT = 320;
/** bar width: at least this, wider (up to BAR_MAX) where the chart has room to spare */
const BAR_WIDTH = 9;
const BAR_MAX = 16;
const GROUP_GAP = 14;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Decades covering every positive value and whisker end: [10^lo, 10^hi]. */
export function decadeRange(values: readonly number[]): [number, number] {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length === 0) return [0, 1];
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const hi = Math.ceil(Math.log10(Math.max(...pos)));
  return [lo, hi === lo ? lo + 1 : hi];
}

function fmtTick(exp: number): string {
  const v = 10 ** exp;
  if (exp >= 6) return `${v / 1e6}M`;
  if (exp >= 3) return `${v / 1e3}k`;
  return exp >= 0 ? String(v) : v.toPrecision(1);
}

const num = (x: number) => (Math.round(x * 10) / 10).toString();

/** Legend entries side by side, wrapping at the chart's width: [x, y below the legend's top] each. */
function legendPlaces(chart: BarChart, width: number): [number, number][] {
  const out: [number, number][] = [];
  let x = PAD_LEFT, y = 0;
  for (const s of chart.series) {
    const w = 18 + s.name.length * LEGEND_CHAR + 24;
    if (x > PAD_LEFT && x + w > width - PAD_RIGHT) { x = PAD_LEFT; y += LEGEND_ROW; }
    out.push([x, y]);
    x += w;
  }
  return out;
}

interface Layout {
  width: number;
  height: number;
  groupWidth: number;
  barWidth: number;
  legendTop: number;
  /** the decades shown: 10^lo .. 10^hi */
  lo: number;
  hi: number;
  y: (v: number) => number;
}

function layoutOf(chart: BarChart): Layout {
  // wide enough for the subtitle, the groups spread over it; room under the plot for the longest slanted label
  const nGroups = Math.max(1, chart.groups.length), nSeries = Math.max(1, chart.series.length);
  const textWidth = (chart.subtitle ?? '').length * LEGEND_CHAR;
  const plotWidth = Math.max(nGroups * (nSeries * BAR_WIDTH + GROUP_GAP), textWidth);
  const groupWidth = plotWidth / nGroups;
  const barWidth = Math.min(BAR_MAX, (groupWidth - GROUP_GAP) / nSeries);
  const width = Math.ceil(PAD_LEFT + plotWidth + PAD_RIGHT);
  const longest = Math.max(0, ...chart.groups.map((g) => g.label.length));
  const legendTop = PAD_TOP + PLOT_HEIGHT + Math.ceil(24 + longest * LEGEND_CHAR * Math.sin((LABEL_ANGLE * Math.PI) / 180));
  const rows = 1 + Math.max(0, ...legendPlaces(chart, width).map(([, y]) => y / LEGEND_ROW));
  const height = legendTop + rows * LEGEND_ROW + 10;
  const all = chart.groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.lo, b.hi])).filter((v): v is number => v !== undefined);
  const [lo, hi] = decadeRange(all);
  const y = (v: number) => PAD_TOP + PLOT_HEIGHT * (1 - (Math.log10(v) - lo) / (hi - lo));
  return { width, height, groupWidth, barWidth, legendTop, lo, hi, y };
}

function axes(chart: BarChart, l: Layout, out: string[]): void {
  for (let e = l.lo; e <= l.hi; e++) {
    const yy = num(l.y(10 ** e));
    out.push(`<line class="grid" x1="${PAD_LEFT}" y1="${yy}" x2="${l.width - PAD_RIGHT}" y2="${yy}" stroke="#dddddd"/>`);
    out.push(`<text class="tick" x="${PAD_LEFT - 6}" y="${yy}" dy="4" text-anchor="end">${fmtTick(e)}</text>`);
  }
  const mid = PAD_TOP + PLOT_HEIGHT / 2;
  out.push(`<text x="16" y="${mid}" transform="rotate(-90 16 ${mid})" text-anchor="middle">${escapeXml(chart.unit)} (log scale)</text>`);
  out.push(`<line x1="${PAD_LEFT}" y1="${PAD_TOP + PLOT_HEIGHT}" x2="${l.width - PAD_RIGHT}" y2="${PAD_TOP + PLOT_HEIGHT}" stroke="#000000"/>`);
}

function group(chart: BarChart, l: Layout, g: BarGroup, gi: number, out: string[]): void {
  const bw = l.barWidth;
  const x0 = PAD_LEFT + gi * l.groupWidth + (l.groupWidth - chart.series.length * bw) / 2;
  const base = l.y(10 ** l.lo);
  g.bars.forEach((b, si) => {
    if (b.value === undefined || !(b.value > 0) || si >= chart.series.length) return;
    const x = x0 + si * bw;
    const top = l.y(b.value);
    const tip = escapeXml(`${g.label}, ${chart.series[si].name}: ${b.value.toPrecision(3)}`);
    out.push(`<rect class="bar" x="${num(x)}" y="${num(top)}" width="${num(bw - 1)}" height="${num(base - top)}" fill="${escapeXml(chart.series[si].color)}"><title>${tip}</title></rect>`);
    if (b.lo !== undefined && b.hi !== undefined && b.lo > 0 && b.hi > 0) {
      const cx = num(x + (bw - 1) / 2);
      out.push(`<line class="whisker" x1="${cx}" y1="${num(l.y(b.lo))}" x2="${cx}" y2="${num(l.y(b.hi))}" stroke="#222222"/>`);
    }
  });
  const lx = num(x0 + (chart.series.length * bw) / 2);
  const ly = PAD_TOP + PLOT_HEIGHT + 8;
  out.push(`<text class="label" x="${lx}" y="${ly}" transform="rotate(-${LABEL_ANGLE} ${lx} ${ly})" text-anchor="end">${escapeXml(g.label)}</text>`);
}

/** The chart as an SVG document. */
export function barChartSvg(chart: BarChart): string {
  const l = layoutOf(chart);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect x="0" y="0" width="${l.width}" height="${l.height}" fill="#ffffff"/>`);
  out.push(`<text x="${PAD_LEFT}" y="22" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`);
  if (chart.subtitle) out.push(`<text x="${PAD_LEFT}" y="40" fill="#555555">${escapeXml(chart.subtitle)}</text>`);
  axes(chart, l, out);
  chart.groups.forEach((g, gi) => group(chart, l, g, gi, out));
  legendPlaces(chart, l.width).forEach(([x, yy], si) => {
    const s = chart.series[si];
    out.push(`<rect class="legend" x="${x}" y="${l.legendTop + yy}" width="12" height="12" fill="${escapeXml(s.color)}"/>`);
    out.push(`<text x="${x + 18}" y="${l.legendTop + yy + 10}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
