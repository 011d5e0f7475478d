/**
 * Installing the VMI ROM in a machine, and the generic entry every call goes
 * through.
 *
 * `installRom` loads the image (image.ts) into the option-ROM window, makes
 * it read-only, registers the PCI function 15AD:0801 with the image as its
 * expansion ROM, creates the per-vCPU state (state.ts) and attaches a
 * handler to each vCPU's CPU for the `vmicall` instruction
 * (semantics/families/vmi.ts).
 *
 * A call arrives as (cpu, N) with EIP already at the slot's `ret`. `invoke`
 * reads the arguments the row's convention names (EAX, EDX, ECX, then stack
 * words from [ESP+4], ESP being the slot's entry value, so [ESP] is the
 * return address and thus the call site), runs the row's function, writes
 * its result, and poisons the clobbered registers that are not outputs
 * (calls.ts). The translator's inline path will call `invoke` (or the row's
 * function with the same argument reading) from a recognised call site.
 *
 * The machine side must: call `installRom` once the vCPUs exist (unless
 * `--no-rom`), route a startup IPI to `onStartupIpi` first (the ROM decides
 * for a paravirtual guest; `false` means "not mine, start the AP natively"),
 * and may read `stats` for its summary.
 */
import type { Cpu } from '../cpu/cpu.ts';
import type { MachineApi } from '../runtime/machine-api.ts';
import { Fault, Vec } from '../isa/faults.ts';
import { Reg, Seg } from '../isa/instr.ts';
import { setVmiHandler } from '../semantics/families/vmi.ts';
import {
  buildRomImage, PCI_CLASS_VMI, PCI_DEVICE_VMI, PCI_VENDOR_VMWARE, ROM_DEFAULT_ADDRESS, ROM_SIZE, API_MAJOR, API_MINOR,
} from './image.ts';
import { POISON, VMI_CALLS, applyApState, type VmiArgs, type VmiCall } from './calls.ts';
import { VmiStats } from './stats.ts';
import { VcpuVmi, type ApState, type LinearMapping, type RomShared } from './state.ts';

export interface RomOptions {
  /** physical address: 2 KiB aligned inside 0xC8000..0xDFFFF (default 0xC8000) */
  address?: number;
  /** measure host time per call (default true) */
  timing?: boolean;
}

const now = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

export class VmiRom implements RomShared {
  readonly image: Uint8Array;
  readonly address: number;
  readonly stats = new VmiStats();
  readonly pageUsage = new Map<number, number>();
  readonly apStates = new Map<number, ApState>();
  readonly linearMappings: (LinearMapping | undefined)[] = [undefined, undefined, undefined, undefined];
  active = false;
  /** per vCPU, in machine.vcpus order */
  readonly vcpus: VcpuVmi[];
  private readonly timing: boolean;

  constructor(readonly machine: MachineApi, opts: RomOptions = {}) {
    this.address = opts.address ?? ROM_DEFAULT_ADDRESS;
    if (this.address % 2048 !== 0 || this.address < 0xc8000 || this.address + ROM_SIZE > 0xe0000) {
      throw new Error(`VMI ROM address 0x${this.address.toString(16)} must be 2 KiB aligned inside 0xC8000-0xDFFFF`);
    }
    this.timing = opts.timing ?? true;
    this.image = buildRomImage();
    this.vcpus = machine.vcpus.map((v) => new VcpuVmi(this, v));
  }

  get version(): string {
    return `${API_MAJOR}.${API_MINOR}`;
  }

  /** the per-vCPU state of APIC id `id` */
  vcpu(id: number): VcpuVmi | undefined {
    return this.vcpus.find((v) => v.vcpu.id === id);
  }

  /** Run call `n` on the vCPU whose state is `ctx` (the `vmicall` instruction's handler). */
  dispatch(ctx: VcpuVmi, n: number): void {
    const call = VMI_CALLS[n];
    if (!call) throw new Fault(Vec.UD);
    const cpu = ctx.cpu;
    // the calls are the kernel's: user code has no business in the ROM
    if (cpu.cpl === 3 && cpu.protectedMode) throw new Fault(Vec.GP, 0);
    const esp = cpu.regs[Reg.ESP];
    const site = call.conv.noReturn ? -1 : cpu.read(Seg.SS, esp, 4) >>> 0;
    const t0 = this.timing ? now() : 0;
    invoke(ctx, call, esp);
    this.stats.record(call.name, site, ctx.vcpu.id, this.timing ? Math.round((now() - t0) * 1e6) : 0);
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

/** The generic entry: arguments in, the call's function, results and clobbers out. */
export function invoke(ctx: VcpuVmi, call: VmiCall, esp: number): void {
  const cpu: Cpu = ctx.cpu;
  const r = cpu.regs;
  const conv = call.conv;
  const args: VmiArgs = { eax: r[Reg.EAX], edx: r[Reg.EDX], ecx: r[Reg.ECX], stack: [] };
  for (let k = 0; k < conv.stack; k++) args.stack.push(cpu.read(Seg.SS, (esp + 4 + 4 * k) | 0, 4));
  const res = call.fn(ctx, args);
  if (conv.noReturn) return;
  const poison = POISON | call.number;
  if (conv.clobbers === 'standard') {
    const writes = conv.writes;
    if (!writes?.includes(Reg.ECX)) r[Reg.ECX] = poison;
    if (conv.result !== 'edx:eax' && !writes?.includes(Reg.EDX)) r[Reg.EDX] = poison;
    if (conv.result === 'none' && !writes?.includes(Reg.EAX)) r[Reg.EAX] = poison;
  }
  if (conv.result === 'eax') {
    r[Reg.EAX] = Number(res) | 0;
  } else if (conv.result === 'edx:eax') {
    const v = BigInt.asUintN(64, res as bigint);
    r[Reg.EAX] = Number(BigInt.asIntN(32, v));
    r[Reg.EDX] = Number(BigInt.asIntN(32, v >> 32n));
  }
}

/**
 * Put the ROM into the machine: image at `address` (read-only), the PCI
 * function, and a `vmicall` handler on every vCPU.
 */
export function installRom(machine: MachineApi, opts: RomOptions = {}): VmiRom {
  const rom = new VmiRom(machine, opts);
  machine.memory.load(rom.address, rom.image);
  machine.memory.setReadOnly(rom.address, ROM_SIZE);
  machine.registerPciDevice?.({
    vendorId: PCI_VENDOR_VMWARE, deviceId: PCI_DEVICE_VMI, classCode: PCI_CLASS_VMI, revision: API_MINOR,
    romAddress: rom.address, romSize: ROM_SIZE,
  });
  for (const ctx of rom.vcpus) setVmiHandler(ctx.cpu, (_cpu, n) => rom.dispatch(ctx, n));
  return rom;
}

/** Detach the ROM's handlers (the image stays in memory; `vmicall` is #UD again). */
export function uninstallRom(rom: VmiRom): void {
  for (const ctx of rom.vcpus) setVmiHandler(ctx.cpu, undefined);
}
