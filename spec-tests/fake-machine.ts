/**
 * Test rig for the VMI ROM: a fake MachineApi around real CPUs and memory,
 * the ROM installed at 0xC8000, and a small protected-mode world (GDT with
 * kernel and user segments, a TSS, an LDT, an IDT whose vector v handler is
 * `jmp $` at HANDLERS + v*16, unprivileged so it also works at CPL 1) so that calls run exactly as a guest makes them:
 * a `call` instruction to the slot, executed by the interpreter.
 */
import { PhysicalMemory } from '../cpu/memory.ts';
import { Cpu, type CpuBus } from '../cpu/cpu.ts';
import { Interpreter } from '../runtime/interpreter.ts';
import { enterFlatProtectedMode } from '../cpu/setup.ts';
import type { LocalApicApi, MachineApi, PciDeviceInfo, VcpuApi } from '../runtime/machine-api.ts';
import { Reg } from '../isa/instr.ts';
import { installRom, type VmiRom } from './rom.ts';
import { callAddress } from './symbols.ts';
import { PROPOSAL, type VmiAbi } from './abis.ts';

export const ROM_AT = 0xc8000;
export const CODE = 0x1000;
export const GDT = 0x2000;
export const TSS = 0x3000;
export const LDT = 0x3800;
export const IDT = 0x4000;
export const HANDLERS = 0x5000;
export const STACK = 0x80000;
export const KSTACK1 = 0x70000;
export const KCODE = 0x08, KDATA = 0x10, UCODE = 0x1b, UDATA = 0x23, TSS_SEL = 0x28, LDT_SEL = 0x30;

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
  constructor(readonly id: number, readonly cpu: Cpu) {}
  available(): bigint { return this.availableCycles; }
  stolen(): bigint { return this.stolenCycles; }
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

  constructor(readonly memory: PhysicalMemory, ncpu: number) {
    for (let k = 0; k < ncpu; k++) {
      const cpu = new Cpu(memory);
      cpu.id = k;
      this.vcpus.push(new FakeVcpu(k, cpu));
    }
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
  stop(reason: string, exitCode: number): void { this.stopped = { reason, code: exitCode }; }
  reset(kind: 'soft' | 'hard'): void { this.resets.push(kind); }
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
}

function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | (flags << 20) | ((limit >>> 16 & 0xf) << 16) | (access << 8) | ((base >>> 16) & 0xff);
  return [lo | 0, hi | 0];
}

export interface Rig {
  mem: PhysicalMemory;
  machine: FakeMachine;
  rom: VmiRom;
  cpu: Cpu;
  interp: Interpreter;
  interps: Interpreter[];
  bus: FakeBus;
  abi: VmiAbi;
  /** the address of a call's code, by the ABI's name or number */
  slot(nameOrNumber: string | number): number;
  /** the ABI's number of a call */
  number(name: string): number;
  /** Call slot N from CODE with these registers and stack words; runs until the call returns. */
  call(name: string | number, regs?: Partial<Record<'eax' | 'ebx' | 'ecx' | 'edx' | 'esi' | 'edi' | 'ebp', number>>, stack?: number[], cpuIndex?: number): void;
  /** ESP at the call instruction of the last `call` */
  lastEsp: number;
  /** the vector whose handler the CPU sits in, or -1 */
  inHandler(cpu?: Cpu): number;
  /** guest-style GDT entry write (memory) */
  setGdtEntry(index: number, lo: number, hi: number): void;
  /** identity-map the low 4 MiB with 4 KiB pages (PD at 0x10000, PT at 0x11000) and turn paging on */
  enablePaging(cpu?: Cpu): void;
}

export const PD = 0x10000, PT = 0x11000;

export function makeRig(ncpu = 1, memBytes = 4 << 20, abi: VmiAbi = PROPOSAL): Rig {
  const mem = new PhysicalMemory(memBytes);
  const machine = new FakeMachine(mem, ncpu);
  const w32 = (at: number, v: number) => mem.view.setInt32(at, v, true);
  const setGdtEntry = (index: number, lo: number, hi: number) => { w32(GDT + index * 8, lo); w32(GDT + index * 8 + 4, hi); };
  setGdtEntry(1, ...descriptor(0, 0xfffff, 0x9a, 0xc));
  setGdtEntry(2, ...descriptor(0, 0xfffff, 0x92, 0xc));
  setGdtEntry(3, ...descriptor(0, 0xfffff, 0xfa, 0xc));
  setGdtEntry(4, ...descriptor(0, 0xfffff, 0xf2, 0xc));
  setGdtEntry(5, ...descriptor(TSS, 0x67, 0x89, 0));
  setGdtEntry(6, ...descriptor(LDT, 0x0f, 0x82, 0));
  // LDT entry 1: a data segment (selector 0x0C | RPL)
  w32(LDT + 8, descriptor(0x100000, 0xfff, 0x92, 0x4)[0]);
  w32(LDT + 12, descriptor(0x100000, 0xfff, 0x92, 0x4)[1]);
  // TSS: SS0:ESP0, SS1:ESP1
  w32(TSS + 4, KSTACK1); w32(TSS + 8, KDATA);
  w32(TSS + 12, KSTACK1); w32(TSS + 16, KDATA | 1);
  for (let v = 0; v < 256; v++) {
    const h = HANDLERS + v * 16;
    mem.load(h, new Uint8Array([0xeb, 0xfe])); // jmp $
    // 32-bit interrupt gate, DPL 3, selector KCODE
    w32(IDT + v * 8, (KCODE << 16) | (h & 0xffff));
    w32(IDT + v * 8 + 4, (h & 0xffff0000) | 0xee00);
  }
  const bus = new FakeBus(machine);
  for (const v of machine.vcpus) {
    const cpu = v.cpu;
    enterFlatProtectedMode(cpu, KCODE, KDATA);
    cpu.gdtBase = GDT; cpu.gdtLimit = 7 * 8 - 1;
    cpu.idtBase = IDT; cpu.idtLimit = 256 * 8 - 1;
    cpu.trSel = TSS_SEL; cpu.trBase = TSS; cpu.trLimit = 0x67; cpu.trType = 0xb;
    cpu.regs[Reg.ESP] = STACK - v.id * 0x4000;
    cpu.bus = bus;
  }
  const rom = installRom(machine, { address: ROM_AT, abi });
  const interps = machine.vcpus.map((v) => new Interpreter(v.cpu));
  const slot = (n: string | number) => callAddress(abi, ROM_AT, n);
  const number = (name: string) => {
    const n = abi.calls.find((c) => c.name === name)?.number;
    if (n === undefined) throw new Error(`${abi.id} has no numbered call ${name}`);
    return n;
  };
  const rig: Rig = {
    mem, machine, rom, cpu: machine.vcpus[0].cpu, interp: interps[0], interps, bus, abi, slot, number, lastEsp: 0,
    setGdtEntry,
    call(name, regs = {}, stack = [], cpuIndex = 0) {
      const cpu = machine.vcpus[cpuIndex].cpu;
      const interp = interps[cpuIndex];
      const at = CODE + cpuIndex * 0x100;
      const target = rig.slot(name);
      const rel = (target - (at + 5)) | 0;
      // through load: it drops cached decodings of the previous call
      mem.load(at, new Uint8Array([0xe8, rel & 0xff, (rel >>> 8) & 0xff, (rel >>> 16) & 0xff, rel >>> 24]));
      const names = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
      names.forEach((n, k) => { if (n !== 'esp' && regs[n as keyof typeof regs] !== undefined) cpu.regs[k] = regs[n as keyof typeof regs]!; });
      for (let k = stack.length - 1; k >= 0; k--) {
        cpu.regs[Reg.ESP] -= 4;
        cpu.write(2, cpu.regs[Reg.ESP], 4, stack[k]);
      }
      rig.lastEsp = cpu.regs[Reg.ESP];
      cpu.eip = at;
      for (let n = 0; n < 16 && cpu.eip !== at + 5; n++) {
        interp.checkInterrupts();
        if (cpu.halted) break;
        interp.step();
      }
      if (cpu.eip === at + 5) cpu.regs[Reg.ESP] += 4 * stack.length;
    },
    inHandler(cpu = machine.vcpus[0].cpu) {
      const off = (cpu.eip >>> 0) - HANDLERS;
      return off >= 0 && off < 256 * 16 && off % 16 === 0 ? off / 16 : -1;
    },
    enablePaging(cpu = machine.vcpus[0].cpu) {
      for (let k = 0; k < 1024; k++) w32(PT + k * 4, (k << 12) | 3);
      w32(PD, PT | 3);
      cpu.cr3 = PD;
      cpu.cr0 |= 0x80000000 | 0;
      cpu.mmu.flushAll(false);
    },
  };
  return rig;
}
