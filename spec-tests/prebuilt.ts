/**
 * Build outputs committed next to their sources, so tests need no assembler,
 * compiler or disassembler.
 *
 * Some test inputs are made by host tools: the system tests, machine tests and expect cases
 * by nasm, the disassembler fixtures by `gcc -m32` and `as --32`, and the
 * reference instruction boundaries by GNU objdump. Each is described here by
 * a `Recipe` (tool, working directory, command, inputs) and committed next to
 * its source; `spec-tests/prebuilt.json` (the manifest) records, per output,
 * the command, the SHA-256 of every input and of the output, and the version
 * line of every tool that made them.
 *
 * Invariants, all checked by prebuilt.test.ts on every machine:
 * - the manifest lists exactly the recipes below, with their commands;
 * - every output's bytes and every input's bytes hash to what the manifest
 *   says, so an edited source whose output was not remade is caught even
 *   where the tool is missing (`readPrebuilt` checks the same before handing
 *   an output to a test, and names the command that fixes it);
 * - where a tool is present at the manifest's version, remaking its outputs
 *   in a temporary directory gives the same bytes (skipped with its reason
 *   outside CI when the tool is missing, failed in CI).
 *
 * Commands run in the source's directory with relative names, so no absolute
 * path reaches an output. `npm run prebuilt:update` (prebuilt-update.ts)
 * remakes the outputs and the manifest. Small nasm snippets written inline in
 * tests are kept apart, by content hash (snippets.ts).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ToolName } from './tools.ts';

export const ROOT = new URL('..', import.meta.url).pathname;
export const MANIFEST = 'spec-tests/prebuilt.json';

export interface Recipe {
  /** the output, relative to the repository root */
  out: string;
  tool: ToolName;
  /** the directory the command runs in, relative to the root */
  cwd: string;
  /** the command; the word OUT stands for the output file */
  argv: string[];
  /** the files whose bytes decide the output, relative to the root */
  inputs: string[];
  /** when set, the output is the command's stdout through this function, not a file it writes */
  stdout?: (text: string) => string;
}

export interface ManifestEntry {
  tool: ToolName;
  cwd: string;
  command: string;
  inputs: Record<string, string>;
  sha256: string;
}

export interface Manifest {
  about: string;
  tools: Partial<Record<ToolName, string>>;
  outputs: Record<string, ManifestEntry>;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const list = (dir: string, ext: string): string[] =>
  readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).sort();

/** Every `dir`/*.asm assembled to a flat binary beside it, each also reading the shared include `inc`. */
function nasmFolder(dir: string, inc: string): Recipe[] {
  return list(dir, '.asm').map((n) => ({
    out: `${dir}/${n}.bin`, tool: 'nasm', cwd: dir,
    argv: ['nasm', '-f', 'bin', '-o', 'OUT', `${n}.asm`],
    inputs: [`${dir}/${n}.asm`, `${dir}/${inc}`],
  }));
}

/** The system tests (spec-tests/system/*.asm): flat binaries loaded at 0x7C00, sharing lib.inc. */
const systemRecipes = (): Recipe[] => nasmFolder('spec-tests/system', 'lib.inc');

/** The machine tests (spec-tests/machine/*.asm): Multiboot kernels sharing machine.inc. */
const machineRecipes = (): Recipe[] => nasmFolder('spec-tests/machine', 'machine.inc');

/** The expect cases (spec-tests/expect/cases/*.asm): 32-bit code at 0x1000, through flat32.inc. */
function expectRecipes(): Recipe[] {
  const dir = 'spec-tests/expect/cases';
  return list(dir, '.asm').map((n) => ({
    out: `${dir}/${n}.bin`, tool: 'nasm', cwd: dir,
    argv: ['nasm', '-f', 'bin', '-P', 'flat32.inc', '-o', 'OUT', `${n}.asm`],
    inputs: [`${dir}/${n}.asm`, `${dir}/flat32.inc`],
  }));
}

export const DISASM_FIXTURES = 'spec-tests/fixtures/disasm';

/**
 * gcc -m32 objects for the objdump boundary test: integer code at several
 * optimisation settings, x87 code, and a block of system and odd encodings.
 */
export const GCC_BUILDS: [name: string, source: string, flags: string[]][] = [
  ['arith-O2', 'arith.c', ['-O2']],
  ['arith-O2-i686-nopic', 'arith.c', ['-O2', '-march=i686', '-fno-pic']],
  ['arith-Os', 'arith.c', ['-Os', '-fno-pic']],
  ['arith-O1-i386', 'arith.c', ['-O1', '-march=i386', '-fno-pic']],
  ['fpu-O2-387', 'fpu.c', ['-O2', '-mfpmath=387', '-march=i686']],
  ['fpu-O0-387-i386', 'fpu.c', ['-O0', '-mfpmath=387', '-march=i386']],
  ['sys', 'sys.c', ['-O2', '-fno-pic']],
];

function fixtureRecipes(): Recipe[] {
  const dir = DISASM_FIXTURES;
  const gcc: Recipe[] = GCC_BUILDS.map(([name, src, flags]) => ({
    out: `${dir}/${name}.o`, tool: 'gcc-m32', cwd: dir,
    argv: ['gcc', '-m32', ...flags, '-fno-asynchronous-unwind-tables', '-c', src, '-o', 'OUT'],
    inputs: [`${dir}/${src}`],
  }));
  // a relocatable object with a global symbol, for `vmidbt disasm` on an ELF (isa/disasm.test.ts)
  const as: Recipe = {
    out: `${dir}/symbols.o`, tool: 'as', cwd: dir,
    argv: ['as', '--32', '-o', 'OUT', 'symbols.s'], inputs: [`${dir}/symbols.s`],
  };
  return [...gcc, as];
}

/** ELF files whose instruction boundaries objdump gives: the gcc fixtures and the committed guest images. */
export function boundaryTargets(): { label: string; elf: string; starts: string }[] {
  const fixtures = GCC_BUILDS.map(([name]) => ({ label: name, elf: `${DISASM_FIXTURES}/${name}.o`, starts: `${DISASM_FIXTURES}/${name}.starts` }));
  const guests = existsSync(join(ROOT, 'guest')) ? list('guest', '.elf') : [];
  return [...fixtures, ...guests.map((g) => ({ label: `guest/${g}.elf`, elf: `guest/${g}.elf`, starts: `${DISASM_FIXTURES}/guest-${g}.starts` }))];
}

function objdumpRecipes(): Recipe[] {
  return boundaryTargets().map(({ elf, starts }) => {
    const cwd = elf.slice(0, elf.lastIndexOf('/'));
    return { out: starts, tool: 'objdump', cwd, argv: ['objdump', '-d', '-z', '-w', basename(elf)], inputs: [elf], stdout: objdumpStarts };
  });
}

/** Every recipe, in build order (an objdump listing after the object it reads). */
export function recipes(): Recipe[] {
  return [...systemRecipes(), ...machineRecipes(), ...expectRecipes(), ...fixtureRecipes(), ...objdumpRecipes()];
}

/** The command as the manifest writes it. */
export const commandLine = (r: Recipe): string => r.argv.map((a) => (a === 'OUT' ? basename(r.out) : a)).join(' ') + (r.stdout ? ` > ${basename(r.out)}` : '');

/** Run a recipe, writing its output to `outFile` (an absolute path); returns a failure line or undefined. */
export function runRecipe(r: Recipe, outFile: string): { output?: Uint8Array; error?: string } {
  const argv = r.argv.map((a) => (a === 'OUT' ? outFile : a));
  const p = spawnSync(argv[0], argv.slice(1), { cwd: join(ROOT, r.cwd), encoding: r.stdout ? 'utf8' : 'buffer', maxBuffer: 256 << 20 });
  if (p.error || p.status !== 0) {
    const err = (p.stderr ?? '').toString().trim().split('\n')[0];
    return { error: `${commandLine(r)} (in ${r.cwd}) failed: ${p.error?.message ?? `exit ${p.status}`}${err ? `: ${err}` : ''}` };
  }
  if (r.stdout) return { output: new TextEncoder().encode(r.stdout(p.stdout as string)) };
  return { output: new Uint8Array(readFileSync(outFile)) };
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(join(ROOT, MANIFEST), 'utf8')) as Manifest;
}

const hashOf = (path: string): string => sha256(readFileSync(join(ROOT, path)));

/** Why a committed output cannot be trusted as it is, or undefined when it can. */
export function staleness(out: string, manifest: Manifest = readManifest()): string | undefined {
  const e = manifest.outputs[out];
  if (!e) return `${out} is not in ${MANIFEST}: run npm run prebuilt:update`;
  const fix = `run npm run prebuilt:update (needs ${e.tool})`;
  for (const [input, h] of Object.entries(e.inputs)) {
    if (!existsSync(join(ROOT, input))) return `${input}, an input of ${out}, is gone: ${fix}`;
    if (hashOf(input) !== h) return `${input} changed since ${out} was made from it: ${fix}`;
  }
  if (!existsSync(join(ROOT, out))) return `${out} is missing: ${fix}`;
  if (hashOf(out) !== e.sha256) return `${out} is not the output ${MANIFEST} records: ${fix}`;
  return undefined;
}

/** A committed output, after checking it was made from its inputs as they are now. */
export function readPrebuilt(out: string): Uint8Array {
  const why = staleness(out);
  if (why) throw new Error(why);
  return new Uint8Array(readFileSync(join(ROOT, out)));
}

/**
 * objdump -d -z -w output reduced to where instructions start: one line per
 * section, `<name> <hex address>:<lengths>` with one hex digit per
 * instruction length (an x86 instruction is at most 15 bytes) and a new
 * address wherever the listing skips.
 */
export function objdumpStarts(listing: string): string {
  const out: string[] = ['# instruction starts by objdump -d -z -w: per section, runs of <address>:<one hex digit per instruction length>'];
  let line: string[] | undefined;
  let next = -1;
  for (const text of listing.split('\n')) {
    const sec = /^Disassembly of section (.+):$/.exec(text);
    if (sec) {
      if (line) out.push(line.join(''));
      line = [sec[1]];
      next = -1;
      continue;
    }
    const m = /^\s*([0-9a-f]+):\t([0-9a-f]{2}(?: [0-9a-f]{2})*)\s*\t/.exec(text);
    if (!m || !line) continue;
    const addr = parseInt(m[1], 16), len = (m[2].length + 1) / 3;
    if (addr !== next) line.push(` ${addr.toString(16)}:`);
    line.push(len.toString(16));
    next = addr + len;
  }
  if (line) out.push(line.join(''));
  return out.join('\n') + '\n';
}

/** The starts file read back: per section, each instruction's address and length. */
export function parseStarts(text: string): Map<string, { addr: number; len: number }[]> {
  const sections = new Map<string, { addr: number; len: number }[]>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, ...runs] = line.split(' ');
    const insns: { addr: number; len: number }[] = [];
    for (const run of runs) {
      const [at, lens] = run.split(':');
      let addr = parseInt(at, 16);
      for (const c of lens) { const len = parseInt(c, 16); insns.push({ addr, len }); addr += len; }
    }
    sections.set(name, insns);
  }
  return sections;
}
