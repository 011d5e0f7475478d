/**
 * CPU models: what `cpuid` (and the few identification MSRs) report, one
 * row per model. The instruction semantics do not change with the model:
 * a model only tells the guest the truth about the CPU vmidbt implements,
 * so a feature bit may be reported only when the semantics implement it.
 *
 * The default model, `vmidbt`:
 *
 * - vendor "GenuineIntel". vmidbt implements the Intel architecture as the
 *   SDM describes it, with Intel's answers where vendors differ: sysenter
 *   and sysexit, cpuid returning the highest basic leaf for an out-of-range
 *   leaf, F3 0F BC/BD executing as bsf/bsr (no TZCNT/LZCNT), x87 fsave only.
 *   Guests key errata, MSR and performance-counter paths on the vendor, so a
 *   name no OS knows sends them down generic paths that distrust the TSC
 *   (Linux marks the TSC unstable on SMP for any vendor but Intel without
 *   a constant-rate TSC) or, for AMD, to MSRs vmidbt does not have.
 * - family 6, model 3, stepping 3: a P6 (Pentium II "Klamath") signature,
 *   the first whose SEP bit is real (Linux and our own guest ignore SEP
 *   below 0x633), and that asks for no model-specific MSRs (Linux reads
 *   IA32_MISC_ENABLE only from model 0xD on).
 * - features: the x87 FPU, DE, PSE, TSC, MSR, PAE, CX8, APIC, SEP, PGE,
 *   CMOV, and NX (0x80000001: the MMU enforces it under PAE with EFER.NXE).
 *   Not MMX, FXSR, SSE, MTRR, MCE/MCA, PAT or VME, which are not
 *   implemented.
 * - the hypervisor bit (CPUID.1:ECX[31]) with leaf 0x40000000 naming
 *   "VmidbtVmidbt": the guest runs virtualised, and an OS that knows this
 *   skips microcode loading and reports absent performance counters as
 *   "not available due to virtualization" rather than as broken hardware.
 * - invariant TSC (CPUID.80000007H:EDX[8]): the TSC counts machine time at
 *   a constant rate whatever the vCPUs do (halted, stolen, idle jumps), and
 *   every vCPU reads the same clock. Linux then sets CONSTANT_TSC and
 *   NONSTOP_TSC and keeps the TSC as its clocksource on SMP.
 * - 32 physical and 32 virtual address bits (0x80000008): PAE entries are
 *   honoured up to 4 GiB of physical address space.
 *
 * Issue 14's `--cpu MODEL` adds rows (pentiumpro, pentium2, ...) with
 * their own vendors, signatures, features and MSRs.
 */

export interface CpuModel {
  name: string;
  /** 12 characters: EBX, EDX, ECX of leaf 0 */
  vendor: string;
  family: number;
  model: number;
  stepping: number;
  /** CPUID.1:EDX and ECX */
  features: number;
  featuresEcx: number;
  /** CPUID.80000001H:EDX and ECX */
  extFeatures: number;
  extFeaturesEcx: number;
  /** CPUID.80000007H:EDX (advanced power management: bit 8 invariant TSC) */
  powerManagement: number;
  /** CPUID.80000008H:EAX: physical address bits | linear address bits << 8 */
  addressSizes: number;
  /** at most 47 characters (leaves 0x80000002-4) */
  brand: string;
  /** the hypervisor's 12-character signature at leaf 0x40000000 (reported with CPUID.1:ECX[31]) */
  hypervisor?: string;
  /** highest basic leaf */
  maxLeaf: number;
  /** IA32_BIOS_SIGN_ID (MSR 0x8B) high half: the microcode revision */
  microcodeRevision: number;
  /** the `qemu-system-i386 -cpu` argument that reports the same identification and features (for side-by-side runs) */
  qemuCpu: string;
}

/** CPUID.1:EDX bits */
export const FEAT = {
  FPU: 1 << 0, VME: 1 << 1, DE: 1 << 2, PSE: 1 << 3, TSC: 1 << 4, MSR: 1 << 5, PAE: 1 << 6, MCE: 1 << 7,
  CX8: 1 << 8, APIC: 1 << 9, SEP: 1 << 11, MTRR: 1 << 12, PGE: 1 << 13, MCA: 1 << 14, CMOV: 1 << 15,
  PAT: 1 << 16, PSE36: 1 << 17, MMX: 1 << 23, FXSR: 1 << 24, SSE: 1 << 25,
} as const;
export const FEAT_ECX_HYPERVISOR = 1 << 31;
export const EXT_FEAT_NX = 1 << 20;
export const PM_INVARIANT_TSC = 1 << 8;

export const VMIDBT_CPU: CpuModel = {
  name: 'vmidbt',
  vendor: 'GenuineIntel',
  family: 6,
  model: 3,
  stepping: 3,
  features: FEAT.FPU | FEAT.DE | FEAT.PSE | FEAT.TSC | FEAT.MSR | FEAT.PAE | FEAT.CX8 | FEAT.APIC | FEAT.SEP | FEAT.PGE | FEAT.CMOV,
  featuresEcx: FEAT_ECX_HYPERVISOR,
  extFeatures: EXT_FEAT_NX,
  extFeaturesEcx: 0,
  powerManagement: PM_INVARIANT_TSC,
  addressSizes: 32 | (32 << 8),
  brand: 'vmidbt virtual CPU (P6 family)',
  hypervisor: 'VmidbtVmidbt',
  maxLeaf: 1,
  microcodeRevision: 0,
  // QEMU's TCG cannot report invtsc; everything else matches
  qemuCpu: 'pentium2,family=6,model=3,stepping=3,vendor=GenuineIntel,model-id=vmidbt virtual CPU (P6 family),'
    + '-vme,-mce,-mtrr,-mca,-pat,-pse36,-mmx,-fxsr,+nx,+hypervisor,level=1,xlevel=0x80000008',
};

export const CPU_MODELS: readonly CpuModel[] = [VMIDBT_CPU];

/** EAX of leaf 1 (and EDX after reset): stepping, model, family, with the extended fields for family 15. */
export function signature(m: CpuModel): number {
  const fam = Math.min(m.family, 15);
  const extFam = m.family >= 15 ? m.family - 15 : 0;
  return (extFam << 20) | ((m.model >> 4) << 16) | (fam << 8) | ((m.model & 15) << 4) | m.stepping;
}

/** Four characters of `s` from `at` as a little-endian dword (zero padded). */
function dword(s: string, at: number): number {
  let v = 0;
  for (let k = 3; k >= 0; k--) v = (v << 8) | (at + k < s.length ? s.charCodeAt(at + k) & 0xff : 0);
  return v | 0;
}

const HYPERVISOR_LEAF = 0x40000000;
const MAX_EXT_LEAF = 0x80000008;

/**
 * CPUID for `leaf` on the vCPU with `apicId`, as [EAX, EBX, ECX, EDX]. A
 * leaf above the highest basic, hypervisor or extended leaf returns the
 * highest basic leaf's data, as Intel processors do.
 */
export function cpuidLeaf(m: CpuModel, leaf: number, apicId: number): [number, number, number, number] {
  const l = leaf >>> 0;
  const vendor = (s: string, eax: number): [number, number, number, number] => [eax, dword(s, 0), dword(s, 8), dword(s, 4)];
  if (l === 0) return vendor(m.vendor, m.maxLeaf);
  if (l === HYPERVISOR_LEAF && m.hypervisor) return [HYPERVISOR_LEAF, dword(m.hypervisor, 0), dword(m.hypervisor, 4), dword(m.hypervisor, 8)];
  if (l >= 0x80000000 && l <= MAX_EXT_LEAF) return extendedLeaf(m, l);
  // leaf 1, and any leaf out of range
  return [signature(m), (apicId & 0xff) << 24, m.featuresEcx, m.features];
}

function extendedLeaf(m: CpuModel, l: number): [number, number, number, number] {
  switch (l) {
    case 0x80000000: return [MAX_EXT_LEAF | 0, 0, 0, 0];
    case 0x80000001: return [0, 0, m.extFeaturesEcx, m.extFeatures];
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const at = (l - 0x80000002) * 16;
      return [dword(m.brand, at), dword(m.brand, at + 4), dword(m.brand, at + 8), dword(m.brand, at + 12)];
    }
    case 0x80000007: return [0, 0, 0, m.powerManagement];
    case 0x80000008: return [m.addressSizes, 0, 0, 0];
    default: return [0, 0, 0, 0]; // 0x80000005 (reserved on Intel), 0x80000006 (no L2 cache described)
  }
}
