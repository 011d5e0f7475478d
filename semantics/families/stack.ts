/**
 * The stack: push and pop of registers, memory and immediates, pusha/popa,
 * leave. (pushf/popf, enter and the segment-register forms are in system.ts
 * and control.ts because they need privilege checks or loops.)
 */
import type { Sem } from '../ops.ts';
import type { RowSpec } from '../../isa/table.ts';
import { Reg } from '../../isa/instr.ts';

/** push of a register, memory, an immediate or a segment register (a selector pushed at the operand size) */
const push: Sem = (o, i) => o.push(o.get(i, 0), i.opsize as 2 | 4);

/** pop: ESP is incremented before a memory destination's address is computed, as the manual says */
const pop: Sem = (o, i) => o.set(i, 0, o.pop(i.opsize as 2 | 4));

const pusha: Sem = (o, i) => {
  const size = i.opsize as 2 | 4;
  const sp = o.reg(Reg.ESP, size);
  for (let r = 0; r < 8; r++) o.push(r === Reg.ESP ? sp : o.reg(r, size), size);
};

const popa: Sem = (o, i) => {
  const size = i.opsize as 2 | 4;
  const values = [];
  for (let r = 7; r >= 0; r--) values[r] = o.pop(size);
  for (let r = 7; r >= 0; r--) if (r !== Reg.ESP) o.setReg(r, size, values[r]);
};

export const rows: RowSpec[] = [
  { op: '50+r', mn: 'push', args: 'Zv', sem: push },
  { op: '58+r', mn: 'pop', args: 'Zv', sem: pop },
  { op: 'FF /6', mn: 'push', args: 'Ev', sem: push },
  { op: '8F /0', mn: 'pop', args: 'Ev', sem: pop },
  { op: '68', mn: 'push', args: 'Iz', sem: push },
  { op: '6A', mn: 'push', args: 'Ibs', sem: push },
  { op: '06', mn: 'push', args: 'ES', sem: push },
  { op: '0E', mn: 'push', args: 'CS', sem: push },
  { op: '16', mn: 'push', args: 'SS', sem: push },
  { op: '1E', mn: 'push', args: 'DS', sem: push },
  { op: '0F A0', mn: 'push', args: 'FS', sem: push },
  { op: '0F A8', mn: 'push', args: 'GS', sem: push },
  { op: '60', mn: 'pusha/pushad', sem: pusha },
  { op: '61', mn: 'popa/popad', sem: popa },
];
