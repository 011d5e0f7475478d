/**
 * Privileged operations that an instruction and a VMI call both perform, each
 * written once: the descriptor-table register images of lgdt/lidt and
 * sgdt/sidt, the LDT and task register loads with their checks, the control
 * and debug register writes with their masks, clts, hlt, rdpmc's counters,
 * and the flat segments of sysenter/sysexit.
 *
 * The instruction rows (semantics/families/descriptors.ts, system.ts) add
 * what only the instruction does (operand decoding, the CPL checks of a
 * privileged instruction); the VMI calls (vmirom/) add what only the
 * hypervisor does (reloading segment caches after a new table, the virtual
 * IF). Nothing here reads an instruction: callers pass plain values.
 *
 * Every check that may fault comes before the first change of state, so a
 * fault leaves the CPU as it was.
 */
import { Fault, Vec } from '../isa/faults.ts';
import { Reg, Seg } from '../isa/instr.ts';
import type { Cpu } from './cpu.ts';
import { readDescriptor, writeSystem } from './segments.ts';
import { armBreakpoints, DR6_BD, DR7_GD } from './debug.ts';
import {
  CR0_PE, CR0_MP, CR0_EM, CR0_TS, CR0_ET, CR0_NE, CR0_WP, CR0_AM, CR0_NW, CR0_CD, CR0_PG,
  CR4_TSD, CR4_DE, CR4_PSE, CR4_PAE, CR4_MCE, CR4_PGE, CR4_PCE,
} from './mmu.ts';

// ---- descriptor-table registers ------------------------------------------------------

/** `off + k` in the address size of the access (16-bit offsets wrap at 64 KiB). */
function plus(off: number, k: number, a16: boolean): number {
  return a16 ? (off + k) & 0xffff : (off + k) | 0;
}

/**
 * Read a 6-byte table-register image (limit, then base) at seg:off, as lgdt
 * and lidt do; the 16-bit operand size keeps 24 bits of base.
 */
export function readTableImage(cpu: Cpu, seg: number, off: number, opsize: number, a16: boolean): [number, number] {
  const limit = cpu.read(seg, off, 2);
  let base = cpu.read(seg, plus(off, 2, a16), 4);
  if (opsize === 2) base &= 0xffffff;
  return [limit, base];
}

/**
 * Store a table-register image as sgdt and sidt do: the 16-bit operand size
 * stores the high base byte as 0 (the P6-era rule). The whole 6 bytes are
 * checked for writing before either part is stored.
 */
export function writeTableImage(cpu: Cpu, seg: number, off: number, limit: number, base: number, opsize: number, a16: boolean): void {
  cpu.linear(seg, off, 6, true);
  cpu.write(seg, plus(off, 2, a16), 4, opsize === 2 ? base & 0xffffff : base);
  cpu.write(seg, off, 2, limit);
}

/** lldt: a null selector leaves the LDT unusable; otherwise an LDT descriptor of the GDT. */
export function loadLdt(cpu: Cpu, sel: number): void {
  sel &= 0xffff;
  if ((sel & ~3) === 0) {
    cpu.ldtSel = sel;
    cpu.ldtBase = 0;
    cpu.ldtLimit = 0;
    return;
  }
  if (sel & 4) throw new Fault(Vec.GP, sel & ~3);
  const d = readDescriptor(cpu, sel);
  if (d.s || d.type !== 2) throw new Fault(Vec.GP, sel & ~3);
  if (!d.present) throw new Fault(Vec.NP, sel & ~3);
  cpu.ldtSel = sel;
  cpu.ldtBase = d.base;
  cpu.ldtLimit = d.limit;
}

/** ltr: an available TSS (type 9, or 1 for 16-bit) of the GDT, which becomes busy; a busy one is #GP. */
export function loadTaskRegister(cpu: Cpu, sel: number): void {
  sel &= 0xffff;
  if ((sel & ~3) === 0) throw new Fault(Vec.GP, 0);
  if (sel & 4) throw new Fault(Vec.GP, sel & ~3);
  const d = readDescriptor(cpu, sel);
  if (d.s || (d.type !== 9 && d.type !== 1)) throw new Fault(Vec.GP, sel & ~3);
  if (!d.present) throw new Fault(Vec.NP, sel & ~3);
  writeSystem(cpu, (d.addr + 4) | 0, 4, d.hi | 0x200);
  cpu.trSel = sel;
  cpu.trBase = d.base;
  cpu.trLimit = d.limit;
  cpu.trType = d.type | 2;
}

// ---- control and debug registers -----------------------------------------------------

const CR0_DEFINED = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;
/** what a P6 without VME accepts in CR4; anything else is #GP(0) */
const CR4_DEFINED = CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE;

/**
 * Write CR0 with the checks of mov to CR0; reserved bits are ignored, ET
 * reads as 1. Changing PG or WP drops every translation; changing PE
 * recomputes the segment caches' derived state.
 */
export function writeCr0(cpu: Cpu, value: number): void {
  const v = ((value & CR0_DEFINED) | CR0_ET) | 0;
  if (v & CR0_PG && !(v & CR0_PE)) throw new Fault(Vec.GP, 0);
  if (v & CR0_NW && !(v & CR0_CD)) throw new Fault(Vec.GP, 0);
  const old = cpu.cr0;
  cpu.cr0 = v;
  if ((old ^ v) & (CR0_PG | CR0_WP)) cpu.mmu.flushAll(false);
  if ((old ^ v) & CR0_PE) {
    for (let s = 0; s < 6; s++) cpu.refreshSeg(s);
    if (!(v & CR0_PE)) cpu.setCpl(0);
  }
}

/** A CR3 load drops the non-global translations. */
export function writeCr3(cpu: Cpu, v: number): void {
  cpu.cr3 = v;
  cpu.mmu.flushAll(true);
}

/** Write CR4: undefined bits are #GP(0); changing PSE, PGE or PAE drops every translation. */
export function writeCr4(cpu: Cpu, v: number): void {
  if (v & ~CR4_DEFINED) throw new Fault(Vec.GP, 0);
  const old = cpu.cr4;
  cpu.cr4 = v;
  if ((old ^ v) & (CR4_PSE | CR4_PGE | CR4_PAE)) cpu.mmu.flushAll(false);
}

/** clts: clear CR0.TS. */
export function clearTaskSwitched(cpu: Cpu): void {
  cpu.cr0 &= ~CR0_TS;
}

/** DR4/DR5 are DR6/DR7 unless CR4.DE makes them undefined (#UD). */
function debugIndex(cpu: Cpu, n: number): number {
  if (n === 4 || n === 5) {
    if (cpu.cr4 & CR4_DE) throw new Fault(Vec.UD);
    return n + 2;
  }
  return n;
}

/**
 * DR7.GD: a mov to or from a debug register is a #DB fault with DR6.BD set,
 * and GD is cleared so the handler may use them (the instruction does; the
 * VMI calls of the same names are the hypervisor's and do not check).
 */
export function checkGeneralDetect(cpu: Cpu): void {
  if (cpu.dr[7] & DR7_GD) {
    cpu.dr[6] |= DR6_BD;
    cpu.dr[7] &= ~DR7_GD;
    throw new Fault(Vec.DB);
  }
}

/** Debug register n (0..7). */
export function readDebugRegister(cpu: Cpu, n: number): number {
  return cpu.dr[debugIndex(cpu, n)];
}

/**
 * Write debug register n (0..7). DR6 and DR7 keep their fixed bits: DR6
 * bits 4-11 and 16-31 read 1, bit 12 reads 0; DR7 bit 10 is 1, bits 11, 12,
 * 14, 15 are 0. A write to DR0-DR3 or DR7 re-arms the breakpoints.
 */
export function writeDebugRegister(cpu: Cpu, n: number, v: number): void {
  const k = debugIndex(cpu, n);
  if (k === 6) cpu.dr[6] = (v & 0xe00f) | 0xffff0ff0;
  else if (k === 7) cpu.dr[7] = (v & ~0xd800) | 0x400;
  else cpu.dr[k] = v;
  if (k !== 6) armBreakpoints(cpu);
}

/**
 * rdpmc's counters: two that never count (a P6 model's PerfCtr0/1 MSRs,
 * keeping what was written; 0 on a model without them); any other number
 * is #GP(0).
 */
export function readPerformanceCounter(cpu: Cpu, n: number): bigint {
  if (n !== 0 && n !== 1) throw new Fault(Vec.GP, 0);
  return cpu.msrFile.counter(n) ?? 0n;
}

// ---- halt, fast system calls ---------------------------------------------------------

/** hlt: the vCPU sleeps until an interrupt (the bus decides how to wait). */
export function halt(cpu: Cpu): void {
  cpu.halted = true;
  cpu.bus.onHalt?.(cpu);
}

/**
 * Load a flat segment the way sysenter and sysexit do (no descriptor is
 * read): base 0 and the given limit (4 GiB natively).
 */
export function loadFlatSegment(cpu: Cpu, s: number, sel: number, dpl: number, limit: number): void {
  cpu.segSel[s] = sel;
  cpu.segBase[s] = 0;
  cpu.segLimit[s] = limit;
  // present, S, accessed execute/read code or read/write data, G and D/B set
  cpu.segAttr[s] = (s === Seg.CS ? 0x9b : 0x93) | (dpl << 5) | 0xc000;
  cpu.refreshSeg(s);
}

/**
 * sysexit after the caller's privilege check: #GP(0) outside protected mode
 * or without IA32_SYSENTER_CS, else CS = SYSENTER_CS + 16 and SS = + 24 at
 * RPL 3 with flat segments of the given limit, CPL 3, ESP from ECX, EIP
 * from EDX.
 */
export function sysexit(cpu: Cpu, limit: number): void {
  const cs = cpu.sysenterCs & 0xfffc;
  if (!cpu.protectedMode || cs === 0) throw new Fault(Vec.GP, 0);
  loadFlatSegment(cpu, Seg.CS, ((cs + 16) & 0xffff) | 3, 3, limit);
  loadFlatSegment(cpu, Seg.SS, ((cs + 24) & 0xffff) | 3, 3, limit);
  cpu.setCpl(3);
  cpu.regs[Reg.ESP] = cpu.regs[Reg.ECX];
  cpu.eip = cpu.regs[Reg.EDX];
}
