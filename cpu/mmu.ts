/**
 * Paging and the software TLB of one vCPU.
 *
 * The TLB is an Int32Array indexed by linear page number (1M entries); the
 * entry format and the one-bit fast-path test every user of an entry makes
 * are cpu/tlb.ts. `rmask` and `wmask` are the rights the current privilege
 * needs. A right is only cached when using it needs no bookkeeping: write
 * rights only once the dirty bit is set, and never for ROM, device or
 * translated-code pages. Everything else takes the slow path, which walks
 * the page tables, sets accessed/dirty bits, raises #PF with CR2 and the
 * error code, and refills the entry.
 *
 * Supported: 2-level paging with 4 KiB and 4 MiB (CR4.PSE) pages, PAE with
 * 4 KiB and 2 MiB pages (physical addresses below 4 GiB), global pages
 * (CR4.PGE), U/S and R/W with CR0.WP, NX in PAE when EFER.NXE is set.
 * Invalidation follows the architecture: INVLPG drops one page (the whole
 * large page if it is one), a CR3 load drops all but global entries, changes
 * of CR0.PG/WP and CR4.PSE/PGE/PAE drop everything.
 */
import { Fault, Vec } from '../isa/faults.ts';
import { VCPU_AREA_TLB, type PhysicalMemory } from './memory.ts';
import { NUM } from '../base/arith.ts';
import { mutable } from '../base/wide-fields.ts';
import {
  TLB_ALL_RIGHTS, TLB_GLOBAL, TLB_LARGE, TLB_NX, TLB_RS, TLB_RU, TLB_WRITE_RIGHTS, TLB_WS, TLB_WU,
  deviceEntry, deviceGrants, executable, fitsInPage, grants, physical, tlbEntry, tlbFrame, tlbRight,
} from './tlb.ts';


export const CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20;
export const CR0_WP = 0x10000, CR0_AM = 0x40000, CR0_NW = 0x20000000, CR0_CD = 0x40000000, CR0_PG = 0x80000000 | 0;
export const CR4_VME = 1, CR4_PVI = 2, CR4_TSD = 4, CR4_DE = 8, CR4_PSE = 0x10, CR4_PAE = 0x20, CR4_MCE = 0x40, CR4_PGE = 0x80, CR4_PCE = 0x100;
export const EFER_NXE = 0x800;

export const enum Access { READ = 0, WRITE = 1, FETCH = 2 }

/** The control state paging depends on (a view of the CPU). */
export interface PagingControl {
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  efer: number;
}

const FILLED_CAPACITY = 1 << 16;

export class Mmu {
  /** by linear page: tlbEntry(page, rights), 0 when none (in the vCPU's area of a WebAssembly memory, where it has one) */
  readonly tlb: Int32Array;
  /**
   * Pages filled since they were last dropped, non-global and global apart:
   * a CR3 load drops only the first list, so its cost does not grow with the
   * kernel's global pages. A page is listed by the kind of entry it was
   * filled with, and again whenever a refill changes the kind, so it may be
   * in both lists: each flush checks the entry itself.
   */
  private readonly filled = new Int32Array(FILLED_CAPACITY);
  private nFilled = 0;
  private readonly filledGlobal = new Int32Array(FILLED_CAPACITY);
  private nFilledGlobal = 0;
  private largeFills = 0;
  /** TLB right needed for a read / write at the current privilege */
  rmask = TLB_RS;
  wmask = TLB_WS;
  user = false;
  /**
   * Highest linear page the TLB may cache. Translated code trusts a TLB hit
   * without checking segment limits, so when segments end below 4 GiB (the
   * VMI hypervisor hole) pages above the limit are never cached and every
   * access there takes the checked slow path.
   */
  ceilingVpn = 0xfffff;
  /** statistics */
  walks = 0;
  flushes = 0;
  /** device accesses whose page the TLB held (no walk) */
  deviceAccesses = 0;

  constructor(readonly mem: PhysicalMemory, readonly ctl: PagingControl, area?: number) {
    this.tlb = area === undefined ? new Int32Array(1 << 20) : new Int32Array(mem.buffer, area + VCPU_AREA_TLB, 1 << 20);
    mem.tlbs.push(this);
    // first written when the guest turns paging on, long after the helpers that read them were optimised
    mutable(this, ['walks', 'lastRights', 'deviceAccesses']);
  }

  setUser(user: boolean): void {
    this.user = user;
    this.rmask = tlbRight(user, false);
    this.wmask = tlbRight(user, true);
  }

  // ---- fast paths (linear addresses) -------------------------------------------------

  /** The TLB entry for linear address lin (cpu/tlb.ts says what is in it). */
  entry(lin: number): number {
    return this.tlb[lin >>> 12];
  }

  read8(lin: number): number {
    const e = this.entry(lin);
    if (grants(e, this.rmask)) return this.mem.u8[physical(e, lin)];
    return this.readSlow(lin, 1);
  }

  read16(lin: number): number {
    const e = this.entry(lin);
    if (grants(e, this.rmask) && fitsInPage(lin, 2)) {
      const p = physical(e, lin);
      return p & 1 ? this.mem.view.getUint16(p, true) : this.mem.u16[p >>> 1];
    }
    return this.readSlow(lin, 2);
  }

  read32(lin: number): number {
    const e = this.entry(lin);
    if (grants(e, this.rmask) && fitsInPage(lin, 4)) {
      const p = physical(e, lin);
      return p & 3 ? this.mem.view.getInt32(p, true) : this.mem.i32[p >>> 2];
    }
    return this.readSlow(lin, 4);
  }

  write8(lin: number, v: number): void {
    const e = this.entry(lin);
    if (grants(e, this.wmask)) { this.mem.u8[physical(e, lin)] = v; return; }
    this.writeSlow(lin, 1, v);
  }

  write16(lin: number, v: number): void {
    const e = this.entry(lin);
    if (grants(e, this.wmask) && fitsInPage(lin, 2)) {
      const p = physical(e, lin);
      if (p & 1) this.mem.view.setUint16(p, v, true); else this.mem.u16[p >>> 1] = v;
      return;
    }
    this.writeSlow(lin, 2, v);
  }

  write32(lin: number, v: number): void {
    const e = this.entry(lin);
    if (grants(e, this.wmask) && fitsInPage(lin, 4)) {
      const p = physical(e, lin);
      if (p & 3) this.mem.view.setInt32(p, v, true); else this.mem.i32[p >>> 2] = v;
      return;
    }
    this.writeSlow(lin, 4, v);
  }

  read(lin: number, size: number): number {
    return size === 1 ? this.read8(lin) : size === 2 ? this.read16(lin) : this.read32(lin);
  }

  write(lin: number, size: number, v: number): void {
    if (size === 1) this.write8(lin, v); else if (size === 2) this.write16(lin, v); else this.write32(lin, v);
  }

  /**
   * A supervisor access whatever the CPL, as a system structure is read and
   * written (GDT, IDT, TSS, the inner stack an interrupt switches to): the
   * supervisor right tested where the TLB has the page, as the accessors above
   * test the current one; else the walk at supervisor level.
   */
  readSupervisor(lin: number, size: number): number {
    const e = this.entry(lin);
    if (grants(e, TLB_RS) && fitsInPage(lin, size)) return this.mem.ramRead(physical(e, lin), size);
    if (!this.user) return this.readSlow(lin, size);
    this.setUser(false);
    try { return this.readSlow(lin, size); } finally { this.setUser(true); }
  }

  writeSupervisor(lin: number, size: number, v: number): void {
    const e = this.entry(lin);
    if (grants(e, TLB_WS) && fitsInPage(lin, size)) { this.mem.ramWrite(physical(e, lin), size, v); return; }
    if (!this.user) { this.writeSlow(lin, size, v); return; }
    this.setUser(false);
    try { this.writeSlow(lin, size, v); } finally { this.setUser(true); }
  }

  /** A byte of code at a linear address (checks execute rights). */
  fetch8(lin: number): number {
    const e = this.entry(lin);
    if (executable(e, this.rmask)) return this.mem.u8[physical(e, lin)];
    return this.mem.read(this.translate(lin, Access.FETCH), 1);
  }

  // ---- slow paths ------------------------------------------------------------------

  readSlow(lin: number, size: number): number {
    lin |= 0;
    const e = this.entry(lin);
    if (deviceGrants(e, this.rmask) && fitsInPage(lin, size)) {
      this.deviceAccesses++;
      return this.mem.read(physical(e, lin), size);
    }
    if ((lin & 0xfff) + size > 0x1000) {
      let v = 0;
      for (let k = 0; k < size; k++) v |= this.read8((lin + k) | 0) << (8 * k);
      return size === 4 ? v | 0 : v;
    }
    const phys = this.translate(lin, Access.READ);
    return size === 4 && !(phys & 3) ? this.mem.readWord(phys) : this.mem.read(phys, size);
  }

  writeSlow(lin: number, size: number, v: number): void {
    lin |= 0;
    const e = this.entry(lin);
    if (deviceGrants(e, this.wmask) && fitsInPage(lin, size)) {
      this.deviceAccesses++;
      this.mem.write(physical(e, lin), size, v);
      return;
    }
    if ((lin & 0xfff) + size > 0x1000) {
      // check both pages before writing anything, so a fault leaves memory untouched
      const first = this.translate(lin, Access.WRITE);
      // the second part of a split access starts at the page boundary (that is what CR2 reports)
      const second = this.translate(((lin + size - 1) & ~0xfff) | 0, Access.WRITE);
      const split = 0x1000 - (lin & 0xfff);
      for (let k = 0; k < size; k++) {
        const phys = k < split ? first + k : second + (k - split);
        this.mem.write(phys, 1, (v >>> (8 * k)) & 0xff);
      }
      return;
    }
    const phys = this.translate(lin, Access.WRITE);
    if (size === 4 && !(phys & 3)) this.mem.writeWord(phys, v);
    else this.mem.write(phys, size, v);
  }

  /**
   * Linear to physical for one access, raising #PF as the hardware does, and
   * caching the result in the TLB when it may be cached.
   */
  translate(lin: number, access: Access, user = this.user): number {
    const ctl = this.ctl;
    let phys: number;
    let rights: number;
    if (!(ctl.cr0 & CR0_PG)) {
      phys = lin >>> 0;
      rights = TLB_ALL_RIGHTS;
    } else {
      this.walks++;
      const r = ctl.cr4 & CR4_PAE ? this.walkPae(lin, access, user) : this.walk32(lin, access, user);
      phys = r;
      rights = this.lastRights;
    }
    const page = phys & ~0xfff;
    if (lin >>> 12 <= this.ceilingVpn) {
      const ram = this.mem.fastReadable(page);
      if (ram && !this.mem.fastWritable(page)) rights &= ~TLB_WRITE_RIGHTS;
      const vpn = lin >>> 12;
      // listed when filled, and again when a refill changes whether it is global (the list a flush looks at)
      const old = this.tlb[vpn];
      if (old === 0 || (old ^ rights) & TLB_GLOBAL) {
        if (this.nFilled === FILLED_CAPACITY || this.nFilledGlobal === FILLED_CAPACITY) this.flushAll(false);
        if (rights & TLB_GLOBAL) this.filledGlobal[this.nFilledGlobal++] = vpn;
        else this.filled[this.nFilled++] = vpn;
      }
      this.tlb[vpn] = ram ? tlbEntry(page, rights) : deviceEntry(page, rights);
      if (rights & TLB_LARGE) this.largeFills++;
    }
    return phys >>> 0;
  }

  /**
   * Linear to physical for a debugger: the page tables as they are, without
   * rights checks, accessed or dirty bits, TLB fills or a fault; -1 when
   * the address is not mapped.
   */
  debugTranslate(lin: number): number {
    const ctl = this.ctl;
    if (!(ctl.cr0 & CR0_PG)) return lin >>> 0;
    const mem = this.mem;
    const entry = (addr: number) => (mem.fastReadable(addr) ? mem.read(addr >>> 0, 4) : 0);
    if (ctl.cr4 & CR4_PAE) {
      const pdpte = entry((ctl.cr3 & ~0x1f) + ((lin >>> 30) << 3));
      if (!(pdpte & 1)) return -1;
      const pde = entry((pdpte & ~0xfff) + (((lin >>> 21) & 0x1ff) << 3));
      if (!(pde & 1)) return -1;
      if (pde & 0x80) return ((pde & 0xffe00000) | (lin & 0x1fffff)) >>> 0;
      const pte = entry((pde & ~0xfff) + (((lin >>> 12) & 0x1ff) << 3));
      return pte & 1 ? ((pte & ~0xfff) | (lin & 0xfff)) >>> 0 : -1;
    }
    const pde = entry((ctl.cr3 & ~0xfff) + ((lin >>> 22) << 2));
    if (!(pde & 1)) return -1;
    if (pde & 0x80 && ctl.cr4 & CR4_PSE) return ((pde & 0xffc00000) | (lin & 0x3fffff)) >>> 0;
    const pte = entry((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2));
    return pte & 1 ? ((pte & ~0xfff) | (lin & 0xfff)) >>> 0 : -1;
  }

  private lastRights = 0;

  private pageFault(lin: number, access: Access, user: boolean, protection: boolean): never {
    this.ctl.cr2 = lin | 0;
    let code = protection ? 1 : 0;
    if (access === Access.WRITE) code |= 2;
    if (user) code |= 4;
    if (access === Access.FETCH && this.ctl.cr4 & CR4_PAE && this.ctl.efer & EFER_NXE) code |= 16;
    throw new Fault(Vec.PF, code);
  }

  /** Check rights of a present translation; returns TLB rights bits or raises #PF. */
  private check(lin: number, access: Access, user: boolean, us: boolean, rw: boolean, dirty: boolean, nx: boolean): number {
    const wp = (this.ctl.cr0 & CR0_WP) !== 0;
    if (user && !us) this.pageFault(lin, access, user, true);
    if (access === Access.WRITE && !rw && (user || wp)) this.pageFault(lin, access, user, true);
    if (access === Access.FETCH && nx) this.pageFault(lin, access, user, true);
    let rights = TLB_RS;
    if (us) rights |= TLB_RU;
    if (dirty || access === Access.WRITE) {
      if (rw || !wp) rights |= TLB_WS;
      if (us && rw) rights |= TLB_WU;
    }
    if (nx) rights |= TLB_NX;
    return rights;
  }

  private walk32(lin: number, access: Access, user: boolean): number {
    const mem = this.mem;
    const write = access === Access.WRITE;
    const pdeAddr = ((this.ctl.cr3 & ~0xfff) + ((lin >>> 22) << 2)) >>> 0;
    let pde = mem.readWord(pdeAddr);
    if (!(pde & 1)) this.pageFault(lin, access, user, false);
    if (pde & 0x80 && this.ctl.cr4 & CR4_PSE) {
      const rights = this.check(lin, access, user, (pde & 4) !== 0, (pde & 2) !== 0, (pde & 0x40) !== 0, false);
      const want = pde | 0x20 | (write ? 0x40 : 0);
      if (want !== pde) mem.writeWord(pdeAddr, want);
      this.lastRights = rights | TLB_LARGE | (pde & 0x100 && this.ctl.cr4 & CR4_PGE ? TLB_GLOBAL : 0);
      return ((pde & 0xffc00000) | (lin & 0x3fffff)) >>> 0;
    }
    if (!(pde & 0x20)) { pde |= 0x20; mem.writeWord(pdeAddr, pde); }
    const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
    const pte = mem.readWord(pteAddr);
    if (!(pte & 1)) this.pageFault(lin, access, user, false);
    const rights = this.check(lin, access, user, (pde & pte & 4) !== 0, (pde & pte & 2) !== 0, (pte & 0x40) !== 0, false);
    const want = pte | 0x20 | (write ? 0x40 : 0);
    if (want !== pte) mem.writeWord(pteAddr, want);
    this.lastRights = rights | (pte & 0x100 && this.ctl.cr4 & CR4_PGE ? TLB_GLOBAL : 0);
    return ((pte & ~0xfff) | (lin & 0xfff)) >>> 0;
  }

  private walkPae(lin: number, access: Access, user: boolean): number {
    const mem = this.mem;
    const write = access === Access.WRITE;
    const nxe = (this.ctl.efer & EFER_NXE) !== 0;
    const pdpteAddr = ((this.ctl.cr3 & ~0x1f) + ((lin >>> 30) << 3)) >>> 0;
    const pdpte = mem.readWord(pdpteAddr);
    if (!(pdpte & 1)) this.pageFault(lin, access, user, false);
    const pdeAddr = ((pdpte & ~0xfff) + (((lin >>> 21) & 0x1ff) << 3)) >>> 0;
    let pde = mem.readWord(pdeAddr);
    const pdeHi = mem.readWord(pdeAddr + 4);
    if (!(pde & 1)) this.pageFault(lin, access, user, false);
    let nx = nxe && pdeHi < 0;
    if (pde & 0x80) {
      const rights = this.check(lin, access, user, (pde & 4) !== 0, (pde & 2) !== 0, (pde & 0x40) !== 0, nx);
      const want = pde | 0x20 | (write ? 0x40 : 0);
      if (want !== pde) mem.writeWord(pdeAddr, want);
      this.lastRights = rights | TLB_LARGE | (pde & 0x100 && this.ctl.cr4 & CR4_PGE ? TLB_GLOBAL : 0);
      return ((pde & 0xffe00000) | (lin & 0x1fffff)) >>> 0;
    }
    if (!(pde & 0x20)) { pde |= 0x20; mem.writeWord(pdeAddr, pde); }
    const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x1ff) << 3)) >>> 0;
    const pte = mem.readWord(pteAddr);
    const pteHi = mem.readWord(pteAddr + 4);
    if (!(pte & 1)) this.pageFault(lin, access, user, false);
    nx = nx || (nxe && pteHi < 0);
    const rights = this.check(lin, access, user, (pde & pte & 4) !== 0, (pde & pte & 2) !== 0, (pte & 0x40) !== 0, nx);
    const want = pte | 0x20 | (write ? 0x40 : 0);
    if (want !== pte) mem.writeWord(pteAddr, want);
    this.lastRights = rights | (pte & 0x100 && this.ctl.cr4 & CR4_PGE ? TLB_GLOBAL : 0);
    return ((pte & ~0xfff) | (lin & 0xfff)) >>> 0;
  }

  // ---- invalidation ----------------------------------------------------------------

  /** Lower or raise the highest cacheable linear page (entries above a lowered ceiling are dropped). */
  setCeiling(vpn: number): void {
    if (vpn === this.ceilingVpn) return;
    const lowered = vpn < this.ceilingVpn;
    this.ceilingVpn = vpn;
    if (lowered) this.flushAll(false);
  }

  /** Drop every cached translation, or every non-global one. */
  flushAll(keepGlobal: boolean): void {
    this.flushes++;
    const tlb = this.tlb;
    if (!keepGlobal && (this.nFilled === FILLED_CAPACITY || this.nFilledGlobal === FILLED_CAPACITY)) {
      tlb.fill(0);
      this.nFilled = this.nFilledGlobal = this.largeFills = 0;
      return;
    }
    // a page listed as non-global that holds a global entry now was listed as global when it became one
    for (let k = 0; k < this.nFilled; k++) {
      const vpn = this.filled[k];
      if (!keepGlobal || !(tlb[vpn] & TLB_GLOBAL)) tlb[vpn] = 0;
    }
    this.nFilled = 0;
    if (!keepGlobal) {
      for (let k = 0; k < this.nFilledGlobal; k++) tlb[this.filledGlobal[k]] = 0;
      this.nFilledGlobal = 0;
    }
    if (this.nFilledGlobal === 0) this.largeFills = 0;
  }

  /** INVLPG: drop the translation of the page holding `lin` (global or not). */
  invalidatePage(lin: number): void {
    const vpn = lin >>> 12;
    if (this.largeFills) {
      const first = vpn & ~0x3ff;
      for (let k = 0; k < 1024; k++) this.tlb[first + k] = 0;
    } else {
      this.tlb[vpn] = 0;
      // the page filled last is dropped from its list too: a kernel that rewrites one PTE, invalidates and
      // touches the page again would otherwise list it at every refill, and fill the list (a full flush) soon
      if (this.nFilled && this.filled[this.nFilled - 1] === vpn) this.nFilled--;
      if (this.nFilledGlobal && this.filledGlobal[this.nFilledGlobal - 1] === vpn) this.nFilledGlobal--;
    }
  }

  /** Remove write rights for every entry mapping physical page `page` (it became code). */
  revokeWrite(page: number): void {
    this.revokeWriteIn(this.filled, this.nFilled, page);
    this.revokeWriteIn(this.filledGlobal, this.nFilledGlobal, page);
  }

  private revokeWriteIn(list: Int32Array, n: number, page: number): void {
    for (let k = 0; k < n; k++) {
      const vpn = list[k];
      const e = this.tlb[vpn];
      if (tlbFrame(NUM, e) === tlbFrame(NUM, page)) this.tlb[vpn] = e & ~TLB_WRITE_RIGHTS;
    }
  }
}
