/**
 * A 16550A UART (COM1 at 0x3F8, IRQ 4) used as the console.
 *
 * Transmission is instantaneous: the transmitter is always empty (LSR THRE
 * and TEMT set), so a polling guest never waits, and each byte written to
 * THR goes to the output buffer. The buffer is handed to the sink at every
 * newline, when it grows past 4 KiB, and on `flush()` (the machine flushes
 * when it stops for any reason), so nothing is lost when a run ends or
 * fails. Received bytes (host stdin) queue in an unbounded receive FIFO;
 * LSR DR says whether one is waiting. IER enables the "data received" and
 * "transmitter empty" interrupts, reported in IIR by priority and raised
 * as edges on the IRQ line. Divisor latch, LCR, MCR and scratch registers
 * hold what the guest writes; MCR loopback is not modelled.
 */
import type { PortDevice } from './ports.ts';

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
  /** bytes the guest has written in all */
  written = 0;

  constructor(
    readonly base: number,
    private readonly sink: (bytes: Uint8Array) => void,
    private readonly irq: () => void,
  ) {}

  /** Host input for the guest. */
  receive(bytes: Uint8Array): void {
    for (const b of bytes) this.rx.push(b);
    if (bytes.length && this.ier & 1) this.irq();
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
      this.irq();
    }
  }

  private iir(): number {
    const fifo = this.fifoEnabled ? 0xc0 : 0;
    if (this.ier & 1 && this.rx.length) return fifo | 0x04;
    if (this.ier & 2 && this.threPending) {
      this.threPending = false;
      return fifo | 0x02;
    }
    return fifo | 0x01;
  }

  read(port: number): number {
    const dlab = (this.lcr & 0x80) !== 0;
    switch (port - this.base) {
      case 0:
        if (dlab) return this.dll;
        return this.rx.length ? this.rx.shift()! : 0;
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
          const enablingThre = v & 2 && !(this.ier & 2);
          this.ier = v & 0x0f;
          // enabling the THRE interrupt with an empty transmitter raises it at once
          if (enablingThre) { this.threPending = true; this.irq(); }
          if (v & 1 && this.rx.length) this.irq();
        }
        break;
      case 2:
        this.fifoEnabled = (v & 1) !== 0;
        if (v & 2) this.rx = [];
        break;
      case 3: this.lcr = v; break;
      case 4: this.mcr = v & 0x1f; break;
      case 7: this.scr = v; break;
      default: break;
    }
  }
}
