/**
 * The one instruction table.
 *
 * Every instruction form is one row, written in the Intel manual's notation
 * by the family file that also holds its semantics (semantics/families/).
 * An `InstructionTable` gathers rows and builds from them the opcode maps
 * the decoder walks; semantics/table.ts builds the table vmidbt runs, from
 * an explicit list of families. The same rows drive the disassembler, block
 * analysis (does a form end a block, may it fault, which flags does it read,
 * write, leave undefined) and the test generators.
 *
 * This layer knows a row's encoding and its static properties, not its
 * behaviour: `RowBehaviour` is declared empty here and filled in by
 * semantics/ops.ts (`sem`, `exec`), the layer that owns behaviour.
 *
 * Opcode syntax of a row:
 *   "01"          one-byte opcode
 *   "0F AF"       two-byte opcode
 *   "80 /0"       ModRM reg field selects the row (a group)
 *   "0F 01 /7 m"  ... and the form exists only with a memory operand ("r": register only)
 *   "D9 E8"       the whole ModRM byte selects the row (x87 register forms)
 *   "40+r"        eight rows, the register in the low 3 bits
 *   "70+cc"       sixteen rows, the condition code in the low 4 bits; "{cc}" in
 *                 the mnemonic becomes its name
 */
import { CC_NAMES, CC_READS } from './eflags.ts';
import { K, parseOperand, usesModrm, type Operand } from './operands.ts';

/**
 * What a row does. Empty at this layer; semantics/ops.ts adds the fields
 * (`sem`, `exec`) by declaration merging, so the ISA layer never names the
 * layers above it.
 */
export interface RowBehaviour {}

export interface RowSpec extends RowBehaviour {
  op: string;
  /** mnemonic; "{cc}" is replaced for +cc rows; "/" separates 16- and 32-bit names (cbw/cwde) */
  mn: string;
  /** operands in Intel notation, comma separated */
  args?: string;
  /** flags read and written (for liveness); helpers default to reading all arithmetic flags */
  fin?: number;
  fout?: number;
  /** flags this form leaves architecturally undefined */
  undef?: number;
  /** ends a basic block: transfers control or changes state the translation depends on */
  end?: boolean;
  /**
   * How a control transfer goes on, for block discovery: 'call' pushes a
   * return address and jumps, 'jump' always goes to its target, 'branch'
   * goes there or falls through to the next instruction. Absent on rows
   * that do not name a destination the translator can follow (ret, iret).
   */
  flow?: 'call' | 'jump' | 'branch';
  /**
   * A helper the translator does not look into: it may change what a
   * translation was specialised on (mode, segments, descriptor tables,
   * paging) or what the dispatcher checks between regions (interrupts), so
   * the block ends after it and translated code returns to the dispatcher.
   */
  opaque?: boolean;
  /**
   * A helper that reaches, or may reach, state outside the vCPU and RAM:
   * devices (ports, MMIO through string moves), the machine, the ROM,
   * system registers. It must run exactly once, so a lockstep region (run
   * twice, translated then interpreted) stops before it.
   */
  external?: boolean;
  /**
   * A segment register load that ends its block but not, by itself, the
   * region: translated code goes on after it while the segments it relies
   * on stay flat to the same page (loads of SS always leave: the stack size
   * and the interrupt shadow). The next instruction starts a block.
   */
  segLoad?: boolean;
  /**
   * A far transfer (iret, far ret, jmp, call) that ends its block but not,
   * by itself, the region: where it left the segment registers, the paging
   * and the NMI blocking as they were, and no interrupt or single step is
   * due, translated code goes on at its target if the region holds it
   * (translator/emit/instr.ts).
   */
  goesOnInMode?: boolean;
  /** may raise an exception other than a fault of its memory operand */
  fault?: boolean;
  /** needs CPL 0 (#GP(0) otherwise) */
  priv?: boolean;
  /** accepts a lock prefix when its destination is memory */
  lock?: boolean;
  /** a string instruction: rep prefixes apply */
  string?: boolean;
  /** x87 instruction (device-not-available checks apply) */
  fpu?: boolean;
  /** the family file the row comes from (set when it is registered) */
  family?: string;
}

export interface Row extends RowSpec {
  id: number;
  operands: Operand[];
  /** the opcode bytes as written, after +r/+cc expansion (for listings) */
  opcodeText: string;
  hasModrm: boolean;
  fin: number;
  fout: number;
  undef: number;
}

/** A node of an opcode map: a row, or a further choice by ModRM. */
export interface Entry {
  row?: Row;
  /**
   * The row of this opcode under a rep prefix (F2 or F3), where it differs:
   * a string instruction's single element is written against Ops, its
   * repeated form is a loop (semantics/families/string.ts). Written `F3 op`.
   */
  repRow?: Row;
  /** by ModRM.reg */
  byReg?: (Entry | undefined)[];
  /** split by ModRM.mod: memory vs register */
  mem?: Entry;
  regForm?: Entry;
  /** register forms selected by the whole ModRM byte (index: modrm - 0xC0) */
  byModrm?: (Entry | undefined)[];
  needsModrm: boolean;
}

const ARITH_ALL = 0x8d5;

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** Rows and the opcode maps built from them. */
export class InstructionTable {
  readonly rows: Row[] = [];
  readonly oneByte: (Entry | undefined)[] = new Array(256);
  readonly twoByte: (Entry | undefined)[] = new Array(256);

  /**
   * `behaviour`: the names of the fields a layer above adds to rows
   * (RowBehaviour), given by that layer since this one cannot name them;
   * every row gets them, in this order, so that all rows share one shape.
   */
  constructor(private readonly behaviour: readonly (keyof RowBehaviour)[] = []) {}

  /** Expand +r / +cc and add the resulting rows to the maps. */
  add(specs: RowSpec[], family?: string): void {
    for (const spec of specs) {
      const m = /^((?:0F )?)([0-9A-F]{2})\+(r|cc)(.*)$/.exec(spec.op);
      if (!m) {
        this.addRow(spec, spec.op, spec.mn, spec.fin, family);
        continue;
      }
      const base = parseInt(m[2], 16);
      const count = m[3] === 'r' ? 8 : 16;
      for (let k = 0; k < count; k++) {
        const opText = `${m[1]}${hex(base + k)}${m[4]}`;
        const mn = m[3] === 'cc' ? spec.mn.replace('{cc}', CC_NAMES[k]) : spec.mn;
        const fin = m[3] === 'cc' ? (spec.fin ?? 0) | CC_READS[k] : spec.fin;
        this.addRow(spec, opText, mn, fin, family);
      }
    }
  }

  private addRow(spec: RowSpec, opText: string, mn: string, fin: number | undefined, family: string | undefined): void {
    const operands = spec.args ? spec.args.split(',').map((s) => parseOperand(s.trim())) : [];
    // immediates are read in operand order: the first goes to Instr.imm, the second to imm2
    let immediates = 0;
    for (const o of operands) if (o.kind === K.I || o.kind === K.J || o.kind === K.A) o.slot = immediates++;
    const parts = opText.split(' ');
    let map = this.oneByte;
    let p = 0;
    const repForm = parts[0] === 'F3';
    if (repForm) p = 1;
    if (parts[p] === '0F') { map = this.twoByte; p++; }
    const opcode = parseInt(parts[p++], 16);
    let regSel = -1;
    let modSel: 'm' | 'r' | '' = '';
    let fullModrm = -1;
    for (; p < parts.length; p++) {
      const t = parts[p];
      if (t[0] === '/') regSel = parseInt(t.slice(1), 10);
      else if (t === 'm' || t === 'r') modSel = t;
      else fullModrm = parseInt(t, 16);
    }
    const hasModrm = regSel >= 0 || fullModrm >= 0 || operands.some(usesModrm);
    // every row gets the same fields in the same order: one hidden class for V8, so the interpreter's
    // reads of row.sem, row.end, row.fin... stay monomorphic (53 shapes from spreading specs made them megamorphic)
    const row: Row = {
      op: spec.op, mn, args: spec.args,
      // a helper (a row with `exec`) reads every arithmetic flag unless it says otherwise
      fin: fin ?? (spec.exec ? ARITH_ALL : 0),
      fout: spec.fout ?? 0, undef: spec.undef ?? 0,
      end: spec.end, flow: spec.flow, opaque: spec.opaque, external: spec.external, segLoad: spec.segLoad,
      goesOnInMode: spec.goesOnInMode, fault: spec.fault, priv: spec.priv, lock: spec.lock, string: spec.string,
      fpu: spec.fpu, family: family ?? spec.family,
      id: this.rows.length, operands, opcodeText: opText, hasModrm,
    };
    // (a field that is neither a RowSpec field nor a behaviour key is found by the tests, `strayFields`:
    // checked here, at every start, it was half the table's build time, reads of 53 shapes of spec)
    for (const k of this.behaviour) (row as unknown as Record<string, unknown>)[k] = spec[k];
    this.rows.push(row);

    let entry = map[opcode] ??= { needsModrm: hasModrm };
    if (repForm) {
      if (hasModrm || entry.repRow) throw new Error(`opcode ${opText}: a rep form is one row of an opcode without ModRM`);
      entry.repRow = row;
      return;
    }
    if (!hasModrm) {
      if (entry.row || entry.byReg) throw new Error(`opcode ${opText} defined twice`);
      entry.row = row;
      return;
    }
    entry.needsModrm = true;
    if (fullModrm >= 0) {
      const by = (entry.regForm ??= { needsModrm: true }).byModrm ??= new Array(64);
      if (by[fullModrm - 0xc0]) throw new Error(`opcode ${opText} defined twice`);
      by[fullModrm - 0xc0] = { row, needsModrm: true };
      // fall through to a register-form row of the same /reg if one is added
      entry.mem ??= undefined;
      return;
    }
    if (regSel >= 0) {
      const byReg = (entry.byReg ??= new Array(8));
      entry = byReg[regSel] ??= { needsModrm: true };
    }
    if (modSel === '') {
      if (entry.row || entry.mem || entry.regForm) throw new Error(`opcode ${opText} defined twice`);
      entry.row = row;
    } else if (modSel === 'm') {
      if (entry.mem) throw new Error(`opcode ${opText} defined twice`);
      entry.mem = { row, needsModrm: true };
    } else {
      if (entry.regForm?.row) throw new Error(`opcode ${opText} defined twice`);
      (entry.regForm ??= { needsModrm: true }).row = row;
    }
  }
}

/**
 * The fields of `specs` that no row has (neither a RowSpec field nor one of
 * `behaviour`), as `op: field`: a misspelt `ends: true` would otherwise be
 * dropped without a word. Every row has the same fields, so one row's names
 * are the set.
 */
export function strayFields(specs: readonly RowSpec[], behaviour: readonly (keyof RowBehaviour)[]): string[] {
  const table = new InstructionTable(behaviour);
  table.add([{ op: '90', mn: 'probe' }]);
  const known = new Set(Object.keys(table.rows[0]));
  return specs.flatMap((spec) => Object.keys(spec).filter((k) => !known.has(k)).map((k) => `${spec.op}: ${k}`));
}

/**
 * Find the row for an opcode given its ModRM byte (or -1 when none has been read).
 * Returns undefined for an undefined encoding (#UD).
 */
export function lookup(map: (Entry | undefined)[], opcode: number, modrm: number): Row | undefined {
  let e = map[opcode];
  if (!e) return undefined;
  if (!e.needsModrm) return e.row;
  const reg = (modrm >> 3) & 7;
  const isReg = modrm >= 0xc0;
  // x87-style full-ModRM register forms take precedence
  if (isReg && e.regForm?.byModrm) {
    const f = e.regForm.byModrm[modrm - 0xc0];
    if (f) return f.row;
  }
  if (e.byReg) {
    const g = e.byReg[reg];
    if (!g) return undefined;
    e = g;
  }
  if (e.row) return e.row;
  return isReg ? e.regForm?.row : e.mem?.row;
}
