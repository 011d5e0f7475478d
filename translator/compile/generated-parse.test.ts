/**
 * The generated-code parser against acorn: every expect file's generated
 * function (re-indented by astring, so with the spaces and line breaks
 * people read) and a region as emission writes it parse to the same tree,
 * node types, operators, names, values and source ranges alike.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'acorn';
import { parseGenerated, GeneratedSyntaxError } from './generated-parse.ts';

const EXPECT = new URL('../../spec-tests/expect/', import.meta.url).pathname;
const FIELDS = ['type', 'start', 'end', 'operator', 'name', 'value', 'computed', 'kind'];

/** The tree as the fields the lowering reads (and the ranges it slices), for comparison. */
function shape(n: unknown): unknown {
  if (Array.isArray(n)) return n.map(shape);
  if (!n || typeof n !== 'object') return n;
  const o = n as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (FIELDS.includes(k)) out[k] = v;
    else if (v && typeof v === 'object') out[k] = shape(v);
  }
  return out;
}

describe('the generated-code parser', () => {
  const files = readdirSync(EXPECT).filter((f) => f.endsWith('.expected.js'));
  it('parses every expect file\'s function as acorn does', () => {
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = readFileSync(EXPECT + f, 'utf8').split('\n').filter((l) => !l.startsWith('//')).join('\n');
      const src = text.replace(/^return function/, 'return(function').replace(/};\s*$/, '});');
      expect(shape(parseGenerated(src)), f).toEqual(shape(parse(src, { ecmaVersion: 'latest', allowReturnOutsideFunction: true })));
    }
  });

  it('parses the compact form emission writes, and refuses what generated code never holds', () => {
    const src = 'return(function translated(cpu,pc){const R=cpu.regs;let a=R[0]>>>0,b;try{run:for(;;){switch(pc){case -1:{b=a?-1:2e-7;continue run;}default:break run;}}}finally{R[0]=a|0;}return L[b];});';
    expect(shape(parseGenerated(src))).toEqual(shape(parse(src, { ecmaVersion: 'latest', allowReturnOutsideFunction: true })));
    for (const bad of ['a="x";', 'a=/x/;', 'a=`x`;', 'a=b=>c;', 'for(a;;){}']) expect(() => parseGenerated(bad), bad).toThrow(GeneratedSyntaxError);
  });
});
