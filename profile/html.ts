/**
 * report.html: the profile for people who would rather look than read,
 * self-contained (inline CSS and SVG, no script, nothing fetched): the
 * hottest sites with their paths, the totals per call, function and vCPU,
 * the deferred batches, the overhead, the flame graph of the stacks taken
 * at VMI calls, and a timeline of VMI calls per vCPU (calls per slice of
 * host time, from the trace). Everything that came from the guest is
 * escaped.
 */
import type { TraceEvent } from './collector.ts';
import { escapeXml } from './flame.ts';
import type { ProfileReport } from './report.ts';
import { overheadLines, type Overhead } from './overhead.ts';

const int = (n: number) => Math.round(n).toLocaleString('en-US');

function table(head: string[], rows: (string | number)[][]): string {
  const th = head.map((h) => `<th>${escapeXml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${typeof c === 'number' ? int(c) : escapeXml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

const BUCKETS = 200;

/** VMI calls per time bucket per vCPU, as bars, one row per vCPU. */
export function timelineSvg(trace: TraceEvent[]): string {
  const calls = trace.filter((e) => e.ph === 'X');
  if (!calls.length) return '<p>No trace was recorded (--no-trace).</p>';
  const end = calls.reduce((m, e) => Math.max(m, e.ts), 0) || 1;
  const tids = [...new Set(calls.map((e) => e.tid))].sort((a, b) => a - b);
  const rowH = 60, w = 1000;
  const rows = tids.map((tid, k) => {
    const counts = new Array<number>(BUCKETS).fill(0);
    for (const e of calls) if (e.tid === tid) counts[Math.min(BUCKETS - 1, Math.floor((e.ts / end) * BUCKETS))]++;
    const max = Math.max(...counts) || 1;
    const y0 = k * (rowH + 20) + 20;
    const bars = counts.map((n, b) => (n ? `<rect x="${(b * w) / BUCKETS}" y="${(y0 + rowH - (n / max) * rowH).toFixed(1)}" width="${(w / BUCKETS - 0.5).toFixed(1)}" height="${((n / max) * rowH).toFixed(1)}" fill="#c0504d"><title>${n} calls</title></rect>` : ''));
    return `<text x="0" y="${y0 - 4}">vCPU${tid} (peak ${max} calls per ${(end / BUCKETS / 1000).toFixed(1)} ms)</text>${bars.join('')}`;
  });
  const h = tids.length * (rowH + 20) + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">${rows.join('\n')}<text x="0" y="${h - 4}">host time 0 .. ${(end / 1e6).toFixed(2)} s</text></svg>`;
}

export function reportHtml(r: ProfileReport, flameSvg: string, trace: TraceEvent[], overhead: Overhead | undefined): string {
  const sites = table(['calls', 'share', 'inlined', 'called', 'ns/call (ROM)', 'call', 'site', 'hottest path'],
    r.sites.slice(0, 25).map((s) => [s.calls, `${(s.shareOfCalls * 100).toFixed(1)}%`, s.inlined, s.called, s.nsPerCall === null ? '-' : s.nsPerCall.toFixed(0), s.call, s.where, s.paths[0]?.path.join(' → ') ?? '']));
  const calls = table(['call', 'calls', 'inlined', 'called', 'host ms (ROM)'], r.byCall.map((c) => [c.call, c.calls, c.inlined, c.called, (c.hostNs / 1e6).toFixed(1)]));
  const fns = table(['function', 'calls', 'sites'], r.byFunction.slice(0, 25).map((f) => [f.fn, f.calls, f.sites]));
  const vcpus = table(['vCPU', 'calls', 'inlined', 'called'], r.byVcpu.map((v) => [v.vcpu, v.calls, v.inlined, v.called]));
  const flushes = table(['flush point', 'batches', 'sizes (pages: batches)', 'full flushes', 'empty', 'CPU-mode changes'],
    Object.entries(r.flushes).map(([p, f]) => [p, f.batches, Object.entries(f.sizes).map(([k, n]) => `${k}: ${n}`).join(', '), f.fullFlushes, f.empty, f.cpuChanges]));
  const cost = overhead ? `<pre id="overhead">${escapeXml(overheadLines(overhead).join('\n'))}</pre>` : '<p>Overhead not measured (--no-overhead).</p>';
  const top = r.sites[0];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vmidbt profile: ${escapeXml(r.image)}</title>
<style>body{font-family:sans-serif;margin:1.5em;max-width:1250px}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px;text-align:left}td:nth-child(-n+5){text-align:right}h2{margin-top:1.2em}#hottest{background:#fff4e5;padding:.5em;border-left:4px solid #e08030}</style>
</head><body>
<h1>vmidbt profile</h1>
<p>${escapeXml(r.image)}: ${int(r.instructions)} guest instructions, ${int(r.totalCalls)} VMI calls, ${r.wallSeconds.toFixed(2)} s profiled.</p>
<p id="hottest">Hottest site: <b>${top ? `${escapeXml(top.call)} at ${escapeXml(top.where)}` : 'none'}</b>${top ? `, ${int(top.calls)} calls (${(top.shareOfCalls * 100).toFixed(1)}%)` : ''}</p>
${cost}
<h2>Hottest VMI call sites</h2>
<p>Host time is measured on the calls through the ROM (profiling included); an inlined call's time is part of its region's.</p>
${sites}
<h2>Flame graph of the stacks taken at VMI calls</h2>
${flameSvg}
<h2>VMI calls over time, per vCPU</h2>
${timelineSvg(trace)}
<h2>Per VMI call</h2>
${calls}
<h2>Per calling function</h2>
${fns}
<h2>Per vCPU</h2>
${vcpus}
<h2>Deferred mode: batches at each flush point</h2>
${flushes}
</body></html>
`;
}
