/**
 * Files and pipes of the host as the commands use them, bounded and
 * quiet: `readInput` reads a file named on the command line but never more
 * than a stated limit (an endless /dev/zero or a huge file is one line, not
 * a full heap), `writeAllSync` writes synchronously (so nothing is lost
 * however a run ends) and turns a closed pipe into `OutputClosed`, and
 * `ListingWriter` streams a long listing in batches.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { UserError } from '../base/errors.ts';
import { EXIT_LOAD } from '../base/exit-status.ts';
import { IMAGE_HEAD_BYTES, type DeclaredSize } from '../runtime/loader/image-size.ts';

/** The reader of a file descriptor went away (EPIPE): `vmidbt run | head -1`. */
export class OutputClosed extends Error {}

/**
 * Write all of `bytes` to a file descriptor, retrying when a non-blocking
 * pipe is full; a closed pipe is an `OutputClosed`, which the caller turns
 * into a quiet end of the run rather than a stack trace.
 */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') throw new OutputClosed(`fd ${fd} closed`);
      if (code !== 'EAGAIN') throw e;
    }
  }
}

/**
 * Read a file named on the command line, at most `limit` bytes of it: a
 * bigger one (or an endless one: /dev/zero, a pipe) is refused in one line
 * once `limit` is passed, without reading the rest; `hint` says what the
 * limit is. With `sizeOf` (runtime/loader/image-size.ts), input whose size
 * nothing states (a pipe, a device) is read as far as its format declares:
 * its head first, then what the head accounts for, and a head that is no
 * image is all that is read (the loader refuses it).
 */
export function readInput(path: string, shown: string, what: string, limit: number, hint: string, sizeOf?: (head: Uint8Array) => DeclaredSize): Uint8Array {
  const tooBig = () => new UserError(`${what} '${shown}' is larger than ${hint}`, EXIT_LOAD);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read ${what} '${shown}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, EXIT_LOAD);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UserError(`cannot read ${what} '${shown}': is a directory`, EXIT_LOAD);
    if (st.isFile() && st.size > limit) throw tooBig();
    const chunks: Uint8Array[] = [];
    let total = 0;
    // how far to read: past the limit (to tell a too big input), or to the end of the head first
    let want = limit + 1;
    let head = sizeOf !== undefined && !st.isFile();
    if (head) want = Math.min(want, IMAGE_HEAD_BYTES);
    for (;;) {
      if (total >= want) {
        if (!head) break;
        head = false;
        const declared = sizeOf!(Buffer.concat(chunks, total));
        if (declared.kind === 'not-an-image') break;
        want = declared.kind === 'bytes' ? Math.min(limit + 1, Math.max(declared.bytes, total)) : limit + 1;
        if (total >= want) break;
      }
      const chunk = new Uint8Array(Math.min(1 << 20, want - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) throw tooBig();
    }
    return Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read ${what} '${shown}': ${(e as Error).message}`, EXIT_LOAD);
  } finally {
    closeSync(fd);
  }
}

/** Lines to a file descriptor in batches of about 64 KiB: memory stays flat however long the listing. */
export class ListingWriter {
  private batch: string[] = [];
  private size = 0;

  constructor(private readonly fd: number) {}

  line(text: string): void {
    this.batch.push(text);
    this.size += text.length + 1;
    if (this.size >= 65536) this.flush();
  }

  flush(): void {
    if (!this.batch.length) return;
    const text = this.batch.join('\n') + '\n';
    this.batch = [];
    this.size = 0;
    writeAllSync(this.fd, Buffer.from(text));
  }
}
