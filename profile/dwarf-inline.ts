/**
 * Where inlined code was inlined from: the outermost
 * DW_TAG_inlined_subroutine of `.debug_info` (DWARF 4 and 5, 32-bit) that
 * covers an address, and its DW_AT_call_file / DW_AT_call_line.
 *
 * A VMI call in the guest kit is made inside a small `static inline`
 * wrapper (kernel.h `pv_set_pxe`, ...), so the line table names the
 * wrapper's line for every site; the call line of the outermost inlined
 * subroutine is the line in the function itself that the wrapper was
 * inlined at (`paging_init`'s line in mm.c). Only the entries a profiler
 * needs are kept: address ranges (low/high pc, or DW_AT_ranges through
 * .debug_rnglists or .debug_ranges) with the call file and line. Anything
 * this reader does not know (64-bit DWARF, split units, an unknown form)
 * ends the reading of that unit; line information stays a help, never a
 * reason to refuse an image.
 */
import { sectionData, type Elf32 } from '../runtime/elf.ts';
import { Reader } from './dwarf-line.ts';

const TAG_COMPILE_UNIT = 0x11, TAG_INLINED = 0x1d;
const AT = { stmtList: 0x10, lowPc: 0x11, highPc: 0x12, ranges: 0x55, callFile: 0x58, callLine: 0x59, rnglistsBase: 0x74 };
const FORM_ADDR = 0x01, FORM_IMPLICIT_CONST = 0x21, FORM_RNGLISTX = 0x23, FORM_INDIRECT = 0x16;

interface Abbrev { tag: number; children: boolean; attrs: [number, number, number][] }

export interface InlinedAt {
  lo: number;
  hi: number;
  file: string;
  line: number;
}

/** The size of a form's value, or how to skip it (-1: not known here). */
function skipForm(r: Reader, form: number, addrSize: number): number | string {
  switch (form) {
    case 0x01: return addrSize === 4 ? r.u32() : (r.pos += addrSize, 0);
    case 0x0b: case 0x11: case 0x0c: case 0x25: case 0x29: return r.u8();
    case 0x05: case 0x12: case 0x26: case 0x2a: return r.u16();
    case 0x27: case 0x2b: r.pos += 3; return 0;
    case 0x06: case 0x13: case 0x0e: case 0x1f: case 0x10: case 0x17: case 0x1c: case 0x1d: case 0x28: case 0x2c: return r.u32();
    case 0x07: case 0x14: case 0x20: case 0x24: r.pos += 8; return 0;
    case 0x1e: r.pos += 16; return 0;
    case 0x0d: return r.sleb();
    case 0x0f: case 0x15: case 0x1a: case 0x1b: case 0x22: case 0x23: return r.uleb();
    case 0x08: return r.cstr();
    case 0x09: case 0x18: { const n = r.uleb(); r.pos += n; } return 0;
    case 0x0a: { const n = r.u8(); r.pos += n; } return 0;
    case 0x03: { const n = r.u16(); r.pos += n; } return 0;
    case 0x04: { const n = r.u32(); r.pos += n; } return 0;
    case 0x19: case FORM_IMPLICIT_CONST: return 0;
    default: throw new RangeError(`DWARF form 0x${form.toString(16)}`);
  }
}

function readAbbrevs(bytes: Uint8Array, off: number): Map<number, Abbrev> {
  const r = new Reader(bytes, off);
  const out = new Map<number, Abbrev>();
  for (let code = r.uleb(); code !== 0; code = r.uleb()) {
    const tag = r.uleb();
    const children = r.u8() !== 0;
    const attrs: [number, number, number][] = [];
    for (;;) {
      const at = r.uleb(), form = r.uleb();
      if (at === 0 && form === 0) break;
      attrs.push([at, form, form === FORM_IMPLICIT_CONST ? r.sleb() : 0]);
    }
    out.set(code, { tag, children, attrs });
  }
  return out;
}

interface Sections { info: Uint8Array; abbrev: Uint8Array; rnglists?: Uint8Array; ranges?: Uint8Array }

/** DW_AT_ranges as [lo, hi) pairs: DWARF 5 range lists, or DWARF 4 .debug_ranges. */
function rangesAt(s: Sections, version: number, off: number, base: number): [number, number][] {
  const out: [number, number][] = [];
  if (version >= 5) {
    if (!s.rnglists) return out;
    const r = new Reader(s.rnglists, off);
    for (let kind = r.u8(); kind !== 0; kind = r.u8()) {
      if (kind === 4) { const a = r.uleb(), b = r.uleb(); out.push([base + a, base + b]); }
      else if (kind === 5) base = r.u32();
      else if (kind === 6) out.push([r.u32(), r.u32()]);
      else if (kind === 7) { const a = r.u32(); out.push([a, a + r.uleb()]); }
      else throw new RangeError(`range list entry ${kind}`);
    }
  } else if (s.ranges) {
    const r = new Reader(s.ranges, off);
    for (;;) {
      const a = r.u32(), b = r.u32();
      if (a === 0 && b === 0) break;
      if (a === 0xffffffff) base = b; else out.push([base + a, base + b]);
    }
  }
  return out;
}

/** One compile unit: its outermost inlined subroutines (nested ones are skipped: their call lines are in inlined code). */
function readUnit(s: Sections, off: number, filesOf: (stmtList: number) => string[] | undefined, out: InlinedAt[]): number {
  const r = new Reader(s.info, off);
  const length = r.u32();
  if (length >= 0xfffffff0) throw new RangeError('64-bit DWARF');
  const end = r.pos + length;
  const version = r.u16();
  let abbrevOff: number, addrSize: number;
  if (version >= 5) {
    if (r.u8() !== 1) return end; // only full compile units
    addrSize = r.u8(); abbrevOff = r.u32();
  } else {
    abbrevOff = r.u32(); addrSize = r.u8();
  }
  const abbrevs = readAbbrevs(s.abbrev, abbrevOff);
  let files: string[] | undefined, cuBase = 0, depth = 0, inlineDepth = -1;
  while (r.pos < end) {
    const code = r.uleb();
    if (code === 0) { depth--; if (depth <= inlineDepth) inlineDepth = -1; if (depth < 0) break; continue; }
    const a = abbrevs.get(code);
    if (!a) throw new RangeError(`abbreviation ${code}`);
    const v = new Map<number, { form: number; value: number | string }>();
    for (const [at, form0, implicit] of a.attrs) {
      let form = form0;
      if (form === FORM_INDIRECT) form = r.uleb();
      const value = form === FORM_IMPLICIT_CONST ? implicit : skipForm(r, form, addrSize);
      v.set(at, { form, value });
    }
    if (a.tag === TAG_COMPILE_UNIT) {
      files = filesOf(Number(v.get(AT.stmtList)?.value ?? -1));
      cuBase = Number(v.get(AT.lowPc)?.value ?? 0);
    } else if (a.tag === TAG_INLINED && inlineDepth < 0 && files) {
      const file = files[Number(v.get(AT.callFile)?.value ?? -1)];
      const line = Number(v.get(AT.callLine)?.value ?? 0);
      if (file && line) for (const [lo, hi] of pcRanges(s, version, v, cuBase)) out.push({ lo, hi, file, line });
      if (a.children) inlineDepth = depth;
    }
    if (a.children) depth++;
  }
  return end;
}

function pcRanges(s: Sections, version: number, v: Map<number, { form: number; value: number | string }>, cuBase: number): [number, number][] {
  const lo = v.get(AT.lowPc), hi = v.get(AT.highPc), ranges = v.get(AT.ranges);
  if (lo && hi) {
    const l = Number(lo.value);
    return [[l, hi.form === FORM_ADDR ? Number(hi.value) : l + Number(hi.value)]];
  }
  // a range list by index needs the unit's rnglists base, which gcc does not emit for a plain build
  if (ranges && ranges.form !== FORM_RNGLISTX) return rangesAt(s, version, Number(ranges.value), cuBase);
  return [];
}

export class InlineTable {
  private constructor(private readonly spans: InlinedAt[]) {}

  get size(): number {
    return this.spans.length;
  }

  static fromElf(elf: Elf32, filesOf: (stmtList: number) => string[] | undefined): InlineTable | undefined {
    const section = (name: string) => {
      const x = elf.sections.find((y) => y.name === name);
      return x ? sectionData(elf, x) : undefined;
    };
    const info = section('.debug_info'), abbrev = section('.debug_abbrev');
    if (!info || !abbrev) return undefined;
    const s: Sections = { info, abbrev, rnglists: section('.debug_rnglists'), ranges: section('.debug_ranges') };
    const spans: InlinedAt[] = [];
    let off = 0;
    try {
      while (off + 4 <= info.length) off = readUnit(s, off, filesOf, spans);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e; console.log("DBG", e.message, off);
    }
    return spans.length ? new InlineTable(spans.sort((a, b) => a.lo - b.lo)) : undefined;
  }

  /** The call line of the outermost inlined subroutine covering `addr`, if any. */
  lookup(addr: number): { file: string; line: number } | undefined {
    let best: InlinedAt | undefined;
    for (const s of this.spans) {
      if (s.lo > addr) break;
      if (addr < s.hi && (!best || s.hi - s.lo > best.hi - best.lo)) best = s;
    }
    return best ? { file: best.file, line: best.line } : undefined;
  }
}
