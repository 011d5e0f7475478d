/** Small utilities shared by the family files. */
import type { Instr } from '../isa/instr.ts';
import { operandSize } from '../isa/operands.ts';
import type { Size } from '../base/arith.ts';

/** Size in bytes of operand n of i. */
export function sizeOf(i: Instr, n: number): Size {
  return operandSize(i.row.operands[n], i.opsize) as Size;
}
