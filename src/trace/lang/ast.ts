// The syntax tree of a D program, as written: what the parser builds and `--dump-ast=parse`
// prints. Identifiers are not resolved here and nothing is typed; the checker (check.ts) turns
// this tree into the checked tree of checked.ts, which is what the compiler reads.
// Every node has the span of source it was parsed from.

import type { Span } from "./diagnostics.js";
import type { IntType } from "./types.js";

export interface Program {
  readonly kind: "program";
  readonly file: string;
  readonly items: readonly (Clause | Pragma)[];
  readonly span: Span;
}

/** `#pragma D option name=value` (or `name` alone). Options are kept as written. */
export interface Pragma {
  readonly kind: "pragma";
  readonly name: string;
  readonly value: string | undefined;
  readonly span: Span;
}

/** Probe descriptions, an optional predicate, and a body (undefined when there was no `{}`). */
export interface Clause {
  readonly kind: "clause";
  readonly probes: readonly ProbeDescription[];
  readonly predicate: Expr | undefined;
  readonly body: readonly Stmt[] | undefined;
  readonly span: Span;
}

/**
 * `provider:module:function:name`. Fewer fields given are the rightmost ones (`BEGIN` is the name,
 * `read:entry` function and name); the missing ones are "" — which, like an empty field, matches
 * anything. Fields may hold glob characters `* ? [...]`.
 */
export interface ProbeDescription {
  readonly kind: "probe";
  readonly provider: string;
  readonly module: string;
  readonly function: string;
  readonly name: string;
  /** As written. */
  readonly text: string;
  readonly span: Span;
}

export type Stmt = ExprStmt | IfStmt | EmptyStmt;

export interface ExprStmt {
  readonly kind: "expr-stmt";
  readonly expr: Expr;
  readonly span: Span;
}

export interface IfStmt {
  readonly kind: "if";
  readonly cond: Expr;
  readonly thenBody: readonly Stmt[];
  readonly elseBody: readonly Stmt[] | undefined;
  readonly span: Span;
}

/** A lone `;`. */
export interface EmptyStmt {
  readonly kind: "empty";
  readonly span: Span;
}

export type UnaryOp = "-" | "+" | "!" | "~" | "*" | "&";
export type BinaryOp =
  | "||"
  | "^^"
  | "&&"
  | "|"
  | "^"
  | "&"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "<<"
  | ">>"
  | "+"
  | "-"
  | "*"
  | "/"
  | "%";
export type AssignOp = "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "<<=" | ">>=";

export type Expr =
  | IntLit
  | StringLit
  | Ident
  | SelfVar
  | ThisVar
  | AggRef
  | Index
  | Call
  | Member
  | Unary
  | IncDec
  | Binary
  | Conditional
  | Assign
  | Cast
  | StringOf;

/** An integer or character constant, with the type C gives it. */
export interface IntLit {
  readonly kind: "int";
  readonly value: bigint;
  readonly type: IntType;
  /** As written (`0x1fUL`, `'a'`). */
  readonly text: string;
  readonly span: Span;
}

export interface StringLit {
  readonly kind: "string";
  readonly value: string;
  /** Source offset of each UTF-16 unit of `value`, then of the closing quote (for carets inside formats). */
  readonly offsets: readonly number[];
  readonly span: Span;
}

export interface Ident {
  readonly kind: "ident";
  readonly name: string;
  readonly span: Span;
}

/** `self->name`: a thread-local variable. */
export interface SelfVar {
  readonly kind: "self";
  readonly name: string;
  readonly span: Span;
}

/** `this->name`: a clause-local variable. */
export interface ThisVar {
  readonly kind: "this";
  readonly name: string;
  readonly span: Span;
}

/** `@name` or `@` (name ""), keys apart (an Index over it). */
export interface AggRef {
  readonly kind: "agg";
  readonly name: string;
  readonly span: Span;
}

/** `base[k1, k2...]`: associative array, aggregation or uregs element. */
export interface Index {
  readonly kind: "index";
  readonly base: Expr;
  readonly keys: readonly Expr[];
  readonly span: Span;
}

/** `name(args)`: an action, subroutine or aggregating function. */
export interface Call {
  readonly kind: "call";
  readonly name: string;
  readonly nameSpan: Span;
  readonly args: readonly Expr[];
  readonly span: Span;
}

/** `base.name` or `base->name` on something other than self/this (structs: not supported). */
export interface Member {
  readonly kind: "member";
  readonly base: Expr;
  readonly op: "." | "->";
  readonly name: string;
  readonly span: Span;
}

export interface Unary {
  readonly kind: "unary";
  readonly op: UnaryOp;
  readonly operand: Expr;
  readonly span: Span;
}

export interface IncDec {
  readonly kind: "incdec";
  readonly op: "++" | "--";
  readonly prefix: boolean;
  readonly operand: Expr;
  readonly span: Span;
}

export interface Binary {
  readonly kind: "binary";
  readonly op: BinaryOp;
  readonly opSpan: Span;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface Conditional {
  readonly kind: "conditional";
  readonly cond: Expr;
  readonly ifTrue: Expr;
  readonly ifFalse: Expr;
  readonly span: Span;
}

export interface Assign {
  readonly kind: "assign";
  readonly op: AssignOp;
  readonly opSpan: Span;
  readonly target: Expr;
  readonly value: Expr;
  readonly span: Span;
}

/** `(type) operand`; `to` is "string" for `(string)`, which means stringof. */
export interface Cast {
  readonly kind: "cast";
  /** The type as written ("unsigned long", "uint64_t", "string"). */
  readonly typeName: string;
  readonly to: IntType | "string";
  readonly operand: Expr;
  readonly span: Span;
}

export interface StringOf {
  readonly kind: "stringof";
  readonly operand: Expr;
  readonly span: Span;
}
