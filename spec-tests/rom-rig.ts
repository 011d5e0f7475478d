/**
 * The VMI ROM's test rig: a test world (world.ts) with the ROM of one ABI
 * (the proposal's unless asked) installed behind a fake machine
 * (fake-machine.ts) whose ports the vCPUs' bus reaches, every gate DPL 3 so software
 * interrupts also work at CPL 1, an LDT, and a `call` that makes a VMI call
 * exactly as a guest does: a `call` instruction to the slot, run by the
 * interpreter until it returns.
 *
 * The TSS descriptor is left available (type 9) although TR is loaded, so
 * that SetTR and ltr can be tested on it; the LDT (selector 0x30) holds one
 * data segment at 0x100000 (selector 0x0C).
 */
import type { Cpu } from '../cpu/cpu.ts';
import type { PhysicalMemory } from '../cpu/memory.ts';
import type { Interpreter } from '../runtime/interpreter.ts';
import { Reg } from '../isa/instr.ts';
import type { VmiRom } from '../vmirom/rom.ts';
import { callAddress } from '../vmirom/symbols.ts';
import { PROPOSAL, type VmiAbi } from '../vmirom/abis.ts';
import { desc, LAYOUT, ROM_AT, SEL, testWorld } from './world.ts';
import { FakeBus, type FakeMachine } from './fake-machine.ts';

export { ROM_AT };
export const CODE = LAYOUT.code, GDT = LAYOUT.gdt, TSS = LAYOUT.tss, LDT = LAYOUT.ldt, IDT = LAYOUT.idt;
export const STACK = LAYOUT.stack, KSTACK1 = LAYOUT.esp0, PD = LAYOUT.pd, PT = LAYOUT.pt;
export const KCODE = SEL.CODE0, KDATA = SEL.DATA0, UCODE = SEL.CODE3, UDATA = SEL.DATA3, TSS_SEL = SEL.TSS, LDT_SEL = 0x30;

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
  /** identity-map the low 4 MiB with 4 KiB pages (at PD and PT) and turn paging on */
  enablePaging(cpu?: Cpu): void;
}

const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;

export function makeRig(ncpu = 1, memBytes = 4 << 20, abi: VmiAbi = PROPOSAL): Rig {
  const world = testWorld({ memBytes, cpus: ncpu, gateDpl: () => 3, rom: { abi } });
  const { mem, cpus, interps } = world;
  const machine = world.machine!;
  world.setDesc(TSS_SEL, desc(TSS, 0x67, 0x89, 0));
  world.setDesc(LDT_SEL, desc(LDT, 0x0f, 0x82, 0));
  // LDT entry 1: a data segment (selector 0x0C | RPL)
  const ldtData = desc(0x100000, 0xfff, 0x92, 0x4);
  world.w32(LDT + 8, ldtData[0]); world.w32(LDT + 12, ldtData[1]);
  const bus = new FakeBus(machine);
  for (const cpu of cpus) cpu.bus = bus;
  const number = (name: string) => {
    const n = abi.calls.find((c) => c.name === name)?.number;
    if (n === undefined) throw new Error(`${abi.id} has no numbered call ${name}`);
    return n;
  };
  const rig: Rig = {
    mem, machine, rom: world.rom!, cpu: cpus[0], interp: interps[0], interps, bus, abi, number, lastEsp: 0,
    slot: (n) => callAddress(abi, ROM_AT, n),
    setGdtEntry: (index, lo, hi) => { world.w32(GDT + index * 8, lo); world.w32(GDT + index * 8 + 4, hi); },
    call(name, regs = {}, stack = [], cpuIndex = 0) {
      const cpu = cpus[cpuIndex];
      const interp = interps[cpuIndex];
      const at = CODE + cpuIndex * 0x100;
      const rel = (rig.slot(name) - (at + 5)) | 0;
      // through load: it drops cached decodings of the previous call
      mem.load(at, new Uint8Array([0xe8, rel & 0xff, (rel >>> 8) & 0xff, (rel >>> 16) & 0xff, rel >>> 24]));
      REG_NAMES.forEach((n, k) => { if (n !== 'esp' && regs[n] !== undefined) cpu.regs[k] = regs[n]!; });
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
    inHandler: (cpu = cpus[0]) => world.vectorTaken(cpu),
    enablePaging: (cpu = cpus[0]) => world.enablePaging([], cpu),
  };
  return rig;
}
