/**
 * The instruction table vmidbt runs: every family's rows, in one explicit
 * list. Nothing registers itself by being imported; whoever decodes asks for
 * `TABLE` and passes it to the decoder.
 *
 * A family is a file of rows with their behaviour (semantics/families/).
 * Its name is recorded on each of its rows for listings and statistics;
 * code that must know what a row does asks the row's own fields, never the
 * family name.
 */
import { InstructionTable, type RowBehaviour, type RowSpec } from '../isa/table.ts';
import { rows as alu } from './families/alu.ts';
import { rows as shift } from './families/shift.ts';
import { rows as muldiv } from './families/muldiv.ts';
import { rows as bits } from './families/bits.ts';
import { rows as move } from './families/move.ts';
import { rows as stack } from './families/stack.ts';
import { rows as control } from './families/control.ts';
import { rows as string } from './families/string.ts';
import { rows as io } from './families/io.ts';
import { rows as bcd } from './families/bcd.ts';
import { rows as system } from './families/system.ts';
import { rows as far } from './families/far.ts';
import { rows as descriptors } from './families/descriptors.ts';
import { rows as fpu } from './families/fpu.ts';
import { rows as vmi } from './families/vmi.ts';

/** Every family by name, in the order their rows are numbered. */
export const FAMILIES: Readonly<Record<string, RowSpec[]>> = {
  alu, shift, muldiv, bits, move, stack, control, string, io, bcd, system, far, descriptors, fpu, vmi,
};

/** The fields semantics/ops.ts adds to every row (RowBehaviour). */
export const ROW_BEHAVIOUR: readonly (keyof RowBehaviour)[] = ['sem', 'exec', 'common', 'long', 'x87'];

/** Build a table from families (tests build small ones). */
export function buildTable(families: Readonly<Record<string, RowSpec[]>> = FAMILIES): InstructionTable {
  const table = new InstructionTable(ROW_BEHAVIOUR);
  for (const [name, family] of Object.entries(families)) table.add(family, name);
  return table;
}

/** The table of every instruction vmidbt knows. */
export const TABLE: InstructionTable = buildTable();
