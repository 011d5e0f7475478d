/**
 * The three VMI ABIs the ROM can serve, as data: for each, its header facts,
 * and per call number the shared call it runs (calls.ts, where each call's
 * behaviour is written once) and the convention that maps the guest's
 * registers and stack words onto that call's parameters.
 *
 * - `proposal`: VMware's 2006 proposal (../shared/vmi/ABI.md), revision 13,
 *   calls 4..84 at ROM offset N * 32; plus revision 13.3's calls 85..87 and
 *   our SetDeferredMode, moved from 85 (where 13.3 put GetRelocationInfo)
 *   to 88: version 13.4.
 * - `vmware13`: VMware's revision 13.3 (as the Sanos kernel uses it): the
 *   same slots, linkage through GetRelocationInfo (85), SetPxE and
 *   SetPxELong with a flags word (86, 87), FlushDeferredCalls with
 *   selection flags, AllocatePage with five arguments; no deferred-mode call.
 * - `linux3`: VMI API 3.0, what Linux 2.6.21-2.6.36 (`CONFIG_VMI`) asks for:
 *   major 3, a "GPL" license string, `virtual_top`, the Init and get_reloc
 *   entry points at header offsets 0x80 and 0x88, its own call numbers and
 *   conventions, SetLazyMode for deferred mode, UpdatePxE notifications.
 *
 * A convention names, for each parameter of the shared call, the register,
 * stack word (st0 = [ESP+4] at the slot's entry) or constant it comes from;
 * an ABI-specific flags encoding is decoded to the shared call's meaning by
 * a `Decoder` written against the operations interface, so an inlined call
 * decodes it the same way. The facts come from the published sources of the
 * guests named above; vmirom/README.md has the table this file encodes.
 *
 * Dependency-free but for a type, so the disassembler and the translator may
 * import it.
 */
import type { Ops } from '../semantics/ops.ts';

export type AbiId = 'proposal' | 'vmware13' | 'linux3';
export const ABI_IDS: readonly AbiId[] = ['proposal', 'vmware13', 'linux3'];

/** The shared calls (calls.ts implements each once). */
export const CALL_NAMES = [
  'Init', 'CPUID', 'WRMSR', 'RDMSR', 'SetGDT', 'SetLDT', 'SetIDT', 'SetTR', 'GetGDT', 'GetLDT', 'GetIDT', 'GetTR',
  'WriteGDTEntry', 'WriteLDTEntry', 'WriteIDTEntry', 'UpdateKernelStack',
  'SetCR0', 'SetCR2', 'SetCR3', 'SetCR4', 'GetCR0', 'GetCR2', 'GetCR3', 'GetCR4',
  'INVD', 'WBINVD', 'SetDR', 'GetDR', 'RDPMC', 'RDTSC', 'CLTS',
  'EnableInterrupts', 'DisableInterrupts', 'GetInterruptMask', 'SetInterruptMask',
  'IRET', 'SYSEXIT', 'Pause', 'Halt', 'Reboot', 'Shutdown',
  'SetPxE', 'GetPxE', 'SwapPxE', 'SetPxELong', 'GetPxELong', 'SwapPxELongAtomic',
  'TestAndSetPxEBit', 'TestAndClearPxEBit', 'TestAndSetPxELongBit', 'TestAndClearPxELongBit', 'DeactivatePxELongAtomic',
  'UpdatePxE', 'UpdatePxELong', 'MachineToPhysical', 'PhysicalToMachine',
  'AllocatePage', 'ReleasePage', 'InvalPage', 'FlushTLB', 'FlushDeferredCalls', 'SetDeferredMode', 'SetLinearMapping',
  'IN', 'INB', 'INW', 'INS', 'INSB', 'INSW', 'OUT', 'OUTB', 'OUTW', 'OUTS', 'OUTSB', 'OUTSW',
  'SetIOPLMask', 'SetInitialAPState', 'APICWrite', 'APICRead', 'IODelay',
  'GetCycleFrequency', 'GetCycleCounter', 'SetAlarm', 'CancelAlarm', 'GetWallclockTime', 'WallclockUpdated',
  'GetRelocationInfo',
] as const;
export type CallName = (typeof CALL_NAMES)[number];

export type RegName = 'eax' | 'ebx' | 'ecx' | 'edx' | 'esi' | 'edi';
/** A parameter's source: a register, a stack word (st0 is [ESP+4] at the slot's entry) or a constant. */
export type Src = 'eax' | 'ecx' | 'edx' | 'st0' | 'st1' | number;
/** Turns an ABI's encoding of a parameter into the shared call's meaning. */
export type Decoder = <V>(o: Ops<V>, v: V) => V;

export interface Convention {
  /** where each parameter of the shared call comes from, in the call's order */
  readonly params: readonly Src[];
  readonly result: 'none' | 'eax' | 'edx:eax';
  /** registers the call writes itself besides its result (CPUID, RDMSR, string I/O): never poisoned */
  readonly writes?: readonly RegName[];
  /** "standard": EAX ECX EDX not written by the call are poisoned; "flags": they are preserved */
  readonly clobbers: 'standard' | 'flags';
  /** entered by a jump with a frame on the stack; never returns (IRET, SYSEXIT) */
  readonly jump?: boolean;
  /** an ABI-specific encoding of parameter `param` */
  readonly decode?: { readonly param: number; readonly decoder: Decoder; readonly what: string };
  /** how the convention reads, for the README table when `params` alone does not say it */
  readonly note?: string;
}

export interface AbiCall {
  /** the ABI's call number; undefined for an entry point the header names (linux3's Init, get_reloc) */
  readonly number: number | undefined;
  /** the ABI's name for the call */
  readonly name: string;
  readonly call: CallName;
  readonly conv: Convention;
  /** ROM offset of its code */
  readonly offset: number;
  /** the immediate of its `vmicall` */
  readonly entry: number;
}

export interface VmiAbi {
  readonly id: AbiId;
  readonly title: string;
  readonly major: number;
  readonly minor: number;
  /** linux3's header: the license string (at `licenseOffset`) and the start of the hypervisor's space */
  readonly license?: string;
  readonly virtualTop?: number;
  /** the relocation type GetRelocationInfo gives a call entered by jump (CALL_REL 1 or JUMP_REL 2) */
  readonly jumpRelocation: 1 | 2;
  readonly calls: readonly AbiCall[];
  /** offset just past the last call's code */
  readonly codeEnd: number;
  byEntry(entry: number): AbiCall | undefined;
  byNumber(n: number): AbiCall | undefined;
  /** the call whose code starts exactly at ROM offset `off` */
  atOffset(off: number): AbiCall | undefined;
}

export const RELOC_NONE = 0, RELOC_CALL = 1, RELOC_JUMP = 2;
export const SLOT_SIZE = 32;
/** where the header leaves room for code: linux3's Init and get_reloc entry points */
export const LINUX_INIT_OFFSET = 0x80, LINUX_RELOC_OFFSET = 0x88;
const LINUX_SLOT_BASE = 0x100;
/** the vmicall immediates of linux3's two header entry points (its call numbers stop at 73) */
const LINUX_INIT_ENTRY = 0xf0, LINUX_RELOC_ENTRY = 0xf1;

// ---- conventions ----------------------------------------------------------------------

type Result = Convention['result'];
const std = (params: Src[] = [], result: Result = 'none', more: Partial<Convention> = {}): Convention =>
  ({ params, result, clobbers: 'standard', ...more });
const flagsOnly = (params: Src[] = [], result: Result = 'none'): Convention => ({ params, result, clobbers: 'flags' });
const jump: Convention = { params: [], result: 'none', clobbers: 'flags', jump: true };

/** string I/O: the instruction's registers */
const strIn: Convention = std([], 'none', { writes: ['edi', 'ecx'], note: 'EDX port, ES:EDI, ECX count' });
const strOut: Convention = std([], 'none', { writes: ['esi', 'ecx'], note: 'EDX port, DS:ESI, ECX count' });

/** Usage flags of AllocatePage/ReleasePage: the proposal's are the ROM's own (state.ts PAGE_*). */
const proposalPages: Convention['decode'] = { param: 1, decoder: (_o, v) => v, what: 'PT 1 PD 2 PDP 4 PML4 8 GDT 0x10 LDT 0x20 IDT 0x40 TSS 0x80' };
/** 13.3: PT 1, PD 2, PDP (= PAE) 4, PML4 8; nothing else is defined */
const vmware13Pages: Convention['decode'] = {
  param: 1, decoder: (o, v) => o.and(v, o.c(0xf)), what: 'PT 1 PD 2 PDP/PAE 4 PML4 8',
};
/** Linux 3.0: PT 1, PD 2, PDP 4, PML4 8, then PAE 0x10, CLONE 0x20, ZEROED 0x40 (the ROM's hints 0x100, 0x200, 0x400) */
const linuxPages: Convention['decode'] = {
  param: 1, decoder: (o, v) => o.or(o.and(v, o.c(0xf)), o.shl(o.and(v, o.c(0x70)), o.c(4))),
  what: 'PT 1 PD 2 PDP 4 PML4 8 PAE 0x10 CLONE 0x20 ZEROED 0x40',
};
/** 13.3's FlushDeferredCalls selection: PT_UPDATES 0x80 (MMU 1), CPU_STATE 0x40 (CPU 2) */
const vmware13Flush: Convention['decode'] = {
  param: 0, decoder: (o, v) => o.or(o.shr(o.and(v, o.c(0x80)), o.c(7)), o.shr(o.and(v, o.c(0x40)), o.c(5))),
  what: 'PT_UPDATES 0x80, CPU_STATE 0x40',
};

// ---- the tables -------------------------------------------------------------------------

type Row = [number | undefined, string, CallName, Convention];

/** Calls 4..84, numbered as revision 13 (the proposal's table, which 13.3 keeps). */
function revision13(allocate: Convention, release: Convention, flush: Convention): Row[] {
  const crs = [0, 2, 3, 4] as const;
  return [
    [4, 'Init', 'Init', std([], 'eax')],
    [5, 'CPUID', 'CPUID', { ...flagsOnly(), writes: ['eax', 'ebx', 'ecx', 'edx'], note: 'EAX leaf, ECX subleaf → EAX EBX ECX EDX' }],
    [6, 'WRMSR', 'WRMSR', std([], 'none', { note: 'ECX msr, EDX:EAX value' })],
    [7, 'RDMSR', 'RDMSR', std([], 'none', { writes: ['eax', 'edx'], note: 'ECX msr → EDX:EAX' })],
    [8, 'SetGDT', 'SetGDT', std(['eax'])],
    [9, 'SetLDT', 'SetLDT', std(['eax'])],
    [10, 'SetIDT', 'SetIDT', std(['eax'])],
    [11, 'SetTR', 'SetTR', std(['eax'])],
    [12, 'GetGDT', 'GetGDT', std(['eax'])],
    [13, 'GetLDT', 'GetLDT', std([], 'eax')],
    [14, 'GetIDT', 'GetIDT', std(['eax'])],
    [15, 'GetTR', 'GetTR', std([], 'eax')],
    [16, 'WriteGDTEntry', 'WriteGDTEntry', std(['eax', 'edx', 'ecx', 'st0'])],
    [17, 'WriteLDTEntry', 'WriteLDTEntry', std(['eax', 'edx', 'ecx', 'st0'])],
    [18, 'WriteIDTEntry', 'WriteIDTEntry', std(['eax', 'edx', 'ecx', 'st0'])],
    [19, 'UpdateKernelStack', 'UpdateKernelStack', std(['eax', 0, 'edx'], 'none', { note: 'EAX TSS pointer, EDX ESP0' })],
    ...crs.map((n, k): Row => [20 + k, `SetCR${n}`, `SetCR${n}`, std(['eax'])]),
    ...crs.map((n, k): Row => [24 + k, `GetCR${n}`, `GetCR${n}`, std([], 'eax')]),
    [28, 'INVD', 'INVD', std()],
    [29, 'WBINVD', 'WBINVD', std()],
    [30, 'SetDR', 'SetDR', std(['eax', 'edx'])],
    [31, 'GetDR', 'GetDR', std(['eax'], 'eax')],
    [32, 'RDPMC', 'RDPMC', std(['ecx'], 'edx:eax')],
    [33, 'RDTSC', 'RDTSC', std([], 'edx:eax')],
    [34, 'CLTS', 'CLTS', std()],
    [35, 'EnableInterrupts', 'EnableInterrupts', flagsOnly()],
    [36, 'DisableInterrupts', 'DisableInterrupts', flagsOnly()],
    [37, 'GetInterruptMask', 'GetInterruptMask', flagsOnly([], 'eax')],
    [38, 'SetInterruptMask', 'SetInterruptMask', flagsOnly(['eax'])],
    [39, 'IRET', 'IRET', jump],
    [40, 'SYSEXIT', 'SYSEXIT', { ...jump, note: 'EDX EIP, ECX ESP' }],
    [41, 'Pause', 'Pause', std()],
    [42, 'Halt', 'Halt', std()],
    [43, 'Reboot', 'Reboot', std(['eax'])],
    [44, 'Shutdown', 'Shutdown', std()],
    [45, 'SetPxE', 'SetPxE', std(['eax', 'edx', 0])],
    [46, 'GetPxE', 'GetPxE', std(['eax'], 'eax')],
    [47, 'SwapPxE', 'SwapPxE', std(['eax', 'edx'], 'eax')],
    [48, 'SetPxELong', 'SetPxELong', std(['eax', 'edx', 'ecx', 0])],
    [49, 'GetPxELong', 'GetPxELong', std(['eax'], 'edx:eax')],
    [50, 'SwapPxELongAtomic', 'SwapPxELongAtomic', std(['eax', 'edx', 'ecx'], 'edx:eax')],
    [51, 'TestAndSetPxEBit', 'TestAndSetPxEBit', std(['eax', 'edx'], 'eax')],
    [52, 'TestAndClearPxEBit', 'TestAndClearPxEBit', std(['eax', 'edx'], 'eax')],
    [53, 'AllocatePage', 'AllocatePage', allocate],
    [54, 'ReleasePage', 'ReleasePage', release],
    [55, 'InvalPage', 'InvalPage', std(['eax'])],
    [56, 'FlushTLB', 'FlushTLB', std(['eax'])],
    [57, 'FlushDeferredCalls', 'FlushDeferredCalls', flush],
    [58, 'SetLinearMapping', 'SetLinearMapping', std(['eax', 'edx', 'ecx', 'st0'])],
    [59, 'IN', 'IN', std(['edx'], 'eax')],
    [60, 'INB', 'INB', std(['edx'], 'eax')],
    [61, 'INW', 'INW', std(['edx'], 'eax')],
    [62, 'INS', 'INS', strIn],
    [63, 'INSB', 'INSB', strIn],
    [64, 'INSW', 'INSW', strIn],
    [65, 'OUT', 'OUT', std(['eax', 'edx'])],
    [66, 'OUTB', 'OUTB', std(['eax', 'edx'])],
    [67, 'OUTW', 'OUTW', std(['eax', 'edx'])],
    [68, 'OUTS', 'OUTS', strOut],
    [69, 'OUTSB', 'OUTSB', strOut],
    [70, 'OUTSW', 'OUTSW', strOut],
    [71, 'SetIOPLMask', 'SetIOPLMask', std(['eax'])],
    [72, 'DeactivatePxELongAtomic', 'DeactivatePxELongAtomic', std(['ecx'], 'edx:eax')],
    [73, 'TestAndSetPxELongBit', 'TestAndSetPxELongBit', std(['eax', 'edx'], 'eax')],
    [74, 'TestAndClearPxELongBit', 'TestAndClearPxELongBit', std(['eax', 'edx'], 'eax')],
    [75, 'SetInitialAPState', 'SetInitialAPState', std(['eax', 'edx'])],
    [76, 'APICWrite', 'APICWrite', std(['eax', 'edx'])],
    [77, 'APICRead', 'APICRead', std(['eax'], 'eax')],
    [78, 'IODelay', 'IODelay', std()],
    [79, 'GetCycleFrequency', 'GetCycleFrequency', std([], 'edx:eax')],
    [80, 'GetCycleCounter', 'GetCycleCounter', std(['eax'], 'edx:eax')],
    [81, 'SetAlarm', 'SetAlarm', std(['eax', 'edx', 'ecx', 'st0', 'st1'])],
    [82, 'CancelAlarm', 'CancelAlarm', std(['eax'], 'eax')],
    [83, 'GetWallclockTime', 'GetWallclockTime', std([], 'edx:eax')],
    [84, 'WallclockUpdated', 'WallclockUpdated', std([], 'eax')],
  ];
}

/** 13.3's additions: relocation-based linkage and the page-table writes with a flags word. */
const revision13_3: Row[] = [
  [85, 'GetRelocationInfo', 'GetRelocationInfo', std(['eax'], 'edx:eax')],
  [86, 'SetPxE', 'SetPxE', std(['eax', 'edx', 'ecx'])],
  [87, 'SetPxELong', 'SetPxELong', std(['eax', 'edx', 'ecx', 'st0'])],
];

/** FlushDeferredCalls applies everything in the proposal (no input), the selection in 13.3. */
const flushAll = std([3], 'none', { note: 'no input: everything' });

const proposalRows: Row[] = [
  ...revision13(
    std(['eax', 'edx', 0, 0, 0], 'none', { decode: proposalPages }), std(['eax', 'edx'], 'none', { decode: proposalPages }), flushAll,
  ),
  ...revision13_3,
  // ours, moved from 85 (13.3's GetRelocationInfo): new calls go at the end
  [88, 'SetDeferredMode', 'SetDeferredMode', std(['eax'])],
];

const vmware13Rows: Row[] = [
  // 13.3 calls the two flag-less forms SetPxE0 and SetPxELong0
  ...revision13(
    std(['eax', 'edx', 'ecx', 'st0', 'st1'], 'none', { decode: vmware13Pages }), std(['eax', 'edx'], 'none', { decode: vmware13Pages }),
    std(['eax'], 'none', { decode: vmware13Flush }),
  )
    .map(([n, name, call, conv]): Row => [n, n === 45 || n === 48 ? `${name}0` : name, call, conv]),
  ...revision13_3,
];

/**
 * VMI API 3.0 (Linux's include/asm-x86/vmi.h and vmi_time.h): the calls it
 * shares with revision 13, by [3.0 number, revision-13 number], take the
 * same convention; the rest are its own.
 */
const LINUX3_AS_REVISION13: readonly [number, number][] = [
  [0, 5], [1, 6], [2, 7], [3, 8], [4, 9], [5, 10], [6, 11], [7, 12], [8, 13], [9, 14], [10, 15], [11, 16], [12, 17], [13, 18],
  [15, 20], [16, 21], [17, 22], [18, 23], [19, 24], [20, 25], [21, 26], [22, 27], [23, 29], [24, 30], [25, 31], [26, 32],
  [27, 33], [28, 34], [29, 35], [30, 36], [31, 37], [32, 38], [33, 39], [34, 40], [35, 42], [36, 43], [37, 44],
  [38, 86], [39, 87], [46, 55], [47, 56], [48, 58], [61, 71], [62, 75], [63, 76], [64, 77], [65, 78],
  [66, 79], [67, 80], [68, 81], [69, 82], [70, 83], [71, 84],
];

function linux3Rows(): Row[] {
  const rev13 = proposalRows;
  const same = LINUX3_AS_REVISION13.map(([n, r]): Row => {
    const [, name, call, conv] = rev13.find((row) => row[0] === r)!;
    return [n, name, call, conv];
  });
  return [
    [undefined, 'Init', 'Init', std([], 'eax')],
    [undefined, 'get_reloc', 'GetRelocationInfo', std(['eax'], 'edx:eax')],
    ...same,
    // Linux passes the kernel data selector and sp0: there is no TSS pointer
    [14, 'UpdateKernelStack', 'UpdateKernelStack', std([0, 'eax', 'edx'], 'none', { note: 'EAX SS selector, EDX ESP0' })],
    [40, 'UpdatePxE', 'UpdatePxE', std(['eax', 'edx'])],
    [41, 'UpdatePxELong', 'UpdatePxELong', std(['eax', 'edx'])],
    [42, 'MachineToPhysical', 'MachineToPhysical', std(['eax'], 'eax')],
    [43, 'PhysicalToMachine', 'PhysicalToMachine', std(['eax'], 'eax')],
    [44, 'AllocatePage', 'AllocatePage', std(['eax', 'edx', 'ecx', 'st0', 'st1'], 'none', { decode: linuxPages })],
    [45, 'ReleasePage', 'ReleasePage', std(['eax', 'edx'], 'none', { decode: linuxPages })],
    [73, 'SetLazyMode', 'SetDeferredMode', std(['eax'], 'none', { note: 'EAX 0 none, 1 MMU, 2 CPU' })],
  ];
}

function makeAbi(base: Omit<VmiAbi, 'calls' | 'codeEnd' | 'byEntry' | 'byNumber' | 'atOffset'>, rows: Row[], place: (r: Row) => [offset: number, entry: number]): VmiAbi {
  const calls: AbiCall[] = rows.map((r) => {
    const [offset, entry] = place(r);
    return { number: r[0], name: r[1], call: r[2], conv: r[3], offset, entry };
  });
  const entries = new Map<number, AbiCall>();
  const numbers = new Map<number, AbiCall>();
  const offsets = new Map<number, AbiCall>();
  for (const c of calls) {
    if (entries.has(c.entry) || offsets.has(c.offset) || (c.number !== undefined && numbers.has(c.number))) {
      throw new Error(`${base.id}: call ${c.name} placed twice`);
    }
    entries.set(c.entry, c);
    offsets.set(c.offset, c);
    if (c.number !== undefined) numbers.set(c.number, c);
  }
  const codeEnd = Math.max(...calls.map((c) => c.offset + (c.number === undefined ? 8 : SLOT_SIZE)));
  return {
    ...base, calls, codeEnd,
    byEntry: (e) => entries.get(e),
    byNumber: (n) => numbers.get(n),
    atOffset: (off) => offsets.get(off),
  };
}

/** Revision 13: call N at N * 32, its vmicall immediate is N. */
const rev13Place = (r: Row): [number, number] => [r[0]! * SLOT_SIZE, r[0]!];

export const PROPOSAL: VmiAbi = makeAbi(
  { id: 'proposal', title: "the 2006 proposal's interface, revision 13.4", major: 13, minor: 4, jumpRelocation: RELOC_CALL },
  proposalRows, rev13Place,
);

export const VMWARE13: VmiAbi = makeAbi(
  { id: 'vmware13', title: "VMware's revision 13.3", major: 13, minor: 3, jumpRelocation: RELOC_CALL },
  vmware13Rows, rev13Place,
);

export const LINUX3: VmiAbi = makeAbi(
  {
    id: 'linux3', title: "Linux's VMI API 3.0", major: 3, minor: 0, jumpRelocation: RELOC_JUMP,
    license: 'GPL', virtualTop: 0xfc000000,
  },
  linux3Rows(),
  (r) => r[0] !== undefined ? [LINUX_SLOT_BASE + r[0] * SLOT_SIZE, r[0]]
    : r[2] === 'Init' ? [LINUX_INIT_OFFSET, LINUX_INIT_ENTRY] : [LINUX_RELOC_OFFSET, LINUX_RELOC_ENTRY],
);

export const ABIS: Readonly<Record<AbiId, VmiAbi>> = { proposal: PROPOSAL, vmware13: VMWARE13, linux3: LINUX3 };

/** The ABI a ROM image's header announces (major 3: linux3; 13.3: vmware13; other 13.x: proposal). */
export function abiOfHeader(major: number, minor: number): VmiAbi | undefined {
  if (major === 3) return LINUX3;
  if (major !== 13) return undefined;
  return minor === 3 ? VMWARE13 : PROPOSAL;
}
