/**
 * x87 register state of one vCPU: the eight physical registers, their tags,
 * TOP, the control and status words, and the last instruction and operand
 * pointers FSTENV/FSAVE report. Registers hold JS doubles, not 80-bit
 * values; semantics/families/fpu.ts says where that differs, and
 * semantics/families/fpu-float80.ts converts at the memory boundary. Only
 * the x87 family and the helpers generated code calls for it change this
 * state.
 */
import { widen } from '../base/wide-fields.ts';

export const FPU_TAG_VALID = 0, FPU_TAG_ZERO = 1, FPU_TAG_SPECIAL = 2, FPU_TAG_EMPTY = 3;

export class Fpu {
  /** physical registers R0..R7; ST(i) is st[(top + i) & 7] */
  readonly st = new Float64Array(8);
  /** 2-bit tags per physical register */
  tags = 0xffff;
  top = 0;
  cw = 0x37f;
  /**
   * Status word without TOP (bits 11-13 come from `top`). Its C1 bit is
   * current only while `c1Op` is 0: `settle()` first, or read `status()`.
   */
  sw = 0;
  /**
   * C1 of the last arithmetic result, not yet worked out: its operation
   * (semantics/families/fpu-arith.ts, plus 1), with its operands and result
   * in `c1Args`; 0 when `sw` holds C1. Set only where PE is already set and
   * the result needs nothing else, so only C1 waits. C1 is written only
   * through `setStatus` here and clearC1/setC1 (semantics/families/
   * fpu-stack.ts), which drop it; code that reads C1 settles first.
   */
  c1Op = 0;
  readonly c1Args = new Float64Array(3);
  /** last instruction and data pointers (FSTENV/FSAVE report them) */
  fip = 0;
  fcs = 0;
  fdp = 0;
  fds = 0;
  fop = 0;

  constructor() {
    // 32-bit offsets, above 2^31 in a kernel (base/wide-fields.ts)
    widen(this, ['fip', 'fdp']);
  }

  reset(): void {
    this.st.fill(0);
    this.tags = 0xffff;
    this.top = 0;
    this.cw = 0x37f;
    this.setStatus(0);
    this.fip = this.fcs = this.fdp = this.fds = this.fop = 0;
  }

  /**
   * Load the whole status word (fninit, fldenv/frstor, a debugger): TOP
   * from bits 11-13, the rest into `sw`; a C1 that waited is dropped.
   */
  setStatus(word: number): void {
    this.sw = word & 0xffff & ~0x3800;
    this.top = (word >>> 11) & 7;
    this.c1Op = 0;
  }

  /** Work out a C1 that waits (`c1Op`), so that `sw` is whole. */
  settle(): void {
    if (this.c1Op !== 0) c1Settler(this);
  }

  /** status word as FSTSW reports it */
  status(): number {
    this.settle();
    return (this.sw & ~0x3800) | (this.top << 11);
  }
}

/**
 * How a waiting C1 is worked out: the x87 family's arithmetic
 * (semantics/families/fpu-arith.ts) installs it when it loads, as the
 * layer that owns what the instructions compute.
 */
let c1Settler: (f: Fpu) => void = () => {
  throw new Error('no C1 settler installed (semantics/families/fpu-arith.ts)');
};

export function installC1Settler(fn: (f: Fpu) => void): void {
  c1Settler = fn;
}
