/**
 * The interpreter's backend of the operations interface: `V` is `number` and
 * every operation happens at once on the live CPU. Semantic functions run
 * through this object are the reference behaviour the translator is checked
 * against.
 *
 * Its arithmetic is base/arith.ts's number backend, which it extends, and
 * its operand access is semantics/operands.ts; what it adds is the live
 * state: registers on the register file, memory through the segment checks,
 * the lazy flags in the CPU, and the effective address kept for the rest of
 * the instruction once computed (`begin` forgets it).
 */
import type { Ops } from '../semantics/ops.ts';
import type { Instr } from '../isa/instr.ts';
import { Fault } from '../isa/faults.ts';
import type { Cpu } from '../cpu/cpu.ts';
import { HELPERS } from '../semantics/helpers.ts';
import { readRegister, writeRegister } from '../cpu/registers.ts';
import { NumArith, type Size } from '../base/arith.ts';
import { ARITH } from '../isa/eflags.ts';
import { makeLop, withCarryIn, type FlagKind } from '../cpu/flags.ts';
import { effectiveOffset, readOperand, writeOperand } from '../semantics/operands.ts';

export class InterpOps extends NumArith implements Ops<number> {
  /** effective address of the current instruction's memory operand, once computed */
  private eaDone = false;
  private eaOff = 0;

  /** the register file (partial registers as cpu/registers.ts numbers them) */
  private readonly regs: Int32Array;

  constructor(readonly cpu: Cpu) {
    super();
    this.regs = cpu.regs;
  }

  /** Forget the cached effective address (called before each instruction). */
  begin(): void {
    this.eaDone = false;
  }

  ea(i: Instr, _n: number): number {
    if (this.eaDone) return this.eaOff;
    this.eaOff = effectiveOffset(i, this.regs);
    this.eaDone = true;
    return this.eaOff;
  }

  get(i: Instr, n: number): number { return readOperand(this, i, n); }
  set(i: Instr, n: number, v: number): void { writeOperand(this, i, n, v); }

  get stackBytes(): 2 | 4 { return this.cpu.stack32 ? 4 : 2; }
  reg(r: number, size: Size): number { return readRegister(this.regs, r, size); }
  setReg(r: number, size: Size, v: number): void { writeRegister(this.regs, r, size, v); }
  sreg(s: number): number { return this.cpu.segSel[s]; }
  load(seg: number, off: number, size: Size): number { return this.cpu.read(seg, off, size); }
  store(seg: number, off: number, size: Size, v: number): void { this.cpu.write(seg, off, size, v); }
  push(v: number, size: Size): void { this.cpu.push(v, size); }
  pop(size: Size): number { return this.cpu.pop(size); }

  setFlags(lop: number, res: number, a: number, b: number, mask: number): void {
    this.cpu.setLazy(lop, res, a, b, mask);
  }
  carryLop(kind: FlagKind.ADD | FlagKind.SUB, size: Size, cf: number): number {
    const lop = makeLop(kind, size);
    return cf ? withCarryIn(lop) : lop;
  }
  flag(f: number): number { return this.cpu.getFlag(f); }
  setFlag(f: number, v: number): void { this.cpu.setFlag(f, v); }
  flagsRead(): boolean { return true; }
  flagBits(mask: number): number { return (mask & ARITH ? this.cpu.getEflags() : this.cpu.eflags) & mask; }
  setFlagBits(mask: number, v: number): void { this.cpu.setFlagBits(mask, v); }
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
  retired(): number { return this.cpu.instructions; }
  raise(vector: number, code?: number): void {
    throw new Fault(vector, code ?? 0);
  }
}
