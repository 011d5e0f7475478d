/**
 * The architectural state of one vCPU and the primitive accesses both engines
 * build on.
 *
 * Registers are an Int32Array in encoding order (EAX ECX EDX EBX ESP EBP ESI
 * EDI); how AH..BH, AX..DI and SP map onto it is cpu/registers.ts. Segment
 * registers keep their selector and the hidden descriptor cache
 * (base, limit, attributes) the way the hardware does; from the cache we
 * precompute the offset range a segment accepts and whether it may be read
 * or written, so an access checks two numbers instead of decoding a type,
 * and `flatTop` says whether a segment is flat, the one definition every
 * specialisation on flat segments uses. EFLAGS is `eflags` plus the lazy
 * record described in cpu/flags.ts.
 *
 * Memory accesses through a segment (`read`, `write`) check rights and
 * limits, add the base, and go to the MMU. Everything privileged lives in
 * the modules that import this one: segment loads in cpu/segments.ts,
 * interrupt delivery in cpu/interrupts.ts, what a system instruction and a
 * VMI call share (control and debug registers, table registers, LDT and TR
 * loads) in cpu/system-ops.ts, the instructions themselves in
 * semantics/families/.
 * Both engines, the machine and the VMI ROM build on this class.
 */
import { readEflags, materialize, computeLazy, conditionOf, type FlagState } from './flags.ts';
import { ARITH, CC_READS, FIXED_ONE, testCC, VM, IOPL, AC, TF, RF } from '../isa/eflags.ts';
import { Fault, Vec } from '../isa/faults.ts';
import { VCPU_AREA_STATE, type PhysicalMemory } from './memory.ts';
import { Mmu, CR0_PE, CR0_ET, CR0_AM, type PagingControl } from './mmu.ts';
import { fitsInPage, grants, physical } from './tlb.ts';
import { Seg, Reg } from '../isa/instr.ts';
import { Fpu } from './fpu-state.ts';
import { VMIDBT_CPU, signature, type CpuModel } from './models.ts';
import { readRegister, stackCommit, stackMove, stackPointer, writeRegister } from './registers.ts';
import { NUM } from '../base/arith.ts';
import { MsrFile } from './msrs.ts';
import { HOST_WATCH, noteDataAccess, type HostDebug } from './debug.ts';
import { mutable, widen } from '../base/wide-fields.ts';
import type { Descriptor } from './descriptor.ts';

/** segment access rights precomputed from the descriptor cache */
export const SEG_R = 1, SEG_W = 2, SEG_X = 4, SEG_VALID = 8;

/**
 * The lowest limit a flat segment may have: just below 0xFC000000, where the
 * VMI ROM's hypervisor hole starts (vmirom/segs.ts cuts the guest's flat
 * segments there). A lower limit would make accesses above it, which the
 * TLB may not cache for translated code (cpu/mmu.ts ceilingVpn), common.
 */
export const FLAT_MIN_LIMIT = 0xfbffffff;

/** Ports, interrupts and the rest of the machine as the CPU sees them. */
export interface CpuBus {
  portRead(port: number, size: number): number;
  portWrite(port: number, size: number, value: number): void;
  /** the vector of a pending external interrupt the CPU may take now, or -1 (called with IF set) */
  pendingInterrupt(cpu: Cpu): number;
  /** acknowledge: the CPU is taking that vector */
  ackInterrupt(cpu: Cpu, vector: number): void;
  rdmsr?(cpu: Cpu, msr: number): [number, number] | undefined;
  wrmsr?(cpu: Cpu, msr: number, lo: number, hi: number): boolean;
  /** a guest `hlt`: the bus decides whether the vCPU sleeps */
  onHalt?(cpu: Cpu): void;
  /** an iret ended NMI blocking: an NMI that waited may be delivered now (after the iret) */
  nmiUnblocked?(cpu: Cpu): void;
}

/**
 * How a paravirtual interface (the VMI ROM, vmirom/) changes interrupt
 * handling once it runs the guest kernel deprivileged. The guest cannot touch
 * the real IF (it stays set), so a virtual IF gates external interrupts in its
 * place, is what an interrupt frame's EFLAGS image shows, and is what an
 * interrupt gate clears. `null` on Cpu.pv means native rules.
 */
export interface Paravirt {
  vif: boolean;
  /**
   * The highest offset of the flat segments sysenter and sysexit load: the
   * kernel's segments stop below the hypervisor's part of the address space.
   */
  readonly flatLimit: number;
  /**
   * The stack an entry from an outer level to the kernel's switches to, when
   * the hypervisor keeps it itself (VMI API 3.0's UpdateKernelStack names no
   * TSS); without one the TSS's stack for that level is used.
   */
  readonly kernelStack?: { readonly sel: number; readonly esp: number };
  /** called as an exception or interrupt is delivered (a #PF flushes deferred page-table updates) */
  onDeliver?(cpu: Cpu, vector: number): void;
  /**
   * State beyond the scalar fields (queues, records) as a restore function,
   * for running the same instructions twice from one point (lockstep)
   */
  checkpoint?(): () => void;
  /** that state as text, for comparing two runs (lockstep, the fuzzer) */
  describe?(): string;
}

/**
 * A descriptor a segment load proved (segments.ts: a return that keeps CS,
 * a data-segment load): the selector, the CPL and the table's base and
 * limit then, the TLB entry of the descriptor's page, where its words lie
 * in RAM and their values, the segEpoch then, and what the load put in the
 * register. While these still hold, the same load needs no decoding and
 * passes the same checks.
 */
export class KeptDescriptor {
  sel = -1;
  cpl = 0;
  table = 0;
  tableLimit = 0;
  lin = 0;
  entry = 0;
  word = 0;
  lo = 0;
  hi = 0;
  epoch = 0;
  base = 0;
  limit = 0;
  attr = 0;
  /** what readDescriptor returned for it (`Cpu.keptReads`): handed out again while the rest holds */
  read: Descriptor | undefined = undefined;

  constructor() {
    // a flat segment's limit is 0xffffffff (base/wide-fields.ts)
    widen(this, ['limit']);
  }
}

/** Slots of the data-segment loads remembered, by selector index (a power of two). */
export const KEPT_DATA_LOADS = 8;
/** Slots of the descriptor reads remembered, by selector index (a power of two). */
export const KEPT_READS = 16;

const NULL_BUS: CpuBus = {
  portRead: (_p, size) => (size === 1 ? 0xff : size === 2 ? 0xffff : -1),
  portWrite: () => {},
  pendingInterrupt: () => -1,
  ackInterrupt: () => {},
};

export class Cpu implements FlagState, PagingControl {
  /** EAX..EDI (the first bytes of the vCPU's state block where its memory gives it an area: cpu/memory.ts) */
  readonly regs: Int32Array;
  eip = 0;
  eflags = FIXED_ONE;
  lazy = 0;
  lop = 0;
  lres = 0;
  la = 0;
  lb = 0;

  readonly segSel = new Uint16Array(6);
  readonly segBase = new Int32Array(6);
  /** raw limit (byte granular, after G scaling) */
  readonly segLimit = new Float64Array(6);
  /** descriptor attribute bits 8..15 and 20..23 of the high dword, as (type|S<<4|DPL<<5|P<<7|AVL<<12|L<<13|DB<<14|G<<15) */
  readonly segAttr = new Uint16Array(6);
  /** lowest and highest valid offset */
  readonly segLo = new Float64Array(6);
  readonly segHi = new Float64Array(6);
  readonly segRights = new Uint8Array(6);
  /** per segment: its last page if base, limits and expansion make it flat (rights aside), else -1 (flatTop) */
  readonly segFlatPage = new Float64Array(6).fill(-1);

  cpl = 0;
  /** CS.D: default operand/address size 32 */
  code32 = false;
  /** SS.B: stack uses ESP (else SP) */
  stack32 = false;

  cr0 = CR0_ET;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  efer = 0;
  readonly dr = new Int32Array(8);

  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  idtLimit = 0x3ff;
  ldtSel = 0;
  ldtBase = 0;
  ldtLimit = 0;
  trSel = 0;
  trBase = 0;
  trLimit = 0;
  /** TSS descriptor type (9 available 32-bit, 0xB busy 32-bit, 1/3 for 16-bit) */
  trType = 0xb;

  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  apicBase = 0xfee00900 | 0;
  tscOffset = 0n;
  /** guest instructions retired (drives deterministic time) */
  instructions = 0;

  /** instructions a translated region may run before it must return at a loop back-edge */
  budget = 0;
  /** counts segment-register loads, so the translator can cache what it derives from segments */
  segEpoch = 0;
  /** the descriptor a return last proved to reload CS unchanged (segments.ts `returnKeepsCs`) */
  readonly keptCs = new KeptDescriptor();
  /** data-segment loads that passed their checks, by selector index (segments.ts `keptDataLoad`) */
  readonly keptDataLoads: KeptDescriptor[] = Array.from({ length: KEPT_DATA_LOADS }, () => new KeptDescriptor());
  /** descriptors read, by selector index, for any load's checks (segments.ts `readDescriptor`) */
  readonly keptReads: KeptDescriptor[] = Array.from({ length: KEPT_READS }, () => new KeptDescriptor());
  /** set by translated code leaving through an indirect jump: which site of the region it was (-1: none) */
  exitSite = -1;
  halted = false;
  /** set by mov ss / pop ss / sti: interrupts are inhibited for one instruction */
  interruptShadow = false;
  /** set by mov ss / pop ss: debug traps wait until after the next instruction (cpu/debug.ts) */
  debugShadow = false;
  /** DR6 bits of debug traps held back by a mov ss / pop ss */
  pendingDebug = 0;
  /** armed breakpoints by kind, as bit masks of DR0-DR3 (cpu/debug.ts armBreakpoints) */
  bpExec = 0;
  bpWrite = 0;
  bpRead = 0;
  /** data breakpoints hit by the running instruction (B0-B3) */
  dbHits = 0;
  /** a host debugger's breakpoints and watchpoints (cpu/debug.ts HostDebug), shared by the machine's vCPUs; null when none is attached */
  hostDebug: HostDebug | null = null;
  readonly fpu = new Fpu();
  readonly mmu: Mmu;
  bus: CpuBus = NULL_BUS;
  /** paravirtual interrupt state while a VMI ROM runs this vCPU (see Paravirt), else null */
  pv: Paravirt | null = null;
  /** which vCPU this is (APIC id) */
  id = 0;
  /** what cpuid reports and which MSRs exist (cpu/models.ts); change it with setModel */
  model: CpuModel = VMIDBT_CPU;
  /** the MSRs that hold what the guest wrote (cpu/msrs.ts); INIT keeps them */
  msrFile = new MsrFile(VMIDBT_CPU);
  /** an NMI handler runs: further NMIs wait for the next iret */
  nmiBlocked = false;

  /** byte offset of this vCPU's area in its memory's buffer (cpu/memory.ts VCPU_AREA_*), if it has one */
  readonly area: number | undefined;

  constructor(readonly mem: PhysicalMemory) {
    // counts past 2^31, and a limit of 0xffffffff: laid out for any number (base/wide-fields.ts)
    widen(this, ['instructions', 'budget', 'trLimit']);
    this.area = mem.takeVcpuArea();
    this.regs = this.area === undefined ? new Int32Array(8) : new Int32Array(mem.buffer, this.area + VCPU_AREA_STATE, 8);
    this.mmu = new Mmu(mem, this, this.area);
    this.reset();
    // set once by the guest, after the code that reads them for sysenter was optimised
    mutable(this, ['sysenterCs', 'sysenterEsp', 'sysenterEip']);
  }

  /** Become `m` (at power-on: the MSRs start as firmware leaves them, and EDX holds the signature). */
  setModel(m: CpuModel): void {
    this.model = m;
    this.msrFile = new MsrFile(m);
    this.regs[Reg.EDX] = signature(m);
  }

  /** Power-on state, as after RESET (real mode at F000:FFF0). */
  reset(): void {
    this.regs.fill(0);
    this.regs[Reg.EDX] = signature(this.model); // the processor signature, as after RESET
    this.eflags = FIXED_ONE;
    this.lazy = 0;
    this.cr0 = CR0_ET;
    this.cr2 = this.cr3 = this.cr4 = 0;
    this.efer = 0;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0 | 0;
    this.dr[7] = 0x400;
    // RESET and INIT disarm DR7's breakpoints, not a host debugger's watchpoints
    this.bpWrite &= HOST_WATCH;
    this.bpRead &= HOST_WATCH;
    this.bpExec = this.dbHits = this.pendingDebug = 0;
    this.debugShadow = false;
    for (let s = 0; s < 6; s++) this.setRealSeg(s, 0);
    this.setRealSeg(Seg.CS, 0xf000);
    this.segBase[Seg.CS] = 0xffff0000 | 0;
    this.refreshSeg(Seg.CS);
    this.eip = 0xfff0;
    this.gdtBase = 0; this.gdtLimit = 0xffff;
    this.idtBase = 0; this.idtLimit = 0x3ff;
    this.ldtSel = this.ldtBase = 0; this.ldtLimit = 0xffff;
    this.trSel = this.trBase = 0; this.trLimit = 0xffff; this.trType = 0xb;
    this.setCpl(0);
    this.code32 = false;
    this.stack32 = false;
    this.halted = false;
    this.nmiBlocked = false;
    // RESET and INIT leave paravirtual mode (an AP is put back into it by the ROM)
    this.pv = null;
    this.fpu.reset();
    this.mmu.flushAll(false);
  }

  // ---- registers -------------------------------------------------------------------

  /** register r of `size` (partial registers as cpu/registers.ts numbers them) */
  getReg(r: number, size: number): number {
    return readRegister(this.regs, r, size);
  }

  setReg(r: number, size: number, v: number): void {
    writeRegister(this.regs, r, size, v);
  }

  // ---- flags -----------------------------------------------------------------------

  getEflags(): number {
    return readEflags(this);
  }

  /** Replace the bits of `mask` in EFLAGS (no privilege checks: callers apply them). */
  setEflags(value: number, mask = -1): void {
    if (this.lazy & mask) this.lazy &= ~mask;
    materialize(this, ARITH);
    // reserved bits read 0 (bit 1 reads 1); VM never comes from here: virtual-8086 mode is not supported
    this.eflags = ((this.eflags & ~mask) | (value & mask) | FIXED_ONE) & ~(0xffc08028 | VM);
  }

  getFlag(f: number): number {
    if (this.lazy & f) return computeLazy(f, this.lop, this.lres, this.la, this.lb) ? 1 : 0;
    return this.eflags & f ? 1 : 0;
  }

  setFlag(f: number, v: number): void {
    if (this.lazy & f) this.lazy &= ~f;
    this.eflags = v ? this.eflags | f : this.eflags & ~f;
  }

  /** Set the flags in `mask` from the same bits of `v` (no reserved bit, no VM). */
  setFlagBits(mask: number, v: number): void {
    if (this.lazy & mask) this.lazy &= ~mask;
    this.eflags = (this.eflags & ~mask) | (v & mask);
  }

  /** Record a flag result lazily (see cpu/flags.ts). */
  setLazy(lop: number, res: number, a: number, b: number, mask: number): void {
    if (this.lazy & ~mask) materialize(this, this.lazy & ~mask);
    this.lop = lop; this.lres = res; this.la = a; this.lb = b;
    this.lazy = mask;
  }

  /** condition cc: when the lazy record decides it alone, its formula (one comparison after a cmp) */
  cond(cc: number): boolean {
    const reads = CC_READS[cc];
    if ((this.lazy & reads) === reads) return conditionOf(NUM, cc, this.lop, this.lres, this.la, this.lb) !== 0;
    return testCC(cc, this.lazy ? readEflags(this) : this.eflags);
  }

  // ---- time ------------------------------------------------------------------------

  /**
   * The clock under the time stamp counter, a whole number of cycles below
   * 2^53: the instructions retired here; a machine sets its real time
   * (runtime/machine.ts), so that rdtsc agrees with the VMI cycle counter.
   */
  tscClock: () => number = () => this.instructions;

  /** The time stamp counter: deterministic virtual time (the clock plus an offset). */
  readTsc(): bigint {
    return BigInt.asUintN(64, BigInt(this.tscClock()) + this.tscOffset);
  }

  /** Make the counter read `v` now (WRMSR to IA32_TIME_STAMP_COUNTER). */
  writeTsc(v: bigint): void {
    this.tscOffset = v - BigInt(this.tscClock());
  }

  // ---- privilege and modes ---------------------------------------------------------

  get protectedMode(): boolean {
    return (this.cr0 & CR0_PE) !== 0;
  }

  setCpl(cpl: number): void {
    this.cpl = cpl;
    this.mmu.setUser(cpl === 3);
  }

  /** I/O privilege: may this code touch the interrupt flag and ports without a TSS check? */
  get iopl(): number {
    return (this.eflags & IOPL) >> 12;
  }

  // ---- segments --------------------------------------------------------------------

  /** Load a segment register the real-mode way: base = selector * 16, limits kept. */
  setRealSeg(s: number, sel: number): void {
    this.segSel[s] = sel;
    this.segBase[s] = sel << 4;
    if (!this.protectedMode || this.segLimit[s] === 0) {
      this.segLimit[s] = 0xffff;
      this.segAttr[s] = s === Seg.CS ? 0x9b : 0x93;
    }
    this.refreshSeg(s);
  }

  /**
   * Does segment register `s` hold exactly this selector and descriptor
   * cache, with the checks refreshSeg would compute from it (the code and
   * stack sizes also depend on the mode they were computed in)?
   */
  holdsSeg(s: number, sel: number, base: number, limit: number, attr: number): boolean {
    if (this.segSel[s] !== (sel & 0xffff) || this.segBase[s] !== base || this.segLimit[s] !== limit || this.segAttr[s] !== attr) return false;
    const big = this.protectedMode && (attr & 0x4000) !== 0;
    return s === Seg.CS ? this.code32 === big : s === Seg.SS ? this.stack32 === big : true;
  }

  /**
   * Load segment `s` with a cache that differs from the one it holds only
   * in the selector and the descriptor's DPL (attr bits 5-6), which none of
   * its precomputed checks depends on: a ring change's CS and SS, a kernel
   * entry's data selectors and their return. False, with nothing changed,
   * where the cache differs in more.
   */
  reselectSeg(s: number, sel: number, base: number, limit: number, attr: number): boolean {
    const held = this.segAttr[s];
    if (((held ^ attr) & ~0x60) !== 0 || !this.holdsSeg(s, this.segSel[s], base, limit, held)) return false;
    this.segSel[s] = sel;
    this.segAttr[s] = attr;
    this.segLoaded(s, false);
    return true;
  }

  /**
   * A load of segment `s` done (`checksChanged`: its rights or flatness
   * changed): move segEpoch where what translations and the engine rely on
   * may have changed, as refreshSeg says.
   */
  private segLoaded(s: number, checksChanged: boolean): void {
    if (checksChanged || s === Seg.CS || s === Seg.SS) this.segEpoch++;
  }

  /**
   * Recompute the precomputed checks of segment `s` from its descriptor
   * cache. segEpoch moves where what translations and the engine rely on may
   * have changed: any load of CS or SS, and a data segment whose rights or
   * flatness changed. A kernel entry reloading DS, ES, FS and GS with its
   * own flat selectors (another DPL, another FS or GS base) moves it not:
   * translated code reads data selectors and the FS and GS bases where it
   * uses them, and addresses DS and ES by offset only while they are flat.
   */
  refreshSeg(s: number): void {
    const rightsBefore = this.segRights[s];
    const flatBefore = this.segFlatPage[s];
    const attr = this.segAttr[s];
    const limit = this.segLimit[s];
    const type = attr & 0xf;
    const present = (attr & 0x80) !== 0;
    let rights = 0;
    if (present && attr & 0x10) {
      if (type & 8) {
        rights = SEG_X | (type & 2 ? SEG_R : 0);
      } else {
        rights = SEG_R | (type & 2 ? SEG_W : 0);
      }
      rights |= SEG_VALID;
    }
    this.segRights[s] = rights;
    const big = (attr & 0x4000) !== 0;
    if (!(type & 8) && type & 4) {
      // expand-down data segment: valid offsets lie above the limit
      this.segLo[s] = limit + 1;
      this.segHi[s] = big ? 0xffffffff : 0xffff;
    } else {
      this.segLo[s] = 0;
      this.segHi[s] = limit;
    }
    if (s === Seg.CS) this.code32 = this.protectedMode && big;
    if (s === Seg.SS) this.stack32 = this.protectedMode && big;
    const hi = this.segHi[s];
    // (integer operations: hi may be 2^32 - 1, where % and / are double arithmetic, % a call into the C library)
    this.segFlatPage[s] = this.segBase[s] === 0 && this.segLo[s] === 0 && hi >= FLAT_MIN_LIMIT && (hi & 0xfff) === 0xfff ? hi >>> 12 : -1;
    this.segLoaded(s, rights !== rightsBefore || this.segFlatPage[s] !== flatBefore);
  }

  /**
   * The last page of segment s if it is flat, else -1. Flat means base 0,
   * expand-up from offset 0, granting `rights` (SEG_R, SEG_W; 0 for code),
   * with a limit that ends a page no lower than FLAT_MIN_LIMIT: a full
   * 4 GiB segment, or one the VMI ROM cut below its hole. An offset in a
   * flat segment is its linear address, and the limit is a page number, so
   * whoever specialises on flatness (translations, the string
   * instructions' page runs) checks the limit a page at a time.
   */
  flatTop(s: number, rights: number): number {
    // the rights-free part is worked out when the segment is loaded (refreshSeg): segments are read far more often
    return (this.segRights[s] & rights) === rights ? this.segFlatPage[s] : -1;
  }

  /**
   * The last page CS, SS, DS and ES are all flat to (data ones readable and
   * writable), or -1 if one is not flat: what translated code specialises on
   * (it addresses DS, ES and SS memory by offset, the TLB ceiling enforcing
   * the limit).
   */
  translationFlatTop(): number {
    // worked out again only after segEpoch moved (translated code asks after every data segment load)
    if (this.flatTopEpoch === this.segEpoch) return this.flatTopThen;
    const data = SEG_R | SEG_W;
    this.flatTopEpoch = this.segEpoch;
    this.flatTopThen = Math.min(this.flatTop(Seg.CS, 0), this.flatTop(Seg.SS, data), this.flatTop(Seg.DS, data), this.flatTop(Seg.ES, data));
    return this.flatTopThen;
  }

  /** translationFlatTop's answer, and the segEpoch it was worked out at */
  private flatTopEpoch = -1;
  private flatTopThen = -1;

  private segFault(s: number): never {
    throw new Fault(s === Seg.SS ? Vec.SS : Vec.GP, 0);
  }

  /** Linear address of a data access of `size` bytes at offset `off` of segment `s`. */
  linear(s: number, off: number, size: number, write: boolean): number {
    const rights = this.segRights[s];
    if (!(rights & (write ? SEG_W : SEG_R))) this.segFault(s);
    const o = off >>> 0;
    if (o < this.segLo[s] || o + size - 1 > this.segHi[s]) this.segFault(s);
    const lin = (this.segBase[s] + o) | 0;
    if (this.cpl === 3 && lin & (size - 1) && this.alignmentChecked()) throw new Fault(Vec.AC, 0);
    if (this.bpWrite !== 0) noteDataAccess(this, lin, size, write);
    return lin;
  }

  /**
   * Must the interpreter run the next instruction, whatever is translated:
   * single-stepping (TF raises #DB after each instruction), RF, alignment
   * checks (translated accesses do not check alignment), armed breakpoints
   * (checked per instruction and access), or a debug shadow? The engine asks
   * between regions, and translated code after a far transfer it goes on from.
   */
  interpreterOnly(): boolean {
    return (this.eflags & (TF | RF)) !== 0 || this.alignmentChecked() || (this.bpExec | this.bpWrite) !== 0 || this.debugShadow;
  }

  /** #AC is raised for misaligned accesses at CPL 3 when both CR0.AM and EFLAGS.AC are set. */
  alignmentChecked(): boolean {
    return this.cpl === 3 && (this.cr0 & CR0_AM) !== 0 && (this.eflags & AC) !== 0;
  }

  read(s: number, off: number, size: number): number {
    return this.mmu.read(this.linear(s, off, size, false), size);
  }

  write(s: number, off: number, size: number, v: number): void {
    this.mmu.write(this.linear(s, off, size, true), size, v);
  }

  /** Fetch a code byte at CS:eip (CS limit, execute rights, paging). */
  fetch8(eip: number): number {
    const o = eip >>> 0;
    if (o > this.segHi[Seg.CS]) throw new Fault(Vec.GP, 0);
    return this.mmu.fetch8((this.segBase[Seg.CS] + o) | 0);
  }

  // ---- stack -----------------------------------------------------------------------

  /** the stack pointer at the stack's width (cpu/registers.ts) */
  get sp(): number {
    return stackPointer(NUM, this.regs[Reg.ESP], this.stack32);
  }

  set sp(v: number) {
    this.regs[Reg.ESP] = stackCommit(NUM, this.regs[Reg.ESP], v, this.stack32);
  }

  push(v: number, size: number): void {
    const sp = stackMove(NUM, this.regs[Reg.ESP], -size, this.stack32);
    this.write(Seg.SS, sp, size, v);
    this.sp = sp;
  }

  pop(size: number): number {
    const sp = this.sp;
    const v = this.read(Seg.SS, sp, size);
    this.sp = stackMove(NUM, sp, size, this.stack32);
    return v;
  }

  /**
   * Where the `bytes` bytes at offset `delta` from the top of the stack lie
   * in RAM, if reading them all (`write` false: as pops or peeks would, at
   * this privilege) or writing them (as pushes would) can neither fault nor
   * reach a device, a code page or a watchpoint: inside SS's limit with its
   * rights, on one page the TLB maps with the right. Else -1, and the caller
   * goes slot by slot, where a fault falls as the hardware's would. (An iret
   * reads its whole frame this way, an interrupt writes its frame: one check
   * for every slot.)
   */
  stackInRam(delta: number, bytes: number, write: boolean): number {
    if (!(this.segRights[Seg.SS] & (write ? SEG_W : SEG_R)) || this.bpWrite !== 0 || this.alignmentChecked()) return -1;
    const o = (this.sp >>> 0) + delta;
    if (o < this.segLo[Seg.SS] || o + bytes - 1 > this.segHi[Seg.SS]) return -1;
    const lin = (this.segBase[Seg.SS] + o) | 0;
    const e = this.mmu.entry(lin);
    return grants(e, write ? this.mmu.wmask : this.mmu.rmask) && fitsInPage(lin, bytes) ? physical(e, lin) : -1;
  }

  /** Read the stack `k` bytes above the top without popping. */
  peek(k: number, size: number): number {
    return this.read(Seg.SS, stackMove(NUM, this.regs[Reg.ESP], k, this.stack32), size);
  }

  /** Everything a diagnostic dump shows. */
  describe(): string {
    const h = (v: number, w = 8) => (v >>> 0).toString(16).padStart(w, '0');
    const r = this.regs;
    const lines = [
      `EAX=${h(r[0])} EBX=${h(r[3])} ECX=${h(r[1])} EDX=${h(r[2])}`,
      `ESI=${h(r[6])} EDI=${h(r[7])} EBP=${h(r[5])} ESP=${h(r[4])}`,
      `EIP=${h(this.eip)} EFL=${h(this.getEflags())} CPL=${this.cpl} ${this.protectedMode ? 'PM' : 'RM'}${this.code32 ? '32' : '16'}`,
    ];
    const names = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];
    for (let s = 0; s < 6; s++) {
      lines.push(`${names[s]} =${h(this.segSel[s], 4)} base=${h(this.segBase[s])} limit=${h(this.segLimit[s])} attr=${h(this.segAttr[s], 4)}`);
    }
    lines.push(`GDT=${h(this.gdtBase)}/${h(this.gdtLimit, 4)} IDT=${h(this.idtBase)}/${h(this.idtLimit, 4)} LDTR=${h(this.ldtSel, 4)} TR=${h(this.trSel, 4)}`);
    lines.push(`CR0=${h(this.cr0)} CR2=${h(this.cr2)} CR3=${h(this.cr3)} CR4=${h(this.cr4)}`);
    return lines.join('\n');
  }
}

