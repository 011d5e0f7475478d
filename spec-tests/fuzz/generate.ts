/**
 * Random valid guest code for differential fuzzing, drawn from the decode table.
 *
 * The table's rows say everything an encoder needs: the opcode text ("0F BA
 * /5", "D9 E8", "40+r" already expanded), which operands take a ModRM byte,
 * which must be memory or register, and which immediates follow. A `Unit` is
 * one such row encoded with random choices (ModRM, SIB, displacement,
 * immediates, 0x66/0x67/segment/lock/rep prefixes), preceded by the "fixup"
 * instructions (`mov reg, imm32`) that make it safe in the sandbox: every
 * memory operand's registers are loaded so that the address lands in the
 * data area, string instructions get small ECX and ESI/EDI inside it, and so
 * on. Branches are forward only: a unit that branches names how many units it
 * skips, and `assemble` turns that into a displacement once every unit's
 * length is known (so that units can be removed when a failure is minimised).
 *
 * Nothing in the sandbox may write outside the data area and the stack: no
 * register operand of 16/32 bits is ever ESP, no row that loads a segment,
 * does I/O, transfers control to an unknown place or changes the CPU mode is
 * chosen. Everything else (x87, helper rows, #DE, #UD, #GP from CS writes,
 * traps) may happen, and the fault handlers are part of the sandbox.
 *
 * VMI calls are drawn too (`vmiUnit`): each call of the sandbox's VMI ROM
 * that the translator may inline, its parameters loaded as the ABI's
 * convention says (registers, words pushed for the stack ones; pointers
 * into the data area), called as guests call it: `call slot`, `call
 * [pointer]` through the sandbox's table of slot addresses, or as a tail
 * call (`push` a return address, `jmp slot` or `jmp [pointer]`).
 *
 * The system paths the sandbox can hold are drawn too: rdmsr, wrmsr and
 * rdpmc with ECX naming an MSR the model has, one it lacks, or a counter
 * (cpu/msrs.ts); mov from CRn and to or from DRn with every ModRM mod (the
 * hardware ignores it), DR0-DR3 loaded with data addresses and DR7 with
 * random enables, kinds and lengths, so that data breakpoints fire, GD
 * faults, and translated code must give way to the interpreter at once.
 */
import type { Row } from '../../isa/table.ts';
import { TABLE } from '../../semantics/table.ts';
import { PROPOSAL, type AbiCall, type Src } from '../../vmirom/abis.ts';
import { SHARED_CALLS } from '../../vmirom/calls.ts';
import { callAddress } from '../../vmirom/symbols.ts';

const rows = TABLE.rows;
import { K, Sz, type Operand } from '../../isa/operands.ts';
import { ARITH, DF, IF } from '../../isa/eflags.ts';

/**
 * Where things are in the sandbox's physical (= linear) memory; the
 * descriptor tables and handlers sit in page 0 (spec-tests/world.ts), the
 * VMI ROM at 0xC8000. Guest code writes below `scratchEnd` only.
 */
export const LAYOUT = {
  codeLo: 0x1000, codeHi: 0x4000,
  /** the slot address of each call of VMI_POOL, for calls through a pointer */
  vmiPointers: 0x7000,
  data: 0x8000, dataSize: 0x4000,
  stackTop: 0xf000,
  scratchEnd: 0x20000,
  romAt: 0xc8000,
  memBytes: 0xd0000,
} as const;

/** mulberry32: small, fast, and the same sequence on every platform. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed | 0; }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number { return this.u32() % n; }
  chance(p: number): boolean { return this.u32() < p * 0x100000000; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
}

export interface Unit {
  /** fixup instructions, then prefixes, opcode, ModRM, SIB, displacement, immediates */
  bytes: number[];
  /** a relative branch: its displacement (1 or 4 bytes) is appended by `assemble` */
  branch?: { rel: 1 | 4; skip: number };
  /** bytes that depend on where they are (a VMI call): `length` of them, made by `assemble` for address `at` */
  tail?: { length: number; bytes(at: number): number[] };
  /** the row, for listings (a VMI call's: the call or jump it is made with) */
  row: Row;
  /** a VMI call: its name */
  vmi?: string;
}

// ---- the pool of rows ------------------------------------------------------------

/** system-family rows that are harmless in the sandbox (no segment loads, no mode changes) */
const SAFE_SYSTEM = new Set(['mov', 'pushf/pushfd', 'popf/popfd', 'cpuid', 'rdtsc', 'rdmsr', 'wrmsr', 'rdpmc', 'cmpxchg8b', 'int3', 'into', 'int', 'ud2', 'cli', 'sti', 'wait', 'bound']);
const SAFE_CONTROL = /^(j(?!mp$)|jmp$|call$|loop|jcxz|leave$|enter$)/;
/** descriptors-family rows the sandbox holds: mov from CRn, mov from and to DRn (a CR write could change the mode) */
const SAFE_CR_DR = new Set(['0F 20', '0F 21', '0F 23']);
/** MSRs for rdmsr/wrmsr: some on every model, some only on P6 models, some on none (#GP) */
const FUZZ_MSRS = [0x10, 0x17, 0x1b, 0x8b, 0xc1, 0xc2, 0xfe, 0x174, 0x175, 0x176, 0x179, 0x17a, 0x186, 0x1a0, 0x1d9,
  0x200, 0x201, 0x250, 0x268, 0x277, 0x2ff, 0x400, 0x401, 0xc0000080, 0x3a, 0x1234];

function allowed(r: Row): boolean {
  if (!r.sem && !r.exec) return false;
  // a string instruction's rep row is drawn through its plain row with a rep prefix (below)
  if (r.opcodeText.startsWith('F3 ')) return false;
  // register in the opcode (40+r ...): ESP only where it cannot leave the stack (push, inc, dec)
  const z = r.operands.find((o) => o.kind === K.Z);
  const low = parseInt(r.opcodeText.split(' ').pop()!, 16) & 7;
  if (z && z.size !== Sz.b && low === 4 && !/^(push|inc|dec)$/.test(r.mn)) return false;
  switch (r.family) {
    case 'io': case 'far': case 'vmi': return false;
    case 'descriptors': return SAFE_CR_DR.has(r.opcodeText);
    case 'system':
      if (r.mn === 'mov') return r.operands[0].kind === K.E; // mov Ev,Sw reads a selector; mov Sw,Ew loads one
      return SAFE_SYSTEM.has(r.mn);
    case 'control':
      // only relative branches (resolved forward by `assemble`), enter and leave
      if (!SAFE_CONTROL.test(r.mn)) return false;
      return r.mn === 'leave' || r.mn === 'enter' || r.operands.some((o) => o.kind === K.J);
    case 'string':
      return !/^(ins|outs)/.test(r.mn);
  }
  return true;
}

/** How often each family is drawn, relative to the others ('vmi-call': a call of the VMI ROM, `vmiUnit`). */
const FAMILY_WEIGHT: Record<string, number> = {
  alu: 5, shift: 3, muldiv: 2, bits: 3, move: 3, stack: 2, control: 3, string: 2, bcd: 1, system: 1, fpu: 2, descriptors: 1, 'vmi-call': 2,
};
const VMI_FAMILY = 'vmi-call';

export const POOL: Row[] = rows.filter(allowed);
const BY_FAMILY = new Map<string, Row[]>();
for (const r of POOL) {
  const f = r.family ?? '';
  if (!BY_FAMILY.has(f)) BY_FAMILY.set(f, []);
  BY_FAMILY.get(f)!.push(r);
}
const WEIGHTED: string[] = [];
for (const [f, w] of Object.entries(FAMILY_WEIGHT)) if (BY_FAMILY.has(f) || f === VMI_FAMILY) for (let k = 0; k < w; k++) WEIGHTED.push(f);

/**
 * Translator bugs this fuzzer found, each a way of generating code that
 * showed it. All are fixed now (regression tests in
 * translator/engine/engine.test.ts), so `AVOID_KNOWN` avoids nothing; a new
 * bug found before its fix gets a switch here, the CI test avoids it so that
 * it guards everything else, and `npm run fuzz -- --known` generates it again.
 */
export interface Avoid {
  /** rdtsc in a region reads the instructions retired as of the region's entry */
  rdtsc: boolean;
  /** a fault after an ESP change in the same block restores a stale ESP; CS-override stores are the sandbox's sem-path fault */
  csStore: boolean;
  /** a shift by an immediate count that masks to 0 writes no flag, but liveness counts its flags as written */
  zeroShift: boolean;
  /** translated code runs on after popf sets TF: no single-step trap (the CI test pushes the flags popf pops, TF clear) */
  trap: boolean;
}

// every bug the switches once avoided is fixed (regression tests in translator/engine/engine.test.ts): nothing is avoided now
export const AVOID_KNOWN: Avoid = { rdtsc: false, csStore: false, zeroShift: false, trap: false };
export const AVOID_NONE: Avoid = { rdtsc: false, csStore: false, zeroShift: false, trap: false };

export function randomRow(rng: Rng, avoid: Avoid = AVOID_NONE): Row {
  for (;;) {
    const f = rng.pick(WEIGHTED);
    if (f === VMI_FAMILY) continue;
    const r = rng.pick(BY_FAMILY.get(f)!);
    if (!(avoid.rdtsc && r.mn === 'rdtsc')) return r;
  }
}

// ---- encoding ------------------------------------------------------------------

const movImm = (r: number, v: number): number[] => [0xb8 + r, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const le = (v: number, n: number): number[] => Array.from({ length: n }, (_, k) => (v >>> (8 * k)) & 0xff);

/** Does the operand size prefix change this row? */
function sized(r: Row): boolean {
  return r.mn.includes('/') || r.operands.some((o) => o.size === Sz.v || o.size === Sz.z || o.size === Sz.bs || o.size === Sz.a || o.size === Sz.p);
}

function isByte(o: Operand | undefined): boolean {
  return !!o && o.size === Sz.b;
}

/** a general register for a 16/32-bit operand: never ESP, which must keep pointing at the stack */
function gpr(rng: Rng, byte: boolean): number {
  if (byte) return rng.int(8);
  const r = rng.int(7);
  return r >= 4 ? r + 1 : r;
}

/** A random address in the data area, leaving room for the widest access (fsave: 108 bytes). */
function dataAddr(rng: Rng): number {
  return LAYOUT.data + rng.int(LAYOUT.dataSize - 128);
}

/** ModRM (and SIB, displacement) for a memory operand at a data address; fixups load the registers it uses. */
function memoryModrm(rng: Rng, reg: number, a16: boolean, pre: number[]): number[] {
  const target = dataAddr(rng);
  if (a16) {
    if (rng.chance(0.3)) return [(reg << 3) | 6, ...le(target, 2)];
    const rm = rng.int(8);
    const mod = rm === 6 ? 1 + rng.int(2) : rng.int(3);
    const disp = mod === 0 ? 0 : mod === 1 ? (rng.int(256) << 24) >> 24 : (rng.int(0x10000) << 16) >> 16;
    const pair = [[3, 6], [3, 7], [5, 6], [5, 7], [6], [7], [5], [3]][rm];
    let rest = target - disp;
    if (pair.length === 2) {
      const idx = rng.int(0x100);
      pre.push(...movImm(pair[1], idx));
      rest -= idx;
    }
    pre.push(...movImm(pair[0], rest & 0xffff));
    const out = [(mod << 6) | (reg << 3) | rm];
    if (mod === 1) out.push(disp & 0xff);
    if (mod === 2) out.push(...le(disp, 2));
    return out;
  }
  const form = rng.int(4);
  if (form === 0) return [(reg << 3) | 5, ...le(target, 4)];
  const mod = rng.int(3);
  const disp = mod === 0 ? 0 : mod === 1 ? (rng.int(256) << 24) >> 24 : rng.int(0x2000) - 0x1000;
  const dispBytes = mod === 1 ? [disp & 0xff] : mod === 2 ? le(disp, 4) : [];
  if (form === 1) {
    // [base + disp]: EBP with mod 0 means disp32 only, ESP needs a SIB byte
    let base = gpr(rng, false);
    if (base === 5 && mod === 0) base = 3;
    pre.push(...movImm(base, target - disp));
    return [(mod << 6) | (reg << 3) | base, ...dispBytes];
  }
  if (form === 2 && mod !== 0) {
    // [esp + disp]: somewhere near the stack pointer, whatever it is
    return [(mod << 6) | (reg << 3) | 4, 0x24, ...dispBytes];
  }
  // [base + index * scale + disp], or [index * scale + disp32] without a base
  const scale = rng.int(4);
  const index = gpr(rng, false);
  const idx = rng.int(0x40);
  pre.push(...movImm(index, idx));
  const noBase = mod === 0 && rng.chance(0.3);
  if (noBase) return [(reg << 3) | 4, (scale << 6) | (index << 3) | 5, ...le(target - (idx << scale), 4)];
  let base = gpr(rng, false);
  while (base === index || (base === 5 && mod === 0)) base = gpr(rng, false);
  pre.push(...movImm(base, target - (idx << scale) - disp));
  return [(mod << 6) | (reg << 3) | 4, (scale << 6) | (index << 3) | base, ...dispBytes];
}

const SEG_PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];

/**
 * ModRM for mov to or from CRn/DRn: any mod (the hardware reads every form
 * as registers), any CR/DR number; a DR write's source is loaded with a
 * value that arms something now and then.
 */
function controlModrm(rng: Rng, row: Row, pre: number[]): number[] {
  const n = rng.int(8);
  const gp = gpr(rng, false);
  if (row.opcodeText === '0F 23') {
    const dr7 = (rng.int(0x100) | (rng.u32() & 0xffff0000) | (rng.chance(0.1) ? 0x2000 : 0)) >>> 0;
    // DR0-DR3: often just below the initial ESP, where pushes and calls write
    const address = rng.chance(0.5) ? LAYOUT.stackTop - 0x800 - 4 - rng.int(0x20) : dataAddr(rng);
    pre.push(...movImm(gp, n < 4 ? address : n === 6 || n === 4 ? rng.u32() : dr7));
    if (n < 4 && rng.chance(0.5)) {
      // arm this breakpoint first (mov dr7, reg): a write or read/write watch of 1, 2 or 4 bytes
      const kind = (rng.pick([1, 3]) | (rng.pick([0, 1, 3]) << 2)) << (16 + 4 * n);
      const other = gp === 0 ? 2 : 0;
      pre.push(...movImm(other, (kind | (1 << (2 * n)) | 0x400) >>> 0), 0x0f, 0x23, 0xc0 | (7 << 3) | other);
    }
  }
  return [(rng.int(4) << 6) | (n << 3) | gp];
}

/** ECX for rdmsr/wrmsr (an MSR from FUZZ_MSRS) or rdpmc (0, 1 or a bad counter); EDX:EAX for wrmsr, often 0 */
function msrFixups(rng: Rng, mn: string, pre: number[]): void {
  pre.push(...movImm(1, mn === 'rdpmc' ? rng.pick([0, 1, 2]) : rng.pick(FUZZ_MSRS)));
  if (mn !== 'wrmsr') return;
  pre.push(...movImm(0, rng.chance(0.5) ? 0 : rng.chance(0.5) ? rng.int(8) * 0x01010101 : rng.u32()));
  pre.push(...movImm(2, rng.chance(0.7) ? 0 : rng.u32()));
}

/** Encode one row with random operands. */
export function encodeRow(rng: Rng, row: Row, avoid: Avoid = AVOID_NONE): Unit {
  const pre: number[] = [];
  const prefixes: number[] = [];
  const hasJ = row.operands.some((o) => o.kind === K.J);
  const hasMemOp = row.hasModrm || row.operands.some((o) => o.kind === K.O) || !!row.string || row.mn === 'xlat';
  const o16 = !hasJ && row.mn !== 'enter' && sized(row) && rng.chance(0.2);
  const a16 = !hasJ && hasMemOp && rng.chance(0.1);
  if (o16) prefixes.push(0x66);
  if (a16) prefixes.push(0x67);

  // opcode text: [0F] op [/n] [m|r] [full ModRM]
  const parts = row.opcodeText.split(' ');
  const opcode: number[] = [];
  let regSel = -1, modSel = '', fullModrm = -1;
  for (const p of parts) {
    if (p[0] === '/') regSel = parseInt(p.slice(1), 10);
    else if (p === 'm' || p === 'r') modSel = p;
    else if (opcode.length === 0 || (opcode.length === 1 && opcode[0] === 0x0f)) opcode.push(parseInt(p, 16));
    else fullModrm = parseInt(p, 16);
  }

  let modrmBytes: number[] = [];
  let memory = false;
  if (fullModrm >= 0) {
    modrmBytes = [fullModrm];
  } else if (row.hasModrm) {
    const g = row.operands.find((o) => o.kind === K.G);
    const e = row.operands.find((o) => o.kind === K.E || o.kind === K.M || o.kind === K.R);
    let reg = regSel;
    if (reg < 0) {
      if (row.operands.some((o) => o.kind === K.S)) reg = rng.int(6);
      else reg = gpr(rng, isByte(g));
    }
    memory = modSel === 'm' || row.operands.some((o) => o.kind === K.M) ? true
      : modSel === 'r' || row.operands.some((o) => o.kind === K.R) ? false
        : rng.chance(0.5);
    if (memory) {
      modrmBytes = memoryModrm(rng, reg, a16, pre);
    } else {
      const rm = row.family === 'fpu' ? rng.int(8) : gpr(rng, isByte(e));
      modrmBytes = [0xc0 | (reg << 3) | rm];
    }
  }

  if (row.family === 'descriptors') modrmBytes = controlModrm(rng, row, pre);
  if (/^(rdmsr|wrmsr|rdpmc)$/.test(row.mn)) msrFixups(rng, row.mn, pre);

  // implicit memory operands: make them land in the data area or the stack
  if (row.string) {
    if (rng.chance(0.6)) {
      prefixes.push(rng.chance(0.5) ? 0xf3 : 0xf2);
      pre.push(...movImm(1, rng.int(9)));
    }
    pre.push(...movImm(6, dataAddr(rng)), ...movImm(7, dataAddr(rng)));
  }
  if (row.mn === 'xlat') pre.push(...movImm(3, dataAddr(rng) - 0x80));
  if (row.mn === 'leave' || row.mn === 'enter') pre.push(0x89, 0xe5); // mov ebp, esp
  if (row.mn === 'popf/popfd' && avoid.trap) pre.push(0x68, ...le(rng.u32() & ~0x100, 4)); // push imm32, TF clear

  if (memory || row.operands.some((o) => o.kind === K.O) || row.string || row.mn === 'xlat') {
    if (rng.chance(0.1)) prefixes.push(rng.pick(avoid.csStore ? SEG_PREFIXES.filter((p) => p !== 0x2e) : SEG_PREFIXES));
  }
  if (memory && row.lock && rng.chance(0.3)) prefixes.push(0xf0);

  const opsize = o16 ? 2 : 4;
  const imm: number[] = [];
  for (const o of row.operands) {
    if (o.kind === K.I) {
      let n = o.size === Sz.b || o.size === Sz.bs ? 1 : o.size === Sz.w ? 2 : o.size === Sz.d ? 4 : opsize;
      let v = rng.u32();
      if (row.mn === 'enter') { n = o.size === Sz.w ? 2 : 1; v = o.size === Sz.w ? rng.int(0x100) : rng.int(4); }
      // shift counts: mostly in range, sometimes not (masked to 5 bits)
      if (row.family === 'shift' && rng.chance(0.7)) v = rng.int(34);
      if (row.family === 'shift' && avoid.zeroShift && (v & 31) === 0) v |= 1 + rng.int(31);
      imm.push(...le(v, n));
    } else if (o.kind === K.O) {
      imm.push(...le(a16 ? dataAddr(rng) & 0xffff : dataAddr(rng), a16 ? 2 : 4));
    }
  }
  const unit: Unit = { bytes: [...pre, ...prefixes, ...opcode, ...modrmBytes, ...imm], row };
  if (hasJ) {
    const j = row.operands.find((o) => o.kind === K.J)!;
    unit.branch = { rel: j.size === Sz.b ? 1 : 4, skip: rng.int(4) };
  }
  return unit;
}

// ---- VMI calls ------------------------------------------------------------------

/**
 * The sandbox ROM's calls the translator may inline: written against
 * VmiOps or an inlinable function, not leaving the region but IRET (to the
 * same ring, its frame built by the unit; SYSEXIT would leave the sandbox's
 * ring for good).
 */
export const VMI_POOL: readonly AbiCall[] = PROPOSAL.calls.filter((c) => {
  const s = SHARED_CALLS[c.call];
  return c.number !== undefined && (s.sem !== undefined || s.inlinable) && s.exits !== 'always' && (!c.conv.jump || c.call === 'IRET');
});

/** Where call `c`'s code is in the sandbox. */
export const vmiSlot = (c: AbiCall): number => callAddress(PROPOSAL, LAYOUT.romAt, c.number!);

/** A parameter value by its name in the shared call: pointers into the data area, small modes and counters, else anything. */
function vmiArg(rng: Rng, name: string): number {
  switch (name) {
    case 'pointer': case 'tss': {
      const a = dataAddr(rng);
      return rng.chance(0.8) ? a & ~7 : a;
    }
    case 'mode': case 'which': return rng.chance(0.8) ? rng.int(8) : rng.u32();
    case 'flags': return rng.chance(0.7) ? rng.pick([1, 3]) : rng.u32();
    case 'bit': return rng.chance(0.8) ? rng.int(64) : rng.u32();
    case 'counter': return rng.int(4);
    case 'register': return rng.chance(0.8) ? 0xfee00000 + (rng.int(0x40) << 4) : rng.u32();
    default: return rng.chance(0.1) ? rng.int(4) : rng.u32();
  }
}

const REG_OF: Partial<Record<Src, number>> = { eax: 0, ecx: 1, edx: 2 };
const CALL_ROW = rows.find((r) => r.mn === 'call' && r.operands[0]?.kind === K.J)!;
const JMP_ROW = rows.find((r) => r.mn === 'jmp' && r.operands[0]?.kind === K.J && r.operands[0].size !== Sz.b)!;
/** the flags an IRET frame may carry in the sandbox: arithmetic, DF, IF (no TF, NT, VM: single steps, task returns, v86) */
const IRET_FLAGS = ARITH | DF | IF;

/**
 * IRET to the same ring: a frame (EFLAGS, `push cs`, or now and then a
 * selector past the GDT's limit: #GP at the slot) whose EIP is the end of
 * the unit, then a jump to the slot, direct or through the pointer table.
 */
function iretUnit(rng: Rng, c: AbiCall): Unit {
  const flags = 0x2 | (rng.u32() & IRET_FLAGS);
  const cs = rng.chance(0.1) ? [0x68, ...le(0x30, 4)] : [0x0e];
  const pointer = LAYOUT.vmiPointers + 4 * VMI_POOL.indexOf(c);
  const viaPointer = rng.chance(0.5);
  const length = 5 + cs.length + 5 + (viaPointer ? 6 : 5);
  const tail = (at: number): number[] => [
    0x68, ...le(flags, 4), ...cs, 0x68, ...le(at + length, 4),
    ...(viaPointer ? [0xff, 0x25, ...le(pointer, 4)] : [0xe9, ...le(vmiSlot(c) - (at + length), 4)]),
  ];
  return { bytes: [], tail: { length, bytes: tail }, row: JMP_ROW, vmi: c.name };
}

/**
 * One VMI call with its parameters: registers loaded, stack parameters
 * pushed (ST(1) first), the call made one of four ways, the stack
 * parameters dropped again with `lea esp, [esp + n]` (flags untouched).
 */
export function vmiUnit(rng: Rng, c: AbiCall = rng.pick(VMI_POOL)): Unit {
  if (c.conv.jump) return iretUnit(rng, c);
  const params = SHARED_CALLS[c.call].params;
  const pre: number[] = [];
  const pushes: number[] = [];
  c.conv.params.forEach((src, k) => {
    const v = vmiArg(rng, params[k]);
    if (REG_OF[src] !== undefined) pre.push(...movImm(REG_OF[src]!, v));
    else if (src === 'st0' || src === 'st1') pushes[src === 'st0' ? 0 : 1] = v;
  });
  for (let k = pushes.length - 1; k >= 0; k--) pre.push(0x68, ...le(pushes[k] ?? 0, 4));
  const drop = pushes.length ? [0x8d, 0x64, 0x24, 4 * pushes.length] : [];
  const slot = vmiSlot(c);
  const pointer = LAYOUT.vmiPointers + 4 * VMI_POOL.indexOf(c);
  const form = rng.int(4);
  const tail = (at: number): number[] => {
    switch (form) {
      case 0: return [0xe8, ...le(slot - (at + 5), 4), ...drop];
      case 1: return [0xff, 0x15, ...le(pointer, 4), ...drop];
      // a tail call: the ROM's ret returns to the address pushed
      case 2: return [0x68, ...le(at + 10, 4), 0xe9, ...le(slot - (at + 10), 4), ...drop];
      default: return [0x68, ...le(at + 11, 4), 0xff, 0x25, ...le(pointer, 4), ...drop];
    }
  };
  const length = [5, 6, 10, 11][form] + drop.length;
  return { bytes: pre, tail: { length, bytes: tail }, row: CALL_ROW, vmi: c.name };
}

/** A random sequence of `n` units. */
export function randomUnits(rng: Rng, n: number, avoid: Avoid = AVOID_NONE): Unit[] {
  const out: Unit[] = [];
  for (let k = 0; k < n; k++) {
    // a VMI call as often as its weight says, drawn apart from the table's rows
    if (rng.int(WEIGHTED.length) < FAMILY_WEIGHT[VMI_FAMILY]) out.push(vmiUnit(rng));
    else out.push(encodeRow(rng, randomRow(rng, avoid), avoid));
  }
  return out;
}

/**
 * Lay the units out at `start`, resolve branches to the start of the unit
 * they skip to (or the end), and append the terminator `jmp $` at the end.
 * Returns the bytes and the end address (the terminator's).
 */
export function assemble(units: Unit[], start: number): { bytes: Uint8Array; end: number; starts: number[] } {
  const lens = units.map((u) => u.bytes.length + (u.branch?.rel ?? 0) + (u.tail?.length ?? 0));
  const starts: number[] = [];
  let at = start;
  for (const l of lens) { starts.push(at); at += l; }
  const end = at;
  const out: number[] = [];
  units.forEach((u, k) => {
    out.push(...u.bytes);
    if (u.tail) out.push(...u.tail.bytes(starts[k] + u.bytes.length));
    if (!u.branch) return;
    const next = starts[k] + lens[k];
    const target = k + 1 + u.branch.skip >= units.length ? end : starts[k + 1 + u.branch.skip];
    let rel = target - next;
    if (u.branch.rel === 1 && rel > 127) rel = 0;
    out.push(...le(rel, u.branch.rel));
  });
  out.push(0xeb, 0xfe);
  return { bytes: Uint8Array.from(out), end, starts };
}
