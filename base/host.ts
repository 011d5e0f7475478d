/**
 * What the machine needs from whatever it runs in, Node or a browser page.
 *
 * The layers from `base/` to `translator/` never touch a host API directly
 * (no `node:` module, no `process`, `Buffer` or `setImmediate`, no DOM):
 * the little they need from outside goes through `Host`, and each program
 * installs its implementation once, before it builds a machine:
 * `cli/node-host.ts` (the `vmidbt` command, every script started through
 * `bin/register.mjs`, and vitest's setup file) or `web/app/browser-host.ts`
 * (the page `npm run web` builds). Files, the console, input and the exit
 * status are not here: the machine takes bytes and gives bytes (its
 * `console` sink, the UART's receive side), and the program around it
 * owns the I/O.
 *
 * Invariant: `host()` before `installHost` throws, naming the fix, rather
 * than guessing a host; installing twice replaces the first (tests do).
 */

export interface Host {
  /** 'node' or 'browser': for messages only, never for deciding behaviour */
  readonly name: string;
  /** a monotonic clock in milliseconds (fractional) */
  now(): number;
  /** the host's wall clock, milliseconds since 1970 UTC */
  wallClock(): number;
  /** Let the host's event loop run its pending work (I/O, input, painting), then go on. */
  yieldNow(): Promise<void>;
  /** Resume after about `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  /**
   * A debugging switch by name, such as `VMIDBT_CHECK_GENERATED`: an
   * environment variable in Node, a query parameter of the page's URL in a
   * browser; undefined when unset.
   */
  setting(name: string): string | undefined;
}

let installed: Host | null = null;

/** Make `h` the host from now on. */
export function installHost(h: Host): void {
  installed = h;
}

/** The installed host. */
export function host(): Host {
  if (!installed) {
    throw new Error('no host installed: a program that builds a machine calls installHost() first (base/host.ts)');
  }
  return installed;
}

/** Bytes as a latin1 string (one character per byte), in chunks so a long array never overflows the call stack. */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let k = 0; k < bytes.length; k += 8192) s += String.fromCharCode(...bytes.subarray(k, k + 8192));
  return s;
}

/** A latin1 string as bytes (the low 8 bits of each character). */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) out[k] = text.charCodeAt(k) & 0xff;
  return out;
}
