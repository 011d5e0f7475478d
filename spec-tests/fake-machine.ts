/**
 * A fake machine for tests of the VMI ROM: the MachineApi the ROM sees
 * (vCPUs with a local APIC, real and available time, events, ports, IRQs,
 * AP start-up, resets, PCI registration), implemented over real CPUs and
 * memory but with time that moves only when a test calls `advance`, and
 * every port write, IRQ, reset and AP start recorded for the test to read
 * back. `FakeBus` stands in for a vCPU's bus with a queue of pending
 * interrupt vectors. spec-tests/world.ts builds one for
 * `testWorld({ rom: ... })`.
 */
import type { PhysicalMemory } from '../cpu/memory.ts';
import type { Cpu, CpuBus } from '../cpu/cpu.ts';
import type { LocalApicApi, MachineApi, PciDeviceInfo, VcpuApi } from '../runtime/machine-api.ts';

export class FakeApic implements LocalApicApi {
  readonly regs = new Map<number, number>();
  readonly raised: number[] = [];
  read(offset: number): number { return this.regs.get(offset) ?? 0; }
  write(offset: number, value: number): void { this.regs.set(offset, value); }
  raise(vector: number): void { this.raised.push(vector); }
  timerVector(): number { return (this.regs.get(0x320) ?? 0) & 0xff; }
}

export type RunState = 'running' | 'ready' | 'halted' | 'stopped';

export class FakeVcpu implements VcpuApi {
  readonly apic = new FakeApic();
  availableCycles = 0n;
  stolenCycles = 0n;
  state: RunState = 'running';
  started = true;
  constructor(readonly id: number, readonly cpu: Cpu, private readonly machine: { readonly real: bigint }) {}
  available(): bigint { return this.availableCycles; }
  stolen(): bigint { return this.stolenCycles; }
  cycles(clock: 'real' | 'available' | 'stolen'): number {
    return Number(clock === 'real' ? this.machine.real : clock === 'available' ? this.availableCycles : this.stolenCycles);
  }
}

interface FakeEvent { handle: number; vcpu: number; clock: 'real' | 'available'; at: bigint; fire: () => void }

export class FakeMachine implements MachineApi {
  readonly vcpus: FakeVcpu[] = [];
  real = 0n;
  readonly cycleFrequency = 1_000_000n;
  wallBase = 1_700_000_000_000_000_000n;
  readonly irqs: number[] = [];
  readonly portValues = new Map<number, number[]>();
  readonly portWrites: [number, number, number][] = [];
  events: FakeEvent[] = [];
  private nextHandle = 1;
  stopped: { reason: string; code: number } | undefined;
  readonly apStarts: { id: number; kind: string }[] = [];
  readonly pci: PciDeviceInfo[] = [];
  readonly poweredOff: number[] = [];
  readonly resets: ('soft' | 'hard')[] = [];
  /** set by a stop or a reset (`wantVcpuBack`), as the machine's is */
  yieldRequested = false;

  constructor(readonly memory: PhysicalMemory, cpus: Cpu[]) {
    cpus.forEach((cpu, k) => this.vcpus.push(new FakeVcpu(k, cpu, this)));
  }

  realTime(): bigint { return this.real; }
  wallclockNs(): bigint { return this.wallBase + (this.real * 1_000_000_000n) / this.cycleFrequency; }
  raiseIrq(irq: number): void { this.irqs.push(irq); }
  portRead(port: number, size: number): number {
    const q = this.portValues.get(port);
    if (q?.length) return q.shift()!;
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }
  portWrite(port: number, size: number, value: number): void { this.portWrites.push([port, size, value]); }
  scheduleEvent(vcpu: number, clock: 'real' | 'available', at: bigint, fire: () => void): number {
    const handle = this.nextHandle++;
    this.events.push({ handle, vcpu, clock, at, fire });
    return handle;
  }
  cancelEvent(handle: number): void { this.events = this.events.filter((e) => e.handle !== handle); }
  startAp(id: number, how: { kind: 'state'; apply: (cpu: Cpu) => void } | { kind: 'sipi'; vector: number }): void {
    this.apStarts.push({ id, kind: how.kind });
    if (how.kind === 'state') how.apply(this.vcpus[id].cpu);
  }
  stop(reason: string, exitCode: number): void { this.stopped = { reason, code: exitCode }; this.wantVcpuBack(); }
  reset(kind: 'soft' | 'hard'): void { this.resets.push(kind); this.wantVcpuBack(); }
  wantVcpuBack(): void {
    this.yieldRequested = true;
    this.memory.leaveTranslatedCode();
  }
  registerPciDevice(dev: PciDeviceInfo): void { this.pci.push(dev); }
  powerOffVcpu(id: number): void { this.poweredOff.push(id); }

  /**
   * Let `cycles` of real time pass with each vCPU in the given state:
   * running or halted accrue available time, ready accrues stolen time,
   * stopped neither. Due events fire in time order, an available-time event
   * only while its vCPU runs or is halted (ABI.md section 6).
   */
  advance(cycles: bigint, states: RunState[] = this.vcpus.map((v) => v.state)): void {
    for (let t = 0n; t < cycles; t++) {
      this.real++;
      this.vcpus.forEach((v, k) => {
        v.state = states[k];
        if (v.state === 'running' || v.state === 'halted') v.availableCycles++;
        else if (v.state === 'ready') v.stolenCycles++;
      });
      this.fireDue();
    }
  }

  fireDue(): void {
    for (;;) {
      const due = this.events.filter((e) => {
        const v = this.vcpus[e.vcpu];
        if (v.state !== 'running' && v.state !== 'halted') return false;
        return e.clock === 'real' ? e.at <= this.real : e.at <= v.availableCycles;
      });
      if (!due.length) return;
      const e = due[0];
      this.cancelEvent(e.handle);
      e.fire();
    }
  }
}

/** A bus with a queue of pending external interrupt vectors; ports are the machine's, as in the real one. */
export class FakeBus implements CpuBus {
  readonly pending: number[] = [];
  readonly acked: number[] = [];
  constructor(private readonly machine: FakeMachine) {}
  portRead(port: number, size: number): number { return this.machine.portRead(port, size); }
  portWrite(port: number, size: number, value: number): void { this.machine.portWrite(port, size, value); }
  pendingInterrupt(): number { return this.pending.length ? this.pending[0] : -1; }
  ackInterrupt(_cpu: Cpu, v: number): void { this.acked.push(v); this.pending.shift(); }
  /** a device raises `v` while code runs: pending, and the code epoch moved, as the machine's vCPU kick does */
  raise(v: number): void {
    this.pending.push(v);
    this.machine.memory.leaveTranslatedCode();
  }
}
