/**
 * Generated code may only be made of a fixed set of JavaScript constructs.
 *
 * Guest bytes reach generated source only as numbers; a translator bug that
 * let anything else through (a string, a regex, a name built from guest data,
 * a construct the compiler never means to emit) would be a code-injection
 * hole in the host. Each snippet of a varied corpus (nasm-built, plus random
 * sequences from the fuzzer's generator) is translated region by region; the
 * source of every region is parsed with acorn and walked: every node type must
 * be on the allow-list, every Literal a finite number, every identifier one the
 * ABI declares (emit/abi.ts: locals, `t<N>` temporaries, labels, the factory's
 * parameters; the names are taken from that module, so the generator and this
 * check cannot drift apart), and every named member one of `h`'s or `hp`'s
 * functions, `Math.imul`, a CPU field, a memory view, or for an inlined VMI
 * call a field of the vCPU's VMI state the ABI names or one of the ROM's
 * hypervisor operations. A failure names the node. Inlined VMI calls come
 * from the fuzzer's sandbox, which has the ROM.
 */
import { parse } from 'acorn';
import { describe, expect, it } from 'vitest';
import { bareCpu } from '../../spec-tests/harness.ts';
import { Engine, DEFAULT_ENGINE_OPTIONS } from '../engine/engine.ts';
import { RegionCompiler } from './pipeline.ts';
import type { Translation } from './assemble.ts';
import { H } from '../emit/host.ts';
import { CODE_EPOCH, GLOBALS, LABELS, LOCALS, MEMORY_VIEWS, PAGE_KINDS, PARAMS, TEMP_PATTERN, VMI_FIELDS, declaredNames } from '../emit/abi.ts';
import { ROM_EFFECTS } from '../../vmirom/effects.ts';
import { CAMPAIGN_TIMEOUT_MS, Differential, caseFromSeed } from '../../spec-tests/fuzz/differential.ts';
import { HELPERS } from '../../semantics/helpers.ts';
import { Cpu } from '../../cpu/cpu.ts';
import { PhysicalMemory } from '../../cpu/memory.ts';
import { MachineStop } from '../../isa/faults.ts';
import { nasm } from '../../spec-tests/snippets.ts';
import { Rng, assemble, randomUnits, AVOID_NONE } from '../../spec-tests/fuzz/generate.ts';

const NODE_TYPES = new Set([
  'Program', 'ReturnStatement', 'FunctionExpression', 'BlockStatement', 'VariableDeclaration', 'VariableDeclarator',
  'ExpressionStatement', 'AssignmentExpression', 'BinaryExpression', 'LogicalExpression', 'UnaryExpression',
  'ConditionalExpression', 'CallExpression', 'NewExpression', 'MemberExpression', 'IfStatement', 'LabeledStatement',
  'ForStatement', 'SwitchStatement', 'SwitchCase', 'BreakStatement', 'ContinueStatement', 'TryStatement',
  'CatchClause', 'ThrowStatement', 'Identifier', 'Literal',
]);

/** names the compiler declares (factory parameters, the function, its locals, labels, globals), from the ABI itself */
const NAMES = declaredNames();
const LABEL_NAMES: Set<string> = new Set(Object.values(LABELS));
/** where generated code may store: the register array, RAM views, CPU fields, the VMI state's fields */
const STORE_TARGET = new RegExp(`^(${[LOCALS.regs, ...Object.keys(MEMORY_VIEWS)].join('|')}|${LOCALS.cpu}\\.\\w+|${PARAMS.vmi}\\.(${Object.values(VMI_FIELDS).join('|')}))$`);

const cpuFields = new Set(Object.keys(new Cpu(new PhysicalMemory(4096))));
/** the properties generated code may name, by the object they are read from */
const MEMBERS: Record<string, Set<string>> = {
  [PARAMS.host]: new Set(Object.keys(H)),
  [PARAMS.helpers]: new Set(Object.keys(HELPERS)),
  [GLOBALS.math]: new Set(['imul']),
  [LOCALS.cpu]: cpuFields,
  [`${LOCALS.cpu}.mmu`]: new Set(['tlb']),
  [PARAMS.memory]: new Set([...Object.values(MEMORY_VIEWS), CODE_EPOCH, PAGE_KINDS]),
  [PARAMS.vmi]: new Set(Object.values(VMI_FIELDS)),
  [PARAMS.vmiEffects]: new Set(Object.keys(ROM_EFFECTS)),
};

interface Node { type: string; [k: string]: unknown }

/** Every violation in a generated function's source, as "what: where". */
export function violations(source: string): string[] {
  const bad: string[] = [];
  const ast = parse(source, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true }) as unknown as Node;
  const text = (n: Node) => source.slice(n.start as number, Math.min(n.end as number, (n.start as number) + 60));
  const path = (n: Node): string | undefined => {
    if (n.type === 'Identifier') return n.name as string;
    if (n.type === 'MemberExpression' && !n.computed) {
      const o = path(n.object as Node);
      return o && `${o}.${(n.property as Node).name as string}`;
    }
    return undefined;
  };
  const visit = (n: Node, propertyOf?: Node): void => {
    if (!NODE_TYPES.has(n.type)) bad.push(`node type ${n.type}: ${text(n)}`);
    if (n.type === 'Literal' && (typeof n.value !== 'number' || !Number.isFinite(n.value) || n.regex !== undefined || n.bigint !== undefined)) {
      bad.push(`non-numeric literal ${String(n.raw)}: ${text(n)}`);
    }
    if (n.type === 'Identifier' && !propertyOf && !NAMES.has(n.name as string) && !TEMP_PATTERN.test(n.name as string)) {
      bad.push(`identifier ${n.name as string}: ${text(n)}`);
    }
    if (n.type === 'MemberExpression' && !n.computed) {
      const owner = path(n.object as Node);
      const prop = (n.property as Node).name as string;
      if (owner === undefined || !MEMBERS[owner]?.has(prop)) bad.push(`member ${owner ?? '(expression)'}.${prop}: ${text(n)}`);
    }
    if (n.type === 'AssignmentExpression' && (n.left as Node).type === 'MemberExpression') {
      // stores go to registers, CPU fields and memory views only
      const target = n.left as Node;
      const owner = target.computed ? path(target.object as Node) : path(target);
      if (owner === undefined || !STORE_TARGET.test(owner)) bad.push(`assignment to ${text(target)}`);
    }
    for (const [k, v] of Object.entries(n)) {
      if (k === 'start' || k === 'end') continue;
      const isProperty = n.type === 'MemberExpression' && k === 'property' && !n.computed;
      const isLabel = (n.type === 'LabeledStatement' || n.type === 'BreakStatement' || n.type === 'ContinueStatement') && k === 'label';
      if (Array.isArray(v)) { for (const c of v) if (c && typeof c === 'object' && 'type' in c) visit(c as Node); }
      else if (v && typeof v === 'object' && 'type' in v) {
        const c = v as Node;
        if (isLabel && !LABEL_NAMES.has(c.name as string)) bad.push(`label ${c.name as string}`);
        visit(c, isProperty || isLabel ? n : undefined);
      }
    }
  };
  visit(ast);
  return bad;
}

/** Every region the engine makes for this code (threshold 0, run to its end or a budget). */
function regionsOf(code: Uint8Array, steps = 3000): Translation[] {
  const b = bareCpu();
  b.load(code);
  b.cpu.regs[6] = 0x20000; b.cpu.regs[7] = 0x24000; b.cpu.regs[3] = 0x28000;
  const seen: Translation[] = [];
  // the entry region too (the engine interprets the first instruction while the TLB is empty)
  const first = new RegionCompiler().compile(b.cpu, 0);
  if (first) seen.push(first);
  const e = new Engine(b.cpu, b.interp, { ...DEFAULT_ENGINE_OPTIONS, threshold: 0 });
  try {
    e.run(steps);
  } catch (err) {
    // random code may fault with no IDT (a triple fault): the regions made until then still count
    if (!(err instanceof MachineStop)) throw err;
  }
  seen.push(...e.translations());
  return seen;
}

const CORPUS: Record<string, string> = {
  loop: 'mov ecx, 100\n.l: add eax, ecx\n imul edx, eax, 3\n dec ecx\n jnz .l\n jmp $',
  memory: 'mov eax, [ebx]\n mov [ebx+4], eax\n mov byte [ebx+1], al\n movsx ecx, word [ebx+6]\n xchg [ebx+8], edx\n lock xadd [ebx+12], ecx\n cmpxchg [ebx+16], esi\n jmp $',
  stack: 'push ebp\n mov ebp, esp\n pushad\n push dword [ebx]\n pop dword [ebx+4]\n call .f\n popad\n leave\n jmp $\n.f: push 7\n pop eax\n ret',
  strings: 'mov ecx, 8\n rep movsd\n mov ecx, 4\n rep stosb\n lodsw\n mov ecx, 3\n repe cmpsb\n scasd\n jmp $',
  x87: 'fninit\n fld1\n fldpi\n fmulp st1, st0\n fstp qword [ebx]\n fild dword [ebx+8]\n fsqrt\n fistp dword [ebx+12]\n fnstsw ax\n jmp $',
  opsize16: 'add ax, bx\n mov [ebx], cx\n movzx eax, word [ebx+2]\n push ax\n pop dx\n shl si, 3\n cwd\n jmp $',
  shifts: 'shl eax, cl\n shr ebx, cl\n sar edx, cl\n rol esi, cl\n ror edi, 3\n rcl eax, cl\n shld eax, edx, cl\n shrd ebx, esi, 5\n jmp $',
  muldiv: 'mov ecx, 7\n xor edx, edx\n div ecx\n mul ecx\n imul ecx\n idiv ecx\n aam\n daa\n jmp $',
  bits: 'bt eax, ecx\n bts dword [ebx], 5\n bsf edx, eax\n bsr esi, eax\n bswap edi\n lahf\n sahf\n jmp $',
};
// every condition code, as jcc, setcc and cmovcc after cmp, test and an addition
for (const head of ['cmp eax, ebx', 'test ecx, edx', 'add esi, edi', 'inc eax', 'shl eax, cl']) {
  const lines: string[] = [];
  for (const cc of ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g']) {
    lines.push(head, `j${cc} $+2`, head, `set${cc} dl`, head, `cmov${cc} eax, ecx`);
  }
  CORPUS[`cc after ${head}`] = `${lines.join('\n')}\n jmp $`;
}

describe('generated code uses only allow-listed constructs', () => {
  for (const [name, src] of Object.entries(CORPUS)) {
    it(name, () => {
      const regions = regionsOf(nasm(src));
      expect(regions.length).toBeGreaterThan(0);
      for (const t of regions) expect(violations(t.source), `region at ${t.entryEip.toString(16)}:\n${t.source}`).toEqual([]);
    });
  }

  it('300 random sequences from the fuzzer\'s generator', async () => {
    let regions = 0;
    for (let s = 1; s <= 300; s++) {
      // let the worker answer vitest between sequences: on a loaded machine the whole loop outlasts its RPC timeout
      if (s % 20 === 0) await new Promise((done) => setImmediate(done));
      const rng = new Rng(s);
      const { bytes } = assemble(randomUnits(rng, 12, AVOID_NONE), 0x1000);
      for (const t of regionsOf(bytes, 200)) {
        regions++;
        const v = violations(t.source);
        if (v.length) expect(v, `seed ${s}, region at ${t.entryEip.toString(16)}`).toEqual([]);
      }
    }
    expect(regions).toBeGreaterThan(300);
    // about 20 s on an idle host, several times that on a busy one: the fuzz campaign's allowance
  }, CAMPAIGN_TIMEOUT_MS);

  it('inlined VMI calls: 300 fuzzer sequences in a sandbox with the VMI ROM', async () => {
    const d = new Differential();
    let inlined = 0;
    for (let seed = 1; seed <= 300; seed++) {
      // let the test runner's worker answer its runner now and then (a long synchronous test misses its calls)
      if (seed % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      d.run(caseFromSeed(seed));
      // each case's code replaces the last one's, and its translations with it
      for (const t of d.engine.translations()) {
        if (!t.source.includes(`${PARAMS.vmi}.${VMI_FIELDS.inlined}`)) continue;
        inlined++;
        const v = violations(t.source);
        if (v.length) expect(v, `seed ${seed}, region at ${t.entryEip.toString(16)}:\n${t.source}`).toEqual([]);
      }
    }
    expect(inlined).toBeGreaterThan(50);
  });

  it('the checker itself rejects what it should', () => {
    expect(violations('x = "guest";')).toEqual(expect.arrayContaining([expect.stringMatching(/^non-numeric literal/), expect.stringMatching(/^identifier x/)]));
    expect(violations('cpu.eval(1);')[0]).toMatch(/^member cpu\.eval/);
    expect(violations('(() => 1)();')[0]).toMatch(/^node type ArrowFunctionExpression/);
    expect(violations('h.constructor.constructor;')[0]).toMatch(/^member h\.constructor/);
    expect(violations('let t3 = r0 + 1 | 0; m32[t3 >>> 2] = t3;')).toEqual([]);
    expect(violations('V.vif = !!t1; V.inlined[3] += 1; VX.writeCr3(V, t2);')).toEqual([]);
    expect(violations('V.rom = 1;')[0]).toMatch(/^(member V\.rom|assignment)/);
    expect(violations('VX.constructor(V);')[0]).toMatch(/^member VX\.constructor/);
  });
});
