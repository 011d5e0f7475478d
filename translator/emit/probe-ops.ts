/**
 * A third backend of the operations interface that computes nothing and only
 * records what an instruction's semantics would do: touch memory, move the
 * stack pointer, raise, call a helper. The translator asks it before
 * emitting, to know where guest state can become visible in the middle of a
 * region (a fault shows the state before an instruction; a store to
 * translated code ends the region after it). Both branches of every `if_`
 * run, so the answer covers every path.
 */
import type { Ops } from '../../semantics/ops.ts';
import type { Size } from '../../base/arith.ts';
import type { Instr } from '../../isa/instr.ts';
import { readOperand, writeOperand } from '../../semantics/operands.ts';

export interface Effects {
  loads: boolean;
  stores: boolean;
  raises: boolean;
  /** flags some path of the semantics writes (setFlags / setFlag) */
  flagsWritten: number;
}

export class ProbeOps implements Ops<number> {
  effects: Effects = { loads: false, stores: false, raises: false, flagsWritten: 0 };
  constructor(readonly stackBytes: 2 | 4) {}

  c(n: number): number { return n; }
  add(): number { return 0; }
  sub(): number { return 0; }
  and(): number { return 0; }
  or(): number { return 0; }
  xor(): number { return 0; }
  not(): number { return 0; }
  shl(): number { return 0; }
  shr(): number { return 0; }
  sar(): number { return 0; }
  mul(): number { return 0; }
  eq(): number { return 0; }
  ne(): number { return 0; }
  ltu(): number { return 0; }
  lts(): number { return 0; }
  leu(): number { return 0; }
  les(): number { return 0; }
  trunc(): number { return 0; }
  sext(): number { return 0; }
  select(): number { return 0; }
  ea(): number { return 0; }

  get(i: Instr, n: number): number { return readOperand(this, i, n); }
  set(i: Instr, n: number, v: number): void { writeOperand(this, i, n, v); }
  reg(): number { return 0; }
  setReg(): void {}
  sreg(): number { return 0; }
  load(_s: number, _o: number, _z: Size): number { this.effects.loads = true; return 0; }
  store(): void { this.effects.stores = true; }
  push(): void { this.effects.stores = true; }
  pop(): number { this.effects.loads = true; return 0; }
  setFlags(_l: number, _r: number, _a: number, _b: number, mask: number): void { this.effects.flagsWritten |= mask; }
  carryLop(): number { return 0; }
  flag(): number { return 0; }
  setFlag(f: number): void { this.effects.flagsWritten |= f; }
  // a probe learns which flags are written: every value is computed and set
  flagsRead(): boolean { return true; }
  flagBits(): number { return 0; }
  setFlagBits(mask: number): void { this.effects.flagsWritten |= mask; }
  cond(): number { return 0; }
  jump(): void {}
  if_(_c: number, then: () => void, otherwise?: () => void): void { then(); otherwise?.(); }
  helper(): number { return 0; }
  retired(): number { return 0; }
  raise(): void { this.effects.raises = true; }
}

/** What an instruction may do, by running its semantics through the probe. Helpers may do anything. */
export function effectsOf(i: Instr, stackBytes: 2 | 4): Effects {
  if (i.row.exec || !i.row.sem || i.row.priv || i.row.fpu) return { loads: true, stores: true, raises: true, flagsWritten: i.row.fout };
  const p = new ProbeOps(stackBytes);
  i.row.sem(p, i);
  if (i.row.fault) p.effects.raises = true;
  return p.effects;
}
