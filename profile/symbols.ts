/**
 * Guest addresses as `function+offset (file:line)`.
 *
 * Where names come from: an ELF image's symbol table (functions, and the
 * untyped labels of assembly code, in executable sections), or a
 * `System.map` / `/proc/kallsyms` dump (`--symbols FILE`: "address type
 * name" lines, text symbols only) for a kernel whose image carries none,
 * such as a Linux bzImage. Lines come from the image's DWARF line table
 * when it has one (dwarf-line.ts).
 *
 * A symbol covers [address, address + size) when the table gives a size,
 * else up to the next symbol. `lookup` answers undefined outside every
 * symbol; `format` and `formatSite` then print the bare address.
 */
import { UserError } from '../base/errors.ts';
import { EXIT_USAGE } from '../base/exit-status.ts';
import { isElf, parseElf32, SHF_EXECINSTR, SHN_UNDEF } from '../runtime/elf.ts';
import { LineTable } from './dwarf-line.ts';
import { InlineTable } from './dwarf-inline.ts';

interface Sym {
  addr: number;
  /** 0: up to the next symbol */
  size: number;
  name: string;
}

export interface Location {
  fn: string;
  offset: number;
  file?: string;
  line?: number;
}

export class Symbolizer {
  private readonly syms: Sym[];
  lines: LineTable | undefined;
  /** where inlined code was inlined (call sites only: `formatSite`) */
  inlines: InlineTable | undefined;

  constructor(syms: Sym[]) {
    // one name per address (the first given wins), sorted for the binary search
    const seen = new Set<number>();
    this.syms = syms.filter((s) => !seen.has(s.addr) && seen.add(s.addr)).sort((a, b) => a.addr - b.addr);
  }

  get size(): number {
    return this.syms.length;
  }

  /** Symbols of an ELF image (and its line table when it has one); none for anything else. */
  static fromImage(bytes: Uint8Array): Symbolizer {
    if (!isElf(bytes)) return new Symbolizer([]);
    const elf = parseElf32(bytes, null, { extras: 'optional' });
    const exec = new Set(elf.sections.filter((s) => s.flags & SHF_EXECINSTR).map((s) => s.index));
    const syms = elf.symbols
      .filter((y) => y.shndx !== SHN_UNDEF && exec.has(y.shndx) && y.name !== '' && (y.type === 'FUNC' || y.type === 'NOTYPE') && !y.name.startsWith('.L'))
      .sort((a, b) => (a.type === 'FUNC' ? 0 : 1) - (b.type === 'FUNC' ? 0 : 1))
      .map((y) => ({ addr: y.value >>> 0, size: y.type === 'FUNC' ? y.size : 0, name: y.name }));
    const s = new Symbolizer(syms);
    s.lines = LineTable.fromElf(elf);
    s.inlines = InlineTable.fromElf(elf, (stmtList) => s.lines?.unitFiles.get(stmtList));
    return s;
  }

  /** A System.map or /proc/kallsyms dump: text symbols (t, T, w, W); refuses a file with none, or with every address zero. */
  static fromSymbolMap(text: string, file: string): Symbolizer {
    const syms: Sym[] = [];
    let zero = 0;
    for (const line of text.split('\n')) {
      const m = /^([0-9a-fA-F]{8,16})\s+([a-zA-Z])\s+(\S+)/.exec(line);
      if (!m || !'tTwW'.includes(m[2])) continue;
      const addr = parseInt(m[1], 16);
      if (addr === 0) { zero++; continue; }
      if (addr <= 0xffffffff) syms.push({ addr, size: 0, name: m[3] });
    }
    if (!syms.length) {
      const why = zero ? 'every address is zero (read /proc/kallsyms as root)' : 'no text symbols ("address t|T name" lines)';
      throw new UserError(`--symbols ${file}: ${why}`, EXIT_USAGE);
    }
    return new Symbolizer(syms);
  }

  lookup(addr: number): Location | undefined {
    addr >>>= 0;
    const a = this.syms;
    let lo = 0, hi = a.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid].addr <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    const s = a[best];
    if (s.size && addr >= s.addr + s.size) return undefined;
    const line = this.lines?.lookup(addr);
    return { fn: s.name, offset: addr - s.addr, file: line?.file, line: line?.line };
  }

  /** The function containing `addr`, or its address in hex. */
  fnName(addr: number): string {
    return this.lookup(addr)?.fn ?? `0x${(addr >>> 0).toString(16)}`;
  }

  /** An address as `function+0xoff`, or in hex outside every symbol (a region's entry: `vmidbt run --region-times`). */
  format(addr: number): string {
    const at = this.lookup(addr);
    return at ? `${at.fn}+0x${at.offset.toString(16)}` : `0x${(addr >>> 0).toString(16)}`;
  }

  /**
   * A return address as `function+0xoff (file:line)`. The line is that of
   * the call (the byte before the return address), the offset the return
   * address's own. A call made inside code inlined into the function reads
   * `(file:line inlining file:line)`: the function's own line, then the
   * inlined code's.
   */
  formatSite(ret: number): string {
    const at = this.lookup(ret - 1);
    if (!at) return `0x${(ret >>> 0).toString(16)}`;
    const inl = this.inlines?.lookup((ret - 1) >>> 0);
    const own = at.file ? `${at.file}:${at.line}` : '';
    const line = inl && own ? ` (${inl.file}:${inl.line} inlining ${own})` : own ? ` (${own})` : '';
    return `${at.fn}+0x${(at.offset + 1).toString(16)}${line}`;
  }
}
