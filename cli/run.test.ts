/**
 * `vmidbt run` as a user meets it, through the real executable in a child
 * process: every expected failure (missing or non-Multiboot image, unknown
 * option, bad value, a guest past --max-instructions) is one line on stderr
 * and a non-zero exit, and --json keeps stdout for the summary alone.
 */
import { describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_LOAD, EXIT_RUNAWAY, EXIT_USAGE } from '../base/exit-status.ts';
import { fmtInt } from './run.ts';
import { tempDir } from '../spec-tests/temp-dir.ts';

const BIN = new URL('../bin/vmidbt.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'run', ...args], { encoding: 'utf8', timeout: 120_000 });
/** `run` without blocking the test worker (a guest run of several seconds would starve vitest's own messages) */
const runAsync = (...args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
  const child = execFile(process.execPath, [BIN, 'run', ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 },
    (_err, stdout, stderr) => done({ status: child.exitCode, stdout, stderr }));
});

describe('vmidbt run', () => {
  it('groups the summary\'s counts as en-US does, without loading Intl', () => {
    for (const n of [0, 7, 999, 1000, -1000, 123456, 68_367_172.4, Number.MAX_SAFE_INTEGER]) expect(fmtInt(n)).toBe(Math.round(n).toLocaleString('en-US'));
  });

  it('fails in one line for a missing image', () => {
    const r = run('/nonexistent/kernel.elf');
    expect(r.status).toBe(EXIT_LOAD);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot read image '\/nonexistent\/kernel.elf': no such file/);
  });

  it('fails in one line for a file that is not a Multiboot kernel', () => {
    const dir = tempDir('vmidbt-run-');
    const f = join(dir, 'junk.bin');
    writeFileSync(f, 'not a kernel\n'.repeat(100));
    const r = run(f);
    expect(r.status).toBe(EXIT_LOAD);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no Multiboot header/);
  });

  it('rejects unknown options and bad values', () => {
    expect(run('--frobnicate').status).toBe(EXIT_USAGE);
    const r = run('--smp', '9');
    expect(r.status).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(/--smp must be a decimal integer from 1 to 8/);
  });

  it('stops a guest that exceeds --max-instructions with one error line', () => {
    // the interpreter stops at exactly N; a translated region may run a few instructions past its budget
    const r = run('--no-rom', '--no-jit', '--max-instructions', '200000');
    expect(r.status).toBe(EXIT_RUNAWAY);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('vmidbt:'));
    expect(errors).toEqual(['vmidbt: guest exceeded --max-instructions 200000 without exiting']);
    expect(r.stdout).toMatch(/instructions {2}200,000/);
    expect(r.stdout).toMatch(/guest time .*\(1000 MHz, 1 cycle\/instruction, 1000 ns\/port access\)/);
  });

  it('prints the console on stderr and the summary as JSON with --json', () => {
    const r = run('--no-rom', '--append', 'run=crc32b scale=0.1', '--json');
    expect(r.status).toBe(0); // the guest wrote 0: success
    expect(r.stderr).toMatch(/RESULT name=crc32b iters=51 cycles=\d+ checksum=0xfbddf438/);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ exitStatus: 0, guestValue: 0, smp: 1, memMiB: 128, rom: null, timeMode: 'virtual' });
    expect(s.instructions).toBeGreaterThan(1_000_000);
    // real time: a cycle per instruction, and 1,000 (1 µs, --io-ns) per port access, the console's bytes among them
    const io = s.vcpus[0].availableCycles + s.vcpus[0].stolenCycles - s.instructions;
    expect(io).toBeGreaterThan(r.stderr.length * 1000);
    expect(io % 1000).toBe(0);
  });

  it('boots the kernel again after a guest reboot; a soft one keeps memory (issue 16 item 7)', () => {
    const r = run('--append', 'run=crc32b scale=0.01 reboot=soft', '--json');
    expect(r.status).toBe(0);
    expect(r.stderr.match(/^DONE /gm)).toHaveLength(2);
    expect(r.stderr).toMatch(/reboot: this boot came after a soft reboot \(memory kept\)/);
    expect(JSON.parse(r.stdout)).toMatchObject({ exitStatus: 0, reboots: 1 });
  });

  it('ends the run at a guest reboot with --no-reboot', () => {
    const r = run('--no-reboot', '--vmi-abi', 'linux3', '--append', 'run=crc32b scale=0.01 reboot=hard vmi=linux3', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ exitStatus: 0, stopReason: 'guest reboot (hard)', reboots: 0 });
  });

  // issue 10: the guest cannot tell an inlined VMI call from a called one except by time
  it('inlines VMI calls unless --no-vmi-inline, with the same guest run either way, and counts both', async () => {
    const append = 'run=ptemod,null scale=0.02';
    const summary = async (...args: string[]) => {
      const r = await runAsync('--append', append, '--json', ...args);
      expect(r.status).toBe(0); // the guest wrote 0: success
      return { s: JSON.parse(r.stdout), results: r.stderr.split('\n').filter((l) => l.startsWith('RESULT ')) };
    };
    const [inlined, called] = [await summary(), await summary('--no-vmi-inline')];
    expect(inlined.s.vmiInline).toMatchObject({ enabled: true });
    expect(called.s.vmiInline).toMatchObject({ enabled: false, inlined: 0 });
    // the page-table writes, the APIC reads and the interrupt returns of the hot loops run inline
    expect(inlined.s.vmiInline.byName.SetPxE.inlined).toBeGreaterThan(inlined.s.vmiInline.byName.SetPxE.called);
    expect(inlined.s.vmiInline.byName.APICRead.inlined).toBeGreaterThan(0);
    expect(inlined.s.vmiInline.byName.IRET.inlined).toBeGreaterThan(inlined.s.vmiInline.byName.IRET.called);
    // same instructions, the same calls, the same results (cycles are guest time: virtual, so equal too)
    expect(inlined.results).toHaveLength(2);
    expect(inlined.results).toEqual(called.results);
    expect(inlined.s.instructions).toBe(called.s.instructions);
    expect(inlined.s.vmiCalls).toEqual(called.s.vmiCalls);
    expect(inlined.s.vmiInline.inlined + inlined.s.vmiInline.called).toBe(called.s.vmiInline.called);
    for (const [name, c] of Object.entries(inlined.s.vmiInline.byName) as [string, { inlined: number; called: number }][]) {
      expect(c.inlined + c.called, name).toBe(inlined.s.vmiCalls[name]);
    }
  });

  it('inlines the indirect paravirtual call sites of an unpatched kernel (nopatch), and --stats shows the split', async () => {
    const r = await runAsync('--stats', '--append', 'run=ptemod scale=0.02 nopatch');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^pvops: call sites not patched \(nopatch\)$/m);
    const line = r.stdout.match(/VMI calls +([\d,]+) \(inlined ([\d,]+), called ([\d,]+)\)/);
    expect(line).not.toBeNull();
    const [total, inl, cal] = line!.slice(1).map((n) => Number(n.replace(/,/g, '')));
    expect(inl + cal).toBe(total);
    expect(inl).toBeGreaterThan(cal);
    expect(r.stdout).toMatch(/^ {4}SetPxE +[\d,]+ +inlined +[\d,]+, called +[\d,]+$/m);
    // the interpreter's decodings: fewer than the instructions it ran (its decode cache holds the rest), not none
    const between = r.stdout.match(/([\d,]+) instructions interpreted between them \(([\d,]+) decoded afresh\)/);
    expect(between).not.toBeNull();
    const [interpreted, decoded] = between!.slice(1).map((n) => Number(n.replace(/,/g, '')));
    expect(decoded).toBeGreaterThan(0);
    expect(decoded).toBeLessThan(interpreted);
  });

  it('--region-times lists the regions that took longest, in JSON every region, their sums agreeing with the translator\'s', async () => {
    const r = await runAsync('--json', '--region-times', '5', '--append', 'run=sieve scale=0.02');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    const t = s.regionTimes;
    expect(t.regions).toBe(t.byRegion.length);
    expect(t.regions).toBeGreaterThan(5);
    // every region that ran is there: the instructions they retired are those that ran translated (less the
    // runs a fault ended, which the engine counts as translated but not as a region's)
    const executed = t.byRegion.reduce((n: number, x: { executed: number }) => n + x.executed, 0);
    const translated = Math.round(s.translator.translatedShare * s.instructions);
    expect(executed).toBeLessThanOrEqual(translated);
    expect(executed).toBeGreaterThan(0.95 * translated);
    const ms = t.byRegion.map((x: { hostMs: number }) => x.hostMs);
    expect([...ms].sort((a, b) => b - a)).toEqual(ms);
    expect(t.byRegion[0].entry).toMatch(/^0x[0-9a-f]{8}$/);
    // the built-in guest is an ELF image with symbols: its kernel's regions are named
    expect(t.symbolsFrom).toBe('image');
    expect(t.byRegion.filter((x: { symbol?: string }) => x.symbol).length).toBeGreaterThan(t.regions / 2);
    expect(t.byRegion.some((x: { symbol?: string }) => /^\w+\+0x[0-9a-f]+$/.test(x.symbol ?? ''))).toBe(true);
    expect(t.byRegion.every((x: { runs: number; executed: number }) => x.runs > 0 && x.executed >= 0)).toBe(true);
    // each region's first 1,000 runs apart: all of a region that ran fewer, a part of one that ran more
    type Warm = { runs: number; executed: number; hostMs: number; warmExecuted: number; warmMs: number };
    const regions: Warm[] = t.byRegion;
    expect(t.warmUp.runsEach).toBe(1000);
    for (const x of regions) {
      expect(x.warmExecuted).toBeLessThanOrEqual(x.executed);
      expect(x.warmMs).toBeLessThanOrEqual(x.hostMs + 0.001);
      if (x.runs <= 1000) expect([x.warmExecuted, x.warmMs]).toEqual([x.executed, x.hostMs]);
    }
    const longLived = regions.filter((x) => x.runs > 1000);
    expect(longLived.length).toBeGreaterThan(0);
    expect(longLived.some((x) => x.warmExecuted < x.executed)).toBe(true);
    expect(t.warmUp.executed).toBe(regions.reduce((n, x) => n + x.warmExecuted, 0));
    expect(t.warmUp.share).toBeGreaterThan(0);
    expect(t.warmUp.share).toBeLessThanOrEqual(1);
    const text = await runAsync('--region-times', '3', '--append', 'run=sieve scale=0.02');
    expect(text.stdout).toMatch(/^ {2}regions +[\d,]+ ran \d+ ms \([\d.]+% of the wall time\), [\d.]+ ns per guest instruction; longest first:$/m);
    expect(text.stdout).toMatch(/^ {16}their first 1,000 runs each \d+ ms \([\d.]+%\), [\d.]+ ns per guest instruction; later runs [\d.]+ ns$/m);
    expect(text.stdout.match(/^ {4}0x[0-9a-f]{8} /gm)).toHaveLength(3);
  });

  it('--symbols names the regions --region-times lists from a System.map-style file, which must come with --region-times', async () => {
    const first = JSON.parse((await runAsync('--json', '--region-times', '3', '--append', 'run=sieve scale=0.02')).stdout).regionTimes.byRegion[0];
    const map = join(tempDir('vmidbt-symbols-'), 'System.map');
    // a name only this map knows, at the hottest region's entry
    writeFileSync(map, `${first.entry.slice(2)} T hottest_from_the_map\n`);
    const named = JSON.parse((await runAsync('--json', '--region-times', '3', '--symbols', map, '--append', 'run=sieve scale=0.02')).stdout).regionTimes;
    expect(named.symbolsFrom).toBe('file');
    expect(named.byRegion.find((x: { entry: string }) => x.entry === first.entry).symbol).toBe('hottest_from_the_map+0x0');
    for (const [args, msg, status] of [
      [['--symbols', map], 'pass --region-times too', EXIT_USAGE],
      [['--region-times', '--symbols', '/nonexistent/System.map'], 'no such file', EXIT_LOAD],
    ] as const) {
      const r = run(...args);
      expect(r.status).toBe(status);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(msg);
    }
  });

  it('rejects --region-times without the translator, and a bad count, in one line', () => {
    for (const [args, msg] of [[['--region-times', '--no-jit'], 'it needs the translator'], [['--region-times', '0'], 'must be a decimal integer']] as const) {
      const r = run(...args);
      expect(r.status).toBe(EXIT_USAGE);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(msg);
    }
  });

  it('rejects an unknown --vmi-abi in one line', () => {
    const r = run('--vmi-abi', 'xen');
    expect(r.status).toBe(EXIT_USAGE);
    expect(r.stderr.trim()).toBe("vmidbt: --vmi-abi must be one of proposal, vmware13, linux3, got 'xen'");
  });

  it('--wasm runs the built-in guest to the same results with its regions as WebAssembly, and in lockstep with the interpreter', async () => {
    const append = ['--append', 'run=crc32b,sort,null,pagefault,fork,cow iters.crc32b=40 iters.sort=8 iters.null=2000 iters.pagefault=200 iters.fork=10 iters.cow=10'];
    const [js, wasm, lock] = await Promise.all([
      runAsync(...append), runAsync('--wasm', '--stats', ...append), runAsync('--wasm', '--lockstep', '--stats', '--append', 'run=crc32b,null iters.crc32b=4 iters.null=200'),
    ]);
    const results = (out: string) => out.split('\n').filter((l) => l.startsWith('RESULT ') || l.startsWith('DONE '));
    expect(js.status).toBe(0);
    expect(wasm.status).toBe(0);
    expect(results(wasm.stdout)).toEqual(results(js.stdout));
    expect(results(js.stdout)).toHaveLength(7);
    const lowered = /WebAssembly: ([\d,]+) regions lowered, ([\d,]+) left JavaScript/.exec(wasm.stdout);
    expect(Number(lowered?.[1].replace(/,/g, ''))).toBeGreaterThan(50);
    expect(lock.status).toBe(0);
    expect(lock.stdout).toMatch(/regions checked in lockstep/);
    expect(Number(/WebAssembly: ([\d,]+) regions lowered/.exec(lock.stdout)?.[1].replace(/,/g, ''))).toBeGreaterThan(10);
  }, 240_000);
});
