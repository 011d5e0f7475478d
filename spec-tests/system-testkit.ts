/**
 * A small protected-mode world for the system-instruction tests: a GDT with
 * ring 0 and ring 3 flat segments, a TSS, call gates and a few odd
 * descriptors; an IDT whose handlers are `hlt`-free stubs at known
 * addresses; and helpers to run one instruction and to catch the fault it
 * raises without delivering it.
 */
import { bareCpu, type Bare } from './harness.ts';
import { Fault } from '../isa/faults.ts';
import { Seg, Reg } from '../isa/instr.ts';
import { loadCache, parseDescriptor } from '../cpu/segments.ts';

export const GDT = 0x10000, IDT = 0x11000, TSS = 0x12000, LDT = 0x13000;
/** ring 0 stack from the TSS */
export const ESP0 = 0x70000;
/** handler of IDT vector v */
export const handler = (v: number) => 0x40000 + v * 0x10;

export const SEL = {
  CODE0: 0x08, DATA0: 0x10, CODE3: 0x1b, DATA3: 0x23, TSS: 0x28,
  /** 32-bit call gate, DPL 3, to CODE0:0x3000 copying one dword */
  GATE32: 0x33,
  /** not-present data segment */
  NP_DATA: 0x38,
  /** 16-bit call gate, DPL 3, to CODE0:0x3100 copying no parameter */
  GATE16: 0x4b,
  /** conforming readable code, DPL 0 */
  CONFORM: 0x50,
  LDT: 0x58,
  /** 16-bit data, DPL 0, base 0x8000, limit 0xfff (byte granular) */
  SMALL: 0x60,
  /** an available 32-bit TSS for ltr */
  TSS2: 0x68,
};

export function desc(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = (limit & 0xffff) | ((base & 0xffff) << 16);
  const hi = ((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000);
  return [lo | 0, hi | 0];
}

export function gate(sel: number, off: number, type: number, dpl: number, count = 0): [number, number] {
  return [(off & 0xffff) | (sel << 16), ((off & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8) | count) | 0];
}

export interface World extends Bare {
  /** write descriptor `sel` of the GDT */
  setDesc(sel: number, d: [number, number]): void;
  /** put the CPU in ring 3 (CS 0x1b, SS 0x23, DS/ES 0x23) with ESP `esp` */
  toRing3(esp?: number): void;
  /** run the instruction at EIP without delivering a fault; returns the fault or undefined */
  exec1(): Fault | undefined;
  /** load `code` at `at` and run one instruction there (fault not delivered) */
  one(code: number[], at?: number): Fault | undefined;
  /** write code at `at` (default 0x1000) and point EIP at it */
  put(code: number[], at?: number): void;
  w32(addr: number, v: number): void;
  r32(addr: number): number;
}

export function world(): World {
  const b = bareCpu();
  const { cpu, mem } = b;
  const w32 = (addr: number, v: number) => mem.write(addr, 4, v | 0);
  const r32 = (addr: number) => mem.read(addr, 4) | 0;
  const setDesc = (sel: number, d: [number, number]) => {
    w32(GDT + (sel & ~7), d[0]);
    w32(GDT + (sel & ~7) + 4, d[1]);
  };
  setDesc(0x08, desc(0, 0xfffff, 0x9b, 0xc));
  setDesc(0x10, desc(0, 0xfffff, 0x93, 0xc));
  setDesc(0x18, desc(0, 0xfffff, 0xfb, 0xc));
  setDesc(0x20, desc(0, 0xfffff, 0xf3, 0xc));
  setDesc(0x28, desc(TSS, 0x67, 0x8b, 0)); // busy 32-bit TSS (as if loaded)
  setDesc(0x30, gate(0x08, 0x3000, 0xc, 3, 1));
  setDesc(0x38, desc(0, 0xfffff, 0x13, 0xc));
  setDesc(0x48, gate(0x08, 0x3100, 0x4, 3, 0));
  setDesc(0x50, desc(0, 0xfffff, 0x9f, 0xc));
  setDesc(0x58, desc(LDT, 0x17, 0x82, 0));
  setDesc(0x60, desc(0x8000, 0xfff, 0x93, 0));
  setDesc(0x68, desc(TSS + 0x100, 0x67, 0x89, 0));
  cpu.gdtBase = GDT;
  cpu.gdtLimit = 0x6f;
  // TSS: ESP0 / SS0
  w32(TSS + 4, ESP0);
  w32(TSS + 8, 0x10);
  cpu.trSel = 0x28; cpu.trBase = TSS; cpu.trLimit = 0x67; cpu.trType = 0xb;
  // IDT: 32-bit interrupt gates to handler(v), DPL 3 for 3, 4 and 0x80
  for (let v = 0; v < 256; v++) {
    const g = gate(0x08, handler(v), 0xe, v === 3 || v === 4 || v === 0x80 ? 3 : 0);
    w32(IDT + v * 8, g[0]);
    w32(IDT + v * 8 + 4, g[1]);
  }
  cpu.idtBase = IDT;
  cpu.idtLimit = 0x7ff;
  const seg = (s: number, sel: number) => {
    const i = sel & ~7;
    loadCache(cpu, s, sel, parseDescriptor(r32(GDT + i), r32(GDT + i + 4)));
  };
  const toRing3 = (esp = 0x60000) => {
    seg(Seg.CS, SEL.CODE3);
    seg(Seg.SS, SEL.DATA3);
    seg(Seg.DS, SEL.DATA3);
    seg(Seg.ES, SEL.DATA3);
    cpu.setCpl(3);
    cpu.regs[Reg.ESP] = esp;
  };
  const exec1 = (): Fault | undefined => b.exec1();
  // through mem.write, not load(): a guest-visible write drops cached decodings of the page
  const put = (code: number[], at = 0x1000) => {
    code.forEach((v, k) => mem.write(at + k, 1, v));
    cpu.eip = at;
  };
  const one = (code: number[], at = 0x1000) => {
    put(code, at);
    return exec1();
  };
  return { ...b, setDesc, toRing3, exec1, one, put, w32, r32 };
}

/** little-endian bytes of a 32-bit value */
export const d32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
export const d16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
