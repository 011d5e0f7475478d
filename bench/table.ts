/**
 * Terminal tables and number formats shared by the benchmarks: the first
 * column left-aligned, the others right-aligned, a rule under the header;
 * cells for a median with its spread and for a ratio with its noise verdict.
 */
import { differs, pairedRatios, summarize, type Summary } from './stats.ts';

export function formatTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A number with grouping and a fixed count of decimals. */
export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Three significant digits, grouped above 1000 (for values spanning decades). */
export function fmt3(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const a = Math.abs(n);
  if (a >= 1000) return fmt(n, 0);
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** A median with its spread: "123 ±4%" (scaled), "-" without samples. */
export function summaryCell(sm: Summary, scale = 1): string {
  if (sm.n === 0) return '-';
  return `${fmt3(sm.median * scale)} ±${Math.round(sm.spread * 100)}%`;
}

/**
 * "a/b" as the median of per-round ratios with their spread (half range over
 * median), and a leading `~` when a and b are inside each other's noise
 * (Mann-Whitney, stats.ts); "-" when either side has no samples.
 */
export function ratioText(xa: readonly number[], xb: readonly number[]): string {
  if (!xa.length || !xb.length) return '-';
  const r = summarize(pairedRatios(xa, xb));
  if (!Number.isFinite(r.median)) return '-';
  const m = r.median;
  return `${differs(xa, xb) ? ' ' : '~'}${m >= 10 ? fmt(m, 0) : m.toFixed(2)}x ±${Math.round(r.spread * 100)}%`;
}
