/**
 * The world of the system-instruction tests (semantics/families/*.test.ts):
 * the test world (world.ts) plus call gates, a not-present segment, a
 * conforming code segment, an LDT descriptor, a small 16-bit data segment and
 * a second, available TSS; and helpers to run one instruction and to catch
 * the fault it raises without delivering it.
 */
import { Fault } from '../isa/faults.ts';
import { desc, gate, handlerAt, LAYOUT, SEL as BASE_SEL, testWorld, type World as TestWorld } from './world.ts';

export { desc, gate };
export const GDT = LAYOUT.gdt, IDT = LAYOUT.idt, TSS = LAYOUT.tss, LDT = LAYOUT.ldt;
/** ring 0 stack from the TSS */
export const ESP0 = LAYOUT.esp0;
/** handler of IDT vector v */
export const handler = handlerAt;

export const SEL = {
  ...BASE_SEL,
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
  /** an available 32-bit TSS for ltr (at TSS2) */
  TSS2: 0x68,
};

export interface World extends TestWorld {
  /** run the instruction at EIP without delivering a fault; returns the fault or undefined */
  exec1(): Fault | undefined;
  /** load `code` at `at` and run one instruction there (fault not delivered) */
  one(code: number[], at?: number): Fault | undefined;
  /** write code at `at` (default 0x1000) and point EIP at it */
  put(code: number[], at?: number): void;
}

export function world(): World {
  const w = testWorld();
  const { cpu, mem } = w;
  w.setDesc(0x30, gate(0x08, 0x3000, 0xc, 3, 1));
  w.setDesc(0x38, desc(0, 0xfffff, 0x13, 0xc));
  w.setDesc(0x48, gate(0x08, 0x3100, 0x4, 3, 0));
  w.setDesc(0x50, desc(0, 0xfffff, 0x9f, 0xc));
  w.setDesc(0x58, desc(LDT, 0x17, 0x82, 0));
  w.setDesc(0x60, desc(0x8000, 0xfff, 0x93, 0));
  w.setDesc(0x68, desc(LAYOUT.tss2, 0x67, 0x89, 0));
  // through mem.write, not load(): a guest-visible write drops cached decodings of the page
  const put = (code: number[], at = 0x1000) => {
    code.forEach((v, k) => mem.write(at + k, 1, v));
    cpu.eip = at;
  };
  const one = (code: number[], at = 0x1000) => {
    put(code, at);
    return w.exec1();
  };
  return { ...w, put, one };
}

/** little-endian bytes of a 32-bit value */
export const d32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
export const d16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
