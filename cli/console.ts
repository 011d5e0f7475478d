/**
 * The host end of the guest's serial line: what `vmidbt run` reads from its
 * standard input and hands to the UART's receive side.
 *
 * - stdin a terminal: it is put in raw mode, so every key (Ctrl-C, Ctrl-D,
 *   Ctrl-Z included) goes to the guest as a byte, as with `qemu-system-i386
 *   -nographic`. Ctrl-A starts an escape: Ctrl-A X quits, Ctrl-A S prints a
 *   status line, Ctrl-A H prints the list, Ctrl-A Ctrl-A sends one Ctrl-A.
 *   The terminal's mode is restored by `detach()`, which `vmidbt run` calls
 *   on every way a run ends, and again on process exit in case something
 *   skipped it.
 * - stdin a pipe, a socket or a file: its bytes are the guest's input, so a
 *   script can drive a shell; end of input just stops the feed.
 * - anything else (/dev/null, no stdin): no input.
 *
 * Back-pressure: input waits in a queue here until the UART has room
 * (`Uart.onRxSpace` fires as the guest reads), and stdin is paused while
 * more than `QUEUE_HIGH` bytes wait, so a producer that never stops (`cat
 * /dev/zero | vmidbt run ...`) blocks on its pipe instead of filling memory.
 */
import { fstatSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { InputQueue, QUEUE_HIGH, type SerialReceiver } from './serial-input.ts';

export { InputQueue, QUEUE_HIGH, QUEUE_LOW, type SerialReceiver } from './serial-input.ts';

export interface ConsoleHooks {
  /** Ctrl-A X */
  quit(): void;
  /** one line for Ctrl-A S */
  status(): string;
  /** where escape help and status lines go (not the guest console) */
  message(text: string): void;
}

const CTRL_A = 0x01;

export const ESCAPE_HELP = [
  'C-a h    print this help',
  'C-a x    quit vmidbt (exit status 130)',
  'C-a s    print the instruction count and guest time',
  'C-a C-a  send C-a to the guest',
].join('\n');

/** Splits typed bytes into guest input and Ctrl-A escapes. */
export class EscapeFilter {
  private pending = false;

  constructor(private readonly hooks: ConsoleHooks) {}

  /** The bytes of `data` meant for the guest. */
  filter(data: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const b of data) {
      if (!this.pending) {
        if (b === CTRL_A) this.pending = true;
        else out.push(b);
        continue;
      }
      this.pending = false;
      const c = String.fromCharCode(b).toLowerCase();
      if (b === CTRL_A) out.push(CTRL_A);
      else if (c === 'x') this.hooks.quit();
      else if (c === 'h' || c === '?') this.hooks.message(ESCAPE_HELP);
      else if (c === 's') this.hooks.message(this.hooks.status());
      // any other key after C-a is dropped, as QEMU does
    }
    return Uint8Array.from(out);
  }
}

export type StdinKind = 'terminal' | 'stream' | 'none';

export function stdinKind(): StdinKind {
  try {
    const st = fstatSync(0);
    if (st.isFIFO() || st.isSocket() || st.isFile()) return 'stream';
    // a terminal is a character device, and so is /dev/null, which needs no look at Node's tty module: loading
    // it loads its net and stream modules too, 3-4 ms of a start with no input (bench/README.md, stop 55)
    if (!st.isCharacterDevice() || isNullDevice(st)) return 'none';
    const tty = createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
    return tty.isatty(0) ? 'terminal' : 'none';
  } catch {
    return 'none';
  }
}

function isNullDevice(st: Stats): boolean {
  try {
    return st.rdev === statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

/** stdin attached to a UART; `detach()` undoes everything (idempotent). */
export class HostConsole {
  private detached = false;
  private paused = false;
  private readonly queue: InputQueue;
  private readonly escapes: EscapeFilter | null;
  private readonly restoreOnExit = () => this.restoreTerminal();
  private readonly onData = (d: Buffer) => this.take(d);

  private constructor(uart: SerialReceiver, readonly kind: StdinKind, hooks: ConsoleHooks) {
    this.queue = new InputQueue(uart, () => this.resume());
    this.escapes = kind === 'terminal' ? new EscapeFilter(hooks) : null;
    if (kind === 'terminal') {
      process.stdin.setRawMode(true);
      process.on('exit', this.restoreOnExit);
      // keys, Ctrl-C included, now go to the guest: say once how to get out
      hooks.message('vmidbt: the terminal is the guest\'s console; C-a x quits, C-a h lists the escapes');
    }
    process.stdin.on('data', this.onData);
  }

  /** Attach stdin to `uart` if it is a terminal, a pipe, a socket or a file; null otherwise. */
  static attach(uart: SerialReceiver, hooks: ConsoleHooks): HostConsole | null {
    const kind = stdinKind();
    return kind === 'none' ? null : new HostConsole(uart, kind, hooks);
  }

  /** Feed a rebooted machine's UART from now on. */
  connect(uart: SerialReceiver): void {
    this.queue.connect(uart);
  }

  private take(d: Buffer): void {
    const bytes = this.escapes ? this.escapes.filter(d) : d;
    this.queue.push(bytes);
    if (this.queue.queued > QUEUE_HIGH && !this.paused && !this.detached) {
      this.paused = true;
      process.stdin.pause();
    }
  }

  private resume(): void {
    if (!this.paused || this.detached) return;
    this.paused = false;
    process.stdin.resume();
  }

  private restoreTerminal(): void {
    if (this.kind === 'terminal' && process.stdin.isTTY) process.stdin.setRawMode(false);
  }

  detach(): void {
    if (this.detached) return;
    this.detached = true;
    process.stdin.off('data', this.onData);
    this.restoreTerminal();
    process.off('exit', this.restoreOnExit);
    process.stdin.pause();
    process.stdin.destroy();
  }
}
