/**
 * The table of every VMI call under each ABI, as vmirom/README.md shows it,
 * generated from the data it describes (abis.ts, calls.ts) so the two cannot
 * drift: a test compares the README with `abiTableMarkdown()`.
 *
 *   npm run abi-table   prints the table
 */
import { ABIS, ABI_IDS, CALL_NAMES, type AbiCall, type Convention, type Src } from './abis.ts';
import { SHARED_CALLS } from './calls.ts';

function source(src: Src): string {
  return typeof src === 'number' ? String(src) : src.toUpperCase().replace(/^ST(\d)$/, 'ST($1)');
}

/** A convention in words: where each parameter comes from, the result, what else it touches. */
export function describeConvention(conv: Convention, params: readonly string[]): string {
  const parts: string[] = [];
  if (conv.note) parts.push(conv.note);
  else {
    conv.params.forEach((src, k) => {
      if (typeof src === 'number') return;
      const decoded = conv.decode?.param === k ? ` (${conv.decode.what})` : '';
      parts.push(`${source(src)} ${params[k]}${decoded}`);
    });
  }
  let text = parts.join(', ');
  if (conv.result !== 'none' && !conv.note?.includes('→')) text += `${text ? ' ' : ''}→ ${conv.result.toUpperCase()}`;
  if (conv.jump) text += `${text ? '; ' : ''}jumped to`;
  if (conv.clobbers === 'flags') text += `${text ? '; ' : ''}flags only`;
  return text || '—';
}

function cell(calls: AbiCall[], params: readonly string[]): string {
  if (!calls.length) return '';
  return calls.map((c) => {
    const where = c.number === undefined ? `header 0x${c.offset.toString(16)}` : String(c.number);
    const name = c.name !== c.call ? ` ${c.name}` : '';
    return `**${where}**${name}: ${describeConvention(c.conv, params)}`;
  }).join('<br>');
}

export function abiTableMarkdown(): string {
  const lines = [
    `| shared call | written as | ${ABI_IDS.map((id) => `${id} (${ABIS[id].major}.${ABIS[id].minor})`).join(' | ')} |`,
    `|---|---|${ABI_IDS.map(() => '---').join('|')}|`,
  ];
  for (const name of CALL_NAMES) {
    const shared = SHARED_CALLS[name];
    const form = `${shared.sem ? '`VmiOps`' : shared.inlinable ? 'host, inlinable' : 'host'}${shared.exits === 'never' ? '' : `, exits ${shared.exits}`}`;
    const cells = ABI_IDS.map((id) => cell(ABIS[id].calls.filter((c) => c.call === name), shared.params));
    lines.push(`| ${name}(${shared.params.join(', ')}) | ${form} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

