/**
 * Model-specific registers: which exist on the vCPU's model (cpu/models.ts)
 * and what each holds, for rdmsr, wrmsr and the VMI calls of the same
 * names. An MSR the model does not have, a write of reserved bits or of an
 * invalid memory type, and a read of a write-only register are #GP(0), as
 * on the part; the caller raises it when these functions answer undefined
 * or false.
 *
 * The registers fall in three groups:
 * - those with an effect, kept on the Cpu because other code reads them:
 *   the TSC, IA32_APIC_BASE, SYSENTER_CS/ESP/EIP, EFER;
 * - those that only hold what the guest wrote (an emulator has no caches to
 *   type, no machine checks to report, no events to count): the MTRRs, PAT,
 *   the machine-check banks, the P6 performance counters (never counting),
 *   IA32_MISC_ENABLE, DEBUGCTL (LBR and BTF are not implemented);
 * - read-only identification: IA32_PLATFORM_ID, EBL_CR_POWERON,
 *   IA32_BIOS_SIGN_ID, MTRRcap, MCG_CAP.
 *
 * The MTRRs start as a PC firmware leaves them (SeaBIOS's choices): enabled
 * with fixed ranges, write-back by default, the VGA window uncached, the
 * option-ROM and BIOS area write-protected, and one variable range making
 * 3 GiB-4 GiB (devices) uncacheable. RESET sets them (the firmware runs
 * after it); INIT keeps every MSR but the TSC's owner, as the hardware does.
 */
import type { CpuModel } from './models.ts';
import { EFER_NXE } from './mmu.ts';

export const MSR = {
  P5_MC_ADDR: 0x0, P5_MC_TYPE: 0x1, TSC: 0x10, PLATFORM_ID: 0x17, APIC_BASE: 0x1b, EBL_CR_POWERON: 0x2a,
  BIOS_UPDT_TRIG: 0x79, BIOS_SIGN_ID: 0x8b, PERFCTR0: 0xc1, PERFCTR1: 0xc2, MTRRCAP: 0xfe,
  SYSENTER_CS: 0x174, SYSENTER_ESP: 0x175, SYSENTER_EIP: 0x176,
  MCG_CAP: 0x179, MCG_STATUS: 0x17a, MCG_CTL: 0x17b, PERFEVTSEL0: 0x186, PERFEVTSEL1: 0x187,
  MISC_ENABLE: 0x1a0, DEBUGCTL: 0x1d9, LAST_BRANCH_FROM: 0x1db, LAST_EXCEPTION_TO: 0x1de,
  MTRR_PHYS_BASE0: 0x200, MTRR_FIX64K_00000: 0x250, MTRR_FIX16K_80000: 0x258, MTRR_FIX16K_A0000: 0x259,
  MTRR_FIX4K_C0000: 0x268, MTRR_FIX4K_F8000: 0x26f, PAT: 0x277, MTRR_DEF_TYPE: 0x2ff, MC0_CTL: 0x400,
  EFER: 0xc0000080,
} as const;

const MTRR_VARIABLE = 8;
/** VCNT 8, fixed ranges, write combining */
const MTRRCAP = MTRR_VARIABLE | 0x100 | 0x400;
const PAT_RESET = 0x0007040600070406n;
const TYPE_UC = 0n, TYPE_WP = 5n, TYPE_WB = 6n;
const bytes8 = (t: bigint): bigint => t * 0x0101010101010101n;

/** The fixed-range MTRR addresses, in order. */
const FIXED_MTRRS = [MSR.MTRR_FIX64K_00000, MSR.MTRR_FIX16K_80000, MSR.MTRR_FIX16K_A0000,
  ...Array.from({ length: 8 }, (_, k) => MSR.MTRR_FIX4K_C0000 + k)];

/** Per-vCPU storage for the MSRs that only hold what was written. */
export class MsrFile {
  private readonly held = new Map<number, bigint>();
  constructor(readonly model: CpuModel) {
    const m = model.msrs;
    if (m.miscEnable !== undefined) this.held.set(MSR.MISC_ENABLE, BigInt(m.miscEnable));
    if (m.pat) this.held.set(MSR.PAT, PAT_RESET);
    if (m.mtrr) this.firmwareMtrrs();
    if (m.mcaBanks) {
      this.held.set(MSR.MCG_STATUS, 0n);
      this.held.set(MSR.MCG_CTL, 0n);
      // CTL, STATUS and ADDR per bank; P6 parts do not implement MCi_MISC (#GP)
      for (let b = 0; b < m.mcaBanks; b++) for (let k = 0; k < 3; k++) this.held.set(MSR.MC0_CTL + 4 * b + k, 0n);
    }
    if (m.perfCounters) for (const r of [MSR.PERFCTR0, MSR.PERFCTR1, MSR.PERFEVTSEL0, MSR.PERFEVTSEL1]) this.held.set(r, 0n);
    this.held.set(MSR.DEBUGCTL, 0n);
  }

  private firmwareMtrrs(): void {
    const h = this.held;
    h.set(MSR.MTRR_DEF_TYPE, 0xc00n | TYPE_WB);
    h.set(MSR.MTRR_FIX64K_00000, bytes8(TYPE_WB));
    h.set(MSR.MTRR_FIX16K_80000, bytes8(TYPE_WB));
    h.set(MSR.MTRR_FIX16K_A0000, bytes8(TYPE_UC));
    for (let k = 0; k < 8; k++) h.set(MSR.MTRR_FIX4K_C0000 + k, bytes8(TYPE_WP));
    for (let k = 0; k < 2 * MTRR_VARIABLE; k++) h.set(MSR.MTRR_PHYS_BASE0 + k, 0n);
    h.set(MSR.MTRR_PHYS_BASE0, 0xc0000000n | TYPE_UC);
    h.set(MSR.MTRR_PHYS_BASE0 + 1, (this.physMask() & ~0x3fffffffn) | 0x800n);
  }

  /** the address bits an MTRR base or mask may hold */
  private physMask(): bigint {
    return ((1n << BigInt(this.model.physBits)) - 1n) & ~0xfffn;
  }

  get(msr: number): bigint | undefined {
    return this.held.get(msr);
  }

  /** Store a write to a held MSR; false when the MSR is not held or the value is not allowed (#GP). */
  set(msr: number, v: bigint): boolean {
    if (!this.held.has(msr) || !this.allowed(msr, v)) return false;
    // a P6 counter takes 32 bits and sign-extends them to its 40
    if (msr === MSR.PERFCTR0 || msr === MSR.PERFCTR1) v = BigInt.asUintN(40, BigInt.asIntN(32, v));
    this.held.set(msr, v);
    return true;
  }

  /** rdpmc's counter n (0 or 1), or undefined when the model has no counters */
  counter(n: number): bigint | undefined {
    return n === 0 || n === 1 ? this.held.get(MSR.PERFCTR0 + n) : undefined;
  }

  private allowed(msr: number, v: bigint): boolean {
    const validType = (t: bigint) => t === 0n || t === 1n || t === 4n || t === 5n || t === 6n;
    if (msr === MSR.MTRR_DEF_TYPE) return (v & ~0xcffn) === 0n && validType(v & 0xffn);
    if (FIXED_MTRRS.includes(msr as typeof FIXED_MTRRS[number])) {
      for (let k = 0n; k < 64n; k += 8n) if (!validType((v >> k) & 0xffn)) return false;
      return true;
    }
    if (msr >= MSR.MTRR_PHYS_BASE0 && msr < MSR.MTRR_PHYS_BASE0 + 2 * MTRR_VARIABLE) {
      const isMask = (msr - MSR.MTRR_PHYS_BASE0) & 1;
      return isMask ? (v & ~(this.physMask() | 0x800n)) === 0n : (v & ~(this.physMask() | 0xffn)) === 0n && validType(v & 0xffn);
    }
    if (msr === MSR.PAT) {
      for (let k = 0n; k < 64n; k += 8n) {
        const t = (v >> k) & 0xffn;
        if (t !== 7n && !validType(t)) return false;
      }
      return true;
    }
    // P6 machine-check status and address registers take only 0
    if (msr >= MSR.MC0_CTL && (msr & 3) !== 0) return v === 0n;
    if (msr === MSR.DEBUGCTL) return (v & ~0x7fn) === 0n;
    if (msr === MSR.PERFEVTSEL0 || msr === MSR.PERFEVTSEL1) return v >> 32n === 0n;
    return true;
  }
}

/** The part of a Cpu rdmsr and wrmsr reach (an interface, so that cpu.ts may import this module). */
export interface MsrCpu {
  readonly model: CpuModel;
  readonly msrFile: MsrFile;
  readTsc(): bigint;
  writeTsc(v: bigint): void;
  apicBase: number;
  sysenterCs: number;
  sysenterEsp: number;
  sysenterEip: number;
  efer: number;
  readonly mmu: { flushAll(global: boolean): void };
}

const split = (v: bigint): [number, number] => [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];

/** rdmsr: [EAX, EDX], or undefined for #GP(0). */
export function readMsr(cpu: MsrCpu, msr: number): [number, number] | undefined {
  const m = cpu.model.msrs;
  const held = cpu.msrFile.get(msr);
  if (held !== undefined) return split(held);
  switch (msr) {
    case MSR.TSC: return split(cpu.readTsc());
    case MSR.APIC_BASE: return [cpu.apicBase, 0];
    case MSR.BIOS_SIGN_ID: return [0, cpu.model.microcodeRevision];
    case MSR.PLATFORM_ID: case MSR.EBL_CR_POWERON: return [0, 0];
    case MSR.SYSENTER_CS: return m.sysenter ? [cpu.sysenterCs, 0] : undefined;
    case MSR.SYSENTER_ESP: return m.sysenter ? [cpu.sysenterEsp, 0] : undefined;
    case MSR.SYSENTER_EIP: return m.sysenter ? [cpu.sysenterEip, 0] : undefined;
    case MSR.EFER: return m.efer ? [cpu.efer, 0] : undefined;
    case MSR.MTRRCAP: return m.mtrr ? [MTRRCAP, 0] : undefined;
    case MSR.MCG_CAP: return m.mcaBanks ? [m.mcaBanks | 0x100, 0] : undefined;
    // the P5 machine-check registers read as zero on P6 parts (SDM: kept for compatibility)
    case MSR.P5_MC_ADDR: case MSR.P5_MC_TYPE: return m.mcaBanks ? [0, 0] : undefined;
    default:
      // the last-branch and last-exception records: LBR is not implemented, so they stay 0
      if (msr >= MSR.LAST_BRANCH_FROM && msr <= MSR.LAST_EXCEPTION_TO) return [0, 0];
      return undefined;
  }
}

/**
 * wrmsr of EDX:EAX; false for #GP(0). IA32_APIC_BASE is stored here and
 * reported to the bus by the caller (the machine's APIC model follows it).
 */
export function writeMsr(cpu: MsrCpu, msr: number, lo: number, hi: number): boolean {
  const m = cpu.model.msrs;
  const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  switch (msr) {
    // P6 writes only the low 32 bits of the counter and clears the high half
    case MSR.TSC: cpu.writeTsc(BigInt(lo >>> 0)); return true;
    case MSR.APIC_BASE: cpu.apicBase = lo; return true;
    // microcode: the revision read back stays the model's; an update trigger does nothing
    case MSR.BIOS_SIGN_ID: case MSR.BIOS_UPDT_TRIG: return true;
    case MSR.SYSENTER_CS: if (m.sysenter) cpu.sysenterCs = lo & 0xffff; return m.sysenter;
    case MSR.SYSENTER_ESP: if (m.sysenter) cpu.sysenterEsp = lo; return m.sysenter;
    case MSR.SYSENTER_EIP: if (m.sysenter) cpu.sysenterEip = lo; return m.sysenter;
    case MSR.EFER:
      if (!m.efer || lo & ~EFER_NXE || hi) return false;
      if ((cpu.efer ^ lo) & EFER_NXE) cpu.mmu.flushAll(false);
      cpu.efer = lo;
      return true;
    default:
      return cpu.msrFile.set(msr, v);
  }
}
