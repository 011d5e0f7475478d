/**
 * CPU models: what `cpuid` reports and which model-specific registers exist,
 * one row per model (`vmidbt run --cpu NAME`, as QEMU's `-cpu`). The
 * instruction semantics do not change with the model, with one exception
 * the real part forces (the Pentium Pro's sysenter is #UD): a model tells
 * the guest the truth about the part it names (vendor, family, model,
 * stepping, cache descriptors, which MSRs answer) and about the CPU vmidbt
 * implements, so a feature bit the real part has but vmidbt does not
 * implement (VME, MMX, FXSR, SSE, PSE-36, the serial number) is withheld and
 * listed in `withheld`.
 *
 * The default model, `vmidbt`, stays paravirtual-friendly:
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
 *   CMOV, NX (0x80000001: the MMU enforces it under PAE with EFER.NXE), and
 *   the MSR-only features MTRR, PAT, MCE and MCA (registers that hold what
 *   the guest writes: an emulator has no caches to type and no machine
 *   checks to report). Not MMX, FXSR, SSE or VME, which are not implemented.
 *   No performance counters: a virtual CPU whose counters never count would
 *   mislead a profiler, so their MSRs are absent (#GP).
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
 * The P6 parts (`pentiumpro`, `pentium2`, `pentium3`) report what the real
 * processor reports: no hypervisor leaf, no extended leaves (0x80000000
 * answers with the highest basic leaf, as those parts do, so an OS finds
 * no brand string and no 0x80000001), leaf 2's cache and TLB descriptors,
 * and the P6 MSR set of the SDM's table "MSRs in the P6 Family Processors":
 * no IA32_MISC_ENABLE (a Pentium 4 register), PAT only from the Pentium III
 * (SDM 11.12), the two performance counters present but inert (they keep
 * what is written and never count). Signatures are QEMU's for pentium2
 * (6/5/2) and pentium3 (6/7/3); the Pentium Pro is 6/1/2.
 */

export interface CpuModel {
  name: string;
  /** one line for `--cpu` help and the README */
  description: string;
  /** 12 characters: EBX, EDX, ECX of leaf 0 */
  vendor: string;
  family: number;
  model: number;
  stepping: number;
  /** CPUID.1:EDX and ECX */
  features: number;
  featuresEcx: number;
  /** feature bits the real part reports that vmidbt does not implement, so this model leaves them out */
  withheld: string[];
  /** highest basic leaf */
  maxLeaf: number;
  /** leaf 2 (EAX, EBX, ECX, EDX): cache and TLB descriptors, when maxLeaf >= 2 */
  cacheDescriptors?: [number, number, number, number];
  /** highest extended leaf (0: the part has none, and 0x80000000 answers as an out-of-range leaf) */
  maxExtLeaf: number;
  /** CPUID.80000001H:EDX and ECX */
  extFeatures: number;
  extFeaturesEcx: number;
  /** CPUID.80000007H:EDX (advanced power management: bit 8 invariant TSC) */
  powerManagement: number;
  /** physical address bits (CPUID.80000008H:EAX[7:0] when reported; 36 on PAE-capable P6 parts) */
  physBits: number;
  /** linear address bits */
  linearBits: number;
  /** at most 47 characters (leaves 0x80000002-4; '' when the part has none) */
  brand: string;
  /** the hypervisor's 12-character signature at leaf 0x40000000 (reported with CPUID.1:ECX[31]) */
  hypervisor?: string;
  /** IA32_BIOS_SIGN_ID (MSR 0x8B) high half: the microcode revision */
  microcodeRevision: number;
  /** which model-specific registers answer rdmsr/wrmsr (cpu/msrs.ts); the rest are #GP(0) */
  msrs: {
    /** IA32_MISC_ENABLE (0x1A0) and its reset value, or undefined when the part has none */
    miscEnable?: number;
    /** IA32_SYSENTER_CS/ESP/EIP, and the sysenter/sysexit instructions (#UD without) */
    sysenter: boolean;
    /** IA32_EFER (NXE only) */
    efer: boolean;
    /** MTRRcap, MTRRdefType, 8 variable and 11 fixed ranges */
    mtrr: boolean;
    /** IA32_PAT */
    pat: boolean;
    /** machine-check banks (MCG_CAP count; 0: no MCA) */
    mcaBanks: number;
    /** the P6 performance counters (PerfCtr0/1, PerfEvtSel0/1): present but never counting */
    perfCounters: boolean;
  };
  /** the `qemu-system-i386 -cpu` argument that reports the same identification and features (for side-by-side runs) */
  qemuCpu: string;
}

/** CPUID.1:EDX bits */
export const FEAT = {
  FPU: 1 << 0, VME: 1 << 1, DE: 1 << 2, PSE: 1 << 3, TSC: 1 << 4, MSR: 1 << 5, PAE: 1 << 6, MCE: 1 << 7,
  CX8: 1 << 8, APIC: 1 << 9, SEP: 1 << 11, MTRR: 1 << 12, PGE: 1 << 13, MCA: 1 << 14, CMOV: 1 << 15,
  PAT: 1 << 16, PSE36: 1 << 17, PSN: 1 << 18, MMX: 1 << 23, FXSR: 1 << 24, SSE: 1 << 25,
} as const;
export const FEAT_ECX_HYPERVISOR = 1 << 31;
export const EXT_FEAT_NX = 1 << 20;
export const PM_INVARIANT_TSC = 1 << 8;

/** what every P6 part reports and vmidbt implements */
const P6_BASE = FEAT.FPU | FEAT.DE | FEAT.PSE | FEAT.TSC | FEAT.MSR | FEAT.PAE | FEAT.MCE | FEAT.CX8 | FEAT.APIC
  | FEAT.SEP | FEAT.MTRR | FEAT.PGE | FEAT.MCA | FEAT.CMOV;
/** the P6 bus-interface unit's five machine-check banks (SDM vol. 3B, "MCA in P6 family processors") */
const P6_MCA_BANKS = 5;

export const VMIDBT_CPU: CpuModel = {
  name: 'vmidbt',
  description: 'the default: a P6 signature with NX, MTRRs, PAT and MCA, a brand string, the hypervisor leaf and an invariant TSC',
  vendor: 'GenuineIntel',
  family: 6,
  model: 3,
  stepping: 3,
  features: P6_BASE | FEAT.PAT,
  featuresEcx: FEAT_ECX_HYPERVISOR,
  withheld: [],
  maxLeaf: 1,
  maxExtLeaf: 0x80000008,
  extFeatures: EXT_FEAT_NX,
  extFeaturesEcx: 0,
  powerManagement: PM_INVARIANT_TSC,
  physBits: 32,
  linearBits: 32,
  brand: 'vmidbt virtual CPU (P6 family)',
  hypervisor: 'VmidbtVmidbt',
  microcodeRevision: 0,
  // QEMU's virtual CPUs answer IA32_MISC_ENABLE with fast strings and no BTS/PEBS; so does this one
  msrs: { miscEnable: 0x1801, sysenter: true, efer: true, mtrr: true, pat: true, mcaBanks: P6_MCA_BANKS, perfCounters: false },
  // QEMU's TCG cannot report invtsc; everything else matches
  qemuCpu: 'pentium2,family=6,model=3,stepping=3,vendor=GenuineIntel,model-id=vmidbt virtual CPU (P6 family),'
    + '-vme,-pse36,-mmx,-fxsr,+nx,+hypervisor,level=1,xlevel=0x80000008',
};

/** the P6 parts' MSR set (no MISC_ENABLE, no EFER) */
const P6_MSRS = { sysenter: true, efer: false, mtrr: true, pat: false, mcaBanks: P6_MCA_BANKS, perfCounters: true };

export const PENTIUM_PRO: CpuModel = {
  ...VMIDBT_CPU,
  name: 'pentiumpro',
  description: 'Intel Pentium Pro (6/1/2): the first P6; reports SEP but has no sysenter (#UD), no PAT',
  family: 6, model: 1, stepping: 2,
  // the Pentium Pro sets SEP although it has no fast system calls (SDM: software must check for signature 0x633 or later)
  features: P6_BASE,
  featuresEcx: 0,
  withheld: ['vme'],
  maxLeaf: 2,
  // ITLB 4K/32, ITLB 4M/2, DTLB 4K/64; DTLB 4M/8, L2 256K, L1I 8K, L1D 8K
  cacheDescriptors: [0x03020101, 0, 0, 0x0a064204],
  maxExtLeaf: 0, extFeatures: 0, powerManagement: 0, physBits: 36, brand: '', hypervisor: undefined,
  microcodeRevision: 0,
  msrs: { ...P6_MSRS, sysenter: false },
  qemuCpu: 'pentium2,family=6,model=1,stepping=2,-vme,-mmx,-fxsr,-pat,-pse36,level=2',
};

export const PENTIUM_2: CpuModel = {
  ...PENTIUM_PRO,
  name: 'pentium2',
  description: 'Intel Pentium II "Deschutes" (6/5/2, as QEMU\'s pentium2): P6 with fast system calls',
  model: 5, stepping: 2,
  withheld: ['vme', 'pse36', 'mmx', 'fxsr'],
  // ITLB 4K/32, ITLB 4M/2, DTLB 4K/64; L2 512K, L1I 16K, DTLB 4M/8, L1D 16K
  cacheDescriptors: [0x03020101, 0, 0, 0x0c040843],
  msrs: P6_MSRS,
  qemuCpu: 'pentium2,-vme,-mmx,-fxsr,-pat,-pse36',
};

export const PENTIUM_3: CpuModel = {
  ...PENTIUM_2,
  name: 'pentium3',
  description: 'Intel Pentium III "Katmai" (6/7/3, as QEMU\'s pentium3): Pentium II with PAT (serial number disabled, as firmware leaves it)',
  model: 7, stepping: 3,
  features: P6_BASE | FEAT.PAT,
  withheld: ['vme', 'pse36', 'mmx', 'fxsr', 'sse', 'pn'],
  msrs: { ...P6_MSRS, pat: true },
  qemuCpu: 'pentium3,-vme,-mmx,-fxsr,-sse,-pse36,level=2',
};

export const CPU_MODELS: readonly CpuModel[] = [VMIDBT_CPU, PENTIUM_PRO, PENTIUM_2, PENTIUM_3];

/** The model named `name`, or undefined. */
export function cpuModel(name: string): CpuModel | undefined {
  return CPU_MODELS.find((m) => m.name === name);
}

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

/** the last answer, in front of the maps (cpuid reads its four words one by one) */
const last: { model: CpuModel | undefined; leaf: number; apicId: number; answer: readonly [number, number, number, number] } = { model: undefined, leaf: 0, apicId: 0, answer: [0, 0, 0, 0] };

/**
 * CPUID for `leaf` on the vCPU with `apicId`, as [EAX, EBX, ECX, EDX]. A
 * leaf above the highest basic, hypervisor or extended leaf returns the
 * highest basic leaf's data, as Intel processors do.
 */
export function cpuidLeaf(m: CpuModel, leaf: number, apicId: number): readonly [number, number, number, number] {
  // a model's answers never change: computed once per leaf and APIC id (a kernel's cpuid, or the
  // VMI ROM's CPUID call, runs in loops; building the vendor and brand strings' dwords was most of it)
  if (m === last.model && leaf === last.leaf && apicId === last.apicId) return last.answer;
  const answers = ANSWERS.get(m) ?? ANSWERS.set(m, new Map()).get(m)!;
  const key = (leaf >>> 0) + (apicId & 0xff) * 0x100000000;
  let a = answers.get(key);
  if (a === undefined) {
    // not frozen: V8 reads a frozen array's elements several times slower (60 against 8 ns for four reads here)
    a = computeLeaf(m, leaf, apicId);
    // leaves are few, but a guest may ask for any of 2^32: keep the cache bounded
    if (answers.size >= 1024) answers.clear();
    answers.set(key, a);
  }
  last.model = m;
  last.leaf = leaf;
  last.apicId = apicId;
  last.answer = a;
  return a;
}

const ANSWERS = new WeakMap<CpuModel, Map<number, readonly [number, number, number, number]>>();

function computeLeaf(m: CpuModel, leaf: number, apicId: number): [number, number, number, number] {
  const l = leaf >>> 0;
  const vendor = (s: string, eax: number): [number, number, number, number] => [eax, dword(s, 0), dword(s, 8), dword(s, 4)];
  if (l === HYPERVISOR_LEAF && m.hypervisor) return [HYPERVISOR_LEAF, dword(m.hypervisor, 0), dword(m.hypervisor, 4), dword(m.hypervisor, 8)];
  if (l >= 0x80000000 && l <= m.maxExtLeaf) return extendedLeaf(m, l);
  return basicLeaf(m, l <= m.maxLeaf ? l : m.maxLeaf, apicId, vendor);
}

function basicLeaf(m: CpuModel, l: number, apicId: number, vendor: (s: string, eax: number) => [number, number, number, number]): [number, number, number, number] {
  if (l === 0) return vendor(m.vendor, m.maxLeaf);
  if (l === 2 && m.cacheDescriptors) return [...m.cacheDescriptors];
  // leaf 1: P6 parts have no initial APIC id in EBX (a Pentium 4 addition), the default model does
  return [signature(m), m.maxExtLeaf ? (apicId & 0xff) << 24 : 0, m.featuresEcx, m.features];
}

function extendedLeaf(m: CpuModel, l: number): [number, number, number, number] {
  switch (l) {
    case 0x80000000: return [m.maxExtLeaf | 0, 0, 0, 0];
    case 0x80000001: return [0, 0, m.extFeaturesEcx, m.extFeatures];
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const at = (l - 0x80000002) * 16;
      return [dword(m.brand, at), dword(m.brand, at + 4), dword(m.brand, at + 8), dword(m.brand, at + 12)];
    }
    case 0x80000007: return [0, 0, 0, m.powerManagement];
    case 0x80000008: return [m.physBits | (m.linearBits << 8), 0, 0, 0];
    default: return [0, 0, 0, 0]; // 0x80000005 (reserved on Intel), 0x80000006 (no L2 cache described)
  }
}
