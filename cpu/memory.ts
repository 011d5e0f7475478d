/**
 * Guest physical memory.
 *
 * RAM is one buffer with 8-, 16- and 32-bit views over it, so that aligned
 * accesses use the widest view. The buffer may be a SharedArrayBuffer, which
 * lets vCPUs on worker threads share it later.
 *
 * Every 4 KiB physical page has a kind byte: ordinary RAM, read-only (option
 * ROM, BIOS area), or device (MMIO: the local APIC, the IO-APIC, anything
 * above RAM). Only ordinary RAM may be cached writable in a software TLB;
 * everything else goes through the slow path here, which dispatches to the
 * device that claimed the range. A page may also carry the CODE bit, set by
 * the translator for pages it has translated, so that writes to it take the
 * slow path and invalidate translations.
 */

import { mutable } from '../base/wide-fields.ts';
export const PAGE_SIZE = 4096;
export const enum PageKind { RAM = 0, ROM = 1, DEVICE = 2 }
/** ORed into a page's kind when translated code was made from it */
export const PAGE_CODE = 0x80;

/** Told that the guest (or the host) wrote `size` bytes at `offset` of a page holding code. */
export type CodeWriteListener = (page: number, offset: number, size: number) => void;

/**
 * A page holding code that takes this many writes of less than the whole
 * page (data beside code, calls patched one at a time) drops all of its code
 * at the next, as every write did before writes were told apart by the bytes
 * they hit: the page is taken for data, and its stores go back to the fast
 * path (a write to a page holding code takes the slow path).
 */
export const SPARED_WRITES = 64;

export interface MmioDevice {
  name: string;
  read(addr: number, size: number): number;
  write(addr: number, size: number, value: number): void;
}

interface MmioRange { start: number; end: number; device: MmioDevice }

/** Thrown when a device is reached while `deviceGuard` is on (lockstep's translated run must not touch devices). */
export class DeviceAccessRefused extends Error {}

/**
 * A vCPU's area past RAM when the memory is a WebAssembly memory
 * (`vcpuAreas`): its software TLB (2^20 entries), then a state block whose
 * first 32 bytes are its general registers and whose rest is scratch the
 * translator's WebAssembly regions exchange values through
 * (translator/compile/wasm-lower.ts). Generated WebAssembly reads all of it
 * with plain loads from the one memory.
 */
export const VCPU_AREA_TLB = 0;
export const VCPU_AREA_STATE = 4 << 20;
export const VCPU_STATE_BYTES = 4096;
export const VCPU_AREA_BYTES = VCPU_AREA_STATE + VCPU_STATE_BYTES;
const WASM_PAGE = 65536;

export class PhysicalMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** the WebAssembly memory whose buffer this is (only with `vcpuAreas`) */
  readonly wasm: WebAssembly.Memory | undefined;
  /** byte offset of the first vCPU's area (RAM's size rounded up to a wasm page) */
  readonly areasStart: number;
  private areasTaken = 0;
  private readonly areas: number;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly view: DataView;
  readonly size: number;
  /** kind of each 4 KiB page of RAM (pages above RAM are devices or unassigned) */
  readonly pageKind: Uint8Array;
  private mmio: MmioRange[] = [];
  /** while true, any access to a device throws DeviceAccessRefused (it would happen twice in lockstep) */
  deviceGuard = false;
  /**
   * Lockstep mode: no TLB may cache write rights, so every guest store comes
   * through `write`, where `journal` (when set) records each byte's old value.
   */
  noFastWrites = false;
  journal: number[] | null = null;
  /** software TLBs that may cache this memory (every vCPU's MMU registers itself) */
  readonly tlbs: { revokeWrite(page: number): void }[] = [];
  /**
   * told when a code page is written, with the bytes written (`offset` and
   * `size` within the page): the decodings and translations made from them
   * are stale; a listener that keeps others of the page marks it again
   * (`markCode`)
   */
  private readonly codeListeners: CodeWriteListener[] = [];
  /** writes of less than a page to each code page since its code was last dropped whole (SPARED_WRITES) */
  private readonly spared: Uint8Array;

  /**
   * `vcpuAreas` > 0: RAM is the start of one WebAssembly memory, followed by
   * that many vCPU areas (VCPU_AREA_*), which `takeVcpuArea` hands out to
   * the vCPUs' CPUs in the order they are made.
   */
  constructor(sizeBytes: number, shared = false, vcpuAreas = 0) {
    if (sizeBytes % PAGE_SIZE !== 0 || sizeBytes <= 0 || sizeBytes > 0xc0000000) {
      throw new Error(`memory size must be a positive multiple of 4 KiB below 3 GiB, got ${sizeBytes}`);
    }
    this.size = sizeBytes;
    this.areas = vcpuAreas;
    this.areasStart = Math.ceil(sizeBytes / WASM_PAGE) * WASM_PAGE;
    if (vcpuAreas > 0) {
      const pages = Math.ceil((this.areasStart + vcpuAreas * VCPU_AREA_BYTES) / WASM_PAGE);
      this.wasm = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
      this.buffer = this.wasm.buffer;
    } else {
      this.wasm = undefined;
      this.buffer = shared ? new SharedArrayBuffer(sizeBytes) : new ArrayBuffer(sizeBytes);
    }
    // the views cover RAM alone: the vCPU areas after it are no guest memory
    this.u8 = new Uint8Array(this.buffer, 0, sizeBytes);
    this.u16 = new Uint16Array(this.buffer, 0, sizeBytes >>> 1);
    this.i32 = new Int32Array(this.buffer, 0, sizeBytes >>> 2);
    this.view = new DataView(this.buffer, 0, sizeBytes);
    this.pageKind = new Uint8Array(sizeBytes / PAGE_SIZE);
    this.spared = new Uint8Array(sizeBytes / PAGE_SIZE);
    // translated code reads the epoch on entry: it must not fold in the value it has until the first change
    mutable(this, ['codeEpoch']);
  }

  /** The byte offset of the next vCPU area (VCPU_AREA_*), or undefined when there are none (left). */
  takeVcpuArea(): number | undefined {
    if (this.areasTaken >= this.areas) return undefined;
    return this.areasStart + VCPU_AREA_BYTES * this.areasTaken++;
  }

  /** Claim [start, start+length) for a device; accesses there reach the device. */
  mapDevice(start: number, length: number, device: MmioDevice): void {
    this.mmio.push({ start, end: start + length, device });
    for (let a = start; a < start + length && a < this.size; a += PAGE_SIZE) {
      this.pageKind[a >>> 12] = PageKind.DEVICE;
    }
  }

  /** Make RAM pages read-only to the guest (ROMs); the host still writes them with `load`. */
  setReadOnly(start: number, length: number): void {
    for (let a = start; a < start + length; a += PAGE_SIZE) this.pageKind[a >>> 12] = PageKind.ROM;
  }

  /** Copy bytes in from the host (loaders, ROM images): no guest-visible checks. */
  load(addr: number, bytes: Uint8Array): void {
    if (addr + bytes.length > this.size) throw new Error(`image does not fit in guest memory at 0x${addr.toString(16)}`);
    this.u8.set(bytes, addr);
    // host writes over decoded or translated code make it stale just as guest writes do
    for (let p = addr >>> 12; p <= (addr + bytes.length - 1) >>> 12; p++) {
      if (!(this.pageKind[p] & PAGE_CODE)) continue;
      const from = Math.max(addr, p << 12);
      this.codeWritten(p, from & 0xfff, Math.min(addr + bytes.length, (p + 1) << 12) - from);
    }
  }

  /** Is this page plain RAM that a TLB may map for fast reads? */
  fastReadable(phys: number): boolean {
    const p = phys >>> 12;
    return p < this.pageKind.length && (this.pageKind[p] & 0x7f) !== PageKind.DEVICE;
  }

  /** ... and for fast writes? */
  fastWritable(phys: number): boolean {
    const p = phys >>> 12;
    return !this.noFastWrites && p < this.pageKind.length && this.pageKind[p] === PageKind.RAM;
  }

  /**
   * May a bulk store (a rep string instruction's run, within one page) go
   * straight to the page holding `phys`: plain RAM holding no decoded code?
   * Unlike `fastWritable`, lockstep's `noFastWrites` does not forbid it:
   * such a store is no TLB-cached one, and it records what it overwrites
   * first (`journalRange`). Element by element through `write`, a 4 KiB
   * rep movs in lockstep took about 0.5 ms.
   */
  bulkWritable(phys: number): boolean {
    const p = phys >>> 12;
    return p < this.pageKind.length && this.pageKind[p] === PageKind.RAM;
  }

  /** Before a bulk store of `bytes` at `phys`: their old values into the journal, when one is kept (lockstep). */
  journalRange(phys: number, bytes: number): void {
    const journal = this.journal;
    if (journal === null) return;
    const u8 = this.u8;
    for (let k = 0; k < bytes; k++) journal.push(phys + k, u8[phys + k]);
  }

  /**
   * Does every write to the 4 KiB page holding `phys` vanish: ROM, or
   * neither RAM nor a device there? A rep stos skips such a run whole (a
   * corrupt count clearing past the end of RAM is then not one slow write
   * per element).
   */
  ignoresWrites(phys: number): boolean {
    const p = phys >>> 12;
    if (p < this.pageKind.length) return (this.pageKind[p] & 0x7f) === PageKind.ROM;
    return !this.deviceOnPage(p);
  }

  /**
   * Do reads of the 4 KiB page holding `phys` have no effect (no device
   * there: RAM, ROM, or nothing mapped)? A rep movs from such a page into
   * one that ignores writes skips the run whole.
   */
  readsWithoutEffect(phys: number): boolean {
    const p = phys >>> 12;
    if (p < this.pageKind.length) return (this.pageKind[p] & 0x7f) !== PageKind.DEVICE;
    return !this.deviceOnPage(p);
  }

  /** Does a device claim any of page `p` (above RAM)? */
  private deviceOnPage(p: number): boolean {
    const start = p * 4096, end = start + 4096;
    for (const r of this.mmio) if (r.start < end && r.end > start) return true;
    return false;
  }

  private device(addr: number): MmioRange | undefined {
    for (const r of this.mmio) if (addr >= r.start && addr < r.end) return r;
    return undefined;
  }

  /**
   * `size` (1, 2, 4) bytes of RAM at physical `p`, aligned or not, for a
   * caller whose TLB entry already said the page is RAM (a system structure
   * read at supervisor level, a descriptor).
   */
  ramRead(p: number, size: number): number {
    if (size === 4) return p & 3 ? this.view.getInt32(p, true) : this.i32[p >>> 2];
    if (size === 2) return p & 1 ? this.view.getUint16(p, true) : this.u16[p >>> 1];
    return this.u8[p];
  }

  /** ... and stored, where the TLB entry granted the write (plain RAM, no code). */
  ramWrite(p: number, size: number, v: number): void {
    if (size === 4) { if (p & 3) this.view.setInt32(p, v, true); else this.i32[p >>> 2] = v; }
    else if (size === 2) { if (p & 1) this.view.setUint16(p, v, true); else this.u16[p >>> 1] = v; }
    else this.u8[p] = v;
  }

  /**
   * An aligned 32-bit word, as `read` gives it: the page-table entries a
   * walk reads. A TLB refill reads two or three, so they skip `read`'s
   * general checks when the page is RAM or ROM.
   */
  readWord(addr: number): number {
    const p = addr >>> 12;
    if (p < this.pageKind.length && (this.pageKind[p] & 0x7f) !== PageKind.DEVICE) return this.i32[addr >>> 2];
    return this.read(addr, 4);
  }

  /** ... and written, as `write` does it: a walk's accessed and dirty bits (a page of code or a journal takes `write`). */
  writeWord(addr: number, value: number): void {
    if (this.fastWritable(addr)) this.i32[addr >>> 2] = value;
    else this.write(addr, 4, value);
  }

  /** Slow-path read of `size` (1, 2, 4) bytes at a physical address (no page crossing). */
  read(addr: number, size: number): number {
    addr >>>= 0;
    if (addr + size <= this.size && (this.pageKind[addr >>> 12] & 0x7f) !== PageKind.DEVICE) {
      if (size === 1) return this.u8[addr];
      if (size === 2) return this.view.getUint16(addr, true);
      return this.view.getInt32(addr, true);
    }
    const d = this.device(addr);
    if (d && this.deviceGuard) throw new DeviceAccessRefused(`device ${d.device.name}`);
    if (d) return d.device.read(addr, size);
    // unassigned: the bus floats high
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }

  /** Slow-path write. ROM and unassigned addresses ignore writes. */
  write(addr: number, size: number, value: number): void {
    addr >>>= 0;
    if (addr + size <= this.size) {
      const kind = this.pageKind[addr >>> 12];
      if ((kind & 0x7f) === PageKind.RAM) {
        if (this.journal) for (let k = 0; k < size; k++) this.journal.push(addr + k, this.u8[addr + k]);
        if (size === 1) this.u8[addr] = value;
        else if (size === 2) this.view.setUint16(addr, value, true);
        else this.view.setInt32(addr, value, true);
        if (kind & PAGE_CODE) this.codeWritten(addr >>> 12, addr & 0xfff, size);
        return;
      }
      if ((kind & 0x7f) === PageKind.ROM) return;
    }
    const d = this.device(addr);
    if (d && this.deviceGuard) throw new DeviceAccessRefused(`device ${d.device.name}`);
    if (d) d.device.write(addr, size, value);
  }

  /**
   * Mark a page as holding decoded or translated code: from now on writes to
   * it take the slow path (no TLB caches write rights for it) and invalidate.
   */
  markCode(page: number): void {
    if (page >= this.pageKind.length || this.pageKind[page] & PAGE_CODE) return;
    if ((this.pageKind[page] & 0x7f) !== PageKind.RAM) return;
    this.pageKind[page] |= PAGE_CODE;
    for (const t of this.tlbs) t.revokeWrite(page << 12);
  }

  isCode(page: number): boolean {
    return page < this.pageKind.length && (this.pageKind[page] & PAGE_CODE) !== 0;
  }

  onCodeInvalidated(listener: CodeWriteListener): void {
    this.codeListeners.push(listener);
  }

  /**
   * Counts code-page invalidations and requests to leave translated code:
   * translated code compares it after every store, helper and hypervisor
   * call, and leaves at the next instruction boundary when it moved.
   */
  codeEpoch = 0;

  /** Make running translated code leave after its current instruction (the machine wants the vCPU back). */
  leaveTranslatedCode(): void {
    this.codeEpoch++;
  }

  /** Drop every decoding and translation made from this page (a debugger set a breakpoint on it). */
  invalidateCode(page: number): void {
    if (page < this.pageKind.length) this.codeWritten(page, 0, PAGE_SIZE);
  }

  /**
   * A guest write hit a code page: drop the mark and tell every cache which
   * bytes changed; what they keep of the page marks it again. Translated
   * code leaves after the store however little it hit (the code epoch).
   */
  private codeWritten(page: number, offset: number, size: number): void {
    if (size < PAGE_SIZE && ++this.spared[page] > SPARED_WRITES) size = PAGE_SIZE;
    if (size >= PAGE_SIZE) {
      offset = 0;
      this.spared[page] = 0;
    }
    this.pageKind[page] &= ~PAGE_CODE;
    this.codeEpoch++;
    for (const l of this.codeListeners) l(page, offset, size);
  }

  /** 64-bit little-endian read of RAM as [low, high] (page-table entries in PAE). */
  read64(addr: number): [number, number] {
    return [this.read(addr, 4), this.read(addr + 4, 4)];
  }
}
