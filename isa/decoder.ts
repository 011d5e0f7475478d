/**
 * The decoder: guest bytes to `Instr`.
 *
 * It reads prefixes (any order, any repetition), the opcode (one byte or 0F
 * and a second), the ModRM/SIB/displacement if the row's operands need them,
 * and the immediates the operands call for, in operand order. The table it
 * is given (an `InstructionTable`, table.ts; the one vmidbt runs is built in
 * semantics/table.ts) decides which row an opcode and ModRM select; nothing
 * about a particular instruction is written here.
 *
 * Faults are raised as the hardware raises them: #UD for an undefined
 * encoding or a lock prefix on a form that does not take one, #GP(0) when an
 * instruction would be longer than 15 bytes. Fetch faults (#PF, #GP on the
 * CS limit) come from the `CodeSource`.
 */
import { REP_NONE, type Instr, Seg } from './instr.ts';
import { K, Sz, type Operand } from './operands.ts';
import { lookup, type InstructionTable } from './table.ts';
import { Fault, Vec } from './faults.ts';

/** Where the decoder gets bytes: `fetch8(eip)` reads the byte at CS:eip. */
export interface CodeSource {
  fetch8(eip: number): number;
}

const MAX_LEN = 15;

export function decode(table: InstructionTable, src: CodeSource, eip: number, code32: boolean): Instr {
  let p = eip;
  let n = 0;
  const next8 = (): number => {
    if (n >= MAX_LEN) throw new Fault(Vec.GP, 0);
    n++;
    return src.fetch8(p++ >>> 0);
  };
  let opsize = code32 ? 4 : 2;
  let adsize = opsize;
  let segOverride = -1;
  let rep = REP_NONE;
  let lock = false;
  let b: number;
  for (;;) {
    b = next8();
    switch (b) {
      case 0x66: opsize = code32 ? 2 : 4; continue;
      case 0x67: adsize = code32 ? 2 : 4; continue;
      case 0x26: segOverride = Seg.ES; continue;
      case 0x2e: segOverride = Seg.CS; continue;
      case 0x36: segOverride = Seg.SS; continue;
      case 0x3e: segOverride = Seg.DS; continue;
      case 0x64: segOverride = Seg.FS; continue;
      case 0x65: segOverride = Seg.GS; continue;
      case 0xf0: lock = true; continue;
      case 0xf2: case 0xf3: rep = b; continue;
    }
    break;
  }
  let map = table.oneByte;
  if (b === 0x0f) { map = table.twoByte; b = next8(); }
  const opcode = b;
  const entry = map[opcode];
  if (!entry) throw new Fault(Vec.UD);
  let modrm = -1;
  if (entry.needsModrm) modrm = next8();
  const row = rep !== REP_NONE && entry.repRow ? entry.repRow : lookup(map, opcode, modrm);
  if (!row) throw new Fault(Vec.UD);

  const i: Instr = {
    eip, next: 0, len: 0, row, opsize, adsize, seg: Seg.DS, segOverride, rep, lock, opcode,
    mod: -1, reg: -1, rm: -1, base: -1, index: -1, scale: 0, disp: 0, imm: 0, imm2: 0, cacheTag: 0, follow: undefined, followTaken: undefined,
  };
  let ssBased = false;
  if (modrm >= 0) {
    const mod = modrm >> 6;
    i.mod = mod; i.reg = (modrm >> 3) & 7; i.rm = modrm & 7;
    // mov to/from CRn and DRn (an R operand in a row not limited to mod 3) ignore the mod field:
    // every encoding is the register form, with no SIB byte or displacement
    if (mod !== 3 && row.operands.some((o) => o.kind === K.R)) i.mod = 3;
    else if (mod !== 3) {
      if (adsize === 4) ssBased = modrm32(i, next8);
      else ssBased = modrm16(i, next8);
    }
  }
  let immIndex = 0;
  for (const o of row.operands) {
    const v = readImmediate(o, i, next8);
    if (v === undefined) continue;
    if (immIndex++ === 0) i.imm = v; else i.imm2 = v;
  }
  i.seg = segOverride >= 0 ? segOverride : ssBased ? Seg.SS : Seg.DS;
  i.len = n;
  const next = eip + n;
  i.next = code32 ? next | 0 : next & 0xffff;
  // relative branches: the decoder resolves the target (wrapped for 16-bit operand size)
  for (const o of row.operands) {
    if (o.kind === K.J) i.imm = opsize === 2 ? (i.next + i.imm) & 0xffff : (i.next + i.imm) | 0;
  }
  if (lock && (!row.lock || i.mod === 3 || i.mod === -1)) throw new Fault(Vec.UD);
  return i;
}

function modrm32(i: Instr, next8: () => number): boolean {
  const mod = i.mod;
  let rm = i.rm;
  let ss = false;
  if (rm === 4) {
    const sib = next8();
    const base = sib & 7;
    const index = (sib >> 3) & 7;
    i.scale = sib >> 6;
    if (index !== 4) i.index = index;
    if (base === 5 && mod === 0) {
      i.disp = disp32(next8);
    } else {
      i.base = base;
      ss = base === 4 || base === 5;
    }
  } else if (rm === 5 && mod === 0) {
    i.disp = disp32(next8);
    return false;
  } else {
    i.base = rm;
    ss = rm === 5;
  }
  if (mod === 1) i.disp = (next8() << 24) >> 24;
  else if (mod === 2) i.disp = disp32(next8);
  return ss;
}

const RM16_BASE = [3, 3, 5, 5, 6, 7, 5, 3];
const RM16_INDEX = [6, 7, 6, 7, -1, -1, -1, -1];

function modrm16(i: Instr, next8: () => number): boolean {
  const mod = i.mod;
  const rm = i.rm;
  if (mod === 0 && rm === 6) {
    i.disp = next8() | (next8() << 8);
    return false;
  }
  i.base = RM16_BASE[rm];
  i.index = RM16_INDEX[rm];
  if (mod === 1) i.disp = (next8() << 24) >> 24;
  else if (mod === 2) i.disp = ((next8() | (next8() << 8)) << 16) >> 16;
  return rm === 2 || rm === 3 || rm === 6;
}

function disp32(next8: () => number): number {
  return next8() | (next8() << 8) | (next8() << 16) | (next8() << 24);
}

/** The immediate an operand carries, or undefined if it carries none. */
function readImmediate(o: Operand, i: Instr, next8: () => number): number | undefined {
  switch (o.kind) {
    case K.I:
      switch (o.size) {
        case Sz.b: return next8();
        case Sz.bs: return (next8() << 24) >> 24;
        case Sz.w: return next8() | (next8() << 8);
        case Sz.d: return disp32(next8);
        default: return i.opsize === 2 ? next8() | (next8() << 8) : disp32(next8);
      }
    case K.J:
      if (o.size === Sz.b) return (next8() << 24) >> 24;
      return i.opsize === 2 ? ((next8() | (next8() << 8)) << 16) >> 16 : disp32(next8);
    case K.O:
      i.disp = i.adsize === 2 ? next8() | (next8() << 8) : disp32(next8);
      return undefined;
    case K.A: {
      const off = i.opsize === 2 ? next8() | (next8() << 8) : disp32(next8);
      i.imm2 = next8() | (next8() << 8);
      return off;
    }
    default:
      return undefined;
  }
}

