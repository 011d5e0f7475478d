/**
 * The disassembler: `Instr` to text, and a walker over a byte buffer.
 *
 * Syntax is Intel (destination first, `dword ptr [ebx+esi*4+0x10]`,
 * immediates and addresses in hex), because the table's rows list their
 * operands in the Intel manual's order: each operand of the row is rendered
 * from its addressing method and size code (operands.ts) and the decoded
 * fields of the `Instr`, so nothing here knows about particular opcodes.
 * Mnemonic spellings are the table's, not objdump's; what must match objdump
 * is where each instruction starts and ends (spec-tests/objdump-boundaries).
 *
 * `disassembleRange` needs no CPU: it decodes from a Uint8Array through a
 * `CodeSource` that refuses bytes outside the buffer (or past the next
 * symbol, as objdump does). An undefined or truncated encoding becomes a
 * one-byte `(bad)` line and the walk goes on at the next byte. Like objdump
 * -d, the range of a data object symbol (STT_OBJECT) inside a code section
 * is listed as data lines of up to 16 bytes, not decoded.
 */
import { decode, type CodeSource } from './decoder.ts';
import type { InstructionTable } from './table.ts';
import { SEG_NAMES, type Instr } from './instr.ts';
import { K, Sz, operandSize, type Operand } from './operands.ts';
import { Fault } from './faults.ts';

const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

export function regName(n: number, bytes: number): string {
  return (bytes === 1 ? REG8 : bytes === 2 ? REG16 : REG32)[n];
}

export function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

/** Signed hex, for displacements: `+0x10` / `-0x10`. */
function signedHex(n: number): string {
  return n < 0 ? '-' + hex(-n) : '+' + hex(n);
}

// ---------------------------------------------------------------------------
// Symbols

export interface SymbolDef {
  name: string;
  addr: number;
  /** a data object (ELF STT_OBJECT): listed as data up to the next symbol, as objdump -d does */
  data?: boolean;
}

/**
 * Symbols of one address space (one section), sorted for lookup. When
 * several share an address the first given wins, so callers list their
 * preferred names (functions, globals) first.
 */
export class SymbolTable {
  private readonly sorted: SymbolDef[];
  private readonly byAddr = new Map<number, SymbolDef>();

  constructor(defs: Iterable<SymbolDef>) {
    for (const d of defs) {
      const a = d.addr >>> 0;
      if (!this.byAddr.has(a)) this.byAddr.set(a, { ...d, addr: a });
    }
    this.sorted = [...this.byAddr.values()].sort((x, y) => x.addr - y.addr);
  }

  /** The label to print at exactly this address, if any. */
  at(addr: number): string | undefined {
    return this.byAddr.get(addr >>> 0)?.name;
  }

  /** Is there a data object symbol at exactly this address? */
  isData(addr: number): boolean {
    return this.byAddr.get(addr >>> 0)?.data === true;
  }

  /** `name` or `name+0x12` for the nearest symbol at or below addr. */
  describe(addr: number): string | undefined {
    const a = addr >>> 0;
    const at = this.containing(a);
    if (at === undefined) return undefined;
    const name = this.byAddr.get(at)!.name;
    return a === at ? name : `${name}+${hex(a - at)}`;
  }

  /** The address of the nearest symbol at or below addr. */
  containing(addr: number): number | undefined {
    const k = this.firstAbove(addr);
    return k > 0 ? this.sorted[k - 1].addr : undefined;
  }

  /** The first symbol address strictly above addr (where objdump restarts decoding). */
  nextAfter(addr: number): number | undefined {
    const k = this.firstAbove(addr);
    return k < this.sorted.length ? this.sorted[k].addr : undefined;
  }

  /** Index in `sorted` of the first symbol whose address is above addr (binary search). */
  private firstAbove(addr: number): number {
    const a = addr >>> 0;
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].addr <= a) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
}

// ---------------------------------------------------------------------------
// Formatting one instruction

export interface FormatOptions {
  symbols?: SymbolTable;
  /** added to branch targets (EIP/IP values) to list them as addresses: the CS base of 16-bit code */
  codeBase?: number;
}

/** The instruction as text: prefixes, mnemonic, operands. */
export function formatInstr(i: Instr, opts: FormatOptions = {}): string {
  const row = i.row;
  let mn = row.mn;
  if (mn.includes('/')) {
    const [m16, m32] = mn.split('/');
    // jcxz/jecxz tests CX or ECX by address size; every other pair goes by operand size
    const size = mn.startsWith('jcxz') ? i.adsize : i.opsize;
    mn = size === 2 ? m16 : m32;
  }
  const prefixes: string[] = [];
  if (i.lock) prefixes.push('lock');
  if (i.rep !== 0 && row.string) {
    // cmps/scas test ZF between iterations: F3 is repe there, rep elsewhere
    const testsZf = /^(cmps|scas)/.test(mn);
    prefixes.push(i.rep === 0xf2 ? 'repne' : testsZf ? 'repe' : 'rep');
  }
  const ops: string[] = [];
  let immIndex = 0;
  for (const o of row.operands) {
    const usesImm = o.kind === K.I || o.kind === K.J;
    const imm = usesImm ? (immIndex++ === 0 ? i.imm : i.imm2) : 0;
    ops.push(formatOperand(i, o, imm, opts));
  }
  const head = [...prefixes, mn].join(' ');
  return ops.length ? `${head} ${ops.join(', ')}` : head;
}

/** Register width an operand denotes, in bytes. */
function regBytes(o: Operand, i: Instr): number {
  if (o.size === Sz.none) return i.opsize;
  return operandSize(o, i.opsize);
}

/** `dword ptr ` and friends; empty where the size is implied (lea, descriptor images). */
function ptrKeyword(o: Operand, i: Instr): string {
  switch (o.size) {
    case Sz.b: return 'byte ptr ';
    case Sz.w: case Sz.fw: return 'word ptr ';
    case Sz.d: case Sz.fs: case Sz.fdi: return 'dword ptr ';
    case Sz.v: case Sz.z: case Sz.bs: return i.opsize === 2 ? 'word ptr ' : 'dword ptr ';
    case Sz.p: return i.opsize === 2 ? 'dword ptr ' : 'fword ptr ';
    case Sz.s: return 'fword ptr ';
    case Sz.a: return i.opsize === 2 ? 'dword ptr ' : 'qword ptr ';
    case Sz.q: case Sz.fd: case Sz.fq: return 'qword ptr ';
    case Sz.t: case Sz.ft: return 'tbyte ptr ';
    default: return '';
  }
}

function segPrefix(i: Instr): string {
  return i.segOverride >= 0 ? `${SEG_NAMES[i.segOverride]}:` : '';
}

/** `[base+index*scale+disp]` from the decoded ModRM/SIB fields. */
function memory(i: Instr): string {
  const parts: string[] = [];
  const w = i.adsize;
  if (i.base >= 0) parts.push(regName(i.base, w));
  if (i.index >= 0) parts.push(i.scale ? `${regName(i.index, w)}*${1 << i.scale}` : regName(i.index, w));
  let inner = parts.join('+');
  if (!inner) {
    inner = hex(w === 2 ? i.disp & 0xffff : i.disp);
  } else if (i.disp !== 0) {
    inner += signedHex(i.disp);
  }
  return `${segPrefix(i)}[${inner}]`;
}

function immediate(o: Operand, i: Instr, v: number): string {
  const bytes = o.size === Sz.b ? 1 : o.size === Sz.w ? 2 : o.size === Sz.d ? 4 : i.opsize;
  return hex(bytes === 4 ? v : v & ((1 << (bytes * 8)) - 1));
}

function branchTarget(i: Instr, target: number, opts: FormatOptions): string {
  const t = (target + (opts.codeBase ?? 0)) >>> 0;
  const sym = opts.symbols?.describe(t);
  return sym ? `${hex(t)} <${sym}>` : hex(t);
}

function formatOperand(i: Instr, o: Operand, imm: number, opts: FormatOptions): string {
  switch (o.kind) {
    case K.E: case K.M: case K.R:
      if (i.mod === 3) return regName(i.rm, regBytes(o, i));
      return ptrKeyword(o, i) + memory(i);
    case K.G: return regName(i.reg, regBytes(o, i));
    case K.Z: return regName(i.opcode & 7, regBytes(o, i));
    case K.S: return SEG_NAMES[i.reg] ?? `seg${i.reg}`;
    case K.C: return `cr${i.reg}`;
    case K.D: return `dr${i.reg}`;
    case K.I: return immediate(o, i, imm);
    case K.J: return branchTarget(i, imm, opts);
    // moffs: the same form as a ModRM absolute address
    case K.O: return `${ptrKeyword(o, i)}${segPrefix(i)}[${hex(i.adsize === 2 ? i.disp & 0xffff : i.disp)}]`;
    case K.A: return `${hex(i.imm2 & 0xffff)}:${hex(i.opsize === 2 ? i.imm & 0xffff : i.imm)}`;
    case K.X: return `${ptrKeyword(o, i)}${segPrefix(i) || 'ds:'}[${regName(6, i.adsize)}]`;
    // ES:eDI cannot be overridden
    case K.Y: return `${ptrKeyword(o, i)}es:[${regName(7, i.adsize)}]`;
    case K.FixedReg: return regName(o.fixed, regBytes(o, i));
    case K.FixedSeg: return SEG_NAMES[o.fixed];
    case K.One: return '1';
    case K.ST0: return 'st(0)';
    case K.STi: return `st(${i.rm})`;
    default: return o.text;
  }
}

// ---------------------------------------------------------------------------
// Walking a buffer

/** Raised by `BufferSource` for a byte outside the buffer or past the stop address. */
export class PastEnd extends Error {
  constructor(readonly addr: number) {
    super(`instruction runs past the end of the code at ${hex(addr)}`);
  }
}

/** A `CodeSource` over a Uint8Array mapped at `base`, readable below `stop`. */
export class BufferSource implements CodeSource {
  constructor(readonly bytes: Uint8Array, readonly base: number, readonly stop = base + bytes.length) {}
  fetch8(eip: number): number {
    const a = eip >>> 0;
    if (a < this.base || a >= this.stop) throw new PastEnd(a);
    return this.bytes[a - this.base];
  }
}

export interface DisasmLine {
  addr: number;
  bytes: Uint8Array;
  text: string;
  /** the label of a symbol at this address */
  symbol?: string;
  /** the decoded instruction; absent for `(bad)` and data */
  instr?: Instr;
  /** bytes of a data object (up to 16 a line), not an instruction */
  data?: boolean;
}

export interface DisasmOptions extends FormatOptions {
  /** first address to decode (default: baseAddr) */
  start?: number;
  /** address to stop at (default: end of the buffer) */
  end?: number;
  /** at most this many lines */
  count?: number;
  /**
   * Decode no instruction across a symbol address: objdump disassembles
   * symbol by symbol, so bytes before a label that do not form a whole
   * instruction are listed as `(bad)` and decoding restarts at the label.
   * Default: true when `symbols` is given.
   */
  splitAtSymbols?: boolean;
}

/**
 * Decode `bytes` (loaded at `baseAddr`) from start to end, one line per
 * instruction. In 16-bit code the addresses are offsets within the 64 KiB
 * segment that holds baseAddr.
 */
export function disassembleRange(table: InstructionTable, bytes: Uint8Array, baseAddr: number, code32: boolean, opts: DisasmOptions = {}): DisasmLine[] {
  return [...disassembleLines(table, bytes, baseAddr, code32, opts)];
}

/** `disassembleRange` one line at a time, so a listing of any size is written as it is decoded. */
export function* disassembleLines(table: InstructionTable, bytes: Uint8Array, baseAddr: number, code32: boolean, opts: DisasmOptions = {}): Generator<DisasmLine> {
  const base = baseAddr >>> 0;
  const end = Math.min(opts.end ?? base + bytes.length, base + bytes.length);
  const split = opts.splitAtSymbols ?? opts.symbols !== undefined;
  const count = opts.count ?? Infinity;
  let listed = 0;
  let addr = Math.max(opts.start ?? base, base);
  // 16-bit code: the decoder sees IP, the listing shows the full address
  const segBase = code32 ? 0 : base - (base & 0xffff);
  const fmt: FormatOptions = { symbols: opts.symbols, codeBase: segBase };
  // inside a data object's range (--start may land in one)
  const first = opts.symbols?.containing(addr);
  let inData = split && first !== undefined && opts.symbols!.isData(first);
  while (addr < end && listed < count) {
    let stop = end;
    if (split) {
      const next = opts.symbols!.nextAfter(addr);
      if (next !== undefined && next < stop) stop = next;
    }
    const src = new BufferSource(bytes, base - segBase, stop - segBase);
    let line: DisasmLine;
    // each symbol decides how its range (up to the next symbol) is listed
    if (split && opts.symbols!.at(addr) !== undefined) inData = opts.symbols!.isData(addr);
    if (inData) {
      const n = Math.min(16, stop - addr);
      line = { addr, bytes: bytes.subarray(addr - base, addr - base + n), text: '(data)', data: true };
    } else {
      line = decodeLine(table, src, bytes.subarray(addr - base), addr, addr - segBase, code32, fmt);
    }
    const sym = opts.symbols?.at(addr);
    if (sym !== undefined) line.symbol = sym;
    listed++;
    yield line;
    addr += line.bytes.length;
  }
}

/** One instruction at `addr` (`eip` for the decoder), or a one-byte `(bad)` line. */
function decodeLine(table: InstructionTable, src: CodeSource, rest: Uint8Array, addr: number, eip: number, code32: boolean, fmt: FormatOptions): DisasmLine {
  try {
    const i = decode(table, src, eip, code32);
    return { addr, bytes: rest.subarray(0, i.len), text: formatInstr(i, fmt), instr: i };
  } catch (e) {
    if (!(e instanceof Fault) && !(e instanceof PastEnd)) throw e;
    return { addr, bytes: rest.subarray(0, 1), text: '(bad)' };
  }
}

/** Bytes as `0f 01 15` for listings. */
export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}
