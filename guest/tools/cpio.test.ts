import { describe, expect, it } from 'vitest';
import { writeCpio, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG } from './cpio.ts';

interface Entry { name: string; ino: number; mode: number; nlink: number; size: number; rdev: [number, number]; data: string; headerAt: number; dataAt: number }

/** A newc reader written from the format's description, to read back what the writer made. */
function readCpio(a: Uint8Array): Entry[] {
  const text = (from: number, n: number) => Buffer.from(a.subarray(from, from + n)).toString('latin1');
  const out: Entry[] = [];
  let p = 0;
  for (;;) {
    expect(text(p, 6)).toBe('070701');
    const field = (k: number) => parseInt(text(p + 6 + 8 * k, 8), 16);
    const namesize = field(11);
    const name = text(p + 110, namesize - 1);
    expect(a[p + 110 + namesize - 1]).toBe(0);
    const dataAt = (p + 110 + namesize + 3) & ~3;
    const size = field(6);
    out.push({ name, ino: field(0), mode: field(1), nlink: field(4), size, rdev: [field(9), field(10)], data: text(dataAt, size), headerAt: p, dataAt });
    expect(field(12)).toBe(0); // check field: no CRC in newc
    p = (dataAt + size + 3) & ~3;
    if (name === 'TRAILER!!!') break;
  }
  expect(p).toBe(a.length);
  return out;
}

describe('cpio newc writer', () => {
  const a = writeCpio([
    { kind: 'dir', path: 'bin' },
    { kind: 'file', path: '/bin/hello', data: 'hi!\n', mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'hello' },
    { kind: 'chardev', path: 'console', major: 5, minor: 1 },
    { kind: 'file', path: 'odd', data: Uint8Array.from([1, 2, 3, 4, 5]) },
  ]);
  const e = readCpio(a);

  it('writes each member with its type, permissions, size and data, names without a leading slash', () => {
    expect(e.map((x) => x.name)).toEqual(['bin', 'bin/hello', 'bin/sh', 'console', 'odd', 'TRAILER!!!']);
    expect(e[0].mode).toBe(S_IFDIR | 0o755);
    expect(e[0].nlink).toBe(2);
    expect(e[1]).toMatchObject({ mode: S_IFREG | 0o755, size: 4, data: 'hi!\n' });
    expect(e[2]).toMatchObject({ mode: S_IFLNK | 0o777, data: 'hello' });
    expect(e[3]).toMatchObject({ mode: S_IFCHR | 0o600, size: 0, rdev: [5, 1] });
    expect(e[4].data).toBe('\x01\x02\x03\x04\x05');
  });

  it('aligns every header and every data part to 4 bytes, numbers inodes from 1, ends with the trailer', () => {
    for (const x of e) {
      expect(x.headerAt % 4).toBe(0);
      expect(x.dataAt % 4).toBe(0);
    }
    expect(e.slice(0, -1).map((x) => x.ino)).toEqual([1, 2, 3, 4, 5]);
    expect(e[e.length - 1]).toMatchObject({ ino: 0, size: 0 });
    expect(a.length % 4).toBe(0);
  });

  it('is deterministic and refuses paths that escape the archive', () => {
    expect(writeCpio([{ kind: 'dir', path: 'x' }])).toEqual(writeCpio([{ kind: 'dir', path: 'x' }]));
    expect(() => writeCpio([{ kind: 'file', path: '../etc/passwd', data: '' }])).toThrow(/bad cpio path/);
    expect(() => writeCpio([{ kind: 'dir', path: '/' }])).toThrow(/bad cpio path/);
  });
});
