import { describe, expect, it } from 'vitest';
import { EXIT_GUEST_VALUE_HIGH, EXIT_LOAD } from '../base/exit-status.ts';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bzImage } from '../spec-tests/bzimage.ts';
import { tempDir } from '../spec-tests/temp-dir.ts';

const BIN = new URL('../bin/vmidbt.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'run', ...args], { encoding: 'utf8', timeout: 120_000 });
const dir = tempDir('vmidbt-linux-');
const file = (name: string, bytes: Uint8Array) => { const f = join(dir, name); writeFileSync(f, bytes); return f; };

describe('vmidbt run with a Linux bzImage', () => {
  it('passes --append as given (no image name in front): the test kernel exits with its first byte', () => {
    const r = run(file('bz', bzImage()), '--append', 'Linux cmdline', '--initrd', file('initrd', new Uint8Array(4096)), '--no-rom');
    expect(r.status).toBe(EXIT_GUEST_VALUE_HIGH); // 'L' is 76, above the 63 a status can carry
    expect(r.stdout).toMatch(/value 76\)/);
  });

  it('says in one line how much --mem a kernel or an initrd needs', () => {
    const big = file('big', bzImage({ initSize: 0x1018000, prefAddress: 0x1000000 }));
    const r = run(big, '--mem', '16');
    expect(r.status).toBe(EXIT_LOAD);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/needs at least 33 MiB of guest RAM .* \(pass --mem 33 or more\)/);
    const initrd = run(file('bz2', bzImage()), '--mem', '8', '--initrd', file('big-initrd', new Uint8Array(3 << 20)));
    expect(initrd.status).toBe(EXIT_LOAD);
    expect(initrd.stderr).toMatch(/the initrd \(3\.0 MiB\) does not fit .* \(pass --mem 10 or more\)/);
  });

  it('refuses a 64-bit kernel, an old protocol and a missing initrd in one line each', () => {
    expect(run(file('k64', bzImage({ xloadflags: 1 }))).stderr).toMatch(/^vmidbt: .*64-bit \(x86-64\) kernel: vmidbt runs 32-bit i386 kernels only\n$/);
    expect(run(file('old', bzImage({ version: 0x204 }))).stderr).toMatch(/boot protocol 2\.04 is too old/);
    const r = run(file('bz3', bzImage()), '--initrd', join(dir, 'nonexistent'));
    expect(r.status).toBe(EXIT_LOAD);
    expect(r.stderr).toMatch(/cannot read initrd '.*nonexistent': no such file/);
  });
});
