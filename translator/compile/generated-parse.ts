/**
 * A parser for generated code only: the JavaScript the emitter writes (the
 * constructs compile/allowlist.ts allows), into ESTree nodes as acorn gives
 * them (type, start, end and the fields the lowering reads), several times
 * faster than a parser for all of JavaScript, which was half of what
 * lowering a region to WebAssembly cost (bench/README.md, stop 52).
 *
 * Anything outside that language is an error (`GeneratedSyntaxError`), not
 * a guess: the lowering then leaves the region as JavaScript. Tokens are
 * identifiers, numbers, punctuators; no strings, regular expressions,
 * comments or template literals (generated code has none). Operators bind as
 * in JavaScript (a precedence table for the binary ones), assignment and `?:`
 * to the right. generated-parse.test.ts compares its trees with acorn's over
 * generated sources.
 */

import { GLOBALS, LABELS } from '../emit/abi.ts';

export class GeneratedSyntaxError extends Error {}

export interface GNode {
  type: string;
  start: number;
  end: number;
  /**
   * The node is or holds a way out of generated code's straight path: a
   * call of the host (Math.* aside), a `new`, a throw, or a `break run`
   * (the region's exit). The lowering hints branches away from such arms.
   */
  rare: boolean;
  [k: string]: any;
}

function ownRare(n: GNode): boolean {
  switch (n.type) {
    case 'CallExpression': return !(n.callee.type === 'MemberExpression' && n.callee.object.name === GLOBALS.math);
    case 'NewExpression': case 'ThrowStatement': return true;
    case 'BreakStatement': return n.label?.name === LABELS.run;
    default: return false;
  }
}

function childRare(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(childRare);
  return typeof v === 'object' && v !== null && (v as GNode).rare === true;
}

const BINARY: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '===': 6, '!==': 6,
  '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '>>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};
const ASSIGN = new Set(['=', '+=', '-=', '|=', '&=', '^=', '*=', '<<=', '>>=', '>>>=']);
/** punctuators by length, the longest tried first */
const PUNCT = [
  new Set(['{', '}', '(', ')', '[', ']', ';', ',', '.', '?', ':', '=', '+', '-', '*', '/', '%', '<', '>', '!', '~', '&', '|', '^']),
  new Set(['&&', '||', '==', '!=', '<=', '>=', '<<', '>>', '+=', '-=', '|=', '&=', '^=', '*=']),
  new Set(['===', '!==', '>>>', '<<=', '>>=']),
  new Set(['>>>=']),
];
/** a character of a name or a number: A-Z a-z 0-9 _ $ */
function wordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

const enum T { Name, Num, Punct, End }

class Parser {
  private pos = 0;
  private kind: T = T.End;
  private text = '';
  private tokStart = 0;
  private lastEnd = 0;

  constructor(private readonly src: string) { this.next(); }

  private fail(what: string): never {
    throw new GeneratedSyntaxError(`${what} at ${this.tokStart}: ${JSON.stringify(this.src.slice(this.tokStart, this.tokStart + 30))}`);
  }

  private next(): void {
    const s = this.src;
    this.lastEnd = this.pos;
    let p = this.pos;
    while (p < s.length && s.charCodeAt(p) <= 32) p++;
    this.tokStart = p;
    if (p >= s.length) { this.kind = T.End; this.text = ''; this.pos = p; return; }
    const c = s.charCodeAt(p);
    if (wordChar(c)) {
      let q = p + 1;
      if (isDigit(c)) {
        // a decimal literal, with a fraction or an exponent (num() writes what String(number) gives)
        for (let d = s.charCodeAt(q); isDigit(d) || d === 46 || d === 101 || d === 69; d = s.charCodeAt(++q)) {
          if ((d === 101 || d === 69) && (s[q + 1] === '+' || s[q + 1] === '-')) q++;
        }
        this.kind = T.Num;
      } else {
        while (q < s.length && wordChar(s.charCodeAt(q))) q++;
        this.kind = T.Name;
      }
      this.text = s.slice(p, q);
      this.pos = q;
      return;
    }
    for (let k = 4; k >= 1; k--) {
      const op = s.slice(p, p + k);
      if (PUNCT[k - 1].has(op)) { this.kind = T.Punct; this.text = op; this.pos = p + k; return; }
    }
    this.fail('unexpected character');
  }

  private is(t: string): boolean { return this.kind !== T.End && this.kind !== T.Num && this.text === t; }
  private eat(t: string): boolean { if (this.is(t)) { this.next(); return true; } return false; }
  private expect(t: string): void { if (!this.eat(t)) this.fail(`expected ${t}`); }
  private node(type: string, start: number, fields: Record<string, unknown>): GNode {
    const n: GNode = { type, start, end: this.lastEnd, rare: false, ...fields };
    n.rare = ownRare(n) || Object.values(fields).some(childRare);
    return n;
  }

  private name(): string {
    if (this.kind !== T.Name) this.fail('expected a name');
    const n = this.text;
    this.next();
    return n;
  }

  private identifier(): GNode {
    const start = this.tokStart;
    const name = this.name();
    return { type: 'Identifier', start, end: this.lastEnd, rare: false, name };
  }

  program(): GNode {
    const start = this.tokStart;
    const body: GNode[] = [];
    while (this.kind !== T.End) body.push(this.statement());
    return this.node('Program', start, { body });
  }

  statement(): GNode {
    const start = this.tokStart;
    if (this.kind === T.Name) {
      switch (this.text) {
        case 'return': {
          this.next();
          const argument = this.is(';') || this.is('}') ? null : this.expression();
          this.eat(';');
          return this.node('ReturnStatement', start, { argument });
        }
        case 'const': case 'let': case 'var': {
          const kind = this.text;
          this.next();
          const declarations: GNode[] = [];
          do {
            const dStart = this.tokStart;
            const id = this.identifier();
            const init = this.eat('=') ? this.assignment() : null;
            declarations.push(this.node('VariableDeclarator', dStart, { id, init }));
          } while (this.eat(','));
          this.eat(';');
          return this.node('VariableDeclaration', start, { kind, declarations });
        }
        case 'if': {
          this.next();
          this.expect('(');
          const test = this.expression();
          this.expect(')');
          const consequent = this.statement();
          const alternate = this.is('else') ? (this.next(), this.statement()) : null;
          return this.node('IfStatement', start, { test, consequent, alternate });
        }
        case 'for': {
          this.next();
          this.expect('(');
          if (!this.eat(';') || !this.eat(';') || !this.eat(')')) this.fail('only for(;;)');
          return this.node('ForStatement', start, { init: null, test: null, update: null, body: this.statement() });
        }
        case 'switch': {
          this.next();
          this.expect('(');
          const discriminant = this.expression();
          this.expect(')');
          this.expect('{');
          const cases: GNode[] = [];
          while (!this.eat('}')) {
            const cStart = this.tokStart;
            let test: GNode | null = null;
            if (this.is('case')) { this.next(); test = this.expression(); } else if (this.is('default')) this.next(); else this.fail('expected case');
            this.expect(':');
            const consequent: GNode[] = [];
            while (!this.is('case') && !this.is('default') && !this.is('}')) consequent.push(this.statement());
            cases.push(this.node('SwitchCase', cStart, { test, consequent }));
          }
          return this.node('SwitchStatement', start, { discriminant, cases });
        }
        case 'break': case 'continue': {
          const type = this.text === 'break' ? 'BreakStatement' : 'ContinueStatement';
          this.next();
          const label = this.kind === T.Name ? this.identifier() : null;
          this.eat(';');
          return this.node(type, start, { label });
        }
        case 'try': {
          this.next();
          const block = this.block();
          let handler: GNode | null = null;
          if (this.is('catch')) {
            const hStart = this.tokStart;
            this.next();
            let param: GNode | null = null;
            if (this.eat('(')) { param = this.identifier(); this.expect(')'); }
            handler = this.node('CatchClause', hStart, { param, body: this.block() });
          }
          const finalizer = this.is('finally') ? (this.next(), this.block()) : null;
          return this.node('TryStatement', start, { block, handler, finalizer });
        }
        case 'throw': {
          this.next();
          const argument = this.expression();
          this.eat(';');
          return this.node('ThrowStatement', start, { argument });
        }
      }
      // a label: name ':'
      if (this.src[this.pos] === ':' ) {
        const label = this.identifier();
        this.expect(':');
        return this.node('LabeledStatement', start, { label, body: this.statement() });
      }
    }
    if (this.is('{')) return this.block();
    if (this.eat(';')) return this.node('EmptyStatement', start, {});
    const expression = this.expression();
    this.eat(';');
    return { type: 'ExpressionStatement', start, end: this.lastEnd, rare: expression.rare, expression };
  }

  private block(): GNode {
    const start = this.tokStart;
    this.expect('{');
    const body: GNode[] = [];
    while (!this.eat('}')) body.push(this.statement());
    return { type: 'BlockStatement', start, end: this.lastEnd, rare: body.some((x) => x.rare), body };
  }

  expression(): GNode {
    const start = this.tokStart;
    const first = this.assignment();
    if (!this.is(',')) return first;
    const expressions = [first];
    while (this.eat(',')) expressions.push(this.assignment());
    return this.node('SequenceExpression', start, { expressions });
  }

  private assignment(): GNode {
    const start = this.tokStart;
    const left = this.conditional();
    if (this.kind === T.Punct && ASSIGN.has(this.text)) {
      const operator = this.text;
      this.next();
      const right = this.assignment();
      return { type: 'AssignmentExpression', start, end: this.lastEnd, rare: left.rare || right.rare, operator, left, right };
    }
    return left;
  }

  private conditional(): GNode {
    const start = this.tokStart;
    const test = this.binary(0);
    if (!this.eat('?')) return test;
    const consequent = this.assignment();
    this.expect(':');
    const alternate = this.assignment();
    return { type: 'ConditionalExpression', start, end: this.lastEnd, rare: test.rare || consequent.rare || alternate.rare, test, consequent, alternate };
  }

  /** a binary expression whose operators bind tighter than `min` */
  private binary(min: number): GNode {
    const start = this.tokStart;
    let left = this.unary();
    for (;;) {
      const prec = this.kind === T.Punct ? BINARY[this.text] : undefined;
      if (prec === undefined || prec <= min) return left;
      const operator = this.text;
      this.next();
      const right = this.binary(prec);
      left = { type: operator === '&&' || operator === '||' ? 'LogicalExpression' : 'BinaryExpression', start, end: this.lastEnd, rare: left.rare || right.rare, operator, left, right };
    }
  }

  private unary(): GNode {
    const start = this.tokStart;
    if (this.kind === T.Punct && (this.text === '-' || this.text === '+' || this.text === '!' || this.text === '~')) {
      const operator = this.text;
      this.next();
      const argument = this.unary();
      return { type: 'UnaryExpression', start, end: this.lastEnd, rare: argument.rare, operator, prefix: true, argument };
    }
    if (this.is('new')) {
      this.next();
      const calleeStart = this.tokStart;
      const callee = this.member(this.primary(), calleeStart, false);
      const args = this.is('(') ? this.arguments() : [];
      return this.member(this.node('NewExpression', start, { callee, arguments: args }), start, true);
    }
    return this.member(this.primary(), start, true);
  }

  private member(object: GNode, start: number, calls: boolean): GNode {
    for (;;) {
      if (this.eat('.')) {
        const property = this.identifier();
        object = { type: 'MemberExpression', start, end: this.lastEnd, rare: object.rare, object, property, computed: false };
      } else if (this.eat('[')) {
        const property = this.expression();
        this.expect(']');
        object = { type: 'MemberExpression', start, end: this.lastEnd, rare: object.rare || property.rare, object, property, computed: true };
      } else if (calls && this.is('(')) {
        object = this.node('CallExpression', start, { callee: object, arguments: this.arguments() });
      } else return object;
    }
  }

  private arguments(): GNode[] {
    this.expect('(');
    const args: GNode[] = [];
    if (!this.eat(')')) {
      do args.push(this.assignment()); while (this.eat(','));
      this.expect(')');
    }
    return args;
  }

  private primary(): GNode {
    const start = this.tokStart;
    if (this.kind === T.Num) {
      const raw = this.text;
      const value = Number(raw);
      if (!Number.isFinite(value)) this.fail('bad number');
      this.next();
      return { type: 'Literal', start, end: this.lastEnd, rare: false, value, raw };
    }
    if (this.eat('(')) {
      const e = this.expression();
      this.expect(')');
      return e;
    }
    if (this.is('function')) {
      this.next();
      const id = this.kind === T.Name ? this.identifier() : null;
      this.expect('(');
      const params: GNode[] = [];
      if (!this.eat(')')) {
        do params.push(this.identifier()); while (this.eat(','));
        this.expect(')');
      }
      return this.node('FunctionExpression', start, { id, params, body: this.block() });
    }
    if (this.kind === T.Name) return this.identifier();
    this.fail('unexpected token');
  }
}

/** Parse generated code (assemble.ts's `return(function translated(cpu,pc){...});`). */
export function parseGenerated(source: string): GNode {
  return new Parser(source).program();
}
