/**
 * The two 8259A programmable interrupt controllers of a PC: the master at
 * ports 0x20/0x21 (IRQ 0-7) and the slave at 0xA0/0xA1 (IRQ 8-15) cascaded
 * into the master's IRQ 2.
 *
 * Each chip keeps IRR (requested), ISR (in service) and IMR (masked). Lines
 * are edge triggered: `raise` latches the request in IRR. The highest
 * priority request that is unmasked and more urgent than everything in
 * service is offered to the CPU; acknowledging it moves it from IRR to ISR
 * (or nowhere in auto-EOI mode) and yields vector base + line. Priority
 * normally runs 0 (highest) to 7; the rotate commands move the lowest
 * priority to a given line. Initialisation is the ICW1..ICW4 sequence;
 * afterwards the data port is the mask (OCW1) and the command port takes
 * OCW2 (EOI, specific EOI, rotation) and OCW3 (read IRR/ISR, poll, special
 * mask mode).
 */
import type { PortDevice } from './ports.ts';

export class Pic8259 {
  irr = 0;
  isr = 0;
  imr = 0xff;
  vectorBase = 0x08;
  /** line with the lowest priority; the next one has the highest */
  lowest = 7;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialMask = false;
  readIsr = false;
  poll = false;
  /** which ICW comes next on the data port (0: initialised) */
  private icwStep = 0;
  private needIcw4 = false;
  private single = false;
  /** ICW3: slave lines (master) or cascade identity (slave) */
  icw3 = 0;
  initialised = false;

  constructor(readonly isMaster: boolean, private readonly changed: () => void) {}

  raise(line: number): void {
    this.irr |= 1 << line;
    this.changed();
  }

  /** The most urgent unmasked request that may interrupt what is in service, or -1. */
  best(extraIrr = 0): number {
    const req = (this.irr | extraIrr) & ~this.imr;
    if (!req) return -1;
    let bestLine = -1;
    for (let r = 0; r < 8; r++) {
      const line = (this.lowest + 1 + r) & 7;
      // in special mask mode only the in-service line itself blocks, otherwise everything of lower priority
      if (this.isr & (1 << line) && !this.specialMask) return -1;
      if (req & (1 << line)) {
        bestLine = line;
        break;
      }
    }
    return bestLine;
  }

  /** Take the request on `line` into service. */
  ack(line: number): void {
    this.irr &= ~(1 << line);
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.lowest = line;
    } else {
      this.isr |= 1 << line;
    }
  }

  /** The highest-priority line in service, or -1. */
  private highestInService(): number {
    for (let r = 0; r < 8; r++) {
      const line = (this.lowest + 1 + r) & 7;
      if (this.isr & (1 << line)) return line;
    }
    return -1;
  }

  writeCommand(v: number): void {
    if (v & 0x10) {
      // ICW1: restart initialisation; edge triggered, everything cleared, mask cleared
      this.icwStep = 2;
      this.needIcw4 = (v & 1) !== 0;
      this.single = (v & 2) !== 0;
      this.imr = 0;
      this.isr = 0;
      this.irr = 0;
      this.lowest = 7;
      this.autoEoi = false;
      this.rotateOnAutoEoi = false;
      this.specialMask = false;
      this.readIsr = false;
      this.initialised = false;
    } else if (v & 0x08) {
      // OCW3
      if (v & 0x02) this.readIsr = (v & 1) !== 0;
      if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
      this.poll = (v & 0x04) !== 0;
    } else {
      // OCW2: R SL EOI in bits 7..5, level in 2..0
      const cmd = v >> 5;
      const level = v & 7;
      switch (cmd) {
        case 1: { // non-specific EOI
          const l = this.highestInService();
          if (l >= 0) this.isr &= ~(1 << l);
          break;
        }
        case 3: // specific EOI
          this.isr &= ~(1 << level);
          break;
        case 5: { // rotate on non-specific EOI
          const l = this.highestInService();
          if (l >= 0) {
            this.isr &= ~(1 << l);
            this.lowest = l;
          }
          break;
        }
        case 4: this.rotateOnAutoEoi = true; break;
        case 0: this.rotateOnAutoEoi = false; break;
        case 7: // rotate on specific EOI
          this.isr &= ~(1 << level);
          this.lowest = level;
          break;
        case 6: this.lowest = level; break; // set priority
        default: break;
      }
    }
    this.changed();
  }

  writeData(v: number): void {
    switch (this.icwStep) {
      case 2:
        this.vectorBase = v & 0xf8;
        this.icwStep = this.single ? (this.needIcw4 ? 4 : 0) : 3;
        break;
      case 3:
        this.icw3 = v;
        this.icwStep = this.needIcw4 ? 4 : 0;
        break;
      case 4:
        this.autoEoi = (v & 2) !== 0;
        this.icwStep = 0;
        break;
      default:
        this.imr = v & 0xff; // OCW1
    }
    if (this.icwStep === 0) this.initialised = true;
    this.changed();
  }

  readCommand(): number {
    return this.readIsr ? this.isr : this.irr;
  }

  readData(): number {
    return this.imr;
  }
}

/** The master/slave pair as the machine uses it. */
export class PicPair implements PortDevice {
  readonly name = 'pic';
  readonly master: Pic8259;
  readonly slave: Pic8259;
  /** told whenever the output might have changed (the machine re-evaluates interrupts) */
  onChange: () => void = () => {};
  /** interrupts handed to the CPU */
  delivered = 0;

  constructor() {
    const changed = () => this.onChange();
    this.master = new Pic8259(true, changed);
    this.slave = new Pic8259(false, changed);
  }

  /** An edge on ISA IRQ line 0..15. */
  raise(irq: number): void {
    if (irq >= 8) this.slave.raise(irq - 8);
    else if (irq !== 2) this.master.raise(irq);
    else this.master.raise(2);
  }

  private slaveRequest(): number {
    return this.slave.best() >= 0 ? 1 << 2 : 0;
  }

  /** The vector the pair would hand the CPU now, or -1. */
  pending(): number {
    const line = this.master.best(this.slaveRequest());
    if (line < 0) return -1;
    if (line === 2 && this.slave.best() >= 0) return this.slave.vectorBase + this.slave.best();
    return this.master.vectorBase + line;
  }

  /** The CPU's interrupt acknowledge cycle: returns the vector (-1 if the request vanished). */
  acknowledge(): number {
    const sreq = this.slaveRequest();
    const line = this.master.best(sreq);
    if (line < 0) return -1;
    this.delivered++;
    if (line === 2 && sreq) {
      const s = this.slave.best();
      this.master.ack(2);
      this.slave.ack(s);
      return this.slave.vectorBase + s;
    }
    this.master.ack(line);
    return this.master.vectorBase + line;
  }

  /** Poll command: the byte a read returns after OCW3 with P set. */
  private pollRead(chip: Pic8259): number {
    chip.poll = false;
    const line = chip.best();
    if (line < 0) return 0;
    chip.ack(line);
    return 0x80 | line;
  }

  read(port: number): number {
    const chip = port & 0x80 ? this.slave : this.master;
    if (chip.poll) return this.pollRead(chip);
    return port & 1 ? chip.readData() : chip.readCommand();
  }

  write(port: number, _size: number, value: number): void {
    const chip = port & 0x80 ? this.slave : this.master;
    if (port & 1) chip.writeData(value & 0xff);
    else chip.writeCommand(value & 0xff);
  }
}
