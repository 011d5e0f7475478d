/**
 * QEMU's firmware configuration device (fw_cfg), as QEMU's
 * docs/specs/fw_cfg.rst describes it for the PC: a 16-bit selector port
 * 0x510, a byte-wide data port 0x511, and the DMA interface at 0x514.
 * Guests written for QEMU's PC (firmware, test kernels) read the machine's
 * shape here: the CPU count, the RAM size, the boot order, and named files.
 *
 * Items (selector: contents, little-endian unless said):
 * - 0x0000 signature "QEMU"; 0x0001 features (bit 0 the port interface,
 *   bit 1 DMA); 0x0002 UUID (16 zero bytes: none set); 0x0003 RAM size
 *   (u64); 0x0004 no graphics (1: the console is the serial port); 0x0005
 *   and 0x000F the vCPU count (u16); 0x000C the boot device ('c', as QEMU
 *   without -boot); 0x000E boot menu (0); 0x8002 IRQ 0 override (1: ISA IRQ
 *   0 is GSI 2, as the MADT says);
 * - 0x0019 the file directory: a big-endian count, then per file its size
 *   (BE32), selector (BE16), a reserved word and a 56-byte name, sorted by
 *   name, files from selector 0x0020: `etc/e820` (the machine's memory
 *   map: u64 base, u64 length, u32 type per entry, as the loaders report
 *   it), `etc/acpi/rsdp` and `etc/acpi/tables` (copies of the ACPI tables
 *   the machine placed at 0xE0000: their pointers are the physical
 *   addresses they already have, so no table-loader script is given),
 *   `etc/smbios/smbios-anchor` and `etc/smbios/smbios-tables`, and
 *   `bootorder` (empty: no device has a boot index).
 *
 * Reading past an item's end gives 0; selecting an item rewinds its
 * offset; writes to items are refused (QEMU 2.4 and later have no writable
 * item a PC firmware needs), so a write selector reads nothing.
 *
 * DMA: the guest writes the physical address of a 16-byte control block
 * (control BE32, length BE32, address BE64) to 0x514 (high dword, big
 * endian) and 0x518 (low dword, big endian; this write starts the
 * transfer); control bits select (with the selector in bits 16-31), read,
 * skip and write; on completion control is 0, or has the error bit (1)
 * set. Reading 0x514 as a 64-bit big-endian value gives "QEMU CFG".
 */
import type { PortDevice } from './ports.ts';
import type { PhysicalMemory } from '../../cpu/memory.ts';

export const FW_CFG_PORT = 0x510;
export const FW_CFG_DMA_PORT = 0x514;
export const FW_CFG = {
  SIGNATURE: 0x0000, ID: 0x0001, UUID: 0x0002, RAM_SIZE: 0x0003, NOGRAPHIC: 0x0004, NB_CPUS: 0x0005,
  BOOT_DEVICE: 0x000c, BOOT_MENU: 0x000e, MAX_CPUS: 0x000f, FILE_DIR: 0x0019, FILE_FIRST: 0x0020,
  IRQ0_OVERRIDE: 0x8002,
} as const;
const DMA_ERROR = 1, DMA_READ = 2, DMA_SKIP = 4, DMA_SELECT = 8, DMA_WRITE = 0x10;
const NAME_BYTES = 56;

export interface FwCfgFile {
  name: string;
  data: Uint8Array;
}

export interface FwCfgContents {
  cpus: number;
  ramBytes: number;
  files: FwCfgFile[];
}

const u16 = (v: number) => Uint8Array.of(v & 0xff, v >>> 8);
const u32 = (v: number) => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
const u64 = (v: number) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(v), true); return b; };

export class FwCfg implements PortDevice {
  readonly name = 'fw_cfg';
  private readonly items = new Map<number, Uint8Array>();
  private selected = 0;
  private offset = 0;
  private dmaHigh = 0;

  constructor(contents: FwCfgContents, private readonly mem: PhysicalMemory) {
    this.items.set(FW_CFG.SIGNATURE, new TextEncoder().encode('QEMU'));
    this.items.set(FW_CFG.ID, u32(3));
    this.items.set(FW_CFG.UUID, new Uint8Array(16));
    this.items.set(FW_CFG.RAM_SIZE, u64(contents.ramBytes));
    this.items.set(FW_CFG.NOGRAPHIC, u16(1));
    this.items.set(FW_CFG.NB_CPUS, u16(contents.cpus));
    this.items.set(FW_CFG.MAX_CPUS, u16(contents.cpus));
    this.items.set(FW_CFG.BOOT_DEVICE, u16('c'.charCodeAt(0)));
    this.items.set(FW_CFG.BOOT_MENU, u16(0));
    this.items.set(FW_CFG.IRQ0_OVERRIDE, u32(1));
    this.setFiles(contents.files);
  }

  /** Replace the file directory (the machine fills it once the firmware tables are written). */
  setFiles(files: FwCfgFile[]): void {
    for (const k of [...this.items.keys()]) if (k >= FW_CFG.FILE_FIRST && k < 0x8000) this.items.delete(k);
    const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const dir = new Uint8Array(4 + 64 * sorted.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, sorted.length);
    sorted.forEach((f, k) => {
      const at = 4 + 64 * k;
      const sel = FW_CFG.FILE_FIRST + k;
      dv.setUint32(at, f.data.length);
      dv.setUint16(at + 4, sel);
      const name = new TextEncoder().encode(f.name);
      if (name.length >= NAME_BYTES) throw new RangeError(`fw_cfg file name too long: ${f.name}`);
      dir.set(name, at + 8);
      this.items.set(sel, f.data);
    });
    this.items.set(FW_CFG.FILE_DIR, dir);
  }

  private select(key: number): void {
    this.selected = key & 0xffff;
    this.offset = 0;
  }

  /** the next byte of the selected item (0 past its end or for an unknown item) */
  private nextByte(): number {
    const item = this.items.get(this.selected & 0xbfff);
    const v = item && !(this.selected & 0x4000) && this.offset < item.length ? item[this.offset] : 0;
    this.offset++;
    return v;
  }

  read(port: number, size: number): number {
    if (port === FW_CFG_PORT + 1) {
      let v = 0;
      for (let k = 0; k < size; k++) v |= this.nextByte() << (8 * k);
      return v;
    }
    if (port >= FW_CFG_DMA_PORT && port < FW_CFG_DMA_PORT + 8) {
      // "QEMU CFG" as a big-endian 64-bit register
      const sig = new TextEncoder().encode('QEMU CFG');
      let v = 0;
      for (let k = 0; k < size; k++) v |= sig[port - FW_CFG_DMA_PORT + k] << (8 * k);
      return v;
    }
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }

  write(port: number, size: number, value: number): void {
    if (port === FW_CFG_PORT && size >= 2) this.select(value);
    else if (port === FW_CFG_DMA_PORT && size === 4) this.dmaHigh = swap32(value);
    else if (port === FW_CFG_DMA_PORT + 4 && size === 4) this.dma(this.dmaHigh * 2 ** 32 + swap32(value));
  }

  /** Run the DMA request whose control block is at physical `addr`. */
  private dma(addr: number): void {
    const mem = this.mem;
    if (addr + 16 > mem.size) return;
    const dv = mem.view;
    const control = dv.getUint32(addr);
    let length = dv.getUint32(addr + 4);
    let target = Number(dv.getBigUint64(addr + 8));
    if (control & DMA_SELECT) this.select(control >>> 16);
    let status = 0;
    if (control & DMA_WRITE) status = DMA_ERROR;
    else if (control & (DMA_READ | DMA_SKIP)) {
      for (; length > 0; length--, target++) {
        const b = this.nextByte();
        if (!(control & DMA_READ)) continue;
        if (target >= mem.size) { status = DMA_ERROR; break; }
        mem.write(target, 1, b);
      }
    }
    dv.setUint32(addr, status);
    // memory changed under running code: translated code looks again (an inlined VMI call's return
    // address, say, may be among the bytes written)
    mem.leaveTranslatedCode();
  }
}

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

