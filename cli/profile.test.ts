/**
 * `vmidbt profile` end to end, through the real executable, on three
 * workloads of the built-in guest (ptemod, ctxsw, pagefault at 1/100 of
 * their size): the counts are the same translated and interpreted (inlined
 * calls counted per site), the same twice over with the same samples, the
 * sites carry symbols and DWARF lines, and every file it writes is what its
 * reader expects: speedscope JSON against the schema the speedscope package
 * publishes, Chrome trace events with monotonic tracks, and report.html in
 * headless Chromium.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { EXIT_USAGE } from '../base/exit-status.ts';
import type { ProfileReport } from '../profile/report.ts';
import type { Overhead } from '../profile/overhead.ts';
import { requireTools } from '../spec-tests/tools.ts';
import { tempDir } from '../spec-tests/temp-dir.ts';

const BIN = new URL('../bin/vmidbt.js', import.meta.url).pathname;
const WORKLOADS = ['--append', 'run=ptemod,ctxsw,pagefault scale=0.01', '--json'];

interface Profiled { status: number | null; report: ProfileReport; dir: string; stderr: string }

function profile(...args: string[]): Promise<Profiled> {
  return profileWith([...WORKLOADS, '--no-overhead', ...args]);
}

function profileWith(args: string[]): Promise<Profiled> {
  const dir = tempDir('vmidbt-profile-');
  return new Promise((done) => {
    const child = execFile(process.execPath, [BIN, 'profile', '--out', dir, ...args], { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20 },
      (_err, stdout, stderr) => done({ status: child.exitCode, report: stdout ? JSON.parse(stdout) as ProfileReport : ({} as ProfileReport), dir, stderr }));
  });
}

const bySite = (r: ProfileReport) => Object.fromEntries(r.sites.map((s) => [`${s.site} ${s.call}`, s.calls]));
const readJson = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));

let translated: Profiled, again: Profiled, interpreted: Profiled, countingOnly: Profiled;

beforeAll(async () => {
  // one at a time: the machine is shared
  translated = await profile();
  again = await profile();
  interpreted = await profile('--no-jit');
  countingOnly = await profile('--stack-every', '0', '--no-trace', '--sample-every', '0');
}, 600_000);

describe('vmidbt profile: counts', () => {
  it('counts every VMI call once per site, inlined or called, and the same interpreted', () => {
    expect(translated.status).toBe(0);
    const r = translated.report;
    const inlined = r.sites.reduce((n, s) => n + s.inlined, 0);
    expect(inlined).toBeGreaterThan(r.totalCalls / 2);
    expect(r.sites.reduce((n, s) => n + s.calls, 0)).toBe(r.totalCalls);
    expect(r.byCall.reduce((n, c) => n + c.calls, 0)).toBe(r.totalCalls);
    expect(interpreted.report.sites.reduce((n, s) => n + s.inlined, 0)).toBe(0);
    expect(bySite(interpreted.report)).toEqual(bySite(r));
    // counting only: inlined calls count themselves without reporting to the host
    expect(bySite(countingOnly.report)).toEqual(bySite(r));
    expect(countingOnly.report.stacksTaken).toBe(0);
  });

  it('is deterministic: the same counts, stacks and samples twice', () => {
    expect(bySite(again.report)).toEqual(bySite(translated.report));
    expect(again.report.stacksTaken).toBe(translated.report.stacksTaken);
    const samples = (p: Profiled) => readJson(p.dir, 'speedscope.json').profiles[0].samples;
    expect(samples(again)).toEqual(samples(translated));
    expect(samples(translated).length).toBeGreaterThan(100);
  });

  it('names each site function+offset (file:line) and shows the path to it', () => {
    const top = translated.report.sites[0];
    expect(top.call).toBe('SetPxE');
    // the function's own line (mm.c), then the line of the inlined pv_* wrapper that makes the call
    expect(top.where).toMatch(/^paging_init\+0x[0-9a-f]+ \(guest\/src\/mm\.c:\d+ inlining guest\/src\/kernel\.h:\d+\)$/);
    expect(top.paths[0].path).toEqual(['kmain', 'paging_init', 'SetPxE']);
    // mm_init_kernel_half is called by mm_create and mm_copy (guest/src/mm.c): each path goes through one of them
    const half = translated.report.sites.find((s) => s.fn === 'mm_init_kernel_half')!;
    expect(half.paths.length).toBeGreaterThan(0);
    for (const p of half.paths) expect(['mm_create', 'mm_copy']).toContain(p.path.at(-3));
    expect(half.paths.every((p) => p.path.at(-2) === 'mm_init_kernel_half' && p.path.at(-1) === 'SetPxE')).toBe(true);
  });

  it('reports per vCPU, per function and the deferred batches at each flush point', () => {
    const r = translated.report;
    expect(r.byVcpu.map((v) => v.vcpu)).toEqual([0]);
    expect(r.byVcpu[0].calls).toBe(r.totalCalls);
    expect(r.byFunction[0].fn).toBe('paging_init');
    const set = r.flushes.SetDeferredMode;
    expect(set.batches).toBeGreaterThan(0);
    expect(Object.values(set.sizes).reduce((n, k) => n + k, 0)).toBe(set.batches);
    expect(set.cpuChanges).toBeGreaterThan(0);
  });
});

describe('vmidbt profile: files', () => {
  it('writes speedscope JSON that the speedscope package\'s schema accepts', () => {
    const require = createRequire(import.meta.url);
    const schema = JSON.parse(readFileSync(require.resolve('speedscope/dist/release/file-format-schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const file = readJson(translated.dir, 'speedscope.json');
    expect(validate(file), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(file.profiles.map((p: { name: string }) => p.name)).toEqual(['vCPU0: every 10000 guest instructions', 'stacks at VMI calls']);
    // and a broken one is refused, so the check can fail
    expect(validate({ ...file, profiles: [{ ...file.profiles[0], type: 'sampled', samples: 'x' }] })).toBe(false);
  });

  it('writes Chrome trace events: named vCPU tracks, VMI slices, instants, counters, monotonic per track', () => {
    const t = readJson(translated.dir, 'trace.json');
    const ev = t.traceEvents as Record<string, unknown>[];
    expect(ev.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.tid === 0)?.args).toEqual({ name: 'vCPU0' });
    // one pass collecting what is wrong (an expect per event would take seconds)
    const bad: string[] = [];
    for (const e of ev) {
      const ok = typeof e.name === 'string' && e.pid === 1 && Number.isInteger(e.tid) && (e.ph === 'M' || (
        ['X', 'i', 'C'].includes(e.ph as string) && typeof e.ts === 'number' && e.ts >= 0 &&
        (e.ph !== 'X' || (typeof e.dur === 'number' && e.dur >= 0)) &&
        (e.ph !== 'i' || e.s === 't') &&
        (e.ph !== 'C' || Object.values(e.args as object).every((v) => typeof v === 'number'))));
      if (!ok && bad.length < 5) bad.push(JSON.stringify(e));
    }
    expect(bad).toEqual([]);
    const kinds = new Set(ev.map((e) => `${e.ph} ${e.ph === 'X' ? (e.args as { path: string }).path : e.ph === 'i' ? String(e.name).split(' ')[0] : ''}`));
    for (const k of ['X ROM', 'X inlined', 'i exception', 'i interrupt', 'C ']) expect(kinds.has(k), k).toBe(true);
    const last = new Map<unknown, number>();
    const backwards = ev.filter((e) => {
      if (e.ph === 'M') return false;
      const back = (e.ts as number) < (last.get(e.tid) ?? 0);
      last.set(e.tid, e.ts as number);
      return back;
    });
    expect(backwards).toEqual([]);
  });

  it('writes a flame graph with the hottest path in it', () => {
    const svg = readFileSync(join(translated.dir, 'flame.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toMatch(/<title>paging_init: \d+/);
  });

  it('writes report.html that loads in headless Chromium without errors and shows the hottest site', async (ctx) => {
    requireTools(ctx, 'chromium');
    const { launch } = await import('puppeteer-core');
    const browser = await launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('requestfailed', (r) => problems.push(`request ${r.url()}`));
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${join(translated.dir, 'report.html')}`, { waitUntil: 'load' });
      const hottest = await page.$eval('#hottest', (e) => e.textContent ?? '');
      expect(hottest).toContain(translated.report.sites[0].where);
      expect(await page.$$eval('svg', (s) => s.length)).toBeGreaterThanOrEqual(2);
      expect(problems).toEqual([]);
      // self-contained: the page itself is the only thing loaded
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('vmidbt profile: overhead', () => {
  it('runs the guest again unprofiled, counting and sampling, and reports each beside the profile', async () => {
    const p = await profileWith(['--append', 'run=ptemod scale=0.01', '--json', '--overhead-rounds', '2', '--sample-every', '5000']);
    expect(p.status).toBe(0);
    const o = (p.report as unknown as { overhead: Overhead }).overhead;
    expect(o.rounds).toBe(2);
    expect(o.sampleEvery).toBe(5000);
    for (const mode of ['unprofiled', 'counting', 'sampling'] as const) {
      expect(o.all[mode]).toHaveLength(2);
      expect(o.runs[mode].cpuSeconds).toBeGreaterThan(0);
      expect(o.runs[mode].wallSeconds).toBeGreaterThan(0);
    }
    expect(o.full.cpuSeconds).toBeGreaterThan(0);
    expect(p.stderr).toMatch(/overhead round 2\/2: sampling/);
    expect(readFileSync(join(p.dir, 'report.html'), 'utf8')).toMatch(/counting only +CPU/);
  }, 300_000);
});

describe('vmidbt profile: interrupted', () => {
  it('writes the profile of what ran, then dies of the signal', async () => {
    const dir = tempDir('vmidbt-profile-');
    const child = spawn(process.execPath, [BIN, 'profile', '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      // the guest is running once its console shows the boot line
      if (out.includes('cpus:')) child.kill('SIGINT');
    });
    const signal = await new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, sig) => done(sig)));
    expect(signal).toBe('SIGINT');
    const report = JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')) as ProfileReport & { overhead?: unknown };
    expect(report.totalCalls).toBeGreaterThan(0);
    expect(report.overhead).toBeUndefined();
  }, 120_000);
});

describe('vmidbt profile: usage', () => {
  it('refuses --no-rom and bad values in one line', () => {
    for (const args of [['--no-rom'], ['--sample-every', 'x'], ['--symbols', '/nonexistent/System.map']]) {
      const r = spawnSync(process.execPath, [BIN, 'profile', ...args], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(spawnSync(process.execPath, [BIN, 'profile', '--no-rom'], { encoding: 'utf8' }).status).toBe(EXIT_USAGE);
  });
});
