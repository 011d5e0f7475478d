/**
 * Tiny builders for the ESTree nodes generated code is made of.
 *
 * Generated code only ever contains identifiers the translator chose and
 * numeric literals; guest data reaches it as numbers, never as text. The
 * builders keep that true by construction: `num` is the only way to make a
 * literal and it rejects anything that is not a finite number.
 */
import type * as E from 'estree';

export type Expr = E.Expression;
export type Stmt = E.Statement;

export function id(name: string): E.Identifier {
  return { type: 'Identifier', name };
}

export function num(n: number): E.Expression {
  if (!Number.isFinite(n)) throw new Error(`non-finite literal ${n}`);
  if (n < 0 || Object.is(n, -0)) return { type: 'UnaryExpression', operator: '-', prefix: true, argument: { type: 'Literal', value: -n } };
  return { type: 'Literal', value: n };
}

/** The numeric value of a literal expression, or undefined. */
export function litValue(e: Expr): number | undefined {
  if (e.type === 'Literal' && typeof e.value === 'number') return e.value;
  if (e.type === 'UnaryExpression' && e.operator === '-' && e.argument.type === 'Literal' && typeof e.argument.value === 'number') return -e.argument.value;
  return undefined;
}

export function bin(operator: E.BinaryOperator, left: Expr, right: Expr): Expr {
  return { type: 'BinaryExpression', operator, left, right };
}

export function logical(operator: E.LogicalOperator, left: Expr, right: Expr): Expr {
  return { type: 'LogicalExpression', operator, left, right };
}

export function unary(operator: E.UnaryOperator, argument: Expr): Expr {
  return { type: 'UnaryExpression', operator, prefix: true, argument };
}

export function cond(test: Expr, consequent: Expr, alternate: Expr): Expr {
  return { type: 'ConditionalExpression', test, consequent, alternate };
}

export function call(callee: Expr, args: Expr[]): Expr {
  return { type: 'CallExpression', callee, arguments: args, optional: false };
}

export function member(object: Expr, property: string): E.MemberExpression {
  return { type: 'MemberExpression', object, property: id(property), computed: false, optional: false };
}

export function index(object: Expr, property: Expr): E.MemberExpression {
  return { type: 'MemberExpression', object, property, computed: true, optional: false };
}

export function assign(target: E.Identifier | E.MemberExpression, value: Expr, operator: E.AssignmentOperator = '='): Stmt {
  return { type: 'ExpressionStatement', expression: { type: 'AssignmentExpression', operator, left: target, right: value } };
}

export function exprStmt(expression: Expr): Stmt {
  return { type: 'ExpressionStatement', expression };
}

export function decl(kind: 'let' | 'const', name: string, init: Expr): Stmt {
  return { type: 'VariableDeclaration', kind, declarations: [{ type: 'VariableDeclarator', id: id(name), init }] };
}

export function block(body: Stmt[]): E.BlockStatement {
  return { type: 'BlockStatement', body };
}

export function ifStmt(test: Expr, consequent: Stmt[], alternate?: Stmt[]): Stmt {
  return { type: 'IfStatement', test, consequent: block(consequent), alternate: alternate && alternate.length ? block(alternate) : null };
}

export function ret(argument: Expr | null): Stmt {
  return { type: 'ReturnStatement', argument };
}

export function throwStmt(argument: Expr): Stmt {
  return { type: 'ThrowStatement', argument };
}

export function newExpr(callee: Expr, args: Expr[]): Expr {
  return { type: 'NewExpression', callee, arguments: args };
}
