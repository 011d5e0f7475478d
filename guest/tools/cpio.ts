/**
 * A writer for cpio archives in the "newc" format (SVR4 without CRC), the
 * format the Linux kernel unpacks as an initramfs. No cpio binary needed.
 *
 * Each member is a 110-byte ASCII header ("070701" and thirteen 8-digit
 * hexadecimal fields: inode, mode, uid, gid, nlink, mtime, file size,
 * device major/minor, rdev major/minor, name size with its NUL, check 0),
 * the name and a NUL padded to a multiple of 4 bytes, then the data padded
 * the same way. The archive ends with the member "TRAILER!!!". Inodes are
 * numbered in order from 1 and mtime is fixed, so an archive is a
 * deterministic function of its members.
 */

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

export type CpioMember =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array | string; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const TRAILER = 'TRAILER!!!';
const enc = new TextEncoder();

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

interface Header {
  ino: number; mode: number; nlink: number; size: number; rdevMajor: number; rdevMinor: number; name: string;
}

function headerBytes(h: Header): Uint8Array {
  const name = enc.encode(h.name);
  const fields = [h.ino, h.mode, 0, 0, h.nlink, 0, h.size, 0, 0, h.rdevMajor, h.rdevMinor, name.length + 1, 0];
  const text = '070701' + fields.map(hex8).join('');
  const out = new Uint8Array(110 + name.length + 1 + pad4(110 + name.length + 1));
  out.set(enc.encode(text), 0);
  out.set(name, 110);
  return out;
}

function memberParts(m: CpioMember, ino: number): Uint8Array[] {
  const name = m.path.replace(/^\/+/, '');
  if (!name || name.split('/').some((p) => p === '..' || p === '')) throw new Error(`bad cpio path '${m.path}'`);
  let data: Uint8Array = new Uint8Array(0);
  let mode: number;
  let nlink = 1, rdevMajor = 0, rdevMinor = 0;
  switch (m.kind) {
    case 'dir': mode = S_IFDIR | (m.mode ?? 0o755); nlink = 2; break;
    case 'file': mode = S_IFREG | (m.mode ?? 0o644); data = typeof m.data === 'string' ? enc.encode(m.data) : m.data; break;
    case 'symlink': mode = S_IFLNK | 0o777; data = enc.encode(m.target); break;
    case 'chardev': mode = S_IFCHR | (m.mode ?? 0o600); rdevMajor = m.major; rdevMinor = m.minor; break;
  }
  return [headerBytes({ ino, mode, nlink, size: data.length, rdevMajor, rdevMinor, name }), data, new Uint8Array(pad4(data.length))];
}

/** The archive of `members`, in the order given (a directory must come before what it holds). */
export function writeCpio(members: CpioMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  members.forEach((m, k) => parts.push(...memberParts(m, k + 1)));
  parts.push(headerBytes({ ino: 0, mode: 0, nlink: 1, size: 0, rdevMajor: 0, rdevMinor: 0, name: TRAILER }));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
