/**
 * Shifts and rotates (group 2: C0 C1 D0-D3), and the double shifts shld/shrd.
 *
 * The count is masked to 5 bits; a masked count of 0 changes neither the
 * destination nor any flag, so with a CL count the work sits behind `if_`.
 * rcl/rcr rotate through CF and are rare, so they are helpers.
 */
import { FlagKind, makeLop } from '../../cpu/flags.ts';
import { ARITH, CF, OF, AF } from '../../isa/eflags.ts';
import type { Ops, Sem } from '../ops.ts';
import type { Instr } from '../../isa/instr.ts';
import type { RowSpec } from '../../isa/table.ts';
import type { Exec } from '../ops.ts';
import { sizeOf } from '../common.ts';
import type { Cpu } from '../../cpu/cpu.ts';

type ShiftOp = 'rol' | 'ror' | 'shl' | 'shr' | 'sar';

/** Run `body(count)` only when the masked count is nonzero. */
function withCount<V>(o: Ops<V>, i: Instr, body: (count: V) => void): void {
  if (isStaticCount(i)) {
    if ((staticCount(i) & 31) !== 0) body(o.c(staticCount(i) & 31));
    return;
  }
  const count = o.and(o.get(i, 1), o.c(31));
  o.if_(o.ne(count, o.c(0)), () => body(count));
}

function isStaticCount(i: Instr): boolean {
  const t = i.row.operands[1].text;
  return t === '1' || t === 'Ib';
}

function staticCount(i: Instr): number {
  return i.row.operands[1].text === '1' ? 1 : i.imm & 0xff;
}

function shift(op: ShiftOp): Sem {
  return (o, i) => {
    const size = sizeOf(i, 0);
    const bits = size * 8;
    const a = o.get(i, 0);
    withCount(o, i, (n) => {
      if (op === 'shl' || op === 'shr' || op === 'sar') {
        const r = o.trunc(op === 'shl' ? o.shl(a, n) : op === 'shr' ? o.shr(a, n) : o.sar(o.sext(a, size), n), size);
        o.set(i, 0, r);
        const kind = op === 'shl' ? FlagKind.SHL : op === 'shr' ? FlagKind.SHR : FlagKind.SAR;
        o.setFlags(o.c(makeLop(kind, size)), r, a, n, ARITH);
        return;
      }
      // rotates: only CF and OF change
      const rot = o.and(n, o.c(bits - 1));
      const back = o.sub(o.c(bits), rot);
      const r = op === 'rol'
        ? o.trunc(o.or(o.shl(a, rot), o.shr(a, back)), size)
        : o.trunc(o.or(o.shr(a, rot), o.shl(a, back)), size);
      o.set(i, 0, r);
      const msb = o.and(o.shr(r, o.c(bits - 1)), o.c(1));
      if (op === 'rol') {
        const cf = o.and(r, o.c(1));
        o.setFlag(CF, cf);
        o.setFlag(OF, o.xor(msb, cf));
      } else {
        o.setFlag(CF, msb);
        o.setFlag(OF, o.xor(msb, o.and(o.shr(r, o.c(bits - 2)), o.c(1))));
      }
    });
  };
}

/** rcl / rcr: rotate through carry, count taken modulo width+1. */
function rotateCarry(left: boolean): Exec {
  return (cpu: Cpu, i: Instr, o: Ops<number>) => {
    const size = sizeOf(i, 0);
    const bits = size * 8;
    const a = o.get(i, 0);
    const masked = (i.row.operands[1].text === '1' ? 1 : o.get(i, 1)) & 31;
    if (masked === 0) return;
    const n = masked % (bits + 1);
    let v = BigInt(a >>> 0) | (BigInt(cpu.getFlag(CF)) << BigInt(bits));
    const width = BigInt(bits + 1);
    const all = (1n << width) - 1n;
    const bn = BigInt(n);
    v = left ? ((v << bn) | (v >> (width - bn))) & all : ((v >> bn) | (v << (width - bn))) & all;
    const r = Number(v & ((1n << BigInt(bits)) - 1n));
    const cf = Number(v >> BigInt(bits)) & 1;
    const res = size === 4 ? r | 0 : r;
    o.set(i, 0, res);
    const msb = (res >>> (bits - 1)) & 1;
    cpu.setFlag(CF, cf);
    cpu.setFlag(OF, left ? msb ^ cf : msb ^ ((res >>> (bits - 2)) & 1));
  };
}

/** shld / shrd: shift dest, filling from src; count masked to 5 bits. */
function doubleShift(left: boolean): Sem {
  return (o, i) => {
    const size = sizeOf(i, 0);
    const bits = size * 8;
    const a = o.get(i, 0);
    const b = o.get(i, 1);
    const countOp = i.row.operands[2].text === 'Ib' ? o.c(i.imm & 31) : o.and(o.reg(1, 1), o.c(31));
    const body = (n: V2<typeof o>) => {
      let r: ReturnType<typeof o.c>;
      let cfSrc: ReturnType<typeof o.c>;
      if (size === 4) {
        // n in 1..31
        r = left ? o.or(o.shl(a, n), o.shr(b, o.sub(o.c(32), n))) : o.or(o.shr(a, n), o.shl(b, o.sub(o.c(32), n)));
        cfSrc = left ? o.and(o.shr(a, o.sub(o.c(32), n)), o.c(1)) : o.and(o.shr(a, o.sub(n, o.c(1))), o.c(1));
      } else {
        // 16-bit: shift the 32-bit concatenation (counts above 16 are undefined)
        const cat = left ? o.or(o.shl(a, o.c(16)), b) : o.or(o.shl(b, o.c(16)), a);
        if (left) {
          r = o.trunc(o.shr(o.shl(cat, n), o.c(16)), 2);
          cfSrc = o.and(o.shr(cat, o.sub(o.c(32), n)), o.c(1));
        } else {
          r = o.trunc(o.shr(cat, n), 2);
          cfSrc = o.and(o.shr(cat, o.sub(n, o.c(1))), o.c(1));
        }
      }
      r = o.trunc(r, size);
      o.set(i, 0, r);
      // SF ZF PF from the result, CF the last bit out, OF on sign change (defined for count 1)
      o.setFlags(o.c(makeLop(FlagKind.LOGIC, size)), r, r, o.c(0), ARITH & ~(CF | OF));
      o.setFlag(CF, cfSrc);
      o.setFlag(OF, o.and(o.shr(o.xor(r, a), o.c(bits - 1)), o.c(1)));
    };
    if (i.row.operands[2].text === 'Ib') {
      if ((i.imm & 31) !== 0) body(countOp);
    } else {
      o.if_(o.ne(countOp, o.c(0)), () => body(countOp));
    }
  };
}
type V2<O> = O extends Ops<infer V> ? V : never;

const NAMES: (ShiftOp | 'rcl' | 'rcr')[] = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'shl', 'sar'];
const FORMS: [string, string, boolean][] = [
  ['C0', 'Eb,Ib', true], ['C1', 'Ev,Ib', true], ['D0', 'Eb,1', true], ['D1', 'Ev,1', true],
  ['D2', 'Eb,CL', false], ['D3', 'Ev,CL', false],
];

export const rows: RowSpec[] = [];
NAMES.forEach((name, k) => {
  for (const [op, args, staticCnt] of FORMS) {
    const rot = name === 'rol' || name === 'ror' || name === 'rcl' || name === 'rcr';
    const spec: RowSpec = {
      op: `${op} /${k}`,
      mn: k === 6 ? 'sal' : name,
      args,
      // a count that may be zero leaves the flags as they were: they stay live
      fin: (staticCnt ? 0 : ARITH) | (name === 'rcl' || name === 'rcr' ? CF : 0),
      fout: rot ? CF | OF : ARITH,
      undef: rot ? 0 : AF,
    };
    if (name === 'rcl' || name === 'rcr') spec.exec = rotateCarry(name === 'rcl');
    else spec.sem = shift(name);
    rows.push(spec);
  }
});

const shld = doubleShift(true);
const shrd = doubleShift(false);
rows.push(
  { op: '0F A4', mn: 'shld', args: 'Ev,Gv,Ib', sem: shld, fout: ARITH, undef: AF },
  { op: '0F A5', mn: 'shld', args: 'Ev,Gv,CL', sem: shld, fin: ARITH, fout: ARITH, undef: AF },
  { op: '0F AC', mn: 'shrd', args: 'Ev,Gv,Ib', sem: shrd, fout: ARITH, undef: AF },
  { op: '0F AD', mn: 'shrd', args: 'Ev,Gv,CL', sem: shrd, fin: ARITH, fout: ARITH, undef: AF },
);

