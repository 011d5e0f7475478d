/**
 * What needs a JavaScript parser (acorn) to look at generated code: the
 * allow-list check (allowlist.ts) and re-indenting a source for people.
 * assemble.ts loads this module on demand (`loadSourceTools`), so a start
 * of vmidbt does not load acorn; nothing else imports it.
 */
import { generate } from 'astring';
import { parse } from 'acorn';
import type * as E from 'estree';

export { violations } from './allowlist.ts';

/** Generated source re-indented for reading. */
export function pretty(source: string): string {
  return generate(parse(source, { ecmaVersion: 'latest', allowReturnOutsideFunction: true }) as unknown as E.Program);
}
