/**
 * Instruction boundaries against GNU objdump.
 *
 * For every executable section of a set of i386 ELF files, the addresses at
 * which `objdump -d` starts an instruction must be exactly the addresses at
 * which our decoder (through the `vmidbt disasm` path, which restarts at
 * symbols as objdump does) starts one. Mnemonics are not compared: only the
 * lengths the decoder derives from the table.
 *
 * The files are the `gcc -m32` objects in spec-tests/fixtures/disasm (built
 * from the C sources there: integer code at several optimisation settings,
 * x87 code, and an assembly block of system, string, I/O, BCD and odd
 * encodings) and the committed guest kernel(s) in guest/*.elf. objdump's
 * answer for each is committed beside the objects as a `.starts` file; all
 * of them are build outputs of spec-tests/prebuilt.ts, so this test needs
 * neither gcc nor objdump, and prebuilt.test.ts remakes them with the tools
 * where they are installed. objdump ran with -z (list zero runs instead of
 * skipping them: a skip moves its boundaries) and -w (one line per
 * instruction).
 *
 * One known difference is normalised: objdump folds FWAIT (9B) into a
 * following x87 instruction (`9b dd 38` is printed as `fstsw`), while
 * architecturally and for us FWAIT is an instruction of its own. Ranges of
 * data object symbols (STT_OBJECT) are dumped as data by objdump -d and by
 * us, and not compared.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { executableSections, parseElf32, sectionData, type Elf32 } from '../runtime/elf.ts';
import { disassembleElfSection } from '../cli/disasm.ts';
import { hexBytes } from '../isa/disasm.ts';
import { boundaryTargets, parseStarts, readPrebuilt, ROOT } from './prebuilt.ts';

interface ObjdumpInsn {
  addr: number;
  bytes: string;
}

const X87_ESC = /^9b d[89a-f]/;

interface SectionReport {
  section: string;
  objdump: number;
  ours: number;
  mismatches: string[];
}

/** objdump's instructions by section, from its committed `.starts` listing and the section's bytes. */
function objdumpInsns(elf: Elf32, starts: string): Map<string, ObjdumpInsn[]> {
  const bySection = new Map<string, ObjdumpInsn[]>();
  for (const [name, insns] of parseStarts(starts)) {
    const s = elf.sections.find((x) => x.name === name);
    const data = s ? sectionData(elf, s) : new Uint8Array();
    const at = (a: number) => a - (s?.addr ?? 0);
    bySection.set(name, insns.map(({ addr, len }) => ({ addr, bytes: hexBytes(data.subarray(at(addr), at(addr) + len)) })));
  }
  return bySection;
}

/** Compare every executable section of one ELF file with objdump's listing of it. */
function compareFile(elfBytes: Uint8Array, starts: string): SectionReport[] {
  const elf = parseElf32(elfBytes);
  const theirs = objdumpInsns(elf, starts);
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
      if (X87_ESC.test(insn.bytes)) odStarts.set(insn.addr + 1, { addr: insn.addr + 1, bytes: insn.bytes.slice(3) });
    }
    const mismatches: string[] = [];
    const all = [...new Set([...ours.keys(), ...odStarts.keys()])].sort((a, b) => a - b);
    for (const a of all) {
      const o = odStarts.get(a);
      const l = ours.get(a);
      if (o && l) continue;
      const at = `${s.name}+0x${(a - s.addr).toString(16)} (0x${a.toString(16)})`;
      mismatches.push(o
        ? `${at}: objdump starts '${o.bytes}'; we do not (our previous instruction covers it)`
        : `${at}: we start '${hexBytes(l!.bytes)}' ${l!.text}; objdump does not`);
    }
    reports.push({ section: s.name, objdump: odStarts.size, ours: ours.size, mismatches });
  }
  return reports;
}

function checkFile(label: string, elf: string, starts: string): void {
  const reports = compareFile(readPrebuiltOrInput(elf), new TextDecoder().decode(readPrebuilt(starts)));
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

/** A gcc fixture is itself a build output; a guest image is committed by guest/Makefile. */
const readPrebuiltOrInput = (path: string): Uint8Array =>
  path.startsWith('guest/') ? new Uint8Array(readFileSync(join(ROOT, path))) : readPrebuilt(path);

describe('objdump boundaries', () => {
  const targets = boundaryTargets();
  it('covers the gcc fixtures and the guest kernel', () => {
    expect(targets.map((t) => t.label)).toEqual(expect.arrayContaining(['arith-O2', 'fpu-O2-387', 'sys', 'guest/kernel.elf']));
  });
  for (const t of targets) it(t.label, () => checkFile(t.label, t.elf, t.starts));
});
