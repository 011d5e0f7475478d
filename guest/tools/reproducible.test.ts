// The committed guest image must be reproducible: rebuilding guest/ with the
// system gcc and GNU ld in a temporary directory gives the same bytes as
// guest/kernel.elf and guest/fakevmi.rom. Without a 32-bit gcc toolchain the
// check is skipped with the reason in the test output, except in CI, where
// .ci/run installs the toolchain and a missing tool fails it.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTools } from '../../spec-tests/tools.ts';

const guestDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('guest kernel image', () => {
  it('rebuilds byte for byte identical to the committed guest/kernel.elf and guest/fakevmi.rom', (ctx) => {
    requireTools(ctx, 'gcc-m32', 'ld', 'objcopy', 'make');
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
