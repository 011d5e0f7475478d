/**
 * Instruction boundaries against GNU objdump.
 *
 * For every executable section of a set of i386 ELF files, the addresses at
 * which `objdump -d` starts an instruction must be exactly the addresses at
 * which our decoder (through the `vmidbt disasm` path, which restarts at
 * symbols as objdump does) starts one. Mnemonics are not compared: only the
 * lengths the decoder derives from the table.
 *
 * The files are built at test time with `gcc -m32` from the C sources in
 * fixtures/disasm (integer code at several optimisation settings, x87 code,
 * and an assembly block of system, string, I/O, BCD and odd encodings), plus
 * the committed guest kernel(s) in guest/*.elf. The gcc part is skipped only
 * when `gcc -m32` cannot build (no multilib); objdump itself is required.
 *
 * objdump is run with -z (list zero runs instead of skipping them: a skip
 * moves its boundaries) and -w (one line per instruction). One known
 * difference is normalised: objdump folds FWAIT (9B) into a following x87
 * instruction (`9b dd 38` is printed as `fstsw`), while architecturally and
 * for us FWAIT is an instruction of its own. Ranges of data object symbols
 * (STT_OBJECT) are dumped as data by objdump -d and by us, and not compared.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executableSections, parseElf32 } from '../runtime/elf.ts';
import { disassembleElfSection } from '../cli/disasm.ts';
import { hexBytes } from '../isa/disasm.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const FIXTURES = join(ROOT, 'spec-tests/fixtures/disasm');

interface ObjdumpInsn {
  addr: number;
  bytes: string;
  text: string;
}

/** objdump's instructions by section name. */
function objdumpInsns(file: string): Map<string, ObjdumpInsn[]> {
  const out = execFileSync('objdump', ['-d', '-z', '-w', file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const bySection = new Map<string, ObjdumpInsn[]>();
  let cur: ObjdumpInsn[] | undefined;
  for (const line of out.split('\n')) {
    const sec = /^Disassembly of section (.+):$/.exec(line);
    if (sec) {
      cur = [];
      bySection.set(sec[1], cur);
      continue;
    }
    const m = /^\s*([0-9a-f]+):\t([0-9a-f]{2}(?: [0-9a-f]{2})*)\s*\t(.*)$/.exec(line);
    if (m && cur) cur.push({ addr: parseInt(m[1], 16), bytes: m[2], text: m[3].trim() });
  }
  return bySection;
}

const X87_ESC = /^9b d[89a-f]/;

interface SectionReport {
  section: string;
  objdump: number;
  ours: number;
  mismatches: string[];
}

/** Compare every executable section of one ELF file. */
function compareFile(file: string): SectionReport[] {
  const elf = parseElf32(readFileSync(file));
  const theirs = objdumpInsns(file);
  const reports: SectionReport[] = [];
  for (const s of executableSections(elf)) {
    const lines = disassembleElfSection(elf, s);
    // data objects are dumped, not decoded, by both sides
    const ours = new Map(lines.filter((l) => !l.data).map((l) => [l.addr, l]));
    const od = theirs.get(s.name) ?? [];
    const odStarts = new Map<number, ObjdumpInsn>();
    for (const insn of od) {
      odStarts.set(insn.addr, insn);
      // FWAIT folded into the x87 instruction after it: two instructions for us
      if (X87_ESC.test(insn.bytes)) odStarts.set(insn.addr + 1, { ...insn, addr: insn.addr + 1, bytes: insn.bytes.slice(3) });
    }
    const mismatches: string[] = [];
    const all = [...new Set([...ours.keys(), ...odStarts.keys()])].sort((a, b) => a - b);
    for (const a of all) {
      const o = odStarts.get(a);
      const l = ours.get(a);
      if (o && l) continue;
      const at = `${s.name}+0x${(a - s.addr).toString(16)} (0x${a.toString(16)})`;
      mismatches.push(o
        ? `${at}: objdump starts '${o.bytes}' ${o.text}; we do not (our previous instruction covers it)`
        : `${at}: we start '${hexBytes(l!.bytes)}' ${l!.text}; objdump does not`);
    }
    reports.push({ section: s.name, objdump: odStarts.size, ours: ours.size, mismatches });
  }
  return reports;
}

function checkFile(label: string, file: string): void {
  const reports = compareFile(file);
  expect(reports.length).toBeGreaterThan(0);
  const problems: string[] = [];
  for (const r of reports) {
    // the counts go to the test output so that a run records what was compared
    console.log(`objdump-boundaries ${label} ${r.section}: objdump ${r.objdump} instructions, ours ${r.ours}, ` +
      `${r.mismatches.length} mismatched starts`);
    expect(r.objdump).toBeGreaterThan(0);
    problems.push(...r.mismatches.map((m) => `${label} ${m}`));
  }
  // a handful is enough to locate a bad row; the count says how widespread it is
  expect(problems.slice(0, 40), `${problems.length} boundary mismatches`).toEqual([]);
}

function gccM32Works(dir: string): boolean {
  try {
    execFileSync('gcc', ['-m32', '-x', 'c', '-c', '-o', join(dir, 'probe.o'), '-'], {
      input: 'int probe(int x) { return x * 3; }\n', stdio: ['pipe', 'ignore', 'ignore'],
    });
    return true;
  } catch {
    return false;
  }
}

const work = mkdtempSync(join(tmpdir(), 'vmidbt-objdump-'));
const haveGcc = gccM32Works(work);
if (!haveGcc) console.log('objdump-boundaries: gcc -m32 unavailable (install gcc-multilib): gcc-built part skipped');

/** name, source, extra flags */
const BUILDS: [string, string, string[]][] = [
  ['arith-O2', 'arith.c', ['-O2']],
  ['arith-O2-i686-nopic', 'arith.c', ['-O2', '-march=i686', '-fno-pic']],
  ['arith-Os', 'arith.c', ['-Os', '-fno-pic']],
  ['arith-O1-i386', 'arith.c', ['-O1', '-march=i386', '-fno-pic']],
  ['fpu-O2-387', 'fpu.c', ['-O2', '-mfpmath=387', '-march=i686']],
  ['fpu-O0-387-i386', 'fpu.c', ['-O0', '-mfpmath=387', '-march=i386']],
  ['sys', 'sys.c', ['-O2', '-fno-pic']],
];

describe.skipIf(!haveGcc)('objdump boundaries: gcc -m32 builds', () => {
  for (const [name, src, flags] of BUILDS) {
    it(name, () => {
      const obj = join(work, `${name}.o`);
      execFileSync('gcc', ['-m32', ...flags, '-fno-asynchronous-unwind-tables', '-c', join(FIXTURES, src), '-o', obj]);
      checkFile(name, obj);
    });
  }
});

const guestDir = join(ROOT, 'guest');
const guestImages = existsSync(guestDir) ? readdirSync(guestDir).filter((f) => f.endsWith('.elf')) : [];

describe('objdump boundaries: committed guest images', () => {
  it('finds objdump', () => {
    expect(execFileSync('objdump', ['--version'], { encoding: 'utf8' })).toMatch(/GNU objdump/);
  });
  for (const f of guestImages) {
    it(`guest/${f}`, () => checkFile(`guest/${f}`, join(guestDir, f)));
  }
});

process.on('exit', () => rmSync(work, { recursive: true, force: true }));
