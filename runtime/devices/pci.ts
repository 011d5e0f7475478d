/**
 * PCI configuration space through configuration mechanism #1: a dword
 * address register at 0xCF8 (enable bit 31, bus, device, function,
 * register) and a data window at 0xCFC-0xCFF that accepts byte, word and
 * dword accesses at the offset the port implies.
 *
 * Functions live in a registry keyed by bus/device/function; reads of an
 * empty slot return all ones (no device). Each `PciFunction` is 256 bytes
 * of configuration space with a write mask, so read-only fields (IDs, class)
 * stay put. The expansion ROM BAR (0x30) answers the usual sizing probe
 * (write all ones, read back the size mask) and otherwise holds the ROM's
 * address and enable bit. The host bridge at 00:00.0 is an i440FX, as on
 * QEMU's default PC.
 */
import type { PortDevice } from './ports.ts';

export interface PciIds {
  vendor: number;
  device: number;
  /** class code << 16 | subclass << 8 | prog-if */
  classCode: number;
  revision?: number;
  headerType?: number;
  subsystemVendor?: number;
  subsystem?: number;
}

export class PciFunction {
  readonly config = new Uint8Array(256);
  /** bits the guest may change */
  private readonly writable = new Uint8Array(256);
  private romSize = 0;

  constructor(readonly name: string, ids: PciIds) {
    const c = new DataView(this.config.buffer);
    c.setUint16(0x00, ids.vendor, true);
    c.setUint16(0x02, ids.device, true);
    c.setUint8(0x08, ids.revision ?? 0);
    c.setUint8(0x09, ids.classCode & 0xff);
    c.setUint8(0x0a, (ids.classCode >> 8) & 0xff);
    c.setUint8(0x0b, (ids.classCode >> 16) & 0xff);
    c.setUint8(0x0e, ids.headerType ?? 0);
    c.setUint16(0x2c, ids.subsystemVendor ?? 0, true);
    c.setUint16(0x2e, ids.subsystem ?? 0, true);
    // command register: I/O, memory, bus master, and the interrupt line byte
    this.writable[0x04] = 0x07;
    this.writable[0x0c] = 0xff; // cache line size
    this.writable[0x0d] = 0xff; // latency timer
    this.writable[0x3c] = 0xff;
  }

  /**
   * Give the function an expansion ROM of `size` bytes (a power of two,
   * at least 2 KiB) currently at physical `address`, enabled.
   */
  setExpansionRom(address: number, size: number): void {
    let s = 2048;
    while (s < size) s *= 2;
    this.romSize = s;
    new DataView(this.config.buffer).setUint32(0x30, (address & ~(s - 1)) | 1, true);
  }

  read(reg: number, size: number): number {
    const c = new DataView(this.config.buffer);
    if (size === 1) return c.getUint8(reg);
    if (size === 2) return c.getUint16(reg, true);
    return c.getInt32(reg, true);
  }

  write(reg: number, size: number, value: number): void {
    if (reg === 0x30 && size === 4 && this.romSize) {
      // expansion ROM BAR: address bits above the size, and the enable bit
      const mask = ~(this.romSize - 1) | 1;
      new DataView(this.config.buffer).setInt32(0x30, value & mask, true);
      return;
    }
    for (let i = 0; i < size; i++) {
      const r = reg + i;
      const b = (value >>> (8 * i)) & 0xff;
      this.config[r] = (this.config[r] & ~this.writable[r]) | (b & this.writable[r]);
    }
  }
}

export class PciBus implements PortDevice {
  readonly name = 'pci';
  private address = 0;
  private readonly functions = new Map<number, PciFunction>();

  constructor() {
    this.register(0, 0, 0, new PciFunction('host bridge', { vendor: 0x8086, device: 0x1237, classCode: 0x060000, revision: 2 }));
  }

  private static key(bus: number, dev: number, fn: number): number {
    return (bus << 8) | (dev << 3) | fn;
  }

  /** Add a function at bus:device.function (other code, e.g. the VMI ROM, adds its devices here). */
  register(bus: number, dev: number, fn: number, f: PciFunction): void {
    const k = PciBus.key(bus, dev, fn);
    if (this.functions.has(k)) throw new Error(`PCI ${bus}:${dev}.${fn} is taken by ${this.functions.get(k)!.name}`);
    this.functions.set(k, f);
  }

  /** The first free device number on bus 0 (function 0). */
  freeSlot(): number {
    for (let d = 1; d < 32; d++) if (!this.functions.has(PciBus.key(0, d, 0))) return d;
    throw new Error('PCI bus 0 is full');
  }

  lookup(bus: number, dev: number, fn: number): PciFunction | undefined {
    return this.functions.get(PciBus.key(bus, dev, fn));
  }

  private selected(): { f: PciFunction | undefined; reg: number } | null {
    const a = this.address;
    if (!(a & 0x80000000)) return null;
    return { f: this.functions.get((a >>> 8) & 0xffff), reg: a & 0xfc };
  }

  read(port: number, size: number): number {
    if (port >= 0xcf8 && port < 0xcfc) {
      if (port === 0xcf8 && size === 4) return this.address;
      return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
    }
    const s = this.selected();
    if (!s || !s.f) return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
    return s.f.read(s.reg + (port - 0xcfc), size);
  }

  write(port: number, size: number, value: number): void {
    if (port >= 0xcf8 && port < 0xcfc) {
      // only a dword access to 0xCF8 is the address register
      if (port === 0xcf8 && size === 4) this.address = value & 0x80fffffc;
      return;
    }
    const s = this.selected();
    if (s && s.f) s.f.write(s.reg + (port - 0xcfc), size, value);
  }
}
