/**
 * The contract between the machine (runtime/machine.ts and runtime/devices/)
 * and the VMI ROM's hypervisor side (vmirom/). Both are written against this
 * file, so either can change its insides freely.
 *
 * Time is virtual and deterministic by default: each vCPU's clock advances
 * with the guest instructions it retires (a fixed number of cycles per
 * instruction), and a halted vCPU's clock jumps to its next timer event.
 * `--host-time` makes clocks follow the host instead.
 */
import type { Cpu } from '../cpu/cpu.ts';
import type { PhysicalMemory } from '../cpu/memory.ts';

/** A local APIC as the VMI calls APICRead/APICWrite see it. */
export interface LocalApicApi {
  /** register read at an offset inside the 4 KiB APIC page */
  read(offset: number): number;
  write(offset: number, value: number): void;
  /** deliver a fixed interrupt with this vector to the vCPU (timer LVT, IPIs) */
  raise(vector: number): void;
  /** the vector currently programmed in the timer LVT entry */
  timerVector(): number;
}

export interface VcpuApi {
  readonly id: number;
  readonly cpu: Cpu;
  readonly apic: LocalApicApi;
  /** cycles of guest time this vCPU has been running or halted (VMI "available") */
  available(): bigint;
  /** cycles it was runnable but not running (VMI "stolen") */
  stolen(): bigint;
  /**
   * One of the clocks above (real is the machine's) as a number: exact
   * below 2^53 cycles (104 days at 1 GHz), and free of the BigInt
   * arithmetic that made an inlined GetCycleCounter cost six call/ret pairs
   */
  cycles(clock: 'real' | 'available' | 'stolen'): number;
  /** state of a vCPU that has not started or was shut down */
  readonly started: boolean;
}

/** A PCI function as configuration space shows it (mechanism #1, ports 0xCF8/0xCFC). */
export interface PciDeviceInfo {
  vendorId: number;
  deviceId: number;
  /** class code, 24 bits: base class << 16 | subclass << 8 | programming interface */
  classCode: number;
  revision: number;
  /** physical address and size of its expansion ROM (the BAR at config offset 0x30) */
  romAddress: number;
  romSize: number;
}

export interface MachineApi {
  readonly memory: PhysicalMemory;
  readonly vcpus: readonly VcpuApi[];
  /** VMI "real" time in cycles: shared by all vCPUs, advances only while the VM runs */
  realTime(): bigint;
  /** cycles per second of every clock above */
  readonly cycleFrequency: bigint;
  /** host wall clock in nanoseconds since 1970 */
  wallclockNs(): bigint;
  /** assert ISA IRQ line n on the PIC / IO-APIC (edge) */
  raiseIrq(irq: number): void;
  /** ports: the devices the native instructions reach (the CPU bus and the VMI port calls go to the same) */
  portRead(port: number, size: number): number;
  portWrite(port: number, size: number, value: number): void;
  /**
   * Ask to be called back on a vCPU when its clock (real or available time)
   * reaches `at` cycles; returns a handle for `cancelEvent`.
   */
  scheduleEvent(vcpu: number, clock: 'real' | 'available', at: bigint, fire: () => void): number;
  cancelEvent(handle: number): void;
  /** start an AP at a given state (paravirtual start) or from a real-mode SIPI vector (native start) */
  startAp(id: number, how: { kind: 'state'; apply: (cpu: Cpu) => void } | { kind: 'sipi'; vector: number }): void;
  /** power off or reset the whole machine with an exit status */
  stop(reason: string, exitCode: number): void;
  /**
   * The running slice should end at the next instruction boundary (a stop,
   * a reset, a pause, another vCPU to start): engines check it between
   * regions, and code inlined after a device access checks it too. Set by
   * `wantVcpuBack`, which also moves the code epoch
   * (`memory.leaveTranslatedCode`), as an interrupt that becomes
   * deliverable on the running vCPU does: inlined code asks only once the
   * epoch has moved.
   */
  readonly yieldRequested: boolean;
  /** end the running slice at the next instruction boundary: `yieldRequested`, and the code epoch moved */
  wantVcpuBack(): void;
  /**
   * The platform's reset: 'hard' pulls the RESET line (memory and devices
   * back to their power-on state), 'soft' INITs every processor (memory
   * kept). Either way the firmware (vmidbt's loader) boots the kernel again,
   * unless the run was told not to reboot.
   */
  reset(kind: 'soft' | 'hard', how?: string): void;
  /** add a device to PCI configuration space (the VMI ROM's 15AD:0801) */
  registerPciDevice?(dev: PciDeviceInfo): void;
  /** this vCPU powered itself off (VMI Shutdown); the machine stops when none is left running */
  powerOffVcpu?(id: number): void;
}
