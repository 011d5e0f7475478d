/**
 * Input for the guest's UART, queued until the UART has room: the 16550's
 * receive FIFO holds 16 bytes, so typed or pasted text waits here and is
 * fed as the guest reads (`Uart.onRxSpace`). Both hosts' consoles use it:
 * stdin in `vmidbt run` (console.ts) and the page's terminal (web/app/).
 * No Node here.
 */

/** The receive side of the UART (runtime/devices/uart.ts). */
export interface SerialReceiver {
  receive(bytes: Uint8Array): number;
  onRxSpace: (() => void) | null;
}

/** stdin is paused above this many queued bytes and resumed below `QUEUE_LOW` */
export const QUEUE_HIGH = 4096;
export const QUEUE_LOW = 1024;

/** Bytes waiting for the UART, fed as it makes room. */
export class InputQueue {
  private chunks: Uint8Array[] = [];
  private offset = 0;
  queued = 0;

  constructor(private uart: SerialReceiver, private readonly onLow: () => void) {
    this.connect(uart);
  }

  /** Feed another UART from now on (a rebooted machine's); what waits is kept for it. */
  connect(uart: SerialReceiver): void {
    this.uart = uart;
    uart.onRxSpace = () => this.feed();
    this.feed();
  }

  push(bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.chunks.push(bytes);
    this.queued += bytes.length;
    this.feed();
  }

  /** Move what the UART takes now; tell the owner when the queue runs low. */
  feed(): void {
    while (this.chunks.length) {
      const head = this.chunks[0];
      const n = this.uart.receive(head.subarray(this.offset));
      if (n === 0) break;
      this.offset += n;
      this.queued -= n;
      if (this.offset === head.length) { this.chunks.shift(); this.offset = 0; }
    }
    if (this.queued < QUEUE_LOW) this.onLow();
  }
}
