/**
 * `vmidbt disasm IMAGE`: list the instructions of an ELF file or a raw image.
 *
 * An ELF file (recognised by its magic) is listed section by section: every
 * SHF_EXECINSTR section, with a `<name>:` label line at each symbol of that
 * section, decoding restarted at each symbol as objdump does. Anything else
 * is a raw image loaded at --base and decoded as --bits code. Lines are
 * `address: bytes  instruction` (Intel syntax, see isa/disasm.ts);
 * --json prints one array of {addr, bytes, text, symbol?} instead. Expected
 * failures (no such file, malformed ELF, bad option) are UserErrors.
 */
import { UserError } from '../base/errors.ts';
import {
  ElfError, executableSections, isElf, parseElf32, sectionData, SHN_UNDEF,
  type Elf32, type ElfSymbol, type Section,
} from '../runtime/elf.ts';
import { disassembleLines, disassembleRange, hexBytes, SymbolTable, type DisasmLine, type DisasmOptions } from '../isa/disasm.ts';
import { ListingWriter, OutputClosed, readInput } from './host-io.ts';
import { romSymbols, vmiRomInfo } from '../vmirom/symbols.ts';
import { TABLE } from '../semantics/table.ts';

export interface DisasmCliOptions {
  base?: string;
  bits?: string;
  start?: string;
  count?: string;
  json?: boolean;
}

function parseHex(text: string, what: string): number {
  const t = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,8}$/i.test(t)) throw new UserError(`${what}: '${text}' is not a 32-bit hex address`);
  return parseInt(t, 16);
}

function parseCount(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) throw new UserError(`--count: '${text}' is not a positive number`);
  return Number(text);
}

/** The most `disasm` reads of a file: a listing of more would be hundreds of millions of lines. */
const MAX_IMAGE_BYTES = 1 << 30;

/** A section's symbols for labels: the kinds objdump shows (no section or file symbols). */
export function sectionSymbols(elf: Elf32, s: Section): SymbolTable {
  const mine = elf.symbols.filter((y: ElfSymbol) =>
    y.shndx === s.index && y.shndx !== SHN_UNDEF && y.name !== '' && y.type !== 'SECTION' && y.type !== 'FILE');
  // where names share an address, objdump's choice: functions, then data objects,
  // then globals before locals (SymbolTable keeps the first)
  const rank = (y: ElfSymbol) => (y.type === 'FUNC' ? 0 : y.type === 'OBJECT' ? 2 : 4) + (y.bind === 'LOCAL' ? 1 : 0);
  mine.sort((a, b) => rank(a) - rank(b));
  return new SymbolTable(mine.map((y) => ({ name: y.name, addr: y.value, data: y.type === 'OBJECT' })));
}

/**
 * One executable section as the listing shows it (and as the objdump
 * comparison checks it): decoded from its address, restarting at each symbol.
 */
export function disassembleElfSection(elf: Elf32, s: Section, opts: { start?: number; count?: number } = {}): DisasmLine[] {
  return disassembleRange(TABLE, sectionData(elf, s), s.addr, true, { symbols: sectionSymbols(elf, s), ...opts });
}

/** One stretch of the listing: an ELF section (with its title) or the whole raw image. */
interface Block {
  title?: string;
  bytes: Uint8Array;
  base: number;
  code32: boolean;
  opts: DisasmOptions;
}

export async function disasmCommand(image: string, opts: DisasmCliOptions): Promise<number> {
  const bytes = readInput(image, image, 'image', MAX_IMAGE_BYTES, '1 GiB, more than a listing can show');
  const start = opts.start !== undefined ? parseHex(opts.start, '--start') : undefined;
  const count = opts.count !== undefined ? parseCount(opts.count) : Infinity;
  const blocks = isElf(bytes) ? elfBlocks(image, bytes, start) : [rawBlock(image, bytes, start, opts)];
  // the listing is written as it is decoded (a 40 MB image is millions of lines); a closed pipe ends it quietly
  const out = new ListingWriter(1);
  try {
    writeListing(out, blocks, { start, count }, !!opts.json);
    out.flush();
  } catch (e) {
    if (!(e instanceof OutputClosed)) throw e;
  }
  return 0;
}

function elfBlocks(image: string, bytes: Uint8Array, start: number | undefined): Block[] {
  let elf: Elf32;
  try {
    elf = parseElf32(bytes);
  } catch (e) {
    if (e instanceof ElfError) throw new UserError(`${image}: ${e.message}`);
    throw e;
  }
  const sections = executableSections(elf);
  if (sections.length === 0) throw new UserError(`${image}: no executable sections`);
  if (start !== undefined && !sections.some((s) => start >= s.addr && start < s.addr + s.size)) {
    throw new UserError(`--start 0x${start.toString(16)} is not inside an executable section of ${image}`);
  }
  return sections.filter((s) => start === undefined || start < s.addr + s.size).map((s) => ({
    title: s.name, bytes: sectionData(elf, s), base: s.addr, code32: true, opts: { symbols: sectionSymbols(elf, s) },
  }));
}

function rawBlock(image: string, bytes: Uint8Array, start: number | undefined, opts: DisasmCliOptions): Block {
  const base = parseHex(opts.base ?? '0', '--base');
  const bits = opts.bits ?? '32';
  if (bits !== '16' && bits !== '32') throw new UserError(`--bits: '${bits}' must be 16 or 32`);
  if (bytes.length === 0) throw new UserError(`${image}: empty file`);
  if (start !== undefined && (start < base || start >= base + bytes.length)) {
    throw new UserError(`--start 0x${start.toString(16)} is outside the image (0x${base.toString(16)}..0x${(base + bytes.length).toString(16)})`);
  }
  // a VMI ROM image: label the header, each call slot by call name, and the PCI data
  const rom = vmiRomInfo(bytes);
  const symbols = rom ? new SymbolTable(romSymbols(rom.abi, base, rom.pciOffset)) : undefined;
  return { bytes, base, code32: bits === '32', opts: { symbols } };
}

/** The lines of every block, text or a JSON array (the same bytes `JSON.stringify(items, null, 1)` gives). */
function writeListing(out: ListingWriter, blocks: Block[], range: { start?: number; count: number }, json: boolean): void {
  let left = range.count;
  // JSON: each item is held until the next one says it needs a comma
  let pending: string | null = null;
  for (const b of blocks) {
    if (left <= 0) break;
    if (b.title !== undefined && !json) out.line(`\nDisassembly of section ${b.title}:`);
    for (const l of disassembleLines(TABLE, b.bytes, b.base, b.code32, { ...b.opts, start: range.start, count: left })) {
      left--;
      if (json) {
        const item = { addr: l.addr, bytes: hexBytes(l.bytes), text: l.text, ...(l.symbol !== undefined ? { symbol: l.symbol } : {}) };
        out.line(pending === null ? '[' : `${pending},`);
        pending = JSON.stringify(item, null, 1).replace(/^/gm, ' ');
        continue;
      }
      if (l.symbol !== undefined) out.line(`\n${l.addr.toString(16).padStart(8, '0')} <${l.symbol}>:`);
      out.line(`${l.addr.toString(16).padStart(8, ' ')}:\t${hexBytes(l.bytes).padEnd(20)}\t${l.text}`);
    }
  }
  if (json) out.line(pending === null ? '[]' : `${pending}\n]`);
}
