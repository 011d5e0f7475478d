import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INLINER } from './vmi-boot.ts';
import { tempDir } from '../spec-tests/temp-dir.ts';

// `vmidbt bench vmi` end to end, as a user starts it: every column (QEMU
// where installed, CI installs it), the workloads, the tables, the JSON, the
// charts and the closing line. Tiny iteration counts: what is checked is
// that everything runs and is reported, never how fast (no timed assertion).
const BIN = new URL('../bin/vmidbt.js', import.meta.url).pathname;
const out = tempDir('bench-vmi-');

/** The command in a child process, awaited (a synchronous spawn would stall the test worker for minutes). */
function bench(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, 'bench', ...args], { timeout: 300_000, maxBuffer: 16 << 20 }, (e, stdout, stderr) => {
      done({ status: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr });
    });
  });
}
const qemu = spawnSync('qemu-system-i386', ['--version']).status === 0;

describe('vmidbt bench vmi', () => {
  it('runs every column side by side and reports tables, JSON, charts and the closing line', async () => {
    if (!qemu && process.env.CI) throw new Error('CI must have qemu-system-i386 for the QEMU column');
    const r = await bench('vmi', '--runs', '1', '--scale', '0.02', '--only', 'irq_off,pte_invlpg,batch64_deferred', '--out', out);
    expect(r.stderr).not.toMatch(/Error:|\n\s+at /);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^bench vmi: 3 operations, inlined median \S+ call\/ret pairs, ROM median \S+, native-translated median \S+$/);
    expect(r.stdout).toMatch(/operation \(host ns\)\s+interp\s+native\s+ROM\s+inlined\s+inlined\/native\s+inlined\/ROM/);
    expect(r.stdout).toContain('cli | DisableInterrupts');
    expect(r.stdout).toMatch(/workload \(us\/iteration\)\s+interp\s+native\s+ROM\s+inlined/);
    expect(r.stdout).toMatch(/workload \((inlined|ROM)\/native\)\s+run 1\s+run 2\s+run 3\s+run 4 \(timed\)\n/);
    expect(r.stdout).toContain('Targets (issue 10)');
    expect(r.stdout).toContain('Where paravirtualization does not pay');
    expect(r.stdout.includes('no VMI call inliner')).toBe(!INLINER);
    expect(r.stderr).toMatch(/round 1\/1: OS workloads, inline/);

    const json = JSON.parse(readFileSync(join(out, 'vmi.json'), 'utf8'));
    expect(json.inliner).toBe(INLINER);
    expect(json.columns).toEqual(['interp', 'native', 'rom', 'inline', ...(qemu ? ['qemu'] : [])]);
    for (const op of ['callret', 'add', 'irq_off', 'pte_invlpg', 'batch64_deferred']) {
      for (const m of ['interp', 'native', 'rom', 'inline']) expect(json.micro.samples[op][m]).toHaveLength(1);
    }
    expect(Object.keys(json.workloads.samples)).toEqual(['null', 'sysenter', 'ctxsw', 'pagefault', 'fork', 'mmap', 'ptemod', 'cow']);
    for (const c of json.columns) expect(json.workloads.samples.fork[c]).toHaveLength(1);
    // every run of each workload in the boot, the last of them the one timed
    expect(json.workloads.nsByRun).toHaveLength(4);
    for (const c of json.columns) expect(json.workloads.nsByRun[3].fork[c].median).toBe(json.workloads.ns.fork[c].median);
    // the ROM columns made VMI calls in the workloads, the ROM column never inline
    expect(Object.keys(json.workloads.vmiCallsPerIteration.fork.rom)).toContain('SetPxE');
    for (const [called, inlined] of Object.values(json.workloads.vmiCallsPerIteration.fork.rom) as [number, number][]) {
      expect(inlined).toBe(0);
      expect(called).toBeGreaterThan(0);
    }
    expect(json.closing).toBe(lines.at(-1));

    for (const chart of ['vmi-ops.svg', 'vmi-workloads.svg']) {
      const svg = readFileSync(join(out, chart), 'utf8');
      expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg).toContain('VMI call, inlined');
    }
    expect(existsSync(join(out, 'vmi-workloads.svg'))).toBe(true);
  }, 300_000);

  it('refuses bad input with a one-line error and status 2', async () => {
    for (const args of [['vmi', '--runs', '0'], ['vmi', '--only', 'irq_off,nosuchop'], ['vmi', '--scale', 'x'], ['nosuchsuite']]) {
      const r = await bench(...args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  }, 60_000);
});
