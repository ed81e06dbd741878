// The checked tree: what the compiler reads. Every identifier is resolved (a built-in, a global,
// a thread-local, a clause-local, an associative array, an aggregation, a function), every
// expression has its type, and the conversions C's rules imply are explicit:
//
// - an operator's operands already have the operator's type (`convert` nodes where they did not;
//   constants are folded, so `arg0 > 5` compares arg0 with an int64_t 5);
// - an assigned value already has the variable's type, keys the array's key types;
// - compound assignments (`x += y`) carry the type the operation is done in: read x, convert it
//   to `operandType`, operate with the value (already of that type), convert back to x's type;
// - integer values are 64-bit patterns, and a value of type T is T's low bits read signed or not:
//   converting is wrapping (BigInt.asIntN/asUintN), as in C.
//
// Spans point into the source for runtime messages.

import type { AssignOp, Pragma, ProbeDescription } from "./ast.js";
import type { ActionName, AggFunc, SubroutineName } from "./builtins.js";
import type { SourceFile, Span } from "./diagnostics.js";
import type { Format } from "./format.js";
import type { DType, IntType } from "./types.js";

export interface CheckedProgram {
  readonly file: string;
  readonly source: SourceFile;
  /** `#pragma D option` lines, in order. */
  readonly options: readonly Pragma[];
  readonly clauses: readonly CheckedClause[];
  /** Declared variables of each scope; each one's `id` is its index here. */
  readonly globals: readonly Variable[];
  readonly threadLocals: readonly Variable[];
  readonly clauseLocals: readonly Variable[];
  readonly aggregations: readonly Aggregation[];
}

export interface CheckedClause {
  /** Position among the program's clauses, from 0. */
  readonly index: number;
  readonly probes: readonly ProbeDescription[];
  readonly predicate: CExpr | undefined;
  readonly body: readonly CStmt[];
  /** No statements (no body, or `{}`): the default action (print the probe that fired). */
  readonly defaultAction: boolean;
  readonly span: Span;
}

export type Scope = "global" | "thread" | "clause";

/** A variable: global `x`, thread-local `self->x` or clause-local `this->x`, scalar or associative. */
export interface Variable {
  readonly scope: Scope;
  readonly name: string;
  readonly shape: "scalar" | "assoc";
  /** The value's type, fixed by the first assignment in program order. */
  readonly type: DType;
  /** Associative arrays: the key types (integers are kept in 64 bits). Scalars: []. */
  readonly keyTypes: readonly DType[];
  readonly id: number;
  /** The first assignment, which declared it. */
  readonly declaredAt: Span;
}

/** An aggregation `@name` (`@` alone is `@_`): one aggregating function and its parameters. */
export interface Aggregation {
  /** Without the @; "_" for the anonymous `@`. */
  readonly name: string;
  readonly func: AggFunc;
  /** Constant parameters: lquantize [low, high, step]; llquantize [factor, low, high, nsteps]; else []. */
  readonly params: readonly bigint[];
  readonly keyTypes: readonly DType[];
  /** The type of the value printa's %@ conversions print. */
  readonly valueType: IntType;
  readonly id: number;
  readonly declaredAt: Span;
}

export type CStmt = CExprStmt | CAggregate | CIf;

/** An expression for its effect: an assignment, an action (printf...), a subroutine. */
export interface CExprStmt {
  readonly kind: "expr";
  readonly expr: CExpr;
  readonly span: Span;
}

/** `@name[keys] = func(args)`: `args` are the values given to the function (none for count()). */
export interface CAggregate {
  readonly kind: "aggregate";
  readonly aggregation: Aggregation;
  readonly keys: readonly CExpr[];
  readonly args: readonly CExpr[];
  readonly span: Span;
}

export interface CIf {
  readonly kind: "if";
  readonly cond: CExpr;
  readonly thenBody: readonly CStmt[];
  readonly elseBody: readonly CStmt[];
  readonly span: Span;
}

export type CExpr =
  | CInt
  | CString
  | CBuiltin
  | CUregs
  | CVar
  | CAssoc
  | CConvert
  | CUnary
  | CBinary
  | CLogical
  | CConditional
  | CStringOf
  | CAssign
  | CIncDec
  | CCall
  | CAggRef;

export type CLValue = CVar | CAssoc;

/** A constant (literals and folded constant expressions). */
export interface CInt {
  readonly kind: "int";
  readonly value: bigint;
  readonly type: IntType;
  readonly span: Span;
}

export interface CString {
  readonly kind: "string";
  readonly value: string;
  readonly type: DType;
  readonly span: Span;
}

/** A built-in variable (arg0..arg9, probefunc, pid, timestamp...). */
export interface CBuiltin {
  readonly kind: "builtin";
  readonly name: string;
  readonly type: DType;
  readonly span: Span;
}

/** `uregs[index]`: x0..x31 at 0..31, pc at 32. The index is a uint32_t. */
export interface CUregs {
  readonly kind: "uregs";
  readonly index: CExpr;
  readonly type: IntType;
  readonly span: Span;
}

export interface CVar {
  readonly kind: "var";
  readonly variable: Variable;
  readonly type: DType;
  readonly span: Span;
}

export interface CAssoc {
  readonly kind: "assoc";
  readonly variable: Variable;
  readonly keys: readonly CExpr[];
  readonly type: DType;
  readonly span: Span;
}

/** An integer converted to another integer type: a cast as written, or one C's rules imply. */
export interface CConvert {
  readonly kind: "convert";
  readonly operand: CExpr;
  readonly type: IntType;
  /** False for a cast written in the script. */
  readonly implicit: boolean;
  readonly span: Span;
}

export interface CUnary {
  readonly kind: "unary";
  readonly op: "-" | "~" | "!";
  readonly operand: CExpr;
  readonly type: IntType;
  readonly span: Span;
}

/**
 * Arithmetic, shift and comparison. Arithmetic: both operands and the result have `type`.
 * Shifts: the left operand has `type`, the right its own promoted type. Comparisons: both
 * operands have `operandType` (an integer type or the string type), the result is an int.
 */
export interface CBinary {
  readonly kind: "binary";
  readonly op:
    | "+"
    | "-"
    | "*"
    | "/"
    | "%"
    | "&"
    | "|"
    | "^"
    | "<<"
    | ">>"
    | "=="
    | "!="
    | "<"
    | "<="
    | ">"
    | ">=";
  readonly left: CExpr;
  readonly right: CExpr;
  readonly operandType: DType;
  readonly type: IntType;
  readonly span: Span;
}

/** `&&`, `||` (short-circuit) and `^^`: integer operands tested against zero; an int 0 or 1. */
export interface CLogical {
  readonly kind: "logical";
  readonly op: "&&" | "||" | "^^";
  readonly left: CExpr;
  readonly right: CExpr;
  readonly type: IntType;
  readonly span: Span;
}

export interface CConditional {
  readonly kind: "conditional";
  readonly cond: CExpr;
  readonly ifTrue: CExpr;
  readonly ifFalse: CExpr;
  readonly type: DType;
  readonly span: Span;
}

/** A string from an integer (the NUL-terminated string at that guest address), a buffer or a string. */
export interface CStringOf {
  readonly kind: "stringof";
  readonly operand: CExpr;
  readonly type: DType;
  readonly span: Span;
}

export interface CAssign {
  readonly kind: "assign";
  readonly op: AssignOp;
  readonly target: CLValue;
  readonly value: CExpr;
  /** Compound assignments: the type the operation is done in (see the file's comment). */
  readonly operandType: IntType | undefined;
  readonly type: DType;
  readonly span: Span;
}

export interface CIncDec {
  readonly kind: "incdec";
  readonly op: "++" | "--";
  readonly prefix: boolean;
  readonly target: CLValue;
  readonly type: IntType;
  readonly span: Span;
}

/**
 * An action (no value: printf, trace, printa, exit, clear, trunc, normalize, denormalize) or a
 * subroutine (ustack, copyin, copyinstr, strlen, strjoin, substr, basename, lltostr). The format
 * of printf (and of printa, when given) is parsed into `format` and is not among `args`.
 */
export interface CCall {
  readonly kind: "call";
  readonly fn: ActionName | SubroutineName;
  readonly args: readonly CExpr[];
  readonly format: Format | undefined;
  readonly type: DType;
  readonly span: Span;
}

/** `@name` as an argument of printa, clear, trunc, normalize or denormalize. */
export interface CAggRef {
  readonly kind: "aggref";
  readonly aggregation: Aggregation;
  readonly type: DType;
  readonly span: Span;
}
