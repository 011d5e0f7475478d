/**
 * Registers every family's rows with the table. Importing this module (the
 * decoder does) makes the opcode maps complete.
 */
import { addRows } from './table.ts';
import { rows as alu } from '../semantics/families/alu.ts';
import { rows as shift } from '../semantics/families/shift.ts';
import { rows as muldiv } from '../semantics/families/muldiv.ts';
import { rows as bits } from '../semantics/families/bits.ts';
import { rows as move } from '../semantics/families/move.ts';
import { rows as stack } from '../semantics/families/stack.ts';
import { rows as control } from '../semantics/families/control.ts';
import { rows as string } from '../semantics/families/string.ts';
import { rows as io } from '../semantics/families/io.ts';
import { rows as bcd } from '../semantics/families/bcd.ts';
import { rows as system } from '../semantics/families/system.ts';
import { rows as far } from '../semantics/families/far.ts';
import { rows as descriptors } from '../semantics/families/descriptors.ts';
import { rows as fpu } from '../semantics/families/fpu.ts';
import { rows as vmi } from '../semantics/families/vmi.ts';

/** Every family by name (the name is recorded in each row: the translator asks it). */
export const FAMILIES = { alu, shift, muldiv, bits, move, stack, control, string, io, bcd, system, far, descriptors, fpu, vmi };

for (const [name, family] of Object.entries(FAMILIES)) {
  addRows(family, name);
}
