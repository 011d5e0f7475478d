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
  /** status word without TOP (bits 11-13 come from `top`) */
  sw = 0;
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
    this.sw = 0;
    this.fip = this.fcs = this.fdp = this.fds = this.fop = 0;
  }

  /** status word as FSTSW reports it */
  status(): number {
    return (this.sw & ~0x3800) | (this.top << 11);
  }
}
