// The committed guest image must be reproducible: rebuilding guest/ with the
// system gcc and GNU ld in a temporary directory gives the same bytes as
// guest/kernel.elf. Skips only when no 32-bit gcc toolchain is available.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const guestDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function haveGcc32(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'gcc32-'));
  try {
    writeFileSync(join(dir, 't.c'), 'int f(void) { return 1; }\n');
    const r = spawnSync('gcc', ['-m32', '-c', 't.c', '-o', 't.o'], { cwd: dir });
    const ld = spawnSync('ld', ['--version']);
    const mk = spawnSync('make', ['--version']);
    return r.status === 0 && ld.status === 0 && mk.status === 0;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!haveGcc32())('guest kernel image', () => {
  it('rebuilds byte for byte identical to the committed guest/kernel.elf and guest/fakevmi.rom', () => {
    const build = mkdtempSync(join(tmpdir(), 'guest-build-'));
    try {
      const r = spawnSync(
        'make',
        ['-s', '-C', guestDir, `BUILD=${build}`, `${build}/kernel.elf`, `${build}/fakevmi.rom`],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      for (const image of ['kernel.elf', 'fakevmi.rom']) {
        const rebuilt = readFileSync(join(build, image));
        const committed = readFileSync(join(guestDir, image));
        expect(rebuilt.length, image).toBe(committed.length);
        expect(rebuilt.equals(committed), `${image} differs from the rebuild`).toBe(true);
      }
    } finally {
      rmSync(build, { recursive: true, force: true });
    }
  });
});
