/**
 * The one protected-mode world tests run guest code in.
 *
 * `testWorld()` gives flat 32-bit protected mode at CPL 0 over fresh RAM,
 * with descriptor tables in memory that agree with the segment caches: a GDT
 * (flat ring 0 and ring 3 code and data, a busy 32-bit TSS loaded in TR with
 * ring 0 and ring 1 stacks), and an IDT of 32-bit interrupt gates whose
 * handler for vector v is a stub at `handlerAt(v)`, so the vector a fault or
 * interrupt was delivered to is read back from EIP (`vectorTaken`). Options
 * add paging (an identity map of the low 4 MiB, with holes), start the CPUs
 * at ring 3, give several vCPUs, and install the VMI ROM behind a fake
 * machine. Test kits build on it (system-testkit.ts adds call gates and odd
 * descriptors, rom-rig.ts the ROM's calling convention, the fuzzer's and the
 * replayer's sandboxes keep one world each) instead of writing tables again.
 *
 * Everything the world writes sits in page 0 (GDT, TSSes, LDT, IDT,
 * handlers), plus the page tables at PD/PT when paging is asked for: code
 * loads at 0x1000 and the golden vectors' data lie in 0x10000-0x7FFFF, so
 * neither can overlap it. Only test code imports this module.
 */
import { bareCpu, CODE_ADDR, type Bare } from './harness.ts';
import { Cpu } from '../cpu/cpu.ts';
import type { PhysicalMemory } from '../cpu/memory.ts';
import { CR0_PG } from '../cpu/mmu.ts';
import { loadCache, parseDescriptor } from '../cpu/segments.ts';
import { enterFlatProtectedMode } from '../cpu/setup.ts';
import { Interpreter } from '../runtime/interpreter.ts';
import { Reg, Seg } from '../isa/instr.ts';
import { installRom, type RomOptions, type VmiRom } from '../vmirom/rom.ts';
import { FakeMachine } from './fake-machine.ts';

/** Where the world's structures live (physical = linear: paging, when on, is an identity map). */
export const LAYOUT = {
  gdt: 0x100,
  /** the TSS loaded in TR, and a second one for tests of ltr and task state */
  tss: 0x200, tss2: 0x300,
  /** up to 16 descriptors */
  ldt: 0x380,
  idt: 0x400,
  /** handler of vector v: handlers + v * handlerStride */
  handlers: 0xc00, handlerStride: 4,
  code: CODE_ADDR,
  /** page directory and the one page table mapping 0-4 MiB */
  pd: 0x90000, pt: 0x91000,
  /** ESP at the start (vCPU k: stack - k * 0x4000), the TSS's ring 0 and ring 1 stacks, and toRing3's default */
  stack: 0x80000, esp0: 0x70000, esp3: 0x60000,
} as const;

/** The address of vector v's handler stub (a `jmp $`). */
export const handlerAt = (v: number): number => LAYOUT.handlers + v * LAYOUT.handlerStride;

/** The vector whose handler stub is at `eip` (in an IDT of `vectors` entries), or -1. */
export function vectorAt(eip: number, vectors = 256): number {
  const off = (eip >>> 0) - LAYOUT.handlers;
  return off >= 0 && off < vectors * LAYOUT.handlerStride && off % LAYOUT.handlerStride === 0 ? off / LAYOUT.handlerStride : -1;
}

/** The selectors every world has. */
export const SEL = { CODE0: 0x08, DATA0: 0x10, CODE3: 0x1b, DATA3: 0x23, TSS: 0x28 } as const;

/** A GDT or LDT descriptor (low and high dwords) from base, limit (20 bits), access byte and flags nibble. */
export function desc(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = (limit & 0xffff) | ((base & 0xffff) << 16);
  const hi = ((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000);
  return [lo | 0, hi | 0];
}

/** A gate descriptor (call, interrupt or trap) to sel:off. */
export function gate(sel: number, off: number, type: number, dpl: number, count = 0): [number, number] {
  return [(off & 0xffff) | (sel << 16), ((off & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8) | count) | 0];
}

export interface WorldOptions {
  /** RAM size (default 1 MiB) */
  memBytes?: number;
  /** memory laid out for WebAssembly regions (cpu/memory.ts vCPU areas, one per vCPU) */
  wasm?: boolean;
  /** vCPUs sharing the memory and the tables (default 1) */
  cpus?: number;
  /** IDT entries, which sets the IDT limit (default 256) */
  vectors?: number;
  /** gate DPL for vector v (default: 3 for int3, into and int 0x80, else 0) */
  gateDpl?: (v: number) => number;
  /** paging on from the start (identity map of 0-4 MiB, less `holes`) */
  paging?: boolean | { holes: number[] };
  /** start every vCPU at ring 3 (CS 0x1b, SS/DS/ES 0x23, ESP LAYOUT.esp3) */
  ring3?: boolean;
  /** install the VMI ROM behind a FakeMachine of these vCPUs (`true`: the default ABI at ROM_AT) */
  rom?: true | RomOptions;
}

export interface World extends Bare {
  /** every vCPU (cpus[0] is `cpu`) with its interpreter (interps[0] is `interp`) */
  cpus: Cpu[];
  interps: Interpreter[];
  /** with `rom`: the fake machine and the installed ROM */
  machine?: FakeMachine;
  rom?: VmiRom;
  /** the address of vector v's handler stub */
  handlerAt(v: number): number;
  /** the vector whose handler stub `cpu` is at, or -1 */
  vectorTaken(cpu?: Cpu): number;
  /** write GDT descriptor `sel` (the GDT limit grows to cover it) */
  setDesc(sel: number, d: [number, number]): void;
  /** load segment register s from the GDT as the CPU would (no checks) */
  loadSeg(cpu: Cpu, s: Seg, sel: number): void;
  /** put `cpu` in ring 3 (CS 0x1b, SS/DS/ES 0x23) with ESP `esp` */
  toRing3(esp?: number, cpu?: Cpu): void;
  /** identity-map 0-4 MiB (less `holes`, which are not present) and turn paging on for `cpu` */
  enablePaging(holes?: number[], cpu?: Cpu): void;
  /** set GDTR, IDTR and TR of `cpu` to the world's tables (after a test reset them) */
  installTables(cpu: Cpu): void;
  w32(addr: number, v: number): void;
  r32(addr: number): number;
}

const defaultDpl = (v: number) => (v === 3 || v === 4 || v === 0x80 ? 3 : 0);

/** Descriptor tables and handler stubs into memory. */
function writeTables(w32: (a: number, v: number) => void, u8: Uint8Array, setDesc: World['setDesc'], opts: WorldOptions): void {
  setDesc(SEL.CODE0, desc(0, 0xfffff, 0x9b, 0xc));
  setDesc(SEL.DATA0, desc(0, 0xfffff, 0x93, 0xc));
  setDesc(SEL.CODE3, desc(0, 0xfffff, 0xfb, 0xc));
  setDesc(SEL.DATA3, desc(0, 0xfffff, 0xf3, 0xc));
  setDesc(SEL.TSS, desc(LAYOUT.tss, 0x67, 0x8b, 0)); // busy: it is loaded in TR
  // TSS: SS0:ESP0 and SS1:ESP1
  w32(LAYOUT.tss + 4, LAYOUT.esp0); w32(LAYOUT.tss + 8, SEL.DATA0);
  w32(LAYOUT.tss + 12, LAYOUT.esp0); w32(LAYOUT.tss + 16, SEL.DATA0 | 1);
  const dpl = opts.gateDpl ?? defaultDpl;
  const stub = [0xeb, 0xfe]; // jmp $: a delivered vector stays visible in EIP
  for (let v = 0; v < (opts.vectors ?? 256); v++) {
    const h = handlerAt(v);
    const g = gate(SEL.CODE0, h, 0xe, dpl(v));
    w32(LAYOUT.idt + v * 8, g[0]);
    w32(LAYOUT.idt + v * 8 + 4, g[1]);
    u8.set(stub, h);
  }
}

/** Load segment register s of `cpu` from the world's GDT, as the CPU would (no checks). */
function loadSeg(mem: PhysicalMemory, cpu: Cpu, s: Seg, sel: number): void {
  const at = LAYOUT.gdt + (sel & ~7);
  loadCache(cpu, s, sel, parseDescriptor(mem.read(at, 4) | 0, mem.read(at + 4, 4) | 0));
}

function toRing3(mem: PhysicalMemory, cpu: Cpu, esp: number): void {
  loadSeg(mem, cpu, Seg.CS, SEL.CODE3);
  for (const s of [Seg.SS, Seg.DS, Seg.ES]) loadSeg(mem, cpu, s, SEL.DATA3);
  cpu.setCpl(3);
  cpu.regs[Reg.ESP] = esp;
}

function enablePaging(mem: PhysicalMemory, cpu: Cpu, holes: number[]): void {
  for (let p = 0; p < 1024; p++) mem.write(LAYOUT.pt + p * 4, 4, holes.includes(p << 12) ? 0 : (p << 12) | 3);
  mem.write(LAYOUT.pd, 4, LAYOUT.pt | 3);
  cpu.cr3 = LAYOUT.pd;
  cpu.cr0 |= CR0_PG;
  cpu.mmu.flushAll(false);
}

/** Build a world (see the module comment for what it holds). */
export function testWorld(opts: WorldOptions = {}): World {
  const b = bareCpu(opts.memBytes ?? 1 << 20, opts.wasm ? opts.cpus ?? 1 : 0);
  const { mem } = b;
  const cpus = [b.cpu];
  for (let k = 1; k < (opts.cpus ?? 1); k++) cpus.push(new Cpu(mem));
  const w32 = (addr: number, v: number) => mem.write(addr, 4, v | 0);
  let gdtLimit = 7;
  const setDesc = (sel: number, d: [number, number]) => {
    w32(LAYOUT.gdt + (sel & ~7), d[0]);
    w32(LAYOUT.gdt + (sel & ~7) + 4, d[1]);
    gdtLimit = Math.max(gdtLimit, (sel | 7));
    for (const c of cpus) c.gdtLimit = gdtLimit;
  };
  writeTables(w32, mem.u8, setDesc, opts);
  const installTables = (cpu: Cpu) => {
    cpu.gdtBase = LAYOUT.gdt; cpu.gdtLimit = gdtLimit;
    cpu.idtBase = LAYOUT.idt; cpu.idtLimit = (opts.vectors ?? 256) * 8 - 1;
    cpu.trSel = SEL.TSS; cpu.trBase = LAYOUT.tss; cpu.trLimit = 0x67; cpu.trType = 0xb;
  };
  cpus.forEach((cpu, k) => {
    cpu.id = k;
    enterFlatProtectedMode(cpu, SEL.CODE0, SEL.DATA0);
    installTables(cpu);
    cpu.regs[Reg.ESP] = LAYOUT.stack - k * 0x4000;
    if (opts.paging) enablePaging(mem, cpu, opts.paging === true ? [] : opts.paging.holes);
    if (opts.ring3) toRing3(mem, cpu, LAYOUT.esp3 - k * 0x4000);
  });
  const world: World = {
    ...b, cpus, interps: [b.interp, ...cpus.slice(1).map((c) => new Interpreter(c))], setDesc, installTables, handlerAt, w32,
    r32: (addr) => mem.read(addr, 4) | 0,
    loadSeg: (cpu, s, sel) => loadSeg(mem, cpu, s, sel),
    toRing3: (esp = LAYOUT.esp3, cpu = b.cpu) => toRing3(mem, cpu, esp),
    enablePaging: (holes = [], cpu = b.cpu) => enablePaging(mem, cpu, holes),
    vectorTaken: (cpu = b.cpu) => vectorAt(cpu.eip, opts.vectors),
  };
  if (opts.rom) {
    world.machine = new FakeMachine(mem, cpus);
    world.rom = installRom(world.machine, { address: ROM_AT, ...(opts.rom === true ? {} : opts.rom) });
  }
  return world;
}

/** Where `rom: true` puts the VMI ROM. */
export const ROM_AT = 0xc8000;
