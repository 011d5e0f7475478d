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
import { readFileSync } from 'node:fs';
import { UserError } from '../base/errors.ts';
import {
  ElfError, executableSections, isElf, parseElf32, sectionData, SHN_UNDEF,
  type Elf32, type ElfSymbol, type Section,
} from '../runtime/elf.ts';
import { disassembleRange, hexBytes, SymbolTable, type DisasmLine } from '../isa/disasm.ts';
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

function readImage(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory'
      : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UserError(`cannot read ${path}: ${why}`);
  }
}

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

interface Block {
  title?: string;
  lines: DisasmLine[];
}

export async function disasmCommand(image: string, opts: DisasmCliOptions): Promise<number> {
  const bytes = readImage(image);
  const start = opts.start !== undefined ? parseHex(opts.start, '--start') : undefined;
  let count = opts.count !== undefined ? parseCount(opts.count) : Infinity;
  const blocks: Block[] = [];

  if (isElf(bytes)) {
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
    for (const s of sections) {
      if (count <= 0) break;
      if (start !== undefined && start >= s.addr + s.size) continue;
      const lines = disassembleElfSection(elf, s, { start, count });
      count -= lines.length;
      blocks.push({ title: s.name, lines });
    }
  } else {
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
    blocks.push({ lines: disassembleRange(TABLE, bytes, base, bits === '32', { start, count, symbols }) });
  }

  const out: string[] = [];
  if (opts.json) {
    const items = blocks.flatMap((b) => b.lines.map((l) => ({
      addr: l.addr, bytes: hexBytes(l.bytes), text: l.text, ...(l.symbol !== undefined ? { symbol: l.symbol } : {}),
    })));
    out.push(JSON.stringify(items, null, 1));
  } else {
    for (const b of blocks) {
      if (b.title !== undefined) out.push(`\nDisassembly of section ${b.title}:`);
      for (const l of b.lines) {
        if (l.symbol !== undefined) out.push('', `${l.addr.toString(16).padStart(8, '0')} <${l.symbol}>:`);
        out.push(`${l.addr.toString(16).padStart(8, ' ')}:\t${hexBytes(l.bytes).padEnd(20)}\t${l.text}`);
      }
    }
  }
  // a listing piped into `head` is a normal use: a closed pipe ends the command quietly
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
