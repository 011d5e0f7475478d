/** fpu instructions: being written. */
import type { RowSpec } from '../../isa/table.ts';

export const rows: RowSpec[] = [];
