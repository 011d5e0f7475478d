/**
 * Segment register loads in protected mode, with every check the hardware
 * makes, and the descriptor-table reads they need.
 *
 * A descriptor is read as two dwords (low, high). The checks follow the
 * Intel manual's pseudo-code for MOV/POP to a segment register, far
 * transfers and task-state loads: null selector rules, table limit, the
 * S bit and type, DPL against CPL and RPL, present (#NP, or #SS for SS), and
 * the accessed bit written back to the table.
 */
import { Fault, Vec } from '../isa/faults.ts';
import { KEPT_DATA_LOADS, KEPT_READS, type Cpu, type KeptDescriptor } from './cpu.ts';
import { Seg } from '../isa/instr.ts';
import { TLB_RS, fitsInPage, grants, physical } from './tlb.ts';
import type { Descriptor } from './descriptor.ts';

export type { Descriptor };

/** A descriptor's base, from its two dwords. */
function descriptorBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
}

/** A descriptor's limit in bytes (scaled by 4 KiB where G is set). */
function descriptorLimit(lo: number, hi: number): number {
  const limit = (lo & 0xffff) | (hi & 0xf0000);
  return hi & 0x800000 ? limit * 4096 + 4095 : limit;
}

/** A descriptor's attributes as Cpu.segAttr holds them. */
function descriptorAttr(hi: number): number {
  return ((hi >>> 8) & 0xff) | (((hi >>> 20) & 0xf) << 12);
}

export function parseDescriptor(lo: number, hi: number, addr = 0): Descriptor {
  return {
    lo, hi, base: descriptorBase(lo, hi), limit: descriptorLimit(lo, hi), attr: descriptorAttr(hi), addr,
    type: (hi >>> 8) & 0xf,
    s: (hi & 0x1000) !== 0,
    dpl: (hi >>> 13) & 3,
    present: (hi & 0x8000) !== 0,
  };
}

/** Read the descriptor a selector names; raises `vector`(sel & ~3, plus `ext`) if outside its table. */
export function readDescriptor(cpu: Cpu, sel: number, vector: number = Vec.GP, ext = 0): Descriptor {
  const ti = sel & 4;
  const index = sel & ~7;
  let base: number, limit: number;
  if (ti) {
    if ((cpu.ldtSel & ~3) === 0) throw new Fault(vector, (sel & ~3) + ext);
    base = cpu.ldtBase; limit = cpu.ldtLimit;
  } else {
    base = cpu.gdtBase; limit = cpu.gdtLimit;
  }
  if (index + 7 > limit) throw new Fault(vector, (sel & ~3) + ext);
  // the same descriptor, unchanged in its table, as the last read of this selector (an interrupt, a ring
  // change or a kernel's segment reload reads one or two descriptors each): the same object
  const k = cpu.keptReads[(sel >>> 3) & (KEPT_READS - 1)];
  const key = sel & 0xfffc;
  if (k.read !== undefined && k.sel === key && k.table === base && k.tableLimit === limit && readHolds(cpu, k)) return k.read;
  const addr = (base + index) | 0;
  // a table the TLB already maps for supervisor reads is read where it lies, as the TLB's own fast path reads
  const e = cpu.mmu.entry(addr);
  const p = descriptorInRam(addr, e);
  if (p >= 0) {
    const mem = cpu.mmu.mem;
    const d = parseDescriptor(mem.ramRead(p, 4), mem.ramRead(p + 4, 4), addr);
    if (!(p & 3)) {
      keep(cpu, k, key, base, limit, addr, e, p);
      k.read = d;
    }
    return d;
  }
  const lo = readSystem(cpu, addr, 4);
  const hi = readSystem(cpu, (addr + 4) | 0, 4);
  return parseDescriptor(lo, hi, addr);
}

/** Where in RAM the 8-byte descriptor at `lin` lies, if TLB entry `e` lets a supervisor read it directly; else -1 (the full read walks, and may fault). */
function descriptorInRam(lin: number, e: number): number {
  return fitsInPage(lin, 8) && grants(e, TLB_RS) ? physical(e, lin) : -1;
}

/** A supervisor-mode access to a system structure (GDT, IDT, TSS), whatever the CPL. */
export function readSystem(cpu: Cpu, lin: number, size: number): number {
  return cpu.mmu.readSupervisor(lin, size);
}

export function writeSystem(cpu: Cpu, lin: number, size: number, v: number): void {
  cpu.mmu.writeSupervisor(lin, size, v);
}

export function setAccessed(cpu: Cpu, d: Descriptor): void {
  if (!(d.hi & 0x100)) {
    // the table first: a fault on the write leaves the descriptor as it was (readDescriptor may hand it out again)
    writeSystem(cpu, (d.addr + 4) | 0, 4, d.hi | 0x100);
    d.hi |= 0x100;
  }
}

/**
 * Would a return to `sel` at the current privilege (iret, far ret) reload
 * CS with exactly what it holds and write nothing? Its descriptor, read
 * through the TLB (false where the TLB lacks the page: the full path walks,
 * and may fault), is already marked accessed, is a present code segment the
 * return's checks accept for RPL = CPL, and has CS's base, limit and
 * attributes. Reads nothing else, changes nothing.
 */
export function returnKeepsCs(cpu: Cpu, sel: number): boolean {
  // (two functions: the first, small, is what V8 inlines into iret's common case in generated code)
  return keptCsHolds(cpu, sel) || decodeReturnCs(cpu, sel);
}

/** The descriptor a return found last time, unchanged, with CS not loaded since: nothing to decode. */
function keptCsHolds(cpu: Cpu, sel: number): boolean {
  const k = cpu.keptCs;
  return cpu.segEpoch === k.epoch && stillHolds(cpu, k, sel) && cpu.segSel[Seg.CS] === sel;
}

/** returnKeepsCs the long way: the selector's descriptor read and checked, and remembered. */
function decodeReturnCs(cpu: Cpu, sel: number): boolean {
  const mmu = cpu.mmu;
  const k = cpu.keptCs;
  const rpl = sel & 3;
  if (rpl !== cpu.cpl || (sel & 0xffff) !== cpu.segSel[Seg.CS] || (sel & 0xfffc) === 0) return false;
  const local = (sel & 4) !== 0;
  if (local && (cpu.ldtSel & ~3) === 0) return false;
  const index = sel & 0xfff8;
  const tableLimit = local ? cpu.ldtLimit : cpu.gdtLimit;
  if (index + 7 > tableLimit) return false;
  const tableBase = local ? cpu.ldtBase : cpu.gdtBase;
  const lin = (tableBase + index) | 0;
  const e = mmu.entry(lin);
  const p = descriptorInRam(lin, e);
  if (p < 0) return false;
  const mem = mmu.mem;
  const lo = mem.ramRead(p, 4);
  const hi = mem.ramRead(p + 4, 4);
  const type = (hi >>> 8) & 0xf;
  const dpl = (hi >>> 13) & 3;
  // accessed (type bit 0), code (S, type bit 3), present, DPL as far.ts checkReturnCs wants it (conforming: DPL <= RPL)
  if ((hi & 0x9100) !== 0x9100 || !(type & 8) || (type & 4 ? dpl > rpl : dpl !== rpl)) return false;
  // (no Descriptor object: a kernel returns this way on every interrupt)
  if (!cpu.holdsSeg(Seg.CS, sel, descriptorBase(lo, hi), descriptorLimit(lo, hi), descriptorAttr(hi))) return false;
  if (!(p & 3)) {
    keep(cpu, k, sel, tableBase, tableLimit, lin, e, p);
    k.epoch = cpu.segEpoch;
  }
  return true;
}

/**
 * Is the descriptor `k` remembers for `sel` still what a load of it would
 * read, at the same privilege? The same table (base and limit), the same
 * TLB entry for its page, the same words in RAM. Plain fields first; three
 * array reads.
 */
function stillHolds(cpu: Cpu, k: KeptDescriptor, sel: number): boolean {
  const local = (sel & 4) !== 0;
  if (k.sel !== sel || k.cpl !== cpu.cpl || k.table !== (local ? cpu.ldtBase : cpu.gdtBase) || k.tableLimit !== (local ? cpu.ldtLimit : cpu.gdtLimit)) return false;
  // (an LDT selector with no LDT loaded faults whatever the table fields say)
  if (local && (cpu.ldtSel & ~3) === 0) return false;
  return readHolds(cpu, k);
}

/** The TLB entry and the RAM words a kept descriptor was read through, unchanged. */
function readHolds(cpu: Cpu, k: KeptDescriptor): boolean {
  const mmu = cpu.mmu;
  if (mmu.tlb[k.lin >>> 12] !== k.entry) return false;
  const i32 = mmu.mem.i32;
  return i32[k.word] === k.lo && i32[k.word + 1] === k.hi;
}

/** Remember the descriptor of `sel` read from the table at `table` (limit `tableLimit`), at `lin`, RAM word `p` (aligned), through TLB entry `e`. */
function keep(cpu: Cpu, k: KeptDescriptor, sel: number, table: number, tableLimit: number, lin: number, e: number, p: number): void {
  const i32 = cpu.mmu.mem.i32;
  k.sel = sel; k.cpl = cpu.cpl; k.table = table; k.tableLimit = tableLimit;
  k.lin = lin; k.entry = e; k.word = p >>> 2; k.lo = i32[p >>> 2]; k.hi = i32[(p >>> 2) + 1];
}

/** Put a checked descriptor into segment register `s`. */
export function loadCache(cpu: Cpu, s: number, sel: number, d: Descriptor): void {
  // code and data descriptors are marked accessed when loaded (type bit 0)
  loadCacheValues(cpu, s, sel, d.base, d.limit, d.s ? d.attr | 1 : d.attr);
}

function loadCacheValues(cpu: Cpu, s: number, sel: number, base: number, limit: number, attr: number): void {
  // reloading what the register already holds (an iret or far return to the same segment, a kernel
  // entry reloading its data selectors) changes nothing: the precomputed checks stay, and so does
  // segEpoch, which makes the translator check flatness again
  if (cpu.holdsSeg(s, sel, base, limit, attr) || cpu.reselectSeg(s, sel, base, limit, attr)) return;
  cpu.segSel[s] = sel;
  cpu.segBase[s] = base;
  cpu.segLimit[s] = limit;
  cpu.segAttr[s] = attr;
  cpu.refreshSeg(s);
}

/** Load a selector with nothing usable behind it (a null selector, or one a task switch has yet to check). */
export function loadNull(cpu: Cpu, s: number, sel: number): void {
  cpu.segSel[s] = sel;
  cpu.segBase[s] = 0;
  cpu.segLimit[s] = 0;
  cpu.segAttr[s] = 0;
  cpu.refreshSeg(s);
}

/**
 * MOV/POP/LDS... to DS, ES, FS, GS or SS. In real mode the selector is the
 * paragraph; in protected mode the full checks apply.
 */
export function loadSegment(cpu: Cpu, s: number, sel: number): void {
  sel &= 0xffff;
  if (!cpu.protectedMode) {
    cpu.setRealSeg(s, sel);
    if (s === Seg.SS) cpu.interruptShadow = cpu.debugShadow = true;
    return;
  }
  const rpl = sel & 3;
  const cpl = cpu.cpl;
  if (s === Seg.SS) {
    if ((sel & ~3) === 0) throw new Fault(Vec.GP, 0);
    const d = readDescriptor(cpu, sel);
    if (rpl !== cpl) throw new Fault(Vec.GP, sel & ~3);
    if (!d.s || d.type & 8 || !(d.type & 2)) throw new Fault(Vec.GP, sel & ~3);
    if (d.dpl !== cpl) throw new Fault(Vec.GP, sel & ~3);
    if (!d.present) throw new Fault(Vec.SS, sel & ~3);
    setAccessed(cpu, d);
    loadCache(cpu, s, sel, d);
    cpu.interruptShadow = cpu.debugShadow = true;
    return;
  }
  if ((sel & ~3) === 0) { loadNull(cpu, s, sel); return; }
  if (keptDataLoad(cpu, s, sel)) return;
  const d = readDescriptor(cpu, sel);
  // data or readable code
  if (!d.s || (d.type & 0xa) === 0x8) throw new Fault(Vec.GP, sel & ~3);
  // data and non-conforming code: DPL must be >= both CPL and RPL
  const conformingCode = (d.type & 0xc) === 0xc;
  if (!conformingCode && (rpl > d.dpl || cpl > d.dpl)) throw new Fault(Vec.GP, sel & ~3);
  if (!d.present) throw new Fault(Vec.NP, sel & ~3);
  setAccessed(cpu, d);
  loadCache(cpu, s, sel, d);
  keepDataLoad(cpu, sel, d);
}

/**
 * A protected-mode load of data segment register `s` (ES, DS, FS, GS) with
 * a non-null `sel` whose descriptor is the one a load of it read last,
 * unchanged (the load's whole effect, nothing read that may fault); false,
 * with nothing changed, where the full load must run.
 */
export function loadKeptDataSegment(cpu: Cpu, s: number, sel: number): boolean {
  return isDataSegment(s) && cpu.protectedMode && (sel & 0xfffc) !== 0 && keptDataLoad(cpu, s, sel & 0xffff);
}

function keptDataLoad(cpu: Cpu, s: number, sel: number): boolean {
  const k = cpu.keptDataLoads[(sel >>> 3) & (KEPT_DATA_LOADS - 1)];
  if (!stillHolds(cpu, k, sel)) return false;
  loadCacheValues(cpu, s, sel, k.base, k.limit, k.attr);
  return true;
}

function keepDataLoad(cpu: Cpu, sel: number, d: Descriptor): void {
  // descriptors that lie aligned in RAM, as the TLB maps them for supervisor reads now
  const e = cpu.mmu.entry(d.addr);
  const p = descriptorInRam(d.addr, e);
  if (p < 0 || p & 3) return;
  const k = cpu.keptDataLoads[(sel >>> 3) & (KEPT_DATA_LOADS - 1)];
  const local = (sel & 4) !== 0;
  keep(cpu, k, sel, local ? cpu.ldtBase : cpu.gdtBase, local ? cpu.ldtLimit : cpu.gdtLimit, d.addr, e, p);
  k.base = d.base; k.limit = d.limit; k.attr = d.s ? d.attr | 1 : d.attr;
}

/** Load CS for a far transfer whose checks the caller made; sets CPL. */
export function loadCodeSegment(cpu: Cpu, sel: number, d: Descriptor, cpl: number): void {
  setAccessed(cpu, d);
  loadCache(cpu, Seg.CS, (sel & ~3) | cpl, d);
  cpu.setCpl(cpl);
}

const DATA_SEGMENTS: readonly Seg[] = [Seg.ES, Seg.DS, Seg.FS, Seg.GS];

/** DATA_SEGMENTS as bits (a test on every kept load, where Array.includes was a call) */
const DATA_SEGMENT_BITS = DATA_SEGMENTS.reduce((bits, s) => bits | (1 << s), 0);

/** ES, DS, FS or GS: a segment register that holds data selectors only (not CS, not SS). */
export function isDataSegment(s: number): boolean {
  return s >>> 0 < 32 && ((DATA_SEGMENT_BITS >>> s) & 1) !== 0;
}

/**
 * After a privilege level change to an outer level, data segment registers
 * the new CPL may not use are nulled (IRET, RET far).
 */
export function nullInaccessibleSegments(cpu: Cpu): void {
  for (const s of DATA_SEGMENTS) {
    const attr = cpu.segAttr[s];
    const dpl = (attr >> 5) & 3;
    const isConformingCode = (attr & 0x1c) === 0x1c;
    if ((attr & 0x10) && !isConformingCode && dpl < cpu.cpl) loadNull(cpu, s, 0);
  }
}

/** Check a code-segment descriptor as a far JMP/CALL target; returns the new CPL. */
export function checkCodeTarget(cpu: Cpu, sel: number, d: Descriptor): number {
  const rpl = sel & 3;
  if (!d.s || !(d.type & 8)) throw new Fault(Vec.GP, sel & ~3);
  if (d.type & 4) {
    if (d.dpl > cpu.cpl) throw new Fault(Vec.GP, sel & ~3);
  } else if (rpl > cpu.cpl || d.dpl !== cpu.cpl) {
    throw new Fault(Vec.GP, sel & ~3);
  }
  if (!d.present) throw new Fault(Vec.NP, sel & ~3);
  return cpu.cpl;
}
