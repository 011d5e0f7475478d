/**
 * The I/O port space: a 64 Ki-entry table from port number to the device
 * that claimed it. A device sees the port and the access size (1, 2 or 4)
 * and decides itself how wide it is; ports nobody claimed read as all ones
 * (a floating ISA bus) and ignore writes.
 */

export interface PortDevice {
  readonly name: string;
  read(port: number, size: number): number;
  write(port: number, size: number, value: number): void;
}

export class PortBus {
  private readonly table: (PortDevice | undefined)[] = new Array(0x10000);

  register(first: number, count: number, dev: PortDevice): void {
    for (let p = first; p < first + count; p++) {
      if (this.table[p]) throw new Error(`port 0x${p.toString(16)} claimed by both ${this.table[p]!.name} and ${dev.name}`);
      this.table[p] = dev;
    }
  }

  deviceAt(port: number): PortDevice | undefined {
    return this.table[port & 0xffff];
  }

  read(port: number, size: number): number {
    const d = this.table[port & 0xffff];
    if (d) return d.read(port & 0xffff, size);
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }

  write(port: number, size: number, value: number): void {
    const d = this.table[port & 0xffff];
    if (d) d.write(port & 0xffff, size, value);
  }
}

/** Ports that exist but do nothing: POST code 0x80 (used as an I/O delay), etc. */
export class SinkPorts implements PortDevice {
  constructor(readonly name: string, private readonly readValue = 0xff) {}
  read(_port: number, size: number): number {
    return size === 1 ? this.readValue & 0xff : size === 2 ? 0xffff : -1;
  }
  write(): void {}
}
