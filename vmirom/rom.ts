/**
 * Installing the VMI ROM in a machine, and the generic entry every call goes
 * through.
 *
 * `installRom` builds the image of the ABI asked for (abis.ts, image.ts),
 * loads it into the option-ROM window read-only, registers the PCI function
 * 15AD:0801 with the image as its expansion ROM, creates the per-vCPU state
 * (state.ts) and attaches a handler to each vCPU's CPU for the `vmicall`
 * instruction (semantics/families/vmi.ts).
 *
 * A call arrives as (cpu, entry) with EIP already at the slot's `ret`. The
 * ABI's row for that entry names the shared call (calls.ts) and the
 * convention: `invoke` reads the parameters from the registers and stack
 * words it names (ESP being the slot's entry value, so [ESP] is the return
 * address and thus the call site), decodes an ABI-specific flags word, runs
 * the call's description (with `RomOps` for one written against `VmiOps`),
 * writes its result, and poisons the clobbered registers that are not
 * outputs: each of EAX, ECX, EDX to 0xDEAD0000 | the entry's number, so a
 * guest that relies on an unpreserved register fails visibly. For a call
 * written against `VmiOps` all of that is `invokeSem`, generic in its
 * backend: the translator emits a call by running the same function.
 *
 * The machine side must: call `installRom` once the vCPUs exist (unless
 * `--no-rom`), route a startup IPI to `onStartupIpi` first (the ROM decides
 * for a paravirtual guest; `false` means "not mine, start the AP natively"),
 * and may read `stats` for its summary.
 */
import type { MachineApi } from '../runtime/machine-api.ts';
import { Fault, Vec } from '../isa/faults.ts';
import { Reg, Seg } from '../isa/instr.ts';
import { setVmiHandler } from '../semantics/families/vmi.ts';
import type { Ops } from '../semantics/ops.ts';
import { CALL_NAMES, PROPOSAL, type AbiCall, type CallName, type Convention, type Src, type VmiAbi } from './abis.ts';
import {
  buildRomImage, PCI_CLASS_VMI, PCI_DEVICE_VMI, PCI_VENDOR_VMWARE, ROM_DEFAULT_ADDRESS, ROM_SIZE,
} from './image.ts';
import { SHARED_CALLS, type CallResult } from './calls.ts';
import { applyApState } from './kernel-mode.ts';
import { RomOps, type VmiOps } from './ops.ts';
import { SiteCallees, VmiStats } from './stats.ts';
import { VMICALL_OPCODE } from '../semantics/families/vmi.ts';
import { PageUsage, VcpuVmi, type ApState, type LinearMapping, type RomShared } from './state.ts';
import { host } from '../base/host.ts';
import { InlinedSites, type VmiProfileHooks } from './profile-hooks.ts';

export interface RomOptions {
  /** the ABI to serve (default: the proposal's) */
  abi?: VmiAbi;
  /** physical address: 2 KiB aligned inside 0xC8000..0xDFFFF (default 0xC8000) */
  address?: number;
  /** measure host time per call (default true) */
  timing?: boolean;
}

/** 0xDEAD0000 | N marks a register a call clobbered (N: the entry's call number) */
export const POISON = 0xdead0000 | 0;

const now = () => host().now();

export class VmiRom implements RomShared {
  readonly abi: VmiAbi;
  readonly image: Uint8Array;
  readonly address: number;
  readonly stats = new VmiStats();
  readonly siteCallees = new SiteCallees();
  readonly pageUsage = new PageUsage();
  readonly apStates = new Map<number, ApState>();
  readonly linearMappings: (LinearMapping | undefined)[] = [undefined, undefined, undefined, undefined];
  active = false;
  readonly inlinedSites = new InlinedSites();
  profile?: VmiProfileHooks;
  /** per vCPU, in machine.vcpus order */
  readonly vcpus: VcpuVmi[];
  private readonly ops: RomOps[];
  /** the ABI's calls by entry, filled as inlined calls first run (generated code passes the entry) */
  private readonly callAt: (AbiCall | undefined)[] = [];
  private readonly timing: boolean;

  constructor(readonly machine: MachineApi, opts: RomOptions = {}) {
    this.abi = opts.abi ?? PROPOSAL;
    this.address = opts.address ?? ROM_DEFAULT_ADDRESS;
    if (this.address % 2048 !== 0 || this.address < 0xc8000 || this.address + ROM_SIZE > 0xe0000) {
      throw new Error(`VMI ROM address 0x${this.address.toString(16)} must be 2 KiB aligned inside 0xC8000-0xDFFFF`);
    }
    this.timing = opts.timing ?? true;
    this.image = buildRomImage(this.abi);
    this.vcpus = machine.vcpus.map((v) => new VcpuVmi(this, v));
    this.ops = this.vcpus.map((ctx) => new RomOps(ctx));
  }

  get version(): string {
    return `${this.abi.major}.${this.abi.minor}`;
  }

  /**
   * Calls by shared call, most frequent first: how many ran through the ROM
   * (`stats`) and how many the translator ran inline (each vCPU's counters).
   */
  callCounts(): { name: CallName; called: number; inlined: number }[] {
    return CALL_NAMES.map((name, k) => ({
      name, called: this.stats.count(name), inlined: this.vcpus.reduce((n, v) => n + v.inlined[k], 0),
    }))
      .filter((c) => c.called + c.inlined > 0)
      .sort((a, b) => b.called + b.inlined - (a.called + a.inlined) || a.name.localeCompare(b.name));
  }

  /** the per-vCPU state of APIC id `id` */
  vcpu(id: number): VcpuVmi | undefined {
    return this.vcpus.find((v) => v.vcpu.id === id);
  }

  /** Run the call at `entry` on vCPU `k` (the `vmicall` instruction's handler). */
  dispatch(k: number, entry: number): void {
    const call = this.abi.byEntry(entry);
    if (!call) throw new Fault(Vec.UD);
    const ctx = this.vcpus[k];
    const cpu = ctx.cpu;
    // the calls are the kernel's: user code has no business in the ROM
    if (cpu.cpl === 3 && cpu.protectedMode) throw new Fault(Vec.GP, 0);
    const site = call.conv.jump ? -1 : cpu.read(Seg.SS, cpu.regs[Reg.ESP], 4) >>> 0;
    // EIP is past the slot's vmicall, the slot's first instruction
    if (site >= 0) this.siteCallees.note(site, (cpu.eip - VMICALL_OPCODE.length - 1) | 0);
    const t0 = this.timing ? now() : 0;
    invoke(this.ops[k], call);
    const ns = this.timing ? Math.round((now() - t0) * 1e6) : 0;
    this.stats.record(call.call, site, ctx.vcpu.id, ns);
    this.profile?.called(ctx, call.call, site, t0, ns);
  }

  /**
   * Run the call at `entry` on a vCPU exactly as `dispatch` runs it
   * (`invoke`: parameters, the call's one function or description, result,
   * clobbers), without the CPL check the claim made already and without
   * counting it: a call inlined as a call of its function
   * (translator/inline/vmi.ts), which counts itself. EIP is at the slot's
   * `ret` and the registers are in the CPU, as for the ROM path.
   */
  runInlined(ctx: VcpuVmi, entry: number): void {
    // (an inlined SYSEXIT or AllocatePage runs this on every pass: a scan of at most 8 vCPUs and an array read, where map lookups were a fifth of its cost)
    const call = this.callAt[entry] ?? (this.callAt[entry] = this.abi.byEntry(entry)!);
    invoke(this.ops[this.vcpus.indexOf(ctx)], call);
  }

  /**
   * A startup IPI for APIC id `id`. Before any Init the ROM is not in use:
   * `false`, the machine starts the AP natively. Afterwards the ROM owns AP
   * start-up: the AP starts from the state SetInitialAPState gave for it, or,
   * with none, does not start at all (`true` either way). A state is used
   * once.
   */
  onStartupIpi(id: number, _vector: number): boolean {
    if (!this.active) return false;
    const state = this.apStates.get(id);
    const ctx = this.vcpu(id);
    this.apStates.delete(id);
    if (state && ctx) this.machine.startAp(id, { kind: 'state', apply: () => applyApState(ctx, state) });
    return true;
  }
}

/**
 * A parameter's value at the slot's entry, where [ESP] is the return
 * address: a register, a stack word (ST(k) at [ESP+4+4k]) or a constant.
 */
function readSrc<V>(o: Ops<V>, src: Src): V {
  switch (src) {
    case 'eax': return o.reg(Reg.EAX, 4);
    case 'ecx': return o.reg(Reg.ECX, 4);
    case 'edx': return o.reg(Reg.EDX, 4);
    case 'st0': return o.load(Seg.SS, o.add(o.reg(Reg.ESP, 4), o.c(4)), 4);
    case 'st1': return o.load(Seg.SS, o.add(o.reg(Reg.ESP, 4), o.c(8)), 4);
    default: return o.c(src);
  }
}

/** The shared call's parameters as the convention gives them, decoded: read before anything runs, so a fault there changes nothing. */
function readParams<V>(o: Ops<V>, conv: Convention): V[] {
  const p = conv.params.map((src) => readSrc(o, src));
  if (conv.decode) p[conv.decode.param] = conv.decode.decoder(o, p[conv.decode.param]);
  return p;
}

/**
 * What a call leaves in EAX, ECX, EDX: its result per the convention, and
 * on a "standard" call `0xDEAD0000 | N` in each of them that is neither an
 * output nor written by the call itself.
 */
function writeOutputs<V>(o: Ops<V>, call: AbiCall, res: CallResult<V>): void {
  const conv = call.conv;
  if (conv.jump) return;
  const poison = o.c(POISON | (call.number ?? call.entry));
  if (conv.clobbers === 'standard') {
    const writes = conv.writes;
    if (!writes?.includes('ecx')) o.setReg(Reg.ECX, 4, poison);
    if (conv.result !== 'edx:eax' && !writes?.includes('edx')) o.setReg(Reg.EDX, 4, poison);
    if (conv.result === 'none' && !writes?.includes('eax')) o.setReg(Reg.EAX, 4, poison);
  }
  if (conv.result === 'eax') {
    o.setReg(Reg.EAX, 4, res as V);
  } else if (conv.result === 'edx:eax') {
    const [lo, hi] = res as readonly [V, V];
    o.setReg(Reg.EAX, 4, lo);
    o.setReg(Reg.EDX, 4, hi);
  }
}

/**
 * A call written against `VmiOps`, whole: parameters in, the description,
 * result and clobbers out, on any backend. The ROM path runs it with
 * `RomOps`; the translator's inliner runs this same function with its
 * `VmiOps<Expr>` to emit the call at a call site (translator/inline/).
 */
export function invokeSem<V>(o: VmiOps<V>, call: AbiCall): void {
  const sem = SHARED_CALLS[call.call].sem;
  if (!sem) throw new Error(`${call.name} is a hypervisor function, not a description`);
  const p = readParams(o, call.conv);
  writeOutputs(o, call, sem(o, p));
}

/** The generic entry of the ROM path: a description through `invokeSem`, a hypervisor function with its numbers. */
export function invoke(o: RomOps, call: AbiCall): void {
  const shared = SHARED_CALLS[call.call];
  if (shared.sem) { invokeSem(o, call); return; }
  const res = shared.fn!(o.ctx, readParams(o, call.conv));
  writeOutputs(o, call, typeof res === 'bigint' ? halves(res) : res === undefined ? undefined : Number(res) | 0);
}

const halves = (v: bigint): [number, number] => [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];

/**
 * Put the ROM into the machine: image at `address` (read-only), the PCI
 * function, and a `vmicall` handler on every vCPU.
 */
export function installRom(machine: MachineApi, opts: RomOptions = {}): VmiRom {
  const rom = new VmiRom(machine, opts);
  machine.memory.load(rom.address, rom.image);
  machine.memory.setReadOnly(rom.address, ROM_SIZE);
  machine.registerPciDevice?.({
    vendorId: PCI_VENDOR_VMWARE, deviceId: PCI_DEVICE_VMI, classCode: PCI_CLASS_VMI, revision: rom.abi.minor,
    romAddress: rom.address, romSize: ROM_SIZE,
  });
  rom.vcpus.forEach((ctx, k) => setVmiHandler(ctx.cpu, (_cpu, entry) => rom.dispatch(k, entry)));
  return rom;
}

/** Detach the ROM's handlers (the image stays in memory; `vmicall` is #UD again). */
export function uninstallRom(rom: VmiRom): void {
  for (const ctx of rom.vcpus) setVmiHandler(ctx.cpu, undefined);
}
