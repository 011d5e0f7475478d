/**
 * An 82093AA-style IO-APIC at 0xFEC00000 with 24 redirection entries:
 * IOREGSEL at offset 0x00 selects a register, IOWIN at 0x10 reads or
 * writes it (ID, version, arbitration, then two dwords per entry).
 *
 * ISA IRQs reach pins 0-15 one to one except IRQ 0, which is wired to pin
 * 2 as on PC chipsets (the ACPI MADT the loader writes says so with an
 * interrupt source override). An edge on an unmasked pin sends the entry's
 * vector to the local APICs its destination names; the machine resolves
 * the destination the same way as for an IPI. Level-triggered entries are
 * delivered like edges (remote IRR is not modelled): every device here is
 * edge triggered.
 */
import type { MmioDevice } from '../../cpu/memory.ts';

export const IOAPIC_BASE = 0xfec00000;
export const IOAPIC_PINS = 24;

export interface IoApicHost {
  /** deliver `vector` with delivery mode `mode` to a physical or logical destination */
  deliver(vector: number, mode: number, logical: boolean, dest: number): void;
}

export class IoApic implements MmioDevice {
  readonly name = 'ioapic';
  id = 0;
  private select = 0;
  /** redirection entries: low dwords (vector, mode, masks) and high dwords (destination) */
  readonly lo = new Int32Array(IOAPIC_PINS).fill(0x10000);
  readonly hi = new Int32Array(IOAPIC_PINS);
  delivered = 0;

  constructor(private readonly host: IoApicHost) {}

  /** An edge on ISA IRQ `irq`. */
  raiseIsa(irq: number): void {
    this.raisePin(irq === 0 ? 2 : irq);
  }

  raisePin(pin: number): void {
    const lo = this.lo[pin];
    if (lo & 0x10000) return;
    this.delivered++;
    this.host.deliver(lo & 0xff, (lo >> 8) & 7, (lo & 0x800) !== 0, (this.hi[pin] >>> 24) & 0xff);
  }

  private readReg(r: number): number {
    if (r === 0) return this.id << 24;
    if (r === 1) return ((IOAPIC_PINS - 1) << 16) | 0x11;
    if (r === 2) return this.id << 24;
    const i = r - 0x10;
    if (i >= 0 && i < IOAPIC_PINS * 2) return i & 1 ? this.hi[i >> 1] : this.lo[i >> 1];
    return 0;
  }

  private writeReg(r: number, v: number): void {
    if (r === 0) { this.id = (v >>> 24) & 0xf; return; }
    const i = r - 0x10;
    if (i < 0 || i >= IOAPIC_PINS * 2) return;
    if (i & 1) this.hi[i >> 1] = v & 0xff000000;
    else this.lo[i >> 1] = v & 0x1afff; // delivery status and remote IRR are read-only
  }

  read(addr: number, _size: number): number {
    const off = (addr - IOAPIC_BASE) & 0xff;
    if (off === 0) return this.select;
    if (off === 0x10) return this.readReg(this.select);
    return 0;
  }

  write(addr: number, _size: number, value: number): void {
    const off = (addr - IOAPIC_BASE) & 0xff;
    if (off === 0) this.select = value & 0xff;
    else if (off === 0x10) this.writeReg(this.select, value);
  }
}
