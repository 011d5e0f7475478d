import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineClock } from './timeline.ts';
import { checkMsOf, closingLine, firstLineMs, formatStartup, minorFaultsOf, processCpuMs, qemuInstalled, type StartupReport } from './startup.ts';
import { summarize } from './stats.ts';
import { tempDir } from '../spec-tests/temp-dir.ts';

// bench/startup.ts: what it reads from a child (lines and their times, the
// launcher's trace, /proc), how it reports, and its --quick path end to end.
// Never how fast anything is (no timed assertion).
describe('bench:startup', () => {
  it('times the guest banner by the arrival of its newline, whatever comes before it', () => {
    const clock = new LineClock();
    clock.take('\r\nvmidbt guest ker', 3);
    clock.take('nel, cmdline: guest/kernel.elf scale=0.1\r\npvops: ...\n', 9);
    expect(firstLineMs(clock.lines)).toBe(9);
    expect(firstLineMs([{ ms: 1, text: '' }, { ms: 2, text: 'SeaBIOS' }])).toBeUndefined();
  });

  it('reads the launcher\'s check cost and a process\'s page faults', () => {
    expect(checkMsOf('vmidbt launch: bundle current: dist/cli/b-0123abcd, 163 inputs checked in 2.75 ms\n')).toBe(2.75);
    expect(checkMsOf('vmidbt launch: bundle stale: cli/main.ts changed; rebuilding\nvmidbt launch: rebuilt dist/cli/b-01 in 900 ms\n')).toBeUndefined();
    // the name may hold spaces and parentheses; minflt is the 10th field
    expect(minorFaultsOf('4242 (node (vitest 1)) R 1 4242 4242 0 -1 4194560 8123 0 3 0 12 4 0 0 20 0 11 0')).toBe(8123);
    if (existsSync('/proc/self/stat')) {
      expect(minorFaultsOf(readFileSync('/proc/self/stat', 'utf8'))).toBeGreaterThan(0);
      expect(processCpuMs(process.pid)).toBeGreaterThan(0);
    }
  });

  it('prints medians with their spread, the noise marks and the closing line', () => {
    const s = (xs: number[]) => xs.map((ms) => ({ ms, cpuMs: ms / 2, faults: 5000, exitCode: null }));
    const col = (column: 'vmidbt' | 'loader' | 'node', name: string, xs: number[]) => ({
      column, name, firstLine: summarize(xs), cpu: summarize(xs.map((x) => x / 2)), faults: summarize([5000]), samples: s(xs),
    });
    const report: StartupReport = {
      runs: 5,
      columns: [col('vmidbt', 'vmidbt', [100, 110, 120, 130, 140]), col('loader', 'TS loader', [400, 410, 420, 430, 440]), col('node', 'node alone', [95, 105, 125, 135, 145])],
      check: summarize([2, 3, 4]),
      wholeAppend: 'scale=0.1',
      whole: [{ column: 'vmidbt', name: 'vmidbt', summary: summarize([3000, 3100, 3200]), samples: [] }],
      notes: ['QEMU TCG left out: qemu-system-i386 is not installed'],
    };
    const text = formatStartup(report);
    expect(text).toMatch(/^vmidbt\s+120 ±17%\s+60 ±17%\s+5000\s+1\.00x\s+1\.00x$/m);
    // every loader round slower than every vmidbt round: outside the noise; node alone interleaves: inside
    expect(text).toMatch(/^TS loader\s+420 ±5%.*\s3\.50x\s+3\.50x$/m);
    expect(text).toMatch(/^node alone\s+125 .*~1\.04x\s+~1\.04x$/m);
    expect(text).toContain('staleness check (dist/cli/manifest.json against the sources): 3.00 ms ±33% per start');
    expect(text).toContain('note: QEMU TCG left out');
    expect(closingLine(report)).toBe('startup: first console line vmidbt 120 ms, TS loader 420 ms, QEMU n/a (node alone 125 ms); npm start vmidbt 3.10 s, QEMU n/a');
  });

  describe('--quick, end to end', () => {
    const out = tempDir('bench-startup-');

    it('runs every column once, prints the tables and the closing line, and writes startup.json', async () => {
      const qemu = qemuInstalled();
      if (!qemu && process.env.CI) throw new Error('CI must have qemu-system-i386 for the QEMU column');
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        execFile(process.execPath, ['--import', './bin/register.mjs', 'bench/startup.ts', '--quick', '--out', out], { cwd: new URL('..', import.meta.url).pathname, timeout: 300_000 },
          (e, stdout, stderr) => done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }));
      });
      expect(r.stderr).not.toMatch(/Error:|\n\s+at /);
      expect(r.code).toBe(0);
      const last = r.stdout.trimEnd().split('\n').at(-1)!;
      expect(last).toMatch(/^startup: first console line vmidbt \d+ ms, TS loader \d+ ms, QEMU (\d+ ms|n\/a) \(node alone \d+ ms\); npm start vmidbt \d+\.\d\d s, QEMU (\d+\.\d\d s|n\/a)$/);
      expect(last.includes('QEMU n/a')).toBe(!qemu);
      expect(r.stdout).toMatch(/staleness check .*: \d+\.\d\d ms/);
      expect(r.stderr).toMatch(/first console line: round 1\/1/);
      const json = JSON.parse(readFileSync(join(out, 'startup.json'), 'utf8')) as StartupReport;
      expect(json.columns.map((c) => c.column)).toEqual(['vmidbt', 'loader', ...(qemu ? ['qemu'] : []), 'node']);
      for (const c of json.columns) expect(c.samples).toHaveLength(1);
      expect(json.whole.map((w) => w.column)).toEqual(['vmidbt', ...(qemu ? ['qemu'] : [])]);
    });
  });
});
