/**
 * The DWARF line table of an ELF image (`.debug_line`, versions 2 to 5,
 * 32-bit DWARF), as address ranges to `file:line`.
 *
 * Each unit's line program is run as the DWARF standard's state machine
 * describes it (section 6.2); every emitted row starts a range that ends at
 * the next row of the same sequence. Files are named with their directory
 * when it is relative (the guest kit maps its source root to `guest/`, so
 * names read `guest/src/mm.c`). Only what a profiler needs is kept: no
 * columns, views or discriminators. A malformed unit ends the table there
 * (what was read before stays usable): line information is a help, never a
 * reason to refuse an image.
 */
import { sectionData, type Elf32 } from '../runtime/elf.ts';

interface Row {
  addr: number;
  file: string;
  line: number;
  /** the end of a sequence: no code here */
  end: boolean;
}

export class Reader {
  pos: number;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array, pos = 0) {
    this.pos = pos;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(): number { return this.view.getUint8(this.pos++); }
  u16(): number { const v = this.view.getUint16(this.pos, true); this.pos += 2; return v; }
  u32(): number { const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  uleb(): number {
    let v = 0, shift = 0, b: number;
    do { b = this.u8(); v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return v;
  }
  sleb(): number {
    let v = 0, shift = 0, b: number;
    do { b = this.u8(); v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return b & 0x40 ? v - 2 ** shift : v;
  }
  cstr(): string {
    const start = this.pos;
    while (this.bytes[this.pos] !== 0) this.pos++;
    return Buffer.from(this.bytes.subarray(start, this.pos++)).toString('utf8');
  }
}

const DW_FORM = { string: 0x08, line_strp: 0x1f, strp: 0x0e, udata: 0x0f, data1: 0x0b, data2: 0x05, data4: 0x06, data8: 0x07, data16: 0x1e, block: 0x09 };
const DW_LNCT_path = 1, DW_LNCT_directory_index = 2;

function cstrAt(bytes: Uint8Array | undefined, off: number): string {
  if (!bytes) return '?';
  return new Reader(bytes, off).cstr();
}

export class LineTable {
  private readonly rows: Row[];
  /** each unit's file names by the unit's offset in .debug_line (a compile unit's DW_AT_stmt_list), indexed as its program indexes them */
  readonly unitFiles = new Map<number, string[]>();

  constructor(rows: Row[]) {
    this.rows = rows.sort((a, b) => a.addr - b.addr || Number(b.end) - Number(a.end));
  }

  get size(): number {
    return this.rows.length;
  }

  /** The table of an image with `.debug_line`, else undefined. */
  static fromElf(elf: Elf32): LineTable | undefined {
    const section = (name: string) => {
      const s = elf.sections.find((x) => x.name === name);
      return s ? sectionData(elf, s) : undefined;
    };
    const line = section('.debug_line');
    if (!line) return undefined;
    const rows: Row[] = [];
    const unitFiles = new Map<number, string[]>();
    const strs = { str: section('.debug_str'), lineStr: section('.debug_line_str') };
    let off = 0;
    try {
      while (off + 4 <= line.length) off = readUnit(line, off, strs, rows, (files) => unitFiles.set(off, files));
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
    if (!rows.length) return undefined;
    const t = new LineTable(rows);
    for (const [k, v] of unitFiles) t.unitFiles.set(k, v);
    return t;
  }

  lookup(addr: number): { file: string; line: number } | undefined {
    const a = this.rows;
    let lo = 0, hi = a.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid].addr <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    const r = best >= 0 ? a[best] : undefined;
    return r && !r.end ? { file: r.file, line: r.line } : undefined;
  }
}

interface Strings { str?: Uint8Array; lineStr?: Uint8Array }

/** A DWARF 5 entry-format table (directories or files): each entry's path and directory index. */
function readEntries(r: Reader, s: Strings): { path: string; dir: number }[] {
  const formatCount = r.u8();
  const format: [number, number][] = [];
  for (let k = 0; k < formatCount; k++) format.push([r.uleb(), r.uleb()]);
  const count = r.uleb();
  const out: { path: string; dir: number }[] = [];
  for (let k = 0; k < count; k++) {
    const e = { path: '?', dir: 0 };
    for (const [type, form] of format) {
      let v: number | string;
      switch (form) {
        case DW_FORM.string: v = r.cstr(); break;
        case DW_FORM.line_strp: v = cstrAt(s.lineStr, r.u32()); break;
        case DW_FORM.strp: v = cstrAt(s.str, r.u32()); break;
        case DW_FORM.udata: v = r.uleb(); break;
        case DW_FORM.data1: v = r.u8(); break;
        case DW_FORM.data2: v = r.u16(); break;
        case DW_FORM.data4: v = r.u32(); break;
        case DW_FORM.data8: r.pos += 8; v = 0; break;
        case DW_FORM.data16: r.pos += 16; v = 0; break;
        case DW_FORM.block: { const n = r.uleb(); r.pos += n; } v = 0; break;
        default: throw new RangeError(`DWARF form 0x${form.toString(16)} in a line table header`);
      }
      if (type === DW_LNCT_path) e.path = String(v);
      if (type === DW_LNCT_directory_index) e.dir = Number(v);
    }
    out.push(e);
  }
  return out;
}

/** Read one unit's header and run its program into `rows`; returns the next unit's offset. */
function readUnit(bytes: Uint8Array, off: number, s: Strings, rows: Row[], onFiles: (files: string[]) => void): number {
  const r = new Reader(bytes, off);
  const length = r.u32();
  if (length >= 0xfffffff0) throw new RangeError('64-bit DWARF');
  const end = r.pos + length;
  const version = r.u16();
  if (version < 2 || version > 5) return end;
  if (version >= 5) r.pos += 2; // address size, segment selector size
  const headerLength = r.u32();
  const programStart = r.pos + headerLength;
  const minInstr = r.u8();
  if (version >= 4) r.u8(); // maximum operations per instruction (VLIW only)
  r.u8(); // default is_stmt
  const lineBase = (r.u8() << 24) >> 24;
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  const argCounts = [0];
  for (let k = 1; k < opcodeBase; k++) argCounts.push(r.u8());
  let files: string[];
  if (version >= 5) {
    const dirs = readEntries(r, s).map((d) => d.path);
    files = readEntries(r, s).map((f) => joinPath(dirs[f.dir] ?? '', f.path));
  } else {
    const dirs = [''];
    for (let d = r.cstr(); d !== ''; d = r.cstr()) dirs.push(d);
    files = ['?'];
    for (let f = r.cstr(); f !== ''; f = r.cstr()) { const dir = r.uleb(); r.uleb(); r.uleb(); files.push(joinPath(dirs[dir] ?? '', f)); }
  }
  onFiles(files);
  r.pos = programStart;
  runProgram(r, end, { minInstr, lineBase, lineRange, opcodeBase, argCounts, files }, rows);
  return end;
}

function joinPath(dir: string, file: string): string {
  if (file.startsWith('/') || dir === '' || dir.startsWith('/')) return file;
  return `${dir}/${file}`;
}

interface Header { minInstr: number; lineBase: number; lineRange: number; opcodeBase: number; argCounts: number[]; files: string[] }

/** The line-number program's state machine (DWARF 5 section 6.2.5), appending a row at each copy and end of sequence. */
function runProgram(r: Reader, end: number, h: Header, rows: Row[]): void {
  let addr = 0, file = 1, line = 1;
  const emit = (isEnd: boolean) => rows.push({ addr, file: h.files[file] ?? '?', line, end: isEnd });
  while (r.pos < end) {
    const op = r.u8();
    if (op >= h.opcodeBase) {
      const adj = op - h.opcodeBase;
      addr = (addr + Math.floor(adj / h.lineRange) * h.minInstr) >>> 0;
      line += h.lineBase + (adj % h.lineRange);
      emit(false);
    } else if (op === 0) {
      const len = r.uleb();
      const next = r.pos + len;
      const ext = r.u8();
      if (ext === 1) { emit(true); addr = 0; file = 1; line = 1; } else if (ext === 2) addr = r.u32();
      r.pos = next;
    } else if (op === 1) emit(false);
    else if (op === 2) addr = (addr + r.uleb() * h.minInstr) >>> 0;
    else if (op === 3) line += r.sleb();
    else if (op === 4) file = r.uleb();
    else if (op === 8) addr = (addr + Math.floor((255 - h.opcodeBase) / h.lineRange) * h.minInstr) >>> 0;
    else if (op === 9) addr = (addr + r.u16()) >>> 0;
    else for (let k = 0; k < h.argCounts[op]; k++) r.uleb();
  }
}
