/**
 * `vmidbt run` against a hostile user and a hostile host (issue 9, items
 * 10 and 12-15): endless or huge input files, a console reader that goes
 * away, signals, integer options, and exit statuses that say who chose
 * them. Each test runs the real executable in a child process.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COM1_DX, debugExit, putChar, SPIN, tinyKernel } from '../spec-tests/tiny-kernel.ts';
import { EXIT_GUEST_VALUE_HIGH, EXIT_LOAD, EXIT_OUTPUT_CLOSED, EXIT_USAGE } from '../base/exit-status.ts';
import { tempDir } from '../spec-tests/temp-dir.ts';

const BIN = new URL('../bin/vmidbt.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'run', ...args], { encoding: 'utf8', timeout: 60_000 });
const dir = tempDir('vmidbt-hardening-');
const kernel = (name: string, code: number[]) => { const f = join(dir, name); writeFileSync(f, tinyKernel(code)); return f; };
const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at |node:internal|Error:/m);

describe('input files are read no further than guest RAM could hold (item 10)', () => {
  it('refuses /dev/zero in one line after its first 8 KiB, which are no image', () => {
    const r = run('--mem', '4', '/dev/zero');
    expect(r.status).toBe(EXIT_LOAD);
    expect(r.stderr.trim()).toBe('vmidbt: /dev/zero: not a Multiboot kernel: no Multiboot header in the first 8 KiB');
  });

  it('reads a piped image as far as its header declares, not to the end of the pipe', () => {
    const img = tinyKernel([...COM1_DX, ...putChar('K'), ...putChar('\n'), ...debugExit(0)]);
    new DataView(img.buffer).setUint32(20, 0x100000 + img.length, true); // load_end_addr: the image ends here
    const f = join(dir, 'declared.img');
    writeFileSync(f, img);
    // 64 MiB of zeros follow the image in the pipe: more than --mem 4 holds, so reading on would refuse it
    const piped = (file: string) => spawnSync('sh', ['-c', `{ cat '${file}'; head -c 67108864 /dev/zero; } | '${process.execPath}' '${BIN}' run --mem 4 /dev/stdin`], { encoding: 'utf8', timeout: 60_000 });
    const r = piped(f);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^K$/m);
    // an image whose header leaves its end open is read on to the bound, as before
    const open = piped(kernel('open-end.img', [...COM1_DX, ...putChar('K'), ...debugExit(0)]));
    expect(open.status).toBe(EXIT_LOAD);
    expect(open.stderr.trim()).toBe("vmidbt: image '/dev/stdin' is larger than the 4 MiB of guest RAM it would load into (--mem)");
  });

  it('refuses a file bigger than guest RAM without reading it', () => {
    const big = join(dir, 'big.img');
    writeFileSync(big, '');
    truncateSync(big, 8 * 2 ** 30); // sparse: 8 GiB that would take seconds and the heap to read
    const r = run('--mem', '4', big);
    expect(r.status).toBe(EXIT_LOAD);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // the built-in guest is a Multiboot kernel: --initrd names its modules, read under the same bound
    const initrd = run('--mem', '4', '--initrd', big);
    expect(initrd.status).toBe(EXIT_LOAD);
    expect(initrd.stderr).toMatch(/Multiboot module '.*big.img' is larger than the 4 MiB/);
  });
});

describe('vmidbt disasm of a big raw file (item 11)', () => {
  it('streams the listing: the heap stays small however many lines', () => {
    const img = join(dir, 'random.bin');
    let seed = 1;
    writeFileSync(img, Uint8Array.from({ length: 400_000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    // a 16 MiB heap: the whole listing in memory needs several times that
    const r = spawnSync(process.execPath, ['--max-old-space-size=16', BIN, 'disasm', img], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 30 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.length).toBeGreaterThan(100_000);
    expect(lines.at(-2)).toMatch(/^ {3}61a7[0-9a-f]:\t/);
  });
});

describe('the console', () => {
  it('ends quietly when its reader goes away: vmidbt run | head -1 (item 12)', () => {
    const img = kernel('lines.img', [...COM1_DX, ...putChar('X'), ...putChar('\n'), 0xeb, 0xf8]); // print X lines forever
    const r = spawnSync('bash', ['-c', `'${process.execPath}' '${BIN}' run '${img}' | head -1; echo "status=\${PIPESTATUS[0]}" >&2`],
      { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toBe('X\n');
    noStack(r.stderr);
    expect(r.stderr).toMatch(new RegExp(`status=${EXIT_OUTPUT_CLOSED}\\n`));
  });

  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`keeps an unfinished console line on ${sig} and then dies of that signal (items 13, 15)`, async () => {
      const img = kernel(`prompt-${sig}.img`, [...COM1_DX, ...putChar('$'), ...putChar(' '), ...SPIN]);
      const child = spawn(process.execPath, [BIN, 'run', img], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      // the signal comes once the guest is running (its prompt shown at a yield to the host)
      for (let t = 0; t < 1000 && !out.includes('$'); t++) await new Promise((res) => setTimeout(res, 100));
      child.kill(sig);
      const [code, signal] = await new Promise<[number | null, string | null]>((res) => child.on('close', (c, s) => res([c, s])));
      expect(out.startsWith('$ \n')).toBe(true);
      expect(out).toMatch(new RegExp(`interrupted \\(${sig}\\)`));
      expect({ code, signal }).toEqual({ code: null, signal: sig });
    });
  }

  it('ends with its summary, not a stack trace, on SIGTERM before the guest ran an instruction (--gdb-wait)', async () => {
    const child = spawn(process.execPath, [BIN, 'run', '--gdb', '0', '--gdb-wait'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    for (let t = 0; t < 1000 && !err.includes('waits at its first instruction'); t++) await new Promise((res) => setTimeout(res, 100));
    child.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((res) => child.on('close', (c, s) => res([c, s])));
    noStack(err);
    expect(out).toMatch(/exit status 143 \(interrupted \(SIGTERM\)\)\n(.|\n)*instructions +0\n/);
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
  });
});

describe('options and exit statuses', () => {
  it('takes decimal integers only (item 14)', () => {
    for (const bad of ['0x10', '1e2', '16.0', ' 16', '']) {
      const r = run('--mem', bad);
      expect(r.status, bad).toBe(EXIT_USAGE);
      expect(r.stderr.trim(), bad).toBe(`vmidbt: --mem must be a decimal integer from 2 to 3072, got '${bad}'`);
    }
  });

  it('keeps a --jit-cache of 2048 or 4096 MiB as big as asked, not zero (item 14)', () => {
    const img = kernel('loop.img', [0x40, 0xeb, 0xfd]); // inc eax; jmp back
    for (const mib of ['1', '2048', '4096']) {
      const r = run(img, '--jit-cache', mib, '--jit-threshold', '0', '--max-instructions', '100000', '--json');
      expect(JSON.parse(r.stdout).translator.cacheFlushes, mib).toBe(0);
    }
  });

  it('gives a guest value v > 0 as (v << 1) | 1, 0 as success, and never as one of vmidbt\'s statuses (item 15)', () => {
    expect(run(kernel('exit0.img', debugExit(0))).status).toBe(0); // success is 0, the one departure from QEMU
    expect(run(kernel('exit2.img', debugExit(2))).status).toBe(5);
    expect(run(kernel('exit63.img', debugExit(63))).status).toBe(127);
    const high = run(kernel('exit200.img', debugExit(200)), '--json');
    expect(high.status).toBe(EXIT_GUEST_VALUE_HIGH);
    expect(JSON.parse(high.stdout)).toMatchObject({ exitStatus: EXIT_GUEST_VALUE_HIGH, guestValue: 200 });
    expect(run('--frobnicate').status).toBe(EXIT_USAGE);
  });

  it('derives the wall clock from --rtc-base plus virtual time, the same in every run (item 16)', () => {
    // read the RTC's minutes register (BCD) and hand it to the debug-exit port
    const img = kernel('rtc.img', [0xb0, 0x02, 0xe6, 0x70, 0xe4, 0x71, 0xe6, 0xf4]); // mov al,2; out 0x70,al; in al,0x71; out 0xf4,al
    const minutes = (...args: string[]) => JSON.parse(run(img, '--json', ...args).stdout).guestValue;
    expect(minutes('--rtc-base', '2024-02-29T12:34:56')).toBe(0x34);
    expect(minutes()).toBe(0x00); // 2000-01-01 00:00:00, whatever the host's clock says
    expect(minutes('--rtc-base', '2024-02-29')).toBe(0x00);
    for (const bad of ['2023-02-29', 'yesterday', '2024-1-1', '1712345678']) {
      const r = run(img, '--rtc-base', bad);
      expect(r.status, bad).toBe(EXIT_USAGE);
      expect(r.stderr, bad).toMatch(/^vmidbt: --rtc-base must be now, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss \(UTC\), got '.*'\n$/);
    }
  });

  it('keeps help, the typo suggestion and a command\'s own errors whole, though a start defines only the command it names', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
    const help = cli('--help');
    expect(help.status).toBe(0);
    for (const c of ['disasm', 'conformance', 'rom', 'run', 'profile', 'web', 'bench']) expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    const typo = cli('rnu');
    expect(typo.status).toBe(EXIT_USAGE);
    expect(typo.stderr).toMatch(/unknown command 'rnu'\n\(Did you mean run\?\)/);
    // a command's own options and errors are as with all defined
    const rom = cli('rom', '--out', join(dir, 'rom.bin'), '--bogus');
    expect(rom.status).toBe(EXIT_USAGE);
    expect(rom.stderr).toMatch(/unknown option '--bogus'/);
    expect(cli('help', 'disasm').stdout).toMatch(/^Usage: vmidbt disasm \[options\] <image>/m);
  });

  it('lists the exit statuses in --help', () => {
    const r = spawnSync(process.execPath, [BIN, 'run', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Exit status:\n {2}0 .*\n {2}odd .*\(v << 1\) \| 1/);
  });
});
