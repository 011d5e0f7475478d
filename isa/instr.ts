/**
 * The decoded form of one guest instruction, produced by the decoder and read
 * by every consumer: interpreter, translator, disassembler, block analysis.
 *
 * Every field the semantics read is a plain number (or the row) so that the
 * translator can specialise on it: an `Instr` is known at translation time,
 * only register and memory contents are not. The last three fields are the
 * interpreter's own bookkeeping on the decodings its cache holds.
 */
import type { Row } from './table.ts';

export const enum Seg { ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5 }
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

export const enum Reg { EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7 }

export const REP_NONE = 0;
export const REP_F2 = 0xf2;
export const REP_F3 = 0xf3;

export interface Instr {
  /** offset of the first byte in CS (EIP) */
  eip: number;
  /** EIP of the following instruction (wrapped to 16 bits in 16-bit code) */
  next: number;
  /** length in bytes, prefixes included */
  len: number;
  row: Row;
  /** operand size in bytes: 2 or 4 */
  opsize: number;
  /** address size in bytes: 2 or 4 */
  adsize: number;
  /** the segment a memory operand uses (override, else DS or SS by base register) */
  seg: number;
  /** segment override prefix or -1 */
  segOverride: number;
  rep: number;
  lock: boolean;
  /** the opcode byte that selected the row (its low bits carry +r / +cc) */
  opcode: number;
  /** ModRM fields, -1 when the instruction has no ModRM */
  mod: number;
  reg: number;
  rm: number;
  /** effective address: base and index register numbers or -1, scale as a shift, displacement */
  base: number;
  index: number;
  scale: number;
  disp: number;
  /** first and second immediates (sign- or zero-extended as the operand kind says) */
  imm: number;
  imm2: number;
  /**
   * Where the interpreter's decode cache holds this decoding, the rest of
   * its key beyond the slot (runtime/interpreter.ts); 0 when it holds none.
   * A field of the decoding itself so that a hit reads one object.
   */
  cacheTag: number;
  /**
   * The interpreter's decoding of the instruction after this one, once it
   * has run both in a row on one page (runtime/interpreter.ts `runBlock`);
   * undefined until then, and never set on a block's last instruction.
   */
  follow: Instr | undefined;
  /** the same for the place this instruction last jumped to, when that is on its page */
  followTaken: Instr | undefined;
}
