/**
 * Integer arithmetic and logic: add or adc sbb and sub xor cmp, test, inc,
 * dec, neg, not. Each operation is one function; the table rows below bind
 * it to every encoding (the eight classic opcode columns, the 80-83 groups,
 * F6/F7, FE/FF, and 40-4F).
 */
import { FlagKind, makeLop } from '../../cpu/flags.ts';
import { ARITH, CF } from '../../isa/eflags.ts';
import type { Ops, Sem } from '../ops.ts';
import type { Instr } from '../../isa/instr.ts';
import type { RowSpec } from '../../isa/table.ts';
import { sizeOf } from '../common.ts';

type BinOp = 'add' | 'or' | 'adc' | 'sbb' | 'and' | 'sub' | 'xor' | 'cmp';

/**
 * dest = dest OP src, with flags; `cmp` stores nothing. Each operation is a
 * function of its own, not one function choosing among eight: TurboFan
 * inlines callees into an optimised function up to a budget of bytecode,
 * which one function holding all eight paths used up before the operand
 * access was inlined (bench/README.md, "The interpreter in runs").
 */
const BINARY: Record<BinOp, Sem> = {
  add: (o, i) => { const size = sizeOf(i, 0), a = o.get(i, 0), b = o.get(i, 1); result(o, i, size, o.add(a, b), o.c(makeLop(FlagKind.ADD, size)), a, b, true); },
  or: (o, i) => { const size = sizeOf(i, 0), a = o.get(i, 0), b = o.get(i, 1); result(o, i, size, o.or(a, b), o.c(makeLop(FlagKind.LOGIC, size)), a, o.c(0), true); },
  adc: (o, i) => {
    const size = sizeOf(i, 0), a = o.get(i, 0), b = o.get(i, 1), cf = o.flag(CF);
    result(o, i, size, o.add(o.add(a, b), cf), o.carryLop(FlagKind.ADD, size, cf), a, b, true);
  },
  sbb: (o, i) => {
    const size = sizeOf(i, 0), a = o.get(i, 0), b = o.get(i, 1), cf = o.flag(CF);
    result(o, i, size, o.sub(o.sub(a, b), cf), o.carryLop(FlagKind.SUB, size, cf), a, b, true);
  },
  and: (o, i) => { const size = sizeOf(i, 0), a = o.get(i, 0), b = o.get(i, 1); result(o, i, size, o.and(a, b), o.c(makeLop(FlagKind.LOGIC, size)), a, o.c(0), true); },
  sub: (o, i) => { const size = sizeOf(i, 0), a = o.get(i, 0), b = o.get(i, 1); result(o, i, size, o.sub(a, b), o.c(makeLop(FlagKind.SUB, size)), a, b, true); },
  xor: (o, i) => { const size = sizeOf(i, 0), a = o.get(i, 0), b = o.get(i, 1); result(o, i, size, o.xor(a, b), o.c(makeLop(FlagKind.LOGIC, size)), a, o.c(0), true); },
  cmp: (o, i) => { const size = sizeOf(i, 0), a = o.get(i, 0), b = o.get(i, 1); result(o, i, size, o.sub(a, b), o.c(makeLop(FlagKind.SUB, size)), a, b, false); },
};

/** A binary operation's result r truncated, stored unless `store` is false, and its flags recorded. */
function result<V>(o: Ops<V>, i: Instr, size: 1 | 2 | 4, r: V, lop: V, a: V, flagB: V, store: boolean): void {
  r = o.trunc(r, size);
  if (store) o.set(i, 0, r);
  o.setFlags(lop, r, a, flagB, ARITH);
}

const test: Sem = (o, i) => {
  const size = sizeOf(i, 0);
  const r = o.and(o.get(i, 0), o.get(i, 1));
  o.setFlags(o.c(makeLop(FlagKind.LOGIC, size)), r, r, o.c(0), ARITH);
};

function incdec(dec: boolean): Sem {
  return (o, i) => {
    const size = sizeOf(i, 0);
    const a = o.get(i, 0);
    const r = o.trunc(dec ? o.sub(a, o.c(1)) : o.add(a, o.c(1)), size);
    o.set(i, 0, r);
    o.setFlags(o.c(makeLop(dec ? FlagKind.SUB : FlagKind.ADD, size)), r, a, o.c(1), ARITH & ~CF);
  };
}

const neg: Sem = (o, i) => {
  const size = sizeOf(i, 0);
  const a = o.get(i, 0);
  const r = o.trunc(o.sub(o.c(0), a), size);
  o.set(i, 0, r);
  o.setFlags(o.c(makeLop(FlagKind.SUB, size)), r, o.c(0), a, ARITH);
};

const not: Sem = (o, i) => {
  o.set(i, 0, o.trunc(o.not(o.get(i, 0)), sizeOf(i, 0)));
};

const OPS: BinOp[] = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const AF_UNDEF = 0x10;

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

export const rows: RowSpec[] = [];
OPS.forEach((op, k) => {
  const sem = BINARY[op];
  const logic = op === 'and' || op === 'or' || op === 'xor';
  const fin = op === 'adc' || op === 'sbb' ? CF : 0;
  const common = { mn: op, sem, fin, fout: ARITH, undef: logic ? AF_UNDEF : 0, lock: op !== 'cmp' };
  const base = k * 8;
  rows.push(
    { ...common, op: hex(base + 0), args: 'Eb,Gb' },
    { ...common, op: hex(base + 1), args: 'Ev,Gv' },
    { ...common, op: hex(base + 2), args: 'Gb,Eb', lock: false },
    { ...common, op: hex(base + 3), args: 'Gv,Ev', lock: false },
    { ...common, op: hex(base + 4), args: 'AL,Ib', lock: false },
    { ...common, op: hex(base + 5), args: 'eAX,Iz', lock: false },
    { ...common, op: `80 /${k}`, args: 'Eb,Ib' },
    { ...common, op: `81 /${k}`, args: 'Ev,Iz' },
    { ...common, op: `82 /${k}`, args: 'Eb,Ib' },
    { ...common, op: `83 /${k}`, args: 'Ev,Ibs' },
  );
});

const t = { mn: 'test', sem: test, fout: ARITH, undef: AF_UNDEF };
rows.push(
  { ...t, op: '84', args: 'Eb,Gb' },
  { ...t, op: '85', args: 'Ev,Gv' },
  { ...t, op: 'A8', args: 'AL,Ib' },
  { ...t, op: 'A9', args: 'eAX,Iz' },
  { ...t, op: 'F6 /0', args: 'Eb,Ib' },
  { ...t, op: 'F6 /1', args: 'Eb,Ib' },
  { ...t, op: 'F7 /0', args: 'Ev,Iz' },
  { ...t, op: 'F7 /1', args: 'Ev,Iz' },
);

const inc = incdec(false);
const dec = incdec(true);
const idFlags = { fout: ARITH & ~CF };
rows.push(
  { op: '40+r', mn: 'inc', args: 'Zv', sem: inc, ...idFlags },
  { op: '48+r', mn: 'dec', args: 'Zv', sem: dec, ...idFlags },
  { op: 'FE /0', mn: 'inc', args: 'Eb', sem: inc, lock: true, ...idFlags },
  { op: 'FE /1', mn: 'dec', args: 'Eb', sem: dec, lock: true, ...idFlags },
  { op: 'FF /0', mn: 'inc', args: 'Ev', sem: inc, lock: true, ...idFlags },
  { op: 'FF /1', mn: 'dec', args: 'Ev', sem: dec, lock: true, ...idFlags },
  { op: 'F6 /2', mn: 'not', args: 'Eb', sem: not, lock: true },
  { op: 'F7 /2', mn: 'not', args: 'Ev', sem: not, lock: true },
  { op: 'F6 /3', mn: 'neg', args: 'Eb', sem: neg, lock: true, fout: ARITH },
  { op: 'F7 /3', mn: 'neg', args: 'Ev', sem: neg, lock: true, fout: ARITH },
);
