import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { UserError } from '../base/errors.ts';
import { parseBenchArgs, CPU_NAMES, OS_NAMES } from './bench-options.ts';
import { linuxMissing, timedRun, v86Missing, type BenchData } from './bench-run.ts';
import { closingLine, cpuTable, geomeans, wholeTable } from './bench-report.ts';
import { ROOT } from './vmi-boot.ts';
import { tempDir } from '../spec-tests/temp-dir.ts';

/** is there a host C compiler for the native column? */
const HOST_GCC = spawnSync('gcc', ['--version']).status === 0;

const node = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
const bench = (args: string[], env: Record<string, string> = {}) => node(['--import', './bin/register.mjs', 'bench/bench.ts', ...args], env);

describe('npm run bench: arguments', () => {
  it('defaults to every row, 5 runs, every system', () => {
    const o = parseBenchArgs([]);
    expect(o).toMatchObject({ runs: 5, quick: false, start: true, linux: true, qemu: true, v86: true, cpu: CPU_NAMES, os: OS_NAMES });
  });

  it('--quick is one run without Linux; --only takes rows and groups', () => {
    expect(parseBenchArgs(['--quick'])).toMatchObject({ runs: 1, linux: false });
    expect(parseBenchArgs(['--quick', '--runs', '3']).runs).toBe(3);
    const o = parseBenchArgs(['--only', 'sieve,os,linux', '--no-v86']);
    expect(o).toMatchObject({ cpu: ['sieve'], os: OS_NAMES, start: false, linux: true, v86: false });
  });

  it.each([['--runs', '0'], ['--runs', 'x'], ['--runs'], ['--only', 'sieve,nope'], ['--only'], ['--report'], ['--frobnicate']])('%s %s: a UserError with status 2', (...argv) => {
    let e: unknown;
    try { parseBenchArgs(argv); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(2);
    expect((e as Error).message).toMatch(/^bench: /);
  });

  it('a bad argument ends the command with one line and status 2', () => {
    const r = bench(['--only', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^bench: unknown row nope \(known: crc32b, /)]);
    expect(r.stdout).toBe('');
  });
});

describe('npm run bench: missing systems give a note', () => {
  it('v86 not resolvable, Debian packages not fetched', () => {
    const dir = tempDir('bench-missing-');
    expect(v86Missing(join(dir, 'x.js'))).toMatch(/npm package v86 is not installed/);
    expect(v86Missing()).toBeUndefined();
    expect(linuxMissing(dir)).toMatch(/`npm run guest:linux` fetches them/);
    mkdirSync(join(dir, 'x', 'linux-image-6.1.0-1-686', 'boot'), { recursive: true });
    mkdirSync(join(dir, 'x', 'busybox-static', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'x', 'linux-image-6.1.0-1-686', 'boot', 'vmlinuz-6.1.0-1-686'), '');
    expect(linuxMissing(dir)).toMatch(/not in/);
    writeFileSync(join(dir, 'x', 'busybox-static', 'bin', 'busybox'), '');
    expect(linuxMissing(dir)).toBeUndefined();
  });
});

describe('npm run bench: whole runs', () => {
  const script = (lines: string[], stream = 'stdout') => ['-e', `for (const l of ${JSON.stringify(lines)}) process.${stream}.write(l + '\\n')`];

  it('times the first non-empty console line and reads the CPU time at DONE', async () => {
    const r = await timedRun(process.execPath, script(['', 'banner', 'DONE workloads=1 failed=0 cpus=1 mode=native']), 'stdout');
    expect(r.firstMs).toBeGreaterThan(0);
    expect(r.firstMs).toBeLessThanOrEqual(r.wallMs);
    expect(r.doneCpu).toBeGreaterThanOrEqual(0);
    const e = await timedRun(process.execPath, script(['banner', 'DONE workloads=1 failed=0 cpus=1 mode=vmi'], 'stderr'), 'stderr');
    expect(e.doneCpu).toBeGreaterThanOrEqual(0);
  });

  it('a run without DONE, or with a failed workload, is an error', async () => {
    await expect(timedRun(process.execPath, script(['banner']), 'stdout')).rejects.toThrow(/no DONE line \(exit 0\): banner/);
    await expect(timedRun(process.execPath, script(['DONE workloads=2 failed=1 cpus=1 mode=native']), 'stdout')).rejects.toThrow(/a workload failed: DONE workloads=2 failed=1/);
  });
});

/** made-up samples: 2 rounds, native 1 us per iteration */
function madeUp(): BenchData {
  const cpu = (t: number[], q: number[], v: number[]) => ({ native: [1000, 1000], translated: t, interpreted: [100_000, 120_000], qemu: q, v86: v });
  return {
    runs: 2, systems: ['native', 'translated', 'interpreted', 'qemu', 'v86'], iterations: {},
    workloads: { 'cpu:sieve': cpu([4000, 4000], [2000, 2000], [8000, 8000]), 'cpu:interp': cpu([9000, 9000], [9000, 9000], [9000, 9000]), 'cpu:interp_straddle': cpu([1e6, 1e6], [1e6, 1e6], [1e6, 1e6]) },
    whole: { 'linux:shell': { translated: [70, 80], qemu: [3, 4] }, 'start:first': { translated: [600, 700], qemu: [200, 210], v86: [400, 500] } },
    notes: [], load: [1, 2], seconds: 1,
  };
}

describe('npm run bench: report', () => {
  it('geomean over the CPU workloads, the page-straddle probe left out; the closing line', () => {
    const d = madeUp();
    expect(geomeans(d).translated).toBeCloseTo(6, 6);
    expect(closingLine(d)).toBe('bench: vmidbt 6.0 x native, QEMU 4.2 x, v86 8.5 x (geomean); linux shell vmidbt 75.0 s, QEMU 3.5 s');
    d.whole = {};
    expect(closingLine(d)).toMatch(/; linux shell vmidbt - s, QEMU - s$/);
  });

  it('tables: ratios with spread, ~ inside the noise, whole runs', () => {
    const d = madeUp();
    const t = cpuTable(d).split('\n');
    expect(t[0]).toMatch(/^CPU workload\s+native ns\/iter\s+vmidbt x native\s+interp x native\s+QEMU x native\s+v86 x native\s+vmidbt\/QEMU\s+vmidbt\/v86$/);
    // two rounds a side can never differ at the 5 % level: every ratio is inside the noise
    expect(t.find((l) => l.startsWith('sieve'))).toMatch(/^sieve\s+1,000 ±0%\s+~4\.00x ±0%\s+~110x ±9%\s+~2\.00x ±0%\s+~8\.00x ±0%\s+~2\.00x ±0%\s+~0\.50x ±0%$/);
    expect(wholeTable(d)).toMatch(/first console line, ms\s+650 ±8%\s+205 ±2%\s+450 ±11%/);
  });
});

describe('npm run bench --quick', () => {
  it('one small CPU and one OS workload: the tables, bench.json of the documented shape, the chart, the closing line; a missing QEMU is a note', () => {
    const out = tempDir('bench-quick-');
    const r = bench(['--quick', '--only', 'crc32t,null', '--no-v86', '--out', out], { QEMU: '/nonexistent/qemu-system-i386' });
    expect(r.stderr).toMatch(/round 1\/1: workloads, vmidbt translated/);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // without a host gcc (a machine with only Node and npm) the native column is absent, with a note
    if (HOST_GCC) expect(lines.find((l) => l.startsWith('crc32t'))).toMatch(/^crc32t\s+\S+ ±0%\s+~\S+x ±0%\s+~\S+x ±0%$/);
    else {
      expect(lines.find((l) => l.startsWith('crc32t'))).toMatch(/^crc32t(\s+-){3}$/);
      expect(r.stdout).toContain('note: native: cannot build the native baseline');
    }
    expect(lines.find((l) => l.startsWith('null'))).toMatch(/^null\s+\S+ ±0%\s+\S+ ±0%$/);
    expect(r.stdout).toContain('note: QEMU TCG: /nonexistent/qemu-system-i386 not found; its column is absent');
    expect(lines.at(-1)).toMatch(HOST_GCC ? /^bench: vmidbt \d[\d,]*\.\d x native, QEMU - x, v86 - x \(geomean\); linux shell vmidbt - s, QEMU - s$/
      : /^bench: vmidbt - x native, QEMU - x, v86 - x \(geomean\); linux shell vmidbt - s, QEMU - s$/);
    const json = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
    const summary = { type: 'object', required: ['n', 'median', 'min', 'max', 'spread', 'samples'], properties: { samples: { type: 'array', items: { type: 'number' }, minItems: 1 } } };
    const schema = {
      type: 'object',
      required: ['date', 'runs', 'systems', 'iterations', 'workloads', 'whole', 'xNativeGeomean', 'notes', 'load', 'closingLine'],
      properties: {
        runs: { const: 1 },
        systems: { const: HOST_GCC ? ['native', 'translated', 'interpreted'] : ['translated', 'interpreted'] },
        workloads: {
          type: 'object', required: ['cpu:crc32t', 'os:null'],
          properties: { 'cpu:crc32t': { type: 'object', required: HOST_GCC ? ['native', 'translated', 'interpreted'] : ['translated', 'interpreted'], additionalProperties: summary } },
          additionalProperties: { type: 'object', required: ['translated', 'interpreted'], additionalProperties: summary },
        },
        whole: { type: 'object', required: ['interp:mips'] },
        iterations: { type: 'object', required: ['crc32t', 'null'] },
        xNativeGeomean: { type: 'object', required: ['translated', 'interpreted'] },
        closingLine: { const: lines.at(-1) },
      },
    };
    const ajv = new Ajv({ allErrors: true });
    expect(ajv.validate(schema, json), ajv.errorsText()).toBe(true);
    expect(json.iterations.crc32t.interpreted).toBeLessThan(json.iterations.crc32t.translated);
    const svg = readFileSync(join(out, 'bench-cpu.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // the CPU chart is ratios to native: with no native column it has no bars
    if (HOST_GCC) {
      expect(svg).toContain('crc32t, vmidbt translated: ');
      expect(svg).toContain('>geomean</text>');
    } else expect(svg).not.toContain('crc32t, vmidbt translated: ');
    expect(readFileSync(join(out, 'bench.md'), 'utf8')).toMatch(/^\| CPU workload \| native ns\/iter \| vmidbt x native \| interp x native \|\n\|---\|---:\|---:\|---:\|\n\| crc32t \| /);
    // the same outputs again from bench.json, measuring nothing
    const again = tempDir('bench-report-');
    const os = readFileSync(join(out, 'bench-os.svg'), 'utf8');
    expect(os).toContain('null, vmidbt translated: ');
    expect(os).toContain('null, vmidbt interpreted: ');
    const rep = bench(['--report', join(out, 'bench.json'), '--out', again]);
    expect(rep.status).toBe(0);
    expect(rep.stdout.trim().split('\n').at(-1)).toBe(lines.at(-1));
    expect(readFileSync(join(again, 'bench-cpu.svg'), 'utf8')).toBe(svg);
  }, 120_000);
});

describe('the v86 runner', () => {
  it('boots the Multiboot kernel: its console on stdout, the debug-exit value as QEMU reports it', () => {
    const r = node(['bench/v86-run.mjs', '--append', 'novmi run=crc32t iters.crc32t=2']);
    expect(r.stdout).toMatch(/^vmidbt guest kernel, cmdline: guest\/kernel\.elf novmi run=crc32t iters\.crc32t=2$/m);
    expect(r.stdout).toMatch(/^RESULT name=crc32t iters=2 cycles=\d+ checksum=0x[0-9a-f]{8}$/m);
    expect(r.stdout).toMatch(/^DONE workloads=1 failed=0 cpus=1 mode=native$/m);
    expect(r.status).toBe(1);
    const bad = node(['bench/v86-run.mjs', '--mem', 'lots']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
