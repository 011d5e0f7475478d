/**
 * Expect files: the JavaScript the translator generates for small guest
 * snippets, stored next to them so that every change to code generation
 * shows up as a reviewed diff.
 *
 * Each case is `cases/<name>.asm` (nasm, 32-bit, loaded at 0x1000 through
 * `cases/flat32.inc`), assembled into the committed `cases/<name>.bin`
 * (spec-tests/prebuilt.ts: `npm run prebuilt:update` after editing a case). It is
 * translated on a fresh bare CPU by `RegionCompiler` directly (one region at
 * the entry, as the engine would make it with threshold 0), and the source is
 * normalised (trailing whitespace, blank lines and runs of spaces removed) so
 * that only changes of substance count. `<name>.expected.js` holds the result
 * with the snippet's listing as a header comment; `npm run expect:update`
 * rewrites them, expect.test.ts compares and prints a line diff.
 *
 * A case with a line naming compile stages (`; stages: discover liveness`)
 * also gets each stage's output in its header: the blocks found
 * (translator/region/discover.ts), the blocks after loop rotation
 * (translator/region/rotate.ts) and, per instruction, the flags live after
 * it (translator/region/liveness.ts), so a change to a stage shows up as a
 * diff of that stage.
 *
 * A case with a line naming a VMI ABI (`; vmi: proposal`) runs in a test
 * world with that ABI's ROM at 0xC8000 and the vCPU paravirtual, and is
 * compiled with the VMI inliner (translator/inline/vmi.ts): it shows the
 * code of inlined VMI calls. Its calls are written `call 0xC8000 + N*32`
 * (or through a pointer the case holds).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bareCpu, CODE_ADDR, type Bare } from '../harness.ts';
import { RegionCompiler } from '../../translator/compile/pipeline.ts';
import { prettySource } from '../../translator/compile/assemble.ts';
import { DEFAULT_LIMITS, discover } from '../../translator/region/discover.ts';
import { flagLiveness } from '../../translator/region/liveness.ts';
import { rotateLoops } from '../../translator/region/rotate.ts';
import { effectsOf } from '../../translator/emit/probe-ops.ts';
import { CF, PF, AF, ZF, SF, OF } from '../../isa/eflags.ts';
import type { Cpu } from '../../cpu/cpu.ts';
import type { Instr } from '../../isa/instr.ts';
import { disassembleRange, hexBytes } from '../../isa/disasm.ts';
import { readPrebuilt } from '../prebuilt.ts';
import { TABLE } from '../../semantics/table.ts';
import { testWorld, ROM_AT } from '../world.ts';
import { VmiInliner } from '../../translator/inline/vmi.ts';
import { ABIS, ABI_IDS, type AbiId } from '../../vmirom/abis.ts';

export const EXPECT_DIR = new URL('./', import.meta.url).pathname;
const CASES_DIR = join(EXPECT_DIR, 'cases');
const CASES = 'spec-tests/expect/cases';

export function caseNames(): string[] {
  return readdirSync(CASES_DIR).filter((f) => f.endsWith('.asm')).map((f) => f.slice(0, -4)).sort();
}

export function normalise(js: string): string {
  return js.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => l !== '').join('\n') + '\n';
}

/** A case ready to translate: its source, its code loaded at CODE_ADDR with EIP there, and a compiler with the case's inliner. */
export interface CaseSetup {
  asm: string;
  code: Uint8Array;
  cpu: Cpu;
  compiler: RegionCompiler;
}

/**
 * A case's machine and compiler: a bare CPU, or for a case naming a VMI ABI
 * a test world with that ROM, the vCPU paravirtual and the VMI inliner
 * (also what `npm run bench:translate` translates).
 */
export function caseSetup(name: string): CaseSetup {
  const asm = readFileSync(join(CASES_DIR, `${name}.asm`), 'utf8');
  const code = readPrebuilt(`${CASES}/${name}.bin`);
  const vmi = /^; vmi: (\w+)$/m.exec(asm)?.[1];
  const compiler = new RegionCompiler();
  let b: Bare;
  if (vmi !== undefined) {
    if (!ABI_IDS.includes(vmi as AbiId)) throw new Error(`case ${name}: unknown VMI ABI '${vmi}'`);
    const w = testWorld({ rom: { abi: ABIS[vmi as AbiId], address: ROM_AT } });
    w.cpu.pv = w.rom!.vcpus[0];
    compiler.inliners.push(new VmiInliner(w.rom!, w.rom!.vcpus[0]));
    b = w;
  } else {
    b = bareCpu();
  }
  b.load(code);
  return { asm, code, cpu: b.cpu, compiler };
}

/** The expected-file text of a case: its listing, then the generated function, normalised. */
export function generated(name: string): string {
  const { asm, code, cpu, compiler } = caseSetup(name);
  const lines = disassembleRange(TABLE, code, CODE_ADDR, true);
  const stages = /^; stages: (.*)$/m.exec(asm)?.[1].trim().split(/\s+/) ?? [];
  const inlined = (i: Instr) => compiler.inliners.some((n) => n.claim(i, cpu, compiler.limits) !== undefined);
  const stageLines = stageOutput(cpu, stages, new Map(lines.map((l) => [l.addr, l.text])), inlined);
  const t = compiler.compile(cpu, 0);
  if (!t) throw new Error(`case ${name}: nothing to translate`);
  const listing = lines.map((l) => `// ${l.addr.toString(16)}  ${hexBytes(l.bytes).padEnd(24)} ${l.text}`);
  // the source is compact (translator/emit/ast.ts): shown re-indented, with its size as compiled
  const header = `// ${name}: ${t.instructions} instructions, ${t.blocks} blocks, ${t.sourceBytes} bytes of source`;
  return normalise([header, ...listing, ...stageLines, prettySource(t.source)].join('\n'));
}

const FLAG_NAMES: [number, string][] = [[CF, 'CF'], [PF, 'PF'], [AF, 'AF'], [ZF, 'ZF'], [SF, 'SF'], [OF, 'OF']];
const flagNames = (mask: number) => FLAG_NAMES.filter(([f]) => mask & f).map(([, n]) => n).join(' ') || '-';

/** The named stages' output for the code at the CPU's EIP, as comment lines. */
function stageOutput(cpu: Cpu, stages: string[], text: Map<number, string>, inlined: (i: Instr) => boolean): string[] {
  const out: string[] = [];
  const found = discover(cpu, DEFAULT_LIMITS, inlined).blocks;
  const blocks = rotateLoops(found, inlined);
  const listBlocks = (bs: typeof blocks) => bs.map((b) => {
    const last = b.instrs[b.instrs.length - 1];
    return `//   ${b.eip.toString(16)}: ${b.instrs.length} instruction${b.instrs.length === 1 ? '' : 's'}${last ? ` to ${last.eip.toString(16)}` : ''}${b.stopEip !== undefined ? `, stops at ${b.stopEip.toString(16)}` : ''}`;
  });
  for (const stage of stages) {
    if (stage === 'discover') {
      out.push(`// discover: ${found.length} blocks`, ...listBlocks(found));
    } else if (stage === 'rotate') {
      out.push('// rotate: blocks after loop rotation', ...listBlocks(blocks));
    } else if (stage === 'liveness') {
      out.push('// liveness: flags live after each instruction');
      for (const b of blocks) {
        const live = flagLiveness(b.instrs, b.instrs.map((i) => effectsOf(i, cpu.stack32 ? 4 : 2)));
        b.instrs.forEach((i, n) => out.push(`//   ${i.eip.toString(16)}  ${(text.get(i.eip) ?? i.row.mn).padEnd(28)} ${flagNames(live[n])}`));
      }
    } else {
      throw new Error(`unknown stage '${stage}' (discover, rotate, liveness)`);
    }
  }
  return out;
}

export const expectedPath = (name: string): string => join(EXPECT_DIR, `${name}.expected.js`);

/**
 * A unified-style line diff (longest common subsequence), with `context`
 * lines around each change; empty when the texts are equal.
 */
export function lineDiff(expected: string, actual: string, context = 3): string {
  const a = expected.split('\n'), b = actual.split('\n');
  const n = a.length, m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: { k: ' ' | '-' | '+'; line: string; ai: number; bi: number }[] = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push({ k: ' ', line: a[i], ai: i++, bi: j++ }); }
    // removals before additions, as diff -u lists them
    else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) { ops.push({ k: '-', line: a[i], ai: i++, bi: j }); }
    else { ops.push({ k: '+', line: b[j], ai: i, bi: j++ }); }
  }
  const changed = ops.map((o) => o.k !== ' ');
  if (!changed.includes(true)) return '';
  const out: string[] = ['--- expected', '+++ generated'];
  for (let p = 0; p < ops.length;) {
    if (!changed[p]) { p++; continue; }
    const from = Math.max(0, p - context);
    let to = p;
    // extend the hunk while changes are closer than 2 * context lines apart
    for (let q = p; q < ops.length && q <= to + 2 * context; q++) if (changed[q]) to = q;
    const end = Math.min(ops.length, to + context + 1);
    out.push(`@@ -${ops[from].ai + 1} +${ops[from].bi + 1} @@`);
    for (let q = from; q < end; q++) out.push(`${ops[q].k}${ops[q].line}`);
    p = end;
  }
  return out.join('\n');
}
