/**
 * A 16550A UART (COM1 at 0x3F8, IRQ 4) used as the console.
 *
 * Transmission is instantaneous: the transmitter is always empty (LSR THRE
 * and TEMT set), so a polling guest never waits, and each byte written to
 * THR goes to the output buffer. The buffer is handed to the sink at every
 * newline, when it grows past 4 KiB, and on `flush()` (the machine flushes
 * when it stops for any reason), so nothing is lost when a run ends or
 * fails.
 *
 * Received bytes (host input) go to the 16-byte receive FIFO of a 16550A;
 * `receive` takes only what fits and says how much, and `onRxSpace` is
 * called whenever a guest read makes room, so the host side can feed the
 * rest at the pace the guest consumes it (back-pressure: the host never has
 * to buffer without bound). As with RTS/CTS flow control, input flows only
 * while the guest asserts RTS (MCR bit 1): a driver raises it once the port
 * is open, after resetting the FIFO, so nothing typed ahead is dropped by
 * that reset. LSR DR says whether a byte is waiting.
 *
 * IER enables the "data received" and "transmitter empty" interrupts,
 * reported in IIR by priority. The UART's interrupt output is a level (a
 * byte waiting, or THR empty and not yet acknowledged by reading IIR);
 * the ISA IRQ line is edge-triggered, so `irq` is called when that level
 * rises. A driver reads until IIR says "no interrupt", which lowers it.
 * Divisor latch, LCR, MCR and scratch registers hold what the guest
 * writes; MCR loopback is not modelled.
 */
import type { PortDevice } from './ports.ts';

export const RX_FIFO_SIZE = 16;
const MCR_RTS = 0x02;

export class Uart16550 implements PortDevice {
  readonly name = 'uart';
  private ier = 0;
  private lcr = 0x03;
  private mcr = 0;
  private scr = 0;
  private dll = 0x01;
  private dlm = 0;
  private fifoEnabled = false;
  /** a THRE interrupt is pending (cleared by reading IIR or writing THR) */
  private threPending = false;
  private rx: number[] = [];
  private out: number[] = [];
  /** the interrupt output's level as last seen (raised as an edge when it rises) */
  private line = false;
  /** bytes the guest has written in all */
  written = 0;
  /** bytes the guest has read in all */
  received = 0;
  /** called when a guest read made room in the receive FIFO */
  onRxSpace: (() => void) | null = null;

  constructor(
    readonly base: number,
    private readonly sink: (bytes: Uint8Array) => void,
    private readonly irq: () => void,
  ) {}

  /** Host input for the guest: queues what fits in the receive FIFO and returns how many bytes that was. */
  receive(bytes: Uint8Array): number {
    const n = Math.min(bytes.length, this.rxSpace);
    for (let k = 0; k < n; k++) this.rx.push(bytes[k]);
    if (n) this.updateIrq();
    return n;
  }

  /** How many bytes the UART takes now: room in the receive FIFO while the guest asserts RTS, else none. */
  get rxSpace(): number {
    return this.mcr & MCR_RTS ? RX_FIFO_SIZE - this.rx.length : 0;
  }

  private updateIrq(): void {
    const level = (this.ier & 1 && this.rx.length > 0) || (this.ier & 2 && this.threPending);
    if (level && !this.line) this.irq();
    this.line = !!level;
  }

  private readRbr(): number {
    if (!this.rx.length) return 0;
    const b = this.rx.shift()!;
    this.received++;
    this.onRxSpace?.();
    this.updateIrq();
    return b;
  }

  flush(): void {
    if (!this.out.length) return;
    const b = Uint8Array.from(this.out);
    this.out = [];
    this.sink(b);
  }

  private transmit(b: number): void {
    this.out.push(b);
    this.written++;
    if (b === 0x0a || this.out.length >= 4096) this.flush();
    if (this.ier & 2) {
      this.threPending = true;
      this.updateIrq();
    }
  }

  private iir(): number {
    const fifo = this.fifoEnabled ? 0xc0 : 0;
    if (this.ier & 1 && this.rx.length) return fifo | 0x04;
    if (this.ier & 2 && this.threPending) {
      this.threPending = false;
      this.updateIrq();
      return fifo | 0x02;
    }
    return fifo | 0x01;
  }

  read(port: number): number {
    const dlab = (this.lcr & 0x80) !== 0;
    switch (port - this.base) {
      case 0:
        if (dlab) return this.dll;
        return this.readRbr();
      case 1: return dlab ? this.dlm : this.ier;
      case 2: return this.iir();
      case 3: return this.lcr;
      case 4: return this.mcr;
      case 5: return 0x60 | (this.rx.length ? 1 : 0); // THRE | TEMT | DR
      case 6: return 0xb0; // DCD, DSR, CTS
      default: return this.scr;
    }
  }

  write(port: number, _size: number, value: number): void {
    const v = value & 0xff;
    const dlab = (this.lcr & 0x80) !== 0;
    switch (port - this.base) {
      case 0:
        if (dlab) this.dll = v;
        else this.transmit(v);
        break;
      case 1:
        if (dlab) { this.dlm = v; break; }
        {
          // enabling the THRE interrupt with an empty transmitter raises it at once
          if (v & 2 && !(this.ier & 2)) this.threPending = true;
          this.ier = v & 0x0f;
          this.updateIrq();
        }
        break;
      case 2:
        this.fifoEnabled = (v & 1) !== 0;
        if (v & 2) {
          this.rx = [];
          this.onRxSpace?.();
          this.updateIrq();
        }
        break;
      case 3: this.lcr = v; break;
      case 4: {
        const raisingRts = v & MCR_RTS && !(this.mcr & MCR_RTS);
        this.mcr = v & 0x1f;
        if (raisingRts) this.onRxSpace?.();
        break;
      }
      case 7: this.scr = v; break;
      default: break;
    }
  }
}
