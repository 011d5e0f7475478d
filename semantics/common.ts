/** Small utilities shared by the family files. */
import type { Instr } from '../isa/instr.ts';
import { operandBytes } from '../isa/operands.ts';
import type { Size } from '../base/arith.ts';

/** Size in bytes of operand n of i. */
export function sizeOf(i: Instr, n: number): Size {
  return operandBytes(i.row.operands[n].size, i.opsize) as Size;
}
