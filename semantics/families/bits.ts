/**
 * Bit operations: bt bts btr btc (register and immediate offsets), bsf, bsr,
 * bswap, setcc, cmovcc.
 *
 * With a register bit offset and a memory operand, the offset is signed and
 * reaches outside the addressed word: the word at ea + (offset >> 5) * 4 (or
 * >> 4, * 2 for 16-bit) is the one tested.
 */
import { ARITH, CF, ZF, OF, SF, AF, PF } from '../../isa/eflags.ts';
import type { Ops, Sem } from '../ops.ts';
import type { Instr } from '../../isa/instr.ts';
import type { RowSpec } from '../../isa/table.ts';
import { sizeOf } from '../common.ts';
import { addressPlus } from '../operands.ts';

type BtOp = 'bt' | 'bts' | 'btr' | 'btc';

function bitTest(op: BtOp): Sem {
  return <V>(o: Ops<V>, i: Instr) => {
    const size = sizeOf(i, 0);
    const bits = size * 8;
    const immediate = i.row.operands[1].text === 'Ib';
    const offset = immediate ? o.c(i.imm & (bits - 1)) : o.get(i, 1);
    const bit = o.and(offset, o.c(bits - 1));
    const update = (value: V): V | undefined => {
      const m = o.shl(o.c(1), bit);
      if (op === 'bts') return o.trunc(o.or(value, m), size);
      if (op === 'btr') return o.trunc(o.and(value, o.not(m)), size);
      if (op === 'btc') return o.trunc(o.xor(value, m), size);
      return undefined;
    };
    let value: V;
    if (i.mod === 3 || immediate) {
      value = o.get(i, 0);
      const r = update(value);
      if (r !== undefined) o.set(i, 0, r);
    } else {
      // the offset selects a word relative to the effective address
      const shift = size === 4 ? 5 : 4;
      const addr = addressPlus(o, i, o.ea(i, 0), o.shl(o.sar(o.sext(offset, size), o.c(shift)), o.c(size === 4 ? 2 : 1)));
      value = o.load(i.seg, addr, size);
      const r = update(value);
      if (r !== undefined) o.store(i.seg, addr, size, r);
    }
    o.setFlag(CF, o.and(o.shr(value, bit), o.c(1)));
  };
}

function bitScan(reverse: boolean): Sem {
  return (o, i) => {
    const src = o.get(i, 1);
    o.if_(o.eq(src, o.c(0)), () => o.setFlag(ZF, o.c(1)), () => {
      o.set(i, 0, o.helper(reverse ? 'bsr' : 'bsf', src));
      o.setFlag(ZF, o.c(0));
    });
  };
}

const bswap: Sem = (o, i) => {
  // 16-bit bswap is undefined; real CPUs leave zero in the low word
  if (i.opsize === 2) o.set(i, 0, o.c(0));
  else o.set(i, 0, o.helper('bswap', o.get(i, 0)));
};

const setcc: Sem = (o, i) => o.set(i, 0, o.cond(i.opcode & 15));

const cmovcc: Sem = (o, i) => {
  const src = o.get(i, 1);
  o.set(i, 0, o.select(o.cond(i.opcode & 15), src, o.get(i, 0)));
};

const BT_UNDEF = OF | SF | AF | PF;
const names: BtOp[] = ['bt', 'bts', 'btr', 'btc'];
export const rows: RowSpec[] = [];
const regOpcodes = ['A3', 'AB', 'B3', 'BB'];
names.forEach((name, k) => {
  const sem = bitTest(name);
  const lock = name !== 'bt';
  rows.push(
    { op: `0F ${regOpcodes[k]}`, mn: name, args: 'Ev,Gv', sem, fout: CF, undef: BT_UNDEF, lock },
    { op: `0F BA /${4 + k}`, mn: name, args: 'Ev,Ib', sem, fout: CF, undef: BT_UNDEF, lock },
  );
});
rows.push(
  { op: '0F BC', mn: 'bsf', args: 'Gv,Ev', sem: bitScan(false), fout: ZF, undef: ARITH & ~ZF },
  { op: '0F BD', mn: 'bsr', args: 'Gv,Ev', sem: bitScan(true), fout: ZF, undef: ARITH & ~ZF },
  { op: '0F C8+r', mn: 'bswap', args: 'Zv', sem: bswap },
  { op: '0F 90+cc', mn: 'set{cc}', args: 'Eb', sem: setcc },
  { op: '0F 40+cc', mn: 'cmov{cc}', args: 'Gv,Ev', sem: cmovcc },
);
