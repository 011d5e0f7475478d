/**
 * The allow-list of generated code: the only JavaScript constructs a
 * translation's source may be made of.
 *
 * Guest bytes reach generated source only as numbers; a translator bug that
 * let anything else through (a string, a regex, a name built from guest data,
 * a construct the compiler never means to emit) would be a code-injection
 * hole in the host. `violations` parses a source with acorn and walks it:
 * every node type must be on the allow-list, every Literal a finite number,
 * every identifier one the ABI declares (emit/abi.ts: locals, `t<N>`
 * temporaries, labels, the factory's parameters; the names are taken from
 * that module, so the generator and this check cannot drift apart), and
 * every named member one of `h`'s or `hp`'s functions, `Math.imul`, a CPU
 * field, a memory view, or for an inlined VMI call a field of the vCPU's VMI
 * state the ABI names or one of the ROM's hypervisor operations. A failure
 * names the node.
 *
 * assemble.ts runs it on every source before `new Function` when
 * VMIDBT_CHECK_GENERATED=1 (every test run sets it, vitest.config.ts), so
 * each function compiled in any test, guest boots included, is checked.
 */
import { parse } from 'acorn';
import { H } from '../emit/host.ts';
import { BLOCK_LABEL_PATTERN, CALL_COUNT_PATTERN, CODE_EPOCH, GLOBALS, LABELS, LOCALS, MEMORY_VIEWS, PAGE_KINDS, PARAMS, TEMP_PATTERN, VMI_FIELDS, declaredNames } from '../emit/abi.ts';
import { ROM_EFFECTS } from '../../vmirom/effects.ts';
import { HELPERS } from '../../semantics/helpers.ts';
import { Cpu } from '../../cpu/cpu.ts';
import { PhysicalMemory } from '../../cpu/memory.ts';

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
/** where generated code may store: the register array, the vCPU's state block (a WebAssembly region's wrapper), RAM views, CPU fields, the VMI state's fields */
const STORE_TARGET = new RegExp(`^(${[LOCALS.regs, PARAMS.state32, ...Object.keys(MEMORY_VIEWS)].join('|')}|${LOCALS.cpu}\\.\\w+|${PARAMS.vmi}\\.(${Object.values(VMI_FIELDS).join('|')}))$`);

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
    if (n.type === 'Identifier' && !propertyOf && !NAMES.has(n.name as string) && !TEMP_PATTERN.test(n.name as string) && !CALL_COUNT_PATTERN.test(n.name as string)) {
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
        if (isLabel && !LABEL_NAMES.has(c.name as string) && !BLOCK_LABEL_PATTERN.test(c.name as string)) bad.push(`label ${c.name as string}`);
        visit(c, isProperty || isLabel ? n : undefined);
      }
    }
  };
  visit(ast);
  return bad;
}
