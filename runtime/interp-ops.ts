/**
 * The interpreter's backend of the operations interface: `V` is `number` and
 * every operation happens at once on the live CPU. Semantic functions run
 * through this object are the reference behaviour the translator is checked
 * against.
 */
import type { Ops, Size } from '../semantics/ops.ts';
import type { Instr } from '../isa/instr.ts';
import { K, operandBytes } from '../isa/operands.ts';
import { Fault } from '../isa/faults.ts';
import type { Cpu } from '../cpu/cpu.ts';
import { HELPERS } from '../semantics/helpers.ts';

export class InterpOps implements Ops<number> {
  /** effective address of the current instruction's memory operand, once computed */
  private eaDone = false;
  private eaOff = 0;

  constructor(readonly cpu: Cpu) {}

  /** Forget the cached effective address (called before each instruction). */
  begin(): void {
    this.eaDone = false;
  }

  c(n: number): number { return n; }
  add(a: number, b: number): number { return (a + b) | 0; }
  sub(a: number, b: number): number { return (a - b) | 0; }
  and(a: number, b: number): number { return a & b; }
  or(a: number, b: number): number { return a | b; }
  xor(a: number, b: number): number { return a ^ b; }
  not(a: number): number { return ~a; }
  shl(a: number, n: number): number { return a << n; }
  shr(a: number, n: number): number { return (a >>> n) | 0; }
  sar(a: number, n: number): number { return a >> n; }
  mul(a: number, b: number): number { return Math.imul(a, b); }
  eq(a: number, b: number): number { return a === b ? 1 : 0; }
  ne(a: number, b: number): number { return a !== b ? 1 : 0; }
  ltu(a: number, b: number): number { return a >>> 0 < b >>> 0 ? 1 : 0; }
  lts(a: number, b: number): number { return (a | 0) < (b | 0) ? 1 : 0; }
  trunc(v: number, size: Size): number { return size === 4 ? v | 0 : size === 2 ? v & 0xffff : v & 0xff; }
  sext(v: number, size: Size): number { return size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24; }
  select(c: number, a: number, b: number): number { return c ? a : b; }

  ea(i: Instr, _n: number): number {
    if (this.eaDone) return this.eaOff;
    const r = this.cpu.regs;
    let off = i.disp;
    if (i.base >= 0) off += r[i.base];
    if (i.index >= 0) off += r[i.index] << i.scale;
    off = i.adsize === 2 ? off & 0xffff : off | 0;
    this.eaOff = off;
    this.eaDone = true;
    return off;
  }

  get(i: Instr, n: number): number {
    const o = i.row.operands[n];
    const size = operandBytes(o.size, i.opsize);
    const cpu = this.cpu;
    switch (o.kind) {
      case K.E:
        if (i.mod === 3) return cpu.getReg(i.rm, size);
        return cpu.read(i.seg, this.ea(i, n), size);
      case K.M:
      case K.O:
        return cpu.read(i.seg, this.ea(i, n), size);
      case K.G: return cpu.getReg(i.reg, size);
      case K.R: return cpu.getReg(i.rm, size);
      case K.Z: return cpu.getReg(i.opcode & 7, size);
      case K.FixedReg: return cpu.getReg(o.fixed, size);
      // a relative target was made absolute (and wrapped) by the decoder: it is not an 8-bit value
      case K.J: return i.imm;
      case K.I: case K.A: {
        const v = o.slot === 0 ? i.imm : i.imm2;
        return size === 4 ? v | 0 : size === 2 ? v & 0xffff : v & 0xff;
      }
      case K.One: return 1;
      case K.FixedSeg: return cpu.segSel[o.fixed];
      case K.S: return cpu.segSel[i.reg];
    }
    throw new Error(`operand kind ${o.text} cannot be read generically`);
  }

  set(i: Instr, n: number, v: number): void {
    const o = i.row.operands[n];
    const size = operandBytes(o.size, i.opsize);
    const cpu = this.cpu;
    switch (o.kind) {
      case K.E:
        if (i.mod === 3) { cpu.setReg(i.rm, size, v); return; }
        cpu.write(i.seg, this.ea(i, n), size, v);
        return;
      case K.M:
      case K.O:
        cpu.write(i.seg, this.ea(i, n), size, v);
        return;
      case K.G: cpu.setReg(i.reg, size, v); return;
      case K.R: cpu.setReg(i.rm, size, v); return;
      case K.Z: cpu.setReg(i.opcode & 7, size, v); return;
      case K.FixedReg: cpu.setReg(o.fixed, size, v); return;
    }
    throw new Error(`operand kind ${o.text} cannot be written generically`);
  }

  get stackBytes(): 2 | 4 { return this.cpu.stack32 ? 4 : 2; }
  reg(r: number, size: Size): number { return this.cpu.getReg(r, size); }
  setReg(r: number, size: Size, v: number): void { this.cpu.setReg(r, size, v); }
  load(seg: number, off: number, size: Size): number { return this.cpu.read(seg, off, size); }
  store(seg: number, off: number, size: Size, v: number): void { this.cpu.write(seg, off, size, v); }
  push(v: number, size: Size): void { this.cpu.push(v, size); }
  pop(size: Size): number { return this.cpu.pop(size); }

  setFlags(lop: number, res: number, a: number, b: number, mask: number): void {
    this.cpu.setLazy(lop, res, a, b, mask);
  }
  flag(f: number): number { return this.cpu.getFlag(f); }
  setFlag(f: number, v: number): void { this.cpu.setFlag(f, v); }
  cond(cc: number): number { return this.cpu.cond(cc) ? 1 : 0; }

  jump(target: number, opsize: number): void {
    this.cpu.eip = opsize === 2 ? target & 0xffff : target | 0;
  }
  if_(c: number, then: () => void, otherwise?: () => void): void {
    if (c) then(); else if (otherwise) otherwise();
  }
  helper(name: string, ...args: number[]): number {
    return HELPERS[name](this.cpu, ...args);
  }
  raise(vector: number, code?: number): void {
    throw new Fault(vector, code ?? 0);
  }
}
