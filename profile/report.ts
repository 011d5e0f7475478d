/**
 * A finished profile as data (`ProfileReport`, what `--json` prints and
 * every other output is made from), and its terminal form.
 *
 * Counts come from three places that together see every VMI call exactly
 * once: the ROM's per-site statistics (calls through the ROM, with host
 * time), each vCPU's `siteHits` (inlined calls the translator counted), and
 * the calls generated code reported to the profiler (collector.ts). A site
 * is its return address; a site where some runs were inlined and some went
 * through the ROM (before its region was translated, or after a guard
 * failed) shows both. Host time is measured on the ROM path only: an
 * inlined call has no timer around it, so its time is part of its
 * region's and shows as "-".
 */
import type { CallName } from '../vmirom/abis.ts';
import type { VmiRom } from '../vmirom/rom.ts';
import type { FlushStats, RawProfile } from './collector.ts';
import { hex } from './collector.ts';
import type { Symbolizer } from './symbols.ts';

/** Guest instructions one VMI call retires: the caller's `call`, the slot's `vmicall` and `ret`, inlined or not. */
export const INSTRUCTIONS_PER_CALL = 3;

export interface SiteRow {
  site: string;
  /** function+offset (file:line) */
  where: string;
  fn: string;
  call: CallName;
  calls: number;
  inlined: number;
  called: number;
  /** host time of the calls through the ROM */
  hostNs: number;
  /** per call through the ROM; null when none went through it */
  nsPerCall: number | null;
  guestInstructions: number;
  /** of every VMI call of the run */
  shareOfCalls: number;
  /** the most frequent stacks seen at this site (outermost last), with their count */
  paths: { path: string[]; count: number }[];
}

export interface ProfileReport {
  image: string;
  instructions: number;
  wallSeconds: number;
  totalCalls: number;
  sites: SiteRow[];
  byCall: { call: CallName; calls: number; inlined: number; called: number; hostNs: number }[];
  byFunction: { fn: string; calls: number; sites: number }[];
  byVcpu: { vcpu: number; calls: number; inlined: number; called: number }[];
  /** per flush point: batches of TLB work applied, their size histogram, CPU-mode changes */
  flushes: Record<string, FlushStats>;
  /** calls through the ROM: each leaves translated code when its caller ran translated */
  romExits: { call: CallName; calls: number }[];
  stacksTaken: number;
  samples: number;
  /** calls at sites beyond the site tables' bound (vmirom/stats.ts SITE_LIMIT) */
  otherSiteCalls: number;
}

interface Acc { site: number; call: CallName; inlined: number; called: number; hostNs: number }

/** Every site's inlined and called counts, from the three sources, per (site, call) over all vCPUs. */
function collectSites(rom: VmiRom, raw: RawProfile): { sites: Map<string, Acc>; perVcpu: Map<number, { inlined: number; called: number }> } {
  const sites = new Map<string, Acc>();
  const perVcpu = new Map<number, { inlined: number; called: number }>();
  const add = (vcpu: number, site: number, call: CallName, inlined: number, called: number, hostNs: number) => {
    const key = `${site}:${call}`;
    let a = sites.get(key);
    if (!a) sites.set(key, (a = { site, call, inlined: 0, called: 0, hostNs: 0 }));
    a.inlined += inlined; a.called += called; a.hostNs += hostNs;
    const v = perVcpu.get(vcpu) ?? { inlined: 0, called: 0 };
    v.inlined += inlined; v.called += called;
    perVcpu.set(vcpu, v);
  };
  for (const s of rom.stats.bySite()) add(s.vcpu, s.site, s.name as CallName, 0, s.calls, s.hostNs);
  const table = rom.inlinedSites.sites;
  for (const ctx of rom.vcpus) {
    ctx.siteHits.forEach((n, slot) => { if (n && slot) add(ctx.vcpu.id, table[slot].site, table[slot].name, n, 0, 0); });
  }
  for (const [key, n] of raw.reported) {
    const [vcpu, site, call] = key.split(':');
    add(Number(vcpu), Number(site), call as CallName, n, 0, 0);
  }
  return { sites, perVcpu };
}

/** The stacks seen at each site, symbolized, most frequent first. */
function pathsBySite(raw: RawProfile, sym: Symbolizer): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const s of raw.vmiStacks) {
    const key = `${s.frames[0]}:${s.name}`;
    // each frame is a return address: the call it returns from is the byte before
    const path = [s.name, ...s.frames.map((f) => sym.fnName(f - 1))].join('\u0000');
    const m = out.get(key) ?? new Map<string, number>();
    m.set(path, (m.get(path) ?? 0) + 1);
    out.set(key, m);
  }
  return out;
}

export function buildReport(rom: VmiRom, raw: RawProfile, sym: Symbolizer, run: { image: string; instructions: number; wallMs: number }): ProfileReport {
  const { sites, perVcpu } = collectSites(rom, raw);
  const total = [...sites.values()].reduce((n, a) => n + a.inlined + a.called, 0) + rom.stats.otherSites.calls;
  const paths = pathsBySite(raw, sym);
  const rows: SiteRow[] = [...sites.values()].map((a) => {
    const calls = a.inlined + a.called;
    const seen = [...(paths.get(`${a.site}:${a.call}`) ?? new Map<string, number>()).entries()].sort((x, y) => y[1] - x[1]).slice(0, 3);
    return {
      site: hex(a.site), where: a.site < 0 ? '(jumped to: no return address)' : sym.formatSite(a.site), fn: a.site < 0 ? '-' : sym.fnName(a.site - 1),
      call: a.call, calls, inlined: a.inlined, called: a.called, hostNs: a.hostNs, nsPerCall: a.called ? a.hostNs / a.called : null,
      guestInstructions: calls * INSTRUCTIONS_PER_CALL, shareOfCalls: total ? calls / total : 0,
      paths: seen.map(([p, count]) => ({ path: p.split('\u0000').reverse(), count })),
    };
  }).sort((x, y) => y.calls - x.calls || x.site.localeCompare(y.site));
  const hostByName = new Map(rom.stats.byName().map((c) => [c.name, c.hostNs]));
  const byCall = rom.callCounts().map((c) => ({ call: c.name, calls: c.called + c.inlined, inlined: c.inlined, called: c.called, hostNs: hostByName.get(c.name) ?? 0 }));
  const fns = new Map<string, { calls: number; sites: number }>();
  for (const r of rows) {
    const f = fns.get(r.fn) ?? { calls: 0, sites: 0 };
    f.calls += r.calls; f.sites++;
    fns.set(r.fn, f);
  }
  return {
    image: run.image, instructions: run.instructions, wallSeconds: run.wallMs / 1000, totalCalls: total,
    sites: rows,
    byCall,
    byFunction: [...fns.entries()].map(([fn, f]) => ({ fn, ...f })).sort((a, b) => b.calls - a.calls),
    byVcpu: [...perVcpu.entries()].map(([vcpu, v]) => ({ vcpu, calls: v.inlined + v.called, ...v })).sort((a, b) => a.vcpu - b.vcpu),
    flushes: raw.flushes,
    romExits: byCall.filter((c) => c.called).map((c) => ({ call: c.call, calls: c.called })).sort((a, b) => b.calls - a.calls),
    stacksTaken: raw.vmiStacks.length, samples: raw.samples.length,
    otherSiteCalls: rom.stats.otherSites.calls,
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The terminal report: the hottest sites, then totals per call, function, vCPU, and the deferred batches. */
export function formatReport(r: ProfileReport, top = 15): string {
  const out: string[] = [];
  out.push(`--- vmidbt profile: ${r.image}, ${int(r.instructions)} guest instructions, ${int(r.totalCalls)} VMI calls`);
  out.push(`hottest VMI call sites (host time: calls through the ROM only, profiling included; an inlined call's time is its region's)`);
  out.push(`  ${'calls'.padStart(9)} ${'share'.padStart(6)}  ${'inlined'.padStart(9)} ${'called'.padStart(8)} ${'ns/call'.padStart(8)}  call                 site`);
  for (const s of r.sites.slice(0, top)) {
    const ns = s.nsPerCall === null ? '-' : s.nsPerCall.toFixed(0);
    out.push(`  ${int(s.calls).padStart(9)} ${pct(s.shareOfCalls).padStart(6)}  ${int(s.inlined).padStart(9)} ${int(s.called).padStart(8)} ${ns.padStart(8)}  ${s.call.padEnd(20)} ${s.where}`);
    for (const p of s.paths.slice(0, 1)) out.push(`  ${''.padStart(45)}path: ${p.path.join(' → ')} (${p.count} of the stacks taken here)`);
  }
  out.push(`  (each call retires ${INSTRUCTIONS_PER_CALL} guest instructions: call, vmicall, ret; ${int(r.sites.reduce((n, s) => n + s.guestInstructions, 0))} in all, ${pct(r.totalCalls * INSTRUCTIONS_PER_CALL / Math.max(1, r.instructions))} of the run)`);
  out.push('per VMI call');
  for (const c of r.byCall) out.push(`  ${c.call.padEnd(22)} ${int(c.calls).padStart(9)}   inlined ${int(c.inlined).padStart(9)}, called ${int(c.called).padStart(8)}${c.called ? `, ${(c.hostNs / c.called).toFixed(0)} ns per call through the ROM` : ''}`);
  out.push('per calling function');
  for (const f of r.byFunction.slice(0, top)) out.push(`  ${f.fn.padEnd(28)} ${int(f.calls).padStart(9)} calls at ${f.sites} site${f.sites > 1 ? 's' : ''}`);
  out.push('per vCPU');
  for (const v of r.byVcpu) out.push(`  vCPU${v.vcpu}  ${int(v.calls).padStart(9)} calls, inlined ${int(v.inlined)}, called ${int(v.called)}`);
  out.push('deferred mode: TLB work applied at each flush point (batch size in pages: batches)');
  const points = Object.entries(r.flushes);
  if (!points.length) out.push('  nothing was deferred');
  for (const [point, f] of points) {
    const hist = Object.entries(f.sizes).map(([size, n]) => `${size}: ${int(n)}`).join(', ');
    out.push(`  ${point.padEnd(20)} ${int(f.batches)} batches (${hist || 'none'}), ${int(f.fullFlushes)} with a full flush, ${int(f.empty)} with nothing queued, ${int(f.cpuChanges)} CPU-mode changes`);
  }
  out.push(`region exits caused by VMI calls: calls through the ROM (leave translated code when the caller ran translated): ${r.romExits.slice(0, 6).map((c) => `${c.call} ${int(c.calls)}`).join(', ')}`);
  out.push(`stacks taken at VMI calls: ${int(r.stacksTaken)}; whole-guest samples: ${int(r.samples)}${r.otherSiteCalls ? `; ${int(r.otherSiteCalls)} calls at sites past the table's bound` : ''}`);
  return out.join('\n');
}
