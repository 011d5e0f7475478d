/**
 * The PC that vmidbt emulates: RAM, the devices, N vCPUs and the loop that
 * runs them.
 *
 * Devices: two 8259A PICs, the 8254 PIT, the CMOS RTC, a 16550 UART on COM1
 * (the console), the debug-exit port 0xF4, the bench port 0xE0 (host
 * timestamps of guest marks, devices/bench-port.ts), PCI configuration
 * mechanism #1 with a host bridge, the ACPI PM1 blocks and PM timer (0x600),
 * the reset control register (0xCF9) and keyboard-controller reset (0x64), an
 * IO-APIC at 0xFEC00000, and one local APIC per vCPU
 * at 0xFEE00000 (the MMIO page reaches the APIC of whichever vCPU is
 * running). ISA IRQs go to both the PIC pair (whose output reaches vCPU 0
 * while its APIC is software-disabled or LINT0 is in ExtINT mode) and the
 * IO-APIC.
 *
 * Scheduling: one host thread runs the vCPUs round-robin in id order, each
 * for a slice of at most `sliceInstructions` guest instructions, shortened
 * so that the vCPU's next timer event fires at the exact instruction it is
 * due (time.ts). A vCPU the only one ready (the others halted or not
 * started) gets the longer `loneSliceInstructions`, bounded by every
 * vCPU's events and ended as soon as another can run (an interrupt or IPI
 * that wakes it, its start, an NMI). Before a vCPU's slice its due events fire. A halted vCPU
 * is skipped until an interrupt can wake it; when every vCPU is halted,
 * time jumps to the next event (or, with host time, the loop sleeps). So a
 * run is a deterministic function of the image, the command line and the
 * options. How a vCPU executes its slice is the `ExecutionEngine`
 * (interpreter.ts): the interpreter by default; `vmidbt run` gives it the
 * translator's (translator/engine/machine-engine.ts), which this layer never
 * imports.
 *
 * The run ends when the guest writes the debug-exit port (exit status
 * 0 for 0, else (v << 1) | 1, base/exit-status.ts), on a triple fault or another condition the CPU core
 * cannot go on from, when the guest exceeds `maxInstructions`, or when
 * every vCPU is halted with nothing left that could wake it.
 *
 * A debugger (cli/gdb/) holds the machine with `pause()`: the running
 * slice ends at once (the vCPU stands between instructions or regions), no
 * other runs, and `run()` waits on the event loop until `resume()` or a
 * stop; its breakpoints reach every vCPU through `attachDebugger`.
 *
 * APs wait for INIT then a start-up IPI. A SIPI is first offered to
 * `sipiHook` (the VMI ROM claims it once the guest is paravirtual and then
 * starts the AP from its SetInitialAPState with `startAp(id, {kind:
 * 'state'})`, or not at all); unclaimed, it starts the AP natively in real
 * mode at CS = vector << 8, IP = 0.
 */
import { Cpu } from '../cpu/cpu.ts';
import type { HostDebug } from '../cpu/debug.ts';
import { VMIDBT_CPU, type CpuModel } from '../cpu/models.ts';
import { IF } from '../isa/eflags.ts';
import { Interpreter, InterpreterEngine, type ExecutionEngine } from './interpreter.ts';
import { PhysicalMemory, PAGE_SIZE, type MmioDevice } from '../cpu/memory.ts';
import { Fault, MachineStop } from '../isa/faults.ts';
import { deliver, deliverFault, IntKind } from '../cpu/interrupts.ts';
import { Seg } from '../isa/instr.ts';
import type { LocalApicApi, MachineApi, PciDeviceInfo, VcpuApi } from './machine-api.ts';
import { MachineTime, type ClockKind } from './time.ts';
import { PortBus, SinkPorts } from './devices/ports.ts';
import { BenchPort, BENCH_PORT, BENCH_PORTS } from './devices/bench-port.ts';
import { PicPair } from './devices/pic.ts';
import { Pit8254 } from './devices/pit.ts';
import { CmosRtc } from './devices/rtc.ts';
import { Uart16550 } from './devices/uart.ts';
import { PciBus, PciFunction } from './devices/pci.ts';
import { LocalApic, APIC_BASE } from './devices/lapic.ts';
import { IoApic, IOAPIC_BASE } from './devices/ioapic.ts';
import { AcpiPm, PM_BASE, PM_PORTS } from './devices/acpi-pm.ts';
import { ResetControl, KBC_COMMAND_PORT, RESET_CONTROL_PORT } from './devices/reset.ts';
import { bootMultiboot, type BootModule, type LoadedImage } from './loader/multiboot.ts';
import { bootLinux, isLinuxImage, type LinuxBoot } from './loader/linux.ts';
import { LoaderError } from './loader/errors.ts';
import { writeAcpiTables, RSDP_ADDR, type AcpiPlacement } from './loader/acpi.ts';
import { pcMemoryMap, withReserved, type MemRange } from './loader/memory-map.ts';
import { FwCfg, FW_CFG_DMA_PORT, FW_CFG_PORT, type FwCfgFile } from './devices/fw-cfg.ts';
import { Hpet, HPET_BASE } from './devices/hpet.ts';
import { writeSmbios, SMBIOS_ADDR } from './loader/smbios.ts';

export const DEBUG_EXIT_PORT = 0xf4;
/** the wall clock at power-on in virtual time unless told otherwise: 2000-01-01 00:00:00 UTC */
export const DEFAULT_RTC_BASE_MS = Date.UTC(2000, 0, 1);
/** Guest time of one port access in virtual time, ns: an I/O cycle on a PC's ISA or LPC bus takes about 1 µs. */
export const DEFAULT_IO_NS = 1000;
export const COM1 = 0x3f8;
/** the option-ROM window the VMI ROM may occupy (2 KiB aligned) */
export const OPTION_ROM_START = 0xc8000;
export const OPTION_ROM_END = 0xe0000;

// exit statuses: base/exit-status.ts owns the scheme (guest values odd, vmidbt's verdicts even)
import { EXIT_RUNAWAY, EXIT_DEADLOCK, EXIT_INTERNAL, guestExitStatus } from '../base/exit-status.ts';
import { host, latin1 } from '../base/host.ts';
export { EXIT_RUNAWAY, EXIT_DEADLOCK, EXIT_INTERNAL };

export interface MachineOptions {
  /** RAM in MiB (default 128) */
  memMiB?: number;
  /** lay memory out for WebAssembly regions: RAM, then each vCPU's TLB and registers, in one WebAssembly.Memory */
  wasm?: boolean;
  /** vCPUs, 1..8 (default 1) */
  smp?: number;
  /** follow host time instead of counting instructions */
  hostTime?: boolean;
  /**
   * wall-clock time at power-on (RTC, VMI GetWallclockTime), ms since 1970 UTC:
   * default `DEFAULT_RTC_BASE_MS` in virtual time (a run stays a function of its
   * inputs), the host's clock with `hostTime`
   */
  rtcBaseMs?: number;
  /** cycles per second (default 1e9) */
  frequency?: number;
  cyclesPerInstruction?: number;
  /**
   * guest time a port access takes, in ns (default `DEFAULT_IO_NS`; virtual
   * time only): runtime/time.ts `stall` says why
   */
  ioNs?: number;
  /**
   * longest uninterrupted run of one vCPU, in guest instructions (default
   * `defaultSlice(smp)`, and `defaultSlice(1)` while the others are halted);
   * timers and interrupts do not wait for a slice's end, so this is a speed
   * choice, and a fairness one between vCPUs. Given, it holds in both cases.
   */
  sliceInstructions?: number;
  /** stop with an error once the vCPUs together have run this many instructions */
  maxInstructions?: number;
  /** what every vCPU reports and which MSRs it has (cpu/models.ts; default the `vmidbt` model) */
  cpuModel?: CpuModel;
  /** an HPET at 0xFED00000 with its ACPI table (default true; `--machine hpet=off` leaves it out) */
  hpet?: boolean;
  /** where guest console bytes go (they are also kept in `consoleText` up to 1 MiB) */
  console?: (bytes: Uint8Array) => void;
}

export type StopInfo =
  /** `guestValue`: the byte written to the debug-exit port, when that ended the run */
  | { kind: 'exit'; reason: string; exitCode: number; guestValue?: number }
  /** the guest asked for a reset: whoever runs the machine boots a new one (cli/run.ts) */
  | { kind: 'reset'; reset: 'soft' | 'hard'; reason: string; exitCode: number }
  | { kind: 'error'; reason: string; message: string; detail?: string; exitCode: number };

export interface VcpuStats {
  id: number;
  started: boolean;
  instructions: number;
  availableCycles: number;
  stolenCycles: number;
}

export type LoadedKernel = ({ kind: 'multiboot' } & LoadedImage) | ({ kind: 'linux' } & LinuxBoot);

export interface RunResult {
  stop: StopInfo;
  instructions: number;
  vcpus: VcpuStats[];
  wallMs: number;
  realCycles: number;
}

/**
 * The scheduling slice when none is asked for. One vCPU: 100,000
 * instructions; a slice's end makes translated code leave its region and
 * the interpreter run to the next block, which at 2,000 cost Linux's boot
 * several per cent of its time (translator/engine/README.md). Several vCPUs: 2,000, so
 * that a vCPU spinning on a lock or waiting for an IPI's answer from a vCPU
 * that is not running wastes little (vmidbt has no pause-loop exits); but
 * one of several that is the only one ready gets the one-vCPU slice
 * (`Machine.loneSliceInstructions`), since no other is waiting.
 */
export function defaultSlice(smp: number): number {
  return smp === 1 ? 100_000 : 2000;
}

export class Vcpu implements VcpuApi {
  readonly cpu: Cpu;
  readonly interp: Interpreter;
  readonly apic: LocalApic;
  started = false;
  /** received INIT, waiting for a start-up IPI */
  waitingSipi = false;
  nmiPending = false;
  /** something changed that may make an interrupt deliverable (cheap filter for pendingInterrupt) */
  irqHint = true;
  private from: 'apic' | 'pic' | null = null;
  /** Whether an interrupt may be taken: the virtual IF of a paravirtual vCPU (cpu.pv), else the real IF. */
  interruptsEnabled(): boolean {
    const pv = this.cpu.pv;
    return pv ? pv.vif : (this.cpu.eflags & IF) !== 0;
  }
  interruptsTaken = 0;

  constructor(readonly id: number, readonly machine: Machine) {
    this.cpu = new Cpu(machine.memory);
    this.cpu.id = id;
    this.cpu.setModel(machine.cpuModel);
    if (id !== 0) this.cpu.apicBase = (APIC_BASE | 0x800) | 0; // enabled, not the BSP
    this.interp = new Interpreter(this.cpu);
    const m = machine;
    this.apic = new LocalApic(id, {
      now: () => m.time.now(),
      get frequency() { return m.time.frequency; },
      schedule: (at, fire) => m.time.schedule(id, 'real', at, fire),
      cancel: (h) => m.time.cancel(h),
      sendIpi: (from, lo, hi) => m.sendIpi(from, lo, hi),
      kick: () => this.interruptMayBeDue(),
    });
    const cpu = this.cpu;
    // the TSC is real time plus a per-vCPU offset, so rdtsc agrees with the VMI cycle counter
    cpu.tscClock = () => m.time.now();
    cpu.bus = {
      portRead: (p, size) => m.portRead(p, size),
      portWrite: (p, size, value) => m.portWrite(p, size, value),
      pendingInterrupt: () => this.pendingInterrupt(),
      ackInterrupt: (_c, vector) => this.ackInterrupt(vector),
      onHalt: () => {},
      // an NMI that waited for the handler's iret is taken right after it: end the slice, whose successor delivers it
      nmiUnblocked: () => { if (this.nmiPending && m.current === this) m.wantVcpuBack(); },
    };
  }

  /**
   * The APIC or the PIC changed: an interrupt may now be deliverable. If
   * this vCPU is running with interrupts enabled, translated code leaves
   * after the current instruction, so that the interrupt is taken where
   * the interpreter takes it (after a self-IPI, say), not when the region
   * or the slice ends.
   */
  interruptMayBeDue(): void {
    this.irqHint = true;
    const m = this.machine;
    if (m.current === this) {
      if (this.interruptsEnabled()) m.memory.leaveTranslatedCode();
    } else if (m.runningAlone && this.started && this.wakeable()) {
      // (asked only during a lone slice: a kick is per raised interrupt, and the question polls the APIC)
      m.otherMayRun(this);
    }
  }

  get apicApi(): LocalApicApi {
    return this.apic;
  }

  available(): bigint {
    return BigInt(this.machine.time.availableOf(this.id));
  }

  stolen(): bigint {
    return BigInt(this.machine.time.stolenOf(this.id));
  }

  cycles(clock: 'real' | 'available' | 'stolen'): number {
    const time = this.machine.time;
    return clock === 'real' ? time.now() : clock === 'available' ? time.availableOf(this.id) : time.stolenOf(this.id);
  }

  /** Does the PIC's INTR output reach this vCPU? (only vCPU 0, in virtual-wire mode) */
  private picConnected(): boolean {
    if (this.id !== 0) return false;
    if (!(this.cpu.apicBase & 0x800) || !this.apic.softwareEnabled) return true;
    return (this.apic.lvt[3] & 0x10700) === 0x700; // LINT0 unmasked, ExtINT
  }

  pendingInterrupt(): number {
    if (!this.irqHint) return -1;
    if (this.cpu.apicBase & 0x800) {
      const v = this.apic.pending();
      if (v >= 0) { this.from = 'apic'; return v; }
    }
    if (this.picConnected()) {
      const v = this.machine.pic.pending();
      if (v >= 0) { this.from = 'pic'; return v; }
    }
    this.irqHint = false;
    return -1;
  }

  private ackInterrupt(vector: number): void {
    this.interruptsTaken++;
    if (this.from === 'pic') this.machine.pic.acknowledge();
    else this.apic.ack(vector);
    this.from = null;
    this.irqHint = true;
  }

  /** Could this halted vCPU be woken now? */
  wakeable(): boolean {
    if (this.nmiPending && !this.cpu.nmiBlocked) return true;
    if (!this.interruptsEnabled()) return false;
    return this.cpu.bus.pendingInterrupt(this.cpu) >= 0;
  }

  /** Ready to run (for time accounting: a ready vCPU that does not run loses stolen time). */
  ready(): boolean {
    return this.started && !this.cpu.halted;
  }

  stats(): VcpuStats {
    return {
      id: this.id,
      started: this.started,
      instructions: this.cpu.instructions,
      availableCycles: this.machine.time.availableOf(this.id),
      stolenCycles: this.machine.time.stolenOf(this.id),
    };
  }
}

/** The debug-exit port: a write of v ends the run with status 0 for 0, else QEMU's (v << 1) | 1 (base/exit-status.ts). */
class DebugExit {
  readonly name = 'debug-exit';
  constructor(private readonly machine: Machine) {}
  read(): number { return 0xff; }
  write(_port: number, _size: number, value: number): void {
    this.machine.stop(`debug-exit port 0x${DEBUG_EXIT_PORT.toString(16)}, value ${value & 0xff}`, guestExitStatus(value), value & 0xff);
  }
}

export class Machine implements MachineApi {
  readonly memory: PhysicalMemory;
  readonly vcpus: Vcpu[];
  readonly time: MachineTime;
  readonly ports = new PortBus();
  readonly pic = new PicPair();
  readonly pit: Pit8254;
  readonly rtc: CmosRtc;
  readonly uart: Uart16550;
  readonly pci = new PciBus();
  readonly ioapic: IoApic;
  readonly acpiPm: AcpiPm;
  /** host timestamps of the guest's bench marks */
  readonly benchPort = new BenchPort();
  readonly cycleFrequency: bigint;
  /** cycles of guest time each port access takes (options.ioNs) */
  readonly ioCycles: number;
  readonly sliceInstructions: number;
  /** the slice of a vCPU that is the only one ready */
  readonly loneSliceInstructions: number;
  /** the running slice is a lone vCPU's: another vCPU that may run now ends it */
  runningAlone = false;
  readonly cpuModel: CpuModel;
  readonly fwCfg: FwCfg;
  readonly hpet: Hpet | null = null;
  maxInstructions: number;
  engine: ExecutionEngine = new InterpreterEngine();
  /** set to end the running slice early (stop, halt, start of another vCPU): `wantVcpuBack` sets it */
  yieldRequested = false;

  /**
   * End the running slice after the current instruction: the request, and
   * the code epoch moved so that translated code leaves too (inlined VMI
   * calls ask whether the machine wants the vCPU back only once the epoch
   * has moved, translator/inline/vmi.ts).
   */
  wantVcpuBack(): void {
    this.yieldRequested = true;
    this.memory.leaveTranslatedCode();
  }
  stopInfo: StopInfo | null = null;
  /** the vCPU whose slice is running (the APIC MMIO page is its APIC) */
  current: Vcpu;
  /**
   * Offered every start-up IPI first (the VMI ROM's onStartupIpi): true
   * means "handled" (the ROM started the AP through startAp, or decided it
   * must not start); false lets the AP start natively.
   */
  sipiHook: ((id: number, vector: number) => boolean) | null = null;
  /** set when a ROM was installed in the option-ROM window */
  rom: { address: number; size: number } | null = null;
  readonly stats = {
    /** VMI calls by name: the ROM side counts here */
    vmiCalls: new Map<string, number>(),
    slices: 0,
    idleJumps: 0,
    ipis: 0,
    inits: 0,
    sipis: 0,
    nmis: 0,
  };
  /** guest console output so far (first MiB) */
  consoleText = '';
  loaded: LoadedKernel | null = null;
  private readonly bootWallNs: bigint;
  /** the host's clock at power-on (host time only: the wall clock then moves with it) */
  private readonly bootHostNs = BigInt(Math.floor(host().wallClock())) * 1_000_000n;
  private readonly consoleSink?: (bytes: Uint8Array) => void;
  private wallStart = 0;
  private wallMs = 0;

  constructor(opts: MachineOptions = {}) {
    const memMiB = opts.memMiB ?? 128;
    const smp = opts.smp ?? 1;
    if (!Number.isInteger(memMiB) || memMiB < 2 || memMiB > 3072) throw new RangeError(`memory must be 2..3072 MiB, got ${memMiB}`);
    if (!Number.isInteger(smp) || smp < 1 || smp > 8) throw new RangeError(`vCPU count must be 1..8, got ${smp}`);
    // with WebAssembly regions, RAM and each vCPU's TLB and registers are one WebAssembly memory (cpu/memory.ts)
    this.memory = new PhysicalMemory(memMiB * 1024 * 1024, false, opts.wasm ? smp : 0);
    this.bootWallNs = opts.rtcBaseMs !== undefined ? BigInt(opts.rtcBaseMs) * 1_000_000n
      : opts.hostTime ? this.bootHostNs : BigInt(DEFAULT_RTC_BASE_MS) * 1_000_000n;
    this.time = new MachineTime(smp, { frequency: opts.frequency, cyclesPerInstruction: opts.cyclesPerInstruction, hostTime: opts.hostTime });
    this.cycleFrequency = BigInt(this.time.frequency);
    this.ioCycles = Math.round(((opts.ioNs ?? DEFAULT_IO_NS) * this.time.frequency) / 1e9);
    this.sliceInstructions = opts.sliceInstructions ?? defaultSlice(smp);
    this.loneSliceInstructions = opts.sliceInstructions ?? defaultSlice(1);
    // a timer the running vCPU programs to fire before its slice ends ends the slice after this instruction
    // (a translated region notices the moved code epoch as it notices a write to its code)
    this.time.onSliceCut = () => {
      this.wantVcpuBack();
    };
    this.maxInstructions = opts.maxInstructions ?? Infinity;
    this.consoleSink = opts.console;
    this.cpuModel = opts.cpuModel ?? VMIDBT_CPU;

    this.vcpus = [];
    for (let i = 0; i < smp; i++) this.vcpus.push(new Vcpu(i, this));
    this.current = this.vcpus[0];
    this.vcpus[0].started = true;
    for (const v of this.vcpus.slice(1)) v.cpu.halted = true;

    this.pic.onChange = () => this.vcpus[0].interruptMayBeDue();
    this.pit = new Pit8254({
      now: () => this.time.now(),
      frequency: this.time.frequency,
      schedule: (at, fire) => this.time.schedule(0, 'real', at, fire),
      cancel: (h) => this.time.cancel(h),
    }, () => this.raiseIrq(0));
    this.rtc = new CmosRtc(() => this.wallclockNs(), this.memory.size);
    this.uart = new Uart16550(COM1, (b) => this.consoleOut(b), () => this.raiseIrq(4));
    this.ioapic = new IoApic({ deliver: (vector, mode, logical, dest) => this.deliverMessage(null, this.destinations(null, logical, dest, 0), mode, vector) });

    this.ports.register(0x20, 2, this.pic);
    this.ports.register(0xa0, 2, this.pic);
    this.ports.register(0x40, 4, this.pit);
    this.ports.register(0x61, 1, this.pit);
    this.ports.register(0x70, 2, this.rtc);
    this.ports.register(COM1, 8, this.uart);
    this.ports.register(DEBUG_EXIT_PORT, 1, new DebugExit(this));
    // 0xCF9 inside the PCI configuration ports is the chipset's reset control register
    const reset = new ResetControl((how) => this.reset('hard', how));
    this.ports.register(0xcf8, 1, this.pci);
    this.ports.register(RESET_CONTROL_PORT, 1, reset);
    this.ports.register(0xcfa, 6, this.pci);
    this.ports.register(KBC_COMMAND_PORT, 1, reset);
    this.acpiPm = new AcpiPm(this.time, () => this.stop('power-off: ACPI S5', 0));
    this.ports.register(PM_BASE, PM_PORTS, this.acpiPm);
    this.ports.register(0x80, 1, new SinkPorts('post'));
    // QEMU's firmware configuration device; its files are filled in once the firmware tables exist
    this.fwCfg = new FwCfg({ cpus: smp, ramBytes: this.memory.size, files: [] }, this.memory);
    this.ports.register(FW_CFG_PORT, 2, this.fwCfg);
    this.ports.register(FW_CFG_DMA_PORT, 8, this.fwCfg);
    if (opts.hpet ?? true) {
      this.hpet = new Hpet({
        now: () => this.time.now(),
        frequency: this.time.frequency,
        schedule: (at, fire) => this.time.schedule(0, 'real', at, fire),
        cancel: (h) => this.time.cancel(h),
        raiseIsa: (irq) => this.raiseIrq(irq),
        raisePin: (pin) => this.ioapic.raisePin(pin),
      });
      this.memory.mapDevice(HPET_BASE, PAGE_SIZE, this.hpet);
    }
    this.ports.register(BENCH_PORT, BENCH_PORTS, this.benchPort);

    const apicPage: MmioDevice = {
      name: 'local-apic',
      read: (addr, size) => {
        const off = addr & 0xfff;
        const v = this.current.apic.read(off & ~3);
        return size === 4 ? v : (v >>> ((off & 3) * 8)) & (size === 1 ? 0xff : 0xffff);
      },
      write: (addr, size, value) => {
        if (size === 4) this.current.apic.write(addr & 0xfff, value);
      },
    };
    this.memory.mapDevice(APIC_BASE, PAGE_SIZE, apicPage);
    this.memory.mapDevice(IOAPIC_BASE, PAGE_SIZE, this.ioapic);
  }

  // ---- loading -----------------------------------------------------------------------

  /**
   * Load a kernel (a Linux bzImage, else Multiboot) with this command line
   * and initrd; write the firmware tables the guest looks for.
   */
  loadKernel(image: Uint8Array, cmdline: string, initrd?: Uint8Array, modules: BootModule[] = []): LoadedKernel {
    const acpi = writeAcpiTables(this.memory, this.vcpus.length, { hpet: this.hpet !== null });
    writeSmbios(this.memory);
    const cpu = this.vcpus[0].cpu;
    let map = pcMemoryMap(this.memory.size);
    if (isLinuxImage(image)) {
      if (modules.length) throw new LoaderError('Multiboot modules are for Multiboot kernels: this is a Linux image (give it one --initrd file)');
      this.loaded = { kind: 'linux', ...bootLinux(this.memory, cpu, image, { cmdline, initrd, rsdp: RSDP_ADDR }) };
    } else {
      if (initrd) throw new LoaderError('an initrd is for Linux kernels: this is a Multiboot image (its --initrd files are modules)');
      const mb = bootMultiboot(this.memory, cpu, image, cmdline, modules);
      this.loaded = { kind: 'multiboot', ...mb };
      map = withReserved(map, mb.bootInfo[0], mb.bootInfo[1]);
    }
    this.fwCfg.setFiles(firmwareFiles(this.memory, acpi, map));
    return this.loaded;
  }

  /**
   * Put a ROM image in the option-ROM window, read-only to the guest (the
   * VMI ROM side calls this). `address` must be 2 KiB aligned inside
   * 0xC8000..0xDFFFF; returns it.
   */
  installOptionRom(image: Uint8Array, address = OPTION_ROM_START): number {
    if (address % 2048 || address < OPTION_ROM_START || address + image.length > OPTION_ROM_END) {
      throw new RangeError(`option ROM of ${image.length} bytes does not fit at 0x${address.toString(16)}`);
    }
    this.memory.load(address, image);
    const start = address & ~(PAGE_SIZE - 1);
    const end = (address + image.length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    this.memory.setReadOnly(start, end - start);
    this.rom = { address, size: image.length };
    return address;
  }

  // ---- MachineApi ---------------------------------------------------------------------

  realTime(): bigint {
    return BigInt(this.time.now());
  }

  wallclockNs(): bigint {
    if (this.time.hostTime) return this.bootWallNs + BigInt(Math.floor(host().wallClock())) * 1_000_000n - this.bootHostNs;
    return this.bootWallNs + (BigInt(this.time.now()) * 1_000_000_000n) / this.cycleFrequency;
  }

  raiseIrq(irq: number): void {
    this.pic.raise(irq);
    this.ioapic.raiseIsa(irq);
  }

  portRead(port: number, size: number): number {
    this.time.stall(this.ioCycles);
    return this.ports.read(port, size);
  }

  portWrite(port: number, size: number, value: number): void {
    this.time.stall(this.ioCycles);
    this.ports.write(port, size, value);
  }

  scheduleEvent(vcpu: number, clock: ClockKind, at: bigint, fire: () => void): number {
    return this.time.schedule(vcpu, clock, Number(at), fire);
  }

  cancelEvent(handle: number): void {
    this.time.cancel(handle);
  }

  startAp(id: number, how: { kind: 'state'; apply: (cpu: Cpu) => void } | { kind: 'sipi'; vector: number }): void {
    const v = this.vcpus[id];
    if (!v || id === 0) return;
    if (how.kind === 'sipi') {
      this.startReal(v, how.vector);
      return;
    }
    this.startWith(v, how.apply);
  }

  registerPciDevice(dev: PciDeviceInfo): void {
    const f = new PciFunction(`${dev.vendorId.toString(16)}:${dev.deviceId.toString(16)}`, {
      vendor: dev.vendorId, device: dev.deviceId, classCode: dev.classCode, revision: dev.revision,
    });
    if (dev.romSize) {
      f.setExpansionRom(dev.romAddress, dev.romSize);
      this.rom = { address: dev.romAddress, size: dev.romSize };
    }
    this.pci.register(0, this.pci.freeSlot(), 0, f);
  }

  powerOffVcpu(id: number): void {
    const v = this.vcpus[id];
    if (!v) return;
    v.started = false;
    v.cpu.halted = true;
    if (v === this.current) this.wantVcpuBack();
    if (this.vcpus.every((u) => !u.started)) this.stop('every vCPU powered off (VMI Shutdown)', 0);
  }

  stop(reason: string, exitCode: number, guestValue?: number): void {
    if (this.stopInfo) return;
    this.stopInfo = { kind: 'exit', reason, exitCode, guestValue };
    this.wantVcpuBack();
    this.wakeFromPause();
  }

  // ---- a debugger's hold ------------------------------------------------------------------

  /** Held by a debugger (cli/gdb/): no vCPU runs; `run()` waits for `resume()` or a stop. */
  get paused(): boolean {
    return this.held;
  }

  private held = false;
  private wakeFromPause: () => void = () => {};

  /** Stop every vCPU at the end of the running instruction or region (the slice ends early). */
  pause(): void {
    this.held = true;
    this.wantVcpuBack();
  }

  resume(): void {
    this.held = false;
    this.wakeFromPause();
  }

  /** Give every vCPU a host debugger's breakpoints and watchpoints (null: none). */
  attachDebugger(host: HostDebug | null): void {
    if (host) host.attach(this.vcpus.map((v) => v.cpu));
    else for (const v of this.vcpus) v.cpu.hostDebug?.detach();
  }

  /**
   * A reset request ends this machine's run with a 'reset' stop: a reset
   * machine is a new machine (a hard reset clears memory and devices, a soft
   * one keeps memory), so the owner builds it (cli/run.ts), or, told not to
   * reboot, ends there with status 0.
   */
  reset(kind: 'soft' | 'hard', how?: string): void {
    if (this.stopInfo) return;
    this.stopInfo = { kind: 'reset', reset: kind, reason: `guest reboot (${kind}${how ? `, ${how}` : ''})`, exitCode: 0 };
    this.wantVcpuBack();
    this.wakeFromPause();
  }

  private fail(reason: string, message: string, exitCode: number, detail?: string): void {
    if (this.stopInfo) return;
    this.stopInfo = { kind: 'error', reason, message, exitCode, detail };
    this.wantVcpuBack();
  }

  // ---- interprocessor messages ----------------------------------------------------------

  /** The vCPUs a destination names (shorthand 0: by `dest`; 1 self; 2 all; 3 all but self). */
  destinations(from: LocalApic | null, logical: boolean, dest: number, shorthand: number): Vcpu[] {
    const self = from ? this.vcpus.find((v) => v.apic === from) : undefined;
    switch (shorthand) {
      case 1: return self ? [self] : [];
      case 2: return this.vcpus.slice();
      case 3: return this.vcpus.filter((v) => v !== self);
      default:
        if (logical) return this.vcpus.filter((v) => v.apic.matchesLogical(dest));
        if (dest === 0xff) return this.vcpus.slice();
        return this.vcpus.filter((v) => v.apic.id === dest);
    }
  }

  /** A write to an APIC's ICR. */
  sendIpi(from: LocalApic, lo: number, hi: number): void {
    const mode = (lo >> 8) & 7;
    // INIT level de-assert (P6 arbitration ID sync): no effect
    if (mode === 5 && !(lo & 0x4000) && lo & 0x8000) return;
    this.stats.ipis++;
    const targets = this.destinations(from, (lo & 0x800) !== 0, (hi >>> 24) & 0xff, (lo >> 18) & 3);
    this.deliverMessage(from, targets, mode, lo & 0xff);
  }

  deliverMessage(_from: LocalApic | null, targets: Vcpu[], mode: number, vector: number): void {
    switch (mode) {
      case 0: // fixed
        for (const t of targets) t.apic.raise(vector);
        break;
      case 1: // lowest priority: the first candidate, so the choice is deterministic
        if (targets.length) targets[0].apic.raise(vector);
        break;
      case 4: // NMI: a paravirtual vCPU (VMI ABI section 7) gets none
        for (const t of targets) {
          if (t.cpu.pv) continue;
          t.nmiPending = true;
          this.stats.nmis++;
          // taken at the start of the target's next slice: end the running one if it is the target's
          if (t === this.current) this.wantVcpuBack();
          else if (t.started) this.otherMayRun(t);
        }
        break;
      case 5: // INIT
        for (const t of targets) this.init(t);
        break;
      case 6: // start-up
        for (const t of targets) this.sipi(t, vector);
        break;
      default: // SMI and reserved modes: nothing to deliver to
        break;
    }
  }

  private init(v: Vcpu): void {
    // INIT of the BSP would reset the machine; no guest of ours does that
    if (v.id === 0) return;
    this.stats.inits++;
    v.cpu.reset();
    v.cpu.apicBase = (APIC_BASE | 0x800) | 0;
    v.apic.reset();
    v.cpu.halted = true;
    v.started = false;
    v.waitingSipi = true;
    if (v === this.current) this.wantVcpuBack();
  }

  private sipi(v: Vcpu, vector: number): void {
    if (!v.waitingSipi) return;
    this.stats.sipis++;
    if (this.sipiHook?.(v.id, vector)) {
      // the ROM took it: started from its state (or deliberately left stopped)
      v.waitingSipi = false;
      return;
    }
    this.startReal(v, vector);
  }

  private startReal(v: Vcpu, vector: number): void {
    v.cpu.reset();
    v.cpu.setRealSeg(Seg.CS, (vector & 0xff) << 8);
    v.cpu.eip = 0;
    this.markStarted(v);
  }

  private startWith(v: Vcpu, apply: (cpu: Cpu) => void): void {
    apply(v.cpu);
    this.markStarted(v);
  }

  private markStarted(v: Vcpu): void {
    v.waitingSipi = false;
    v.started = true;
    v.cpu.halted = false;
    v.irqHint = true;
    this.otherMayRun(v);
  }

  /**
   * vCPU `v` may run now (woken, started): a lone vCPU's long slice ends
   * after the current instruction, so that `v` gets its turn as soon as it
   * would with every vCPU ready.
   */
  otherMayRun(v: Vcpu): void {
    if (!this.runningAlone || v === this.current) return;
    this.wantVcpuBack();
  }

  /** Is `v` the only vCPU that could run now (the others not started, or halted with nothing to wake them)? */
  private alone(v: Vcpu): boolean {
    for (const u of this.vcpus) if (u !== v && u.started && (!u.cpu.halted || u.wakeable() || (u.nmiPending && !u.cpu.nmiBlocked))) return false;
    return true;
  }

  // ---- console --------------------------------------------------------------------------

  private consoleOut(b: Uint8Array): void {
    if (this.consoleText.length < 1 << 20) this.consoleText += latin1(b);
    this.consoleSink?.(b);
  }

  // ---- the run loop -----------------------------------------------------------------------

  get totalInstructions(): number {
    let n = 0;
    for (const v of this.vcpus) n += v.cpu.instructions;
    return n;
  }

  /** Deliver a pending NMI; NMIs stay blocked until the handler's iret (cpu.nmiBlocked). */
  private deliverNmi(v: Vcpu): void {
    v.nmiPending = false;
    v.cpu.nmiBlocked = true;
    try {
      deliver(v.cpu, 2, IntKind.EXTERNAL, -1, v.cpu.eip);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      deliverFault(v.cpu, e);
    }
  }

  /** Run one vCPU's slice (events, NMI, the engine, time accounting). Returns whether it ran. */
  private runVcpu(v: Vcpu, total: number): boolean {
    this.current = v;
    this.time.fireDue(v.id);
    // one pending from before the guest went paravirtual is dropped with it
    if (v.nmiPending && v.cpu.pv) v.nmiPending = false;
    if (v.nmiPending && v.started && !v.cpu.nmiBlocked) {
      this.time.beginSlice(v.id, v.cpu);
      try { this.deliverNmi(v); } finally { this.time.endSlice((u) => this.vcpus[u].ready()); }
    }
    if (!v.started) return false;
    if (v.cpu.halted && !v.wakeable()) return false;
    const alone = this.vcpus.length > 1 && !this.time.hostTime && this.loneSliceInstructions > this.sliceInstructions && this.alone(v);
    const length = alone ? this.loneSliceInstructions : this.sliceInstructions;
    let budget = length;
    if (!this.time.hostTime) {
      const cpi = this.time.cyclesPerInstruction;
      const toEvent = Math.ceil(this.time.cyclesToNextEvent(v.id) / cpi);
      if (toEvent < budget) budget = Math.max(1, toEvent);
      if (alone) {
        // the others' events fire at their turns: this slice ends before the first of them is due
        const toOthers = Math.ceil((this.time.nextEventRealTime((u) => u !== v.id) - this.time.now()) / cpi);
        if (toOthers < budget) budget = Math.max(1, toOthers);
      }
    }
    if (this.maxInstructions - total < budget) budget = this.maxInstructions - total;
    // a slice cut by nothing but its length may end a little early (the engine's choice)
    const softEnd = budget === length;
    this.yieldRequested = this.stopInfo !== null || this.held;
    this.stats.slices++;
    this.time.beginSlice(v.id, v.cpu, budget, alone);
    this.runningAlone = alone;
    try {
      this.engine.runSlice(v, budget, softEnd);
    } finally {
      this.runningAlone = false;
      this.time.endSlice((u) => this.vcpus[u].ready());
    }
    return true;
  }

  /** Why nothing can run any more, or null if some vCPU may still be woken by an event. */
  private deadlock(): string | null {
    const live = this.vcpus.filter((v) => v.started);
    if (live.every((v) => !v.interruptsEnabled())) {
      return `every vCPU is halted with interrupts disabled (vCPU 0 at EIP ${(this.vcpus[0].cpu.eip >>> 0).toString(16)})`;
    }
    if (this.time.nextEventRealTime((u) => this.vcpus[u].started) === Infinity) {
      return 'every vCPU is halted and no timer is armed';
    }
    return null;
  }

  /**
   * Run until the machine stops or about `wallMs` of host time has passed.
   * Returns 0 to go on at once, a number of milliseconds to sleep first
   * (host time, all idle), or -1 when the machine has stopped.
   */
  runFor(wallMs: number): number {
    const clock = host();
    const deadline = clock.now() + wallMs;
    try {
      while (!this.stopInfo) {
        if (this.held) return 0;
        let ran = false;
        for (const v of this.vcpus) {
          if (this.stopInfo || this.held) break;
          const total = this.totalInstructions;
          if (total >= this.maxInstructions) {
            this.fail('runaway', `guest exceeded --max-instructions ${this.maxInstructions} without exiting`, EXIT_RUNAWAY);
            break;
          }
          if (this.runVcpu(v, total)) ran = true;
        }
        if (this.stopInfo) break;
        if (this.held) return 0;
        if (!ran) {
          const why = this.deadlock();
          if (why) { this.fail('deadlock', `deadlock: ${why}`, EXIT_DEADLOCK); break; }
          const t = this.time.nextEventRealTime((u) => this.vcpus[u].started);
          this.stats.idleJumps++;
          if (this.time.hostTime) {
            const wait = (t - this.time.now()) / (this.time.frequency / 1000);
            this.time.advanceIdle(this.time.now());
            if (wait > 0.05) return Math.min(wait, 50);
          } else {
            this.time.advanceIdle(t);
          }
        }
        if (clock.now() >= deadline) return 0;
      }
    } catch (e) {
      this.onError(e);
    }
    this.uart.flush();
    return -1;
  }

  private onError(e: unknown): void {
    const cpu = this.current.cpu;
    if (e instanceof MachineStop) {
      const [first, ...rest] = e.message.split('\n');
      const detail = `vCPU ${this.current.id}:\n${rest.length ? rest.join('\n') : cpu.describe()}`;
      this.fail(e.constructor.name === 'TripleFault' ? 'triple-fault' : 'machine-stop', first, e.exitCode, detail);
      return;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    this.fail('internal-error', `internal error on vCPU ${this.current.id} at EIP ${(cpu.eip >>> 0).toString(16)}: ${err.message}`,
      EXIT_INTERNAL, `${cpu.describe()}\n${err.stack ?? ''}`);
  }

  /** Run to the end, yielding to the host event loop every few tens of milliseconds (console, stdin). */
  async run(): Promise<RunResult> {
    const h = host();
    this.wallStart = h.now();
    for (;;) {
      if (this.held && !this.stopInfo) {
        this.uart.flush();
        await new Promise<void>((res) => { this.wakeFromPause = res; });
        this.wakeFromPause = () => {};
        continue;
      }
      const r = this.runFor(40);
      if (r < 0) break;
      // what the guest printed without a newline yet (a prompt, echoed keys) is shown before waiting
      this.uart.flush();
      if (r > 0) {
        await h.sleep(r);
      } else {
        await h.yieldNow();
      }
    }
    return this.result();
  }

  /** Run synchronously to the end (tests; no host I/O gets a turn). */
  runSync(): RunResult {
    const h = host();
    this.wallStart = h.now();
    for (;;) {
      const r = this.runFor(1000);
      if (r < 0) break;
      if (r > 0) {
        const until = h.now() + r;
        while (h.now() < until) { /* host-time idle in a synchronous run */ }
      }
    }
    return this.result();
  }

  private result(): RunResult {
    this.wallMs = host().now() - this.wallStart;
    this.uart.flush();
    return {
      stop: this.stopInfo!,
      instructions: this.totalInstructions,
      vcpus: this.vcpus.map((v) => v.stats()),
      wallMs: this.wallMs,
      realCycles: this.time.now(),
    };
  }
}

/**
 * fw_cfg's files, from what the machine put in memory: the memory map the
 * loader reported, the ACPI tables and the SMBIOS entry point and table.
 */
function firmwareFiles(mem: PhysicalMemory, acpi: AcpiPlacement, map: MemRange[]): FwCfgFile[] {
  const e820 = new Uint8Array(20 * map.length);
  const dv = new DataView(e820.buffer);
  map.forEach((r, k) => {
    dv.setBigUint64(20 * k, BigInt(r.base), true);
    dv.setBigUint64(20 * k + 8, BigInt(r.length), true);
    dv.setUint32(20 * k + 16, r.type, true);
  });
  const copy = (at: number, n: number) => mem.u8.slice(at, at + n);
  const smbiosTable = mem.view.getUint32(SMBIOS_ADDR + 0x18, true);
  const smbiosLength = mem.view.getUint16(SMBIOS_ADDR + 0x16, true);
  return [
    { name: 'etc/e820', data: e820 },
    { name: 'etc/acpi/rsdp', data: copy(acpi.rsdp, 20) },
    { name: 'etc/acpi/tables', data: copy(acpi.start, acpi.end - acpi.start) },
    { name: 'etc/smbios/smbios-anchor', data: copy(SMBIOS_ADDR, 0x1f) },
    { name: 'etc/smbios/smbios-tables', data: copy(smbiosTable, smbiosLength) },
    { name: 'bootorder', data: new Uint8Array(0) },
  ];
}
