/**
 * Operand kinds in the Intel manual's notation.
 *
 * A row of the decode table lists its operands as strings such as `Ev,Gv` or
 * `AL,Ib`: an addressing method (capital letter) followed by a size code. This
 * module parses that notation once, at start-up, into small objects the
 * decoder, the operand accessors and the disassembler switch on.
 *
 * Addressing methods: E (ModRM r/m), G (ModRM reg), M (r/m, memory only),
 * R (r/m, register only), I (immediate), J (relative offset), O (moffs),
 * S (segment register in ModRM reg), C / D (control / debug register in
 * ModRM reg), Z (register in the opcode's low 3 bits), A (far pointer
 * immediate), X (DS:eSI), Y (ES:eDI), plus fixed registers (AL, eAX, DX ...),
 * fixed segment registers (ES CS SS DS FS GS), the constant 1, and the x87
 * stack (ST0, STi).
 *
 * Size codes: b byte, w word, d dword, v word or dword by operand size,
 * z immediate of 2 or 4 bytes by operand size, bs byte sign-extended to the
 * operand size, p far pointer (offset then selector), s 6-byte descriptor
 * table register image, a bound pair, q 8 bytes, t 10 bytes, and for x87
 * memory: fs (float32), fd (float64), ft (float80), fw/fdi/fq (integers),
 * env/st (FPU environment / state images).
 */

export const enum K {
  E, G, M, R, I, J, O, S, C, D, Z, A, X, Y,
  /** a fixed general register (reg number in `fixed`) */
  FixedReg,
  /** a fixed segment register (segment number in `fixed`) */
  FixedSeg,
  /** the constant 1 (shift-by-one forms) */
  One,
  ST0, STi,
}

export const enum Sz { b, w, d, v, z, bs, p, s, a, q, t, fs, fd, ft, fw, fdi, fq, env, st, none }

export interface Operand {
  kind: K;
  size: Sz;
  fixed: number;
  text: string;
  /** for I, J and A operands: 0 reads Instr.imm, 1 reads Instr.imm2 (set when the row is registered) */
  slot: number;
  /** operandBytes of `size` with 16- and with 32-bit operands, worked out once (`operandSize` reads them) */
  bytes16: number;
  bytes32: number;
}

const FIXED_REGS: Record<string, [number, Sz]> = {
  AL: [0, Sz.b], CL: [1, Sz.b], DL: [2, Sz.b], BL: [3, Sz.b],
  AH: [4, Sz.b], CH: [5, Sz.b], DH: [6, Sz.b], BH: [7, Sz.b],
  AX: [0, Sz.w], CX: [1, Sz.w], DX: [2, Sz.w], BX: [3, Sz.w],
  eAX: [0, Sz.v], eCX: [1, Sz.v], eDX: [2, Sz.v], eBX: [3, Sz.v],
  eSP: [4, Sz.v], eBP: [5, Sz.v], eSI: [6, Sz.v], eDI: [7, Sz.v],
  EAX: [0, Sz.d], ECX: [1, Sz.d], EDX: [2, Sz.d], EBX: [3, Sz.d],
};
const FIXED_SEGS: Record<string, number> = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 };
const SIZE_CODES: Record<string, Sz> = {
  b: Sz.b, w: Sz.w, d: Sz.d, v: Sz.v, z: Sz.z, bs: Sz.bs, p: Sz.p, s: Sz.s, a: Sz.a, q: Sz.q, t: Sz.t,
  fs: Sz.fs, fd: Sz.fd, ft: Sz.ft, fw: Sz.fw, fdi: Sz.fdi, fq: Sz.fq, env: Sz.env, st: Sz.st,
};
const METHODS: Record<string, K> = {
  E: K.E, G: K.G, M: K.M, R: K.R, I: K.I, J: K.J, O: K.O, S: K.S, C: K.C, D: K.D, Z: K.Z, A: K.A, X: K.X, Y: K.Y,
};

export function parseOperand(text: string): Operand {
  if (text in FIXED_REGS) {
    const [r, size] = FIXED_REGS[text];
    return operand(K.FixedReg, size, r, text);
  }
  if (text in FIXED_SEGS) return operand(K.FixedSeg, Sz.w, FIXED_SEGS[text], text);
  if (text === '1') return operand(K.One, Sz.b, 1, text);
  if (text === 'ST0') return operand(K.ST0, Sz.none, 0, text);
  if (text === 'STi') return operand(K.STi, Sz.none, 0, text);
  const method = METHODS[text[0]];
  const size = text.length === 1 ? Sz.none : SIZE_CODES[text.slice(1)];
  if (method === undefined || size === undefined) throw new Error(`bad operand notation '${text}'`);
  return operand(method, size, 0, text);
}

function operand(kind: K, size: Sz, fixed: number, text: string): Operand {
  return { kind, size, fixed, text, slot: 0, bytes16: operandBytes(size, 2), bytes32: operandBytes(size, 4) };
}

/**
 * The size in bytes of operand `op` in an instruction of operand size
 * `opsize` (2 or 4): operandBytes read from the operand, small enough for
 * TurboFan to inline wherever the interpreter asks it, for every operand.
 */
export function operandSize(op: Operand, opsize: number): number {
  return opsize === 4 ? op.bytes32 : op.bytes16;
}

/** Operand size in bytes for integer size codes, given the instruction's operand size. */
function operandBytes(size: Sz, opsize: number): number {
  switch (size) {
    case Sz.b: return 1;
    // a sign-extended imm8 is read at the operand size
    case Sz.bs: return opsize;
    case Sz.w: return 2;
    case Sz.d: case Sz.fs: case Sz.fdi: return 4;
    case Sz.v: case Sz.z: return opsize;
    case Sz.q: case Sz.fd: case Sz.fq: return 8;
    case Sz.t: case Sz.ft: return 10;
    case Sz.fw: return 2;
    case Sz.p: return opsize + 2;
    case Sz.s: return 6;
    case Sz.a: return opsize * 2;
    default: return opsize;
  }
}

/** Does this operand need a ModRM byte? */
export function usesModrm(op: Operand): boolean {
  return op.kind === K.E || op.kind === K.G || op.kind === K.M || op.kind === K.R ||
    op.kind === K.S || op.kind === K.C || op.kind === K.D || op.kind === K.STi;
}
