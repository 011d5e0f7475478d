/**
 * The I/O port space: a table from port number to the device that claimed
 * it, in two levels (256 blocks of 256 ports, a block made when a device
 * claims a port in it), so a machine's start does not fill a 64 Ki-entry
 * array. A device sees the port and the access size (1, 2 or 4) and decides
 * itself how wide it is; ports nobody claimed read as all ones (a floating
 * ISA bus) and ignore writes.
 */

export interface PortDevice {
  readonly name: string;
  read(port: number, size: number): number;
  write(port: number, size: number, value: number): void;
}

type Block = (PortDevice | undefined)[];
/** the block of no claimed port, shared: a lookup never finds a block missing */
const EMPTY: Block = new Array<PortDevice | undefined>(0x100).fill(undefined);

export class PortBus {
  private readonly blocks: Block[] = new Array<Block>(0x100).fill(EMPTY);

  register(first: number, count: number, dev: PortDevice): void {
    for (let p = first; p < first + count; p++) {
      const claimed = this.deviceAt(p);
      if (claimed) throw new Error(`port 0x${p.toString(16)} claimed by both ${claimed.name} and ${dev.name}`);
      let block = this.blocks[p >>> 8];
      if (block === EMPTY) block = this.blocks[p >>> 8] = new Array<PortDevice | undefined>(0x100).fill(undefined);
      block[p & 0xff] = dev;
    }
  }

  deviceAt(port: number): PortDevice | undefined {
    return this.blocks[(port >>> 8) & 0xff][port & 0xff];
  }

  read(port: number, size: number): number {
    const d = this.deviceAt(port);
    if (d) return d.read(port & 0xffff, size);
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }

  write(port: number, size: number, value: number): void {
    const d = this.deviceAt(port);
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
