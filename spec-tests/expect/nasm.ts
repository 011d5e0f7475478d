/**
 * Assemble a guest snippet with nasm for translator tests.
 *
 * The source is wrapped in `bits 32` and `org` (the load address, 0x1000 by
 * default) and assembled to a flat binary in a temporary directory. Results
 * are memoised by source, so test files can assemble in their bodies freely.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const memo = new Map<string, Uint8Array>();

export function nasm(source: string, org = 0x1000): Uint8Array {
  const text = `bits 32\norg 0x${org.toString(16)}\n${source}\n`;
  const hit = memo.get(text);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'vmidbt-asm-'));
  try {
    writeFileSync(join(dir, 'a.asm'), text);
    try {
      execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'a.bin'), join(dir, 'a.asm')], { stdio: 'pipe' });
    } catch (e) {
      const err = e as { code?: string; stderr?: Buffer };
      if (err.code === 'ENOENT') throw new Error('nasm is not installed (apt-get install nasm)');
      throw new Error(`nasm failed: ${err.stderr?.toString().trim()}\n${text}`);
    }
    const out = new Uint8Array(readFileSync(join(dir, 'a.bin')));
    memo.set(text, out);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
