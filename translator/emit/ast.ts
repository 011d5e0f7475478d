/**
 * The builders generated code is made of: each returns its JavaScript text
 * at once, compact, so that a region's source is the join of its
 * statements and nothing prints a tree afterwards.
 *
 * An expression is a small node: its text, how tightly it binds, and for
 * the kinds the expression backend rewrites (expr-arith.ts: literals,
 * operators, `?:`) its parts, named as in ESTree. A statement is its text.
 * Parentheses follow JavaScript's precedence: an operand is wrapped when it
 * binds more loosely than its operator, or as loosely on the right of a
 * left-associative one; a space goes only where two tokens would merge
 * (`a- -1`). People read generated code re-indented (compile/assemble.ts
 * `prettySource`).
 *
 * Generated code only ever contains identifiers the translator chose and
 * numeric literals; guest data reaches it as numbers, never as text. The
 * builders keep that true by construction: `num` is the only way to make a
 * literal and it rejects anything that is not a finite number; names come
 * from the ABI (abi.ts), which the allow-list (compile/allowlist.ts) checks
 * every source against in tests.
 */

export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '|' | '&' | '^' | '<<' | '>>' | '>>>'
  | '===' | '!==' | '==' | '!=' | '<' | '<=' | '>' | '>=';
export type LogicalOperator = '&&' | '||';
export type UnaryOperator = '-' | '+' | '!' | '~';
export type AssignmentOperator = '=' | '+=' | '-=' | '|=' | '&=' | '^=';

interface Text {
  /** the expression's JavaScript */
  readonly code: string;
  /** how tightly it binds (higher: tighter) */
  readonly prec: number;
}
export interface Identifier extends Text { readonly type: 'Identifier'; readonly name: string }
export interface Literal extends Text { readonly type: 'Literal'; readonly value: number }
export interface Binary extends Text { readonly type: 'BinaryExpression'; readonly operator: BinaryOperator; readonly left: Expr; readonly right: Expr }
export interface Logical extends Text { readonly type: 'LogicalExpression'; readonly operator: LogicalOperator; readonly left: Expr; readonly right: Expr }
export interface Unary extends Text { readonly type: 'UnaryExpression'; readonly operator: UnaryOperator; readonly argument: Expr }
export interface Conditional extends Text { readonly type: 'ConditionalExpression'; readonly test: Expr; readonly consequent: Expr; readonly alternate: Expr }
/** calls, member accesses, `new`: nothing rewrites their parts */
export interface Opaque extends Text { readonly type: 'CallExpression' | 'MemberExpression' | 'NewExpression' }
export type Expr = Identifier | Literal | Binary | Logical | Unary | Conditional | Opaque;
/** A statement's JavaScript. */
export type Stmt = string;

const PRECEDENCE: Record<BinaryOperator | LogicalOperator, number> = {
  '||': 4, '&&': 5, '|': 6, '^': 7, '&': 8, '==': 9, '!=': 9, '===': 9, '!==': 9,
  '<': 10, '>': 10, '<=': 10, '>=': 10, '<<': 11, '>>': 11, '>>>': 11, '+': 12, '-': 12, '*': 13, '/': 13, '%': 13,
};
const ASSIGNMENT = 2;
const CONDITIONAL = 3;
const UNARY = 15;
const CALL = 17;
const PRIMARY = 20;

/**
 * One class for every kind, every field present: V8 then sees one shape
 * wherever the backend tests `e.type`.
 */
class Node {
  constructor(
    readonly type: Expr['type'], readonly code: string, readonly prec: number,
    readonly operator: string = '', readonly left: Expr | null = null, readonly right: Expr | null = null,
    readonly test: Expr | null = null, readonly consequent: Expr | null = null, readonly alternate: Expr | null = null,
    readonly argument: Expr | null = null, readonly value = 0, readonly name = '',
  ) {}
}

function node<T extends Expr>(n: Node): T {
  return n as unknown as T;
}

/** e's text, parenthesised unless it binds at least as tightly as `min`. */
function operand(e: Expr, min: number): string {
  return e.prec < min ? `(${e.code})` : e.code;
}

/** `op` before `next`, spaced where the two would merge into another token (`- -1`, `+ +x`). */
function joined(op: string, next: string): string {
  const last = op.charCodeAt(op.length - 1);
  return (last === 43 || last === 45) && next.charCodeAt(0) === last ? `${op} ${next}` : op + next;
}

export function id(name: string): Identifier {
  return node(new Node('Identifier', name, PRIMARY, '', null, null, null, null, null, null, 0, name));
}

export function num(n: number): Expr {
  if (!Number.isFinite(n)) throw new Error(`non-finite literal ${n}`);
  if (n < 0 || Object.is(n, -0)) return unary('-', literal(-n));
  return literal(n);
}

/** the literals 0..255, made once: emission asks for small numbers all the time */
const SMALL: Literal[] = [];

function literal(n: number): Literal {
  if (n < 256 && (n | 0) === n) return (SMALL[n] ??= node(new Node('Literal', String(n), PRIMARY, '', null, null, null, null, null, null, n)));
  return node(new Node('Literal', String(n), PRIMARY, '', null, null, null, null, null, null, n));
}

/** The numeric value of a literal expression, or undefined. */
export function litValue(e: Expr): number | undefined {
  if (e.type === 'Literal') return e.value;
  if (e.type === 'UnaryExpression' && e.operator === '-' && e.argument.type === 'Literal') return -e.argument.value;
  return undefined;
}

export function bin(operator: BinaryOperator, left: Expr, right: Expr): Expr {
  const p = PRECEDENCE[operator];
  return node(new Node('BinaryExpression', operand(left, p) + joined(operator, operand(right, p + 1)), p, operator, left, right));
}

export function logical(operator: LogicalOperator, left: Expr, right: Expr): Expr {
  const p = PRECEDENCE[operator];
  return node(new Node('LogicalExpression', operand(left, p) + operator + operand(right, p + 1), p, operator, left, right));
}

export function unary(operator: UnaryOperator, argument: Expr): Expr {
  return node(new Node('UnaryExpression', joined(operator, operand(argument, UNARY)), UNARY, operator, null, null, null, null, null, argument));
}

export function cond(test: Expr, consequent: Expr, alternate: Expr): Expr {
  const code = `${operand(test, CONDITIONAL + 1)}?${operand(consequent, ASSIGNMENT)}:${operand(alternate, ASSIGNMENT)}`;
  return node(new Node('ConditionalExpression', code, CONDITIONAL, '', null, null, test, consequent, alternate));
}

function opaque(type: Opaque['type'], code: string): Opaque {
  return node(new Node(type, code, CALL));
}

function argumentList(args: Expr[]): string {
  let s = '(';
  for (let k = 0; k < args.length; k++) s += (k ? ',' : '') + operand(args[k], ASSIGNMENT);
  return `${s})`;
}

export function call(callee: Expr, args: Expr[]): Expr {
  return opaque('CallExpression', operand(callee, CALL) + argumentList(args));
}

export function member(object: Expr, property: string): Expr {
  // a number's dot would read as its decimal point
  return opaque('MemberExpression', `${object.type === 'Literal' ? `(${object.code})` : operand(object, CALL)}.${property}`);
}

export function index(object: Expr, property: Expr): Expr {
  return opaque('MemberExpression', `${operand(object, CALL)}[${property.code}]`);
}

export function newExpr(callee: Expr, args: Expr[]): Expr {
  return opaque('NewExpression', `new ${callee.type === 'Identifier' || callee.type === 'MemberExpression' ? callee.code : `(${callee.code})`}${argumentList(args)}`);
}

// ---- statements ---------------------------------------------------------------------

/** `target op value;` (target: a name or a member access). */
export function assign(target: Expr, value: Expr, operator: AssignmentOperator = '='): Stmt {
  return `${target.code}${operator}${operand(value, ASSIGNMENT)};`;
}

export function exprStmt(expression: Expr): Stmt {
  return `${expression.code};`;
}

export function decl(kind: 'let' | 'const', name: string, init: Expr): Stmt {
  return `${kind} ${name}=${operand(init, ASSIGNMENT)};`;
}

/** `let a,b,c;`: names declared once, without a value (nothing when there are none) */
export function declareLets(names: readonly string[]): Stmt {
  return names.length ? `let ${names.join(',')};` : '';
}

export function block(body: Stmt[]): Stmt {
  return `{${body.join('')}}`;
}

/**
 * A branch's body: one statement stands alone unless it declares (not
 * allowed there) or is an `if` (an `else` after it would be its own).
 */
function branch(body: Stmt[]): Stmt {
  if (body.length !== 1) return block(body);
  const s = body[0];
  return s.startsWith('const ') || s.startsWith('let ') || s.startsWith('if(') ? `{${s}}` : s;
}

export function ifStmt(test: Expr, consequent: Stmt[], alternate?: Stmt[]): Stmt {
  const then = `if(${test.code})${alternate && alternate.length ? block(consequent) : branch(consequent)}`;
  return alternate && alternate.length ? `${then}else${block(alternate)}` : then;
}

export function ret(argument: Expr | null): Stmt {
  return argument ? `return ${argument.code};` : 'return;';
}

export function throwStmt(argument: Expr): Stmt {
  return `throw ${argument.code};`;
}

export function breakTo(label: string): Stmt {
  return `break ${label};`;
}

export function continueAt(label: string): Stmt {
  return `continue ${label};`;
}

/** `label: { body }` (a block that `break label` leaves) */
export function labelled(label: string, body: Stmt[]): Stmt {
  return `${label}:${block(body)}`;
}

/** `label: for (;;) { body }` */
export function labelledLoop(label: string, body: Stmt[]): Stmt {
  return `${label}:for(;;)${block(body)}`;
}

export function switchStmt(discriminant: Expr, cases: Stmt[]): Stmt {
  return `switch(${discriminant.code}){${cases.join('')}}`;
}

export function switchCase(test: number, body: Stmt[]): Stmt {
  return `case ${num(test).code}:${body.join('')}`;
}

export function tryFinally(body: Stmt[], finalizer: Stmt[]): Stmt {
  return `try${block(body)}finally${block(finalizer)}`;
}

/** A function expression's text (`function name(params) {body}`). */
export function functionExpr(name: string, params: string[], body: Stmt[]): string {
  return `function ${name}(${params.join(',')})${block(body)}`;
}
