// The checker: resolves every identifier, gives every expression its type by D's rules, makes
// C's conversions explicit, folds constants, and checks actions' and subroutines' arguments.
//
// D's rules kept here (Dynamic Tracing Guide, "Variables", "Aggregations", "Output Formatting"):
// - a variable is declared by its first assignment in program order (clauses in order, a
//   predicate before its body), which fixes its type; using it before is an error. hartscope's
//   one extension: `x++`, `x += y` and the like on an undeclared variable declare it as an int64_t
//   zero (the usual conversions with y decide, for +=);
// - associative arrays and aggregations keep the key signature of their first use; integer keys
//   are kept in 64 bits;
// - an aggregation keeps one aggregating function, with the same constant parameters, everywhere;
//   it may be printed (printa, clear...) in a clause before the one that assigns it;
// - printf's format is a string constant whose conversions match the arguments' kinds.
//
// Errors are collected statement by statement (a failed statement is skipped, and a variable
// whose declaration failed is not reported again), sorted by position, and thrown together.

import type { Assign, Call, Clause, Expr, Pragma, Program, Stmt, StringLit } from "./ast.js";
import {
  ACTIONS,
  AGGREGATING_FUNCTIONS,
  type AggFunc,
  ALL_FUNCTIONS,
  BUILTIN_VARIABLES,
  REGISTER_CONSTANTS,
  SUBROUTINES,
  UNSUPPORTED_BUILTINS,
  UNSUPPORTED_FUNCTIONS,
  UREGS_COUNT,
} from "./builtins.js";
import type {
  Aggregation,
  CAggRef,
  CAggregate,
  CCall,
  CExpr,
  CheckedClause,
  CheckedProgram,
  CLValue,
  CStmt,
  Scope,
  Variable,
} from "./checked.js";
import { type Diagnostic, DiagnosticError, diagnostic, type SourceFile, type Span } from "./diagnostics.js";
import { type Conversion, conversionKind, type Format, FormatError, parseFormat } from "./format.js";
import {
  AGGREGATION,
  arithmetic,
  BUFFER,
  type DType,
  I32,
  I64,
  type IntType,
  intType,
  isInt,
  kindName,
  promote,
  STACK,
  STRING,
  typeName,
  U32,
  U64,
  VOID,
  wrap,
} from "./types.js";

/** At most this many errors are reported; the rest would mostly follow from them. */
const MAX_DIAGNOSTICS = 20;

export function check(program: Program, source: SourceFile): CheckedProgram {
  return new Checker(source).run(program);
}

/** Thrown to abandon a statement: with a diagnostic, or silently (a consequence of an earlier error). */
class Abort {
  constructor(readonly diagnostic: Diagnostic | undefined) {}
}

type MutableVariable = { -readonly [K in keyof Variable]: Variable[K] };

/** An aggregation as first mentioned: printa(@a) may come before @a = count() declares it. */
interface MutableAggregation {
  name: string;
  func: AggFunc | undefined;
  params: bigint[];
  keyTypes: DType[];
  valueType: IntType;
  id: number;
  declaredAt: Span;
  firstMention: Span;
}

/** "@name" as the user wrote it; the anonymous aggregation `@` is stored as "_". */
function aggName(name: string): string {
  return name === "_" ? "@" : `@${name}`;
}

/** An integer key or array index type, kept in 64 bits with its signedness. */
function keyType(t: DType): DType {
  return isInt(t) ? intType(64, t.signed) : t;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function suggestion(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best === undefined ? "" : ` (did you mean '${best}'?)`;
}

class Checker {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly variables: Record<Scope, Map<string, MutableVariable>> = {
    global: new Map(),
    thread: new Map(),
    clause: new Map(),
  };
  private readonly aggregations = new Map<string, MutableAggregation>();
  /** Variables ("scope:name") and aggregations ("@name") whose declaring statement failed. */
  private readonly poisoned = new Set<string>();
  /** Checks that wait for the end of the program (printa formats of aggregations declared later). */
  private readonly deferred: (() => void)[] = [];

  constructor(private readonly source: SourceFile) {}

  private fail(at: Span, message: string): never {
    throw new Abort(diagnostic(this.source, at, message));
  }

  private guard<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
      if (e.diagnostic && this.diagnostics.length < MAX_DIAGNOSTICS) this.diagnostics.push(e.diagnostic);
      return undefined;
    }
  }

  run(program: Program): CheckedProgram {
    const options: Pragma[] = [];
    const clauses: CheckedClause[] = [];
    for (const item of program.items) {
      if (item.kind === "pragma") options.push(item);
      else clauses.push(this.clause(item, clauses.length));
    }
    for (const d of this.deferred) this.guard(d);
    for (const a of this.aggregations.values()) {
      if (a.func === undefined && !this.poisoned.has(`@${a.name}`))
        this.guard(() =>
          this.fail(
            a.firstMention,
            `${aggName(a.name)} is never given a value (${aggName(a.name)}[keys] = count(), ...)`,
          ),
        );
    }
    if (this.diagnostics.length > 0) {
      const sorted = [...this.diagnostics].sort((a, b) => a.span.start - b.span.start);
      throw new DiagnosticError(this.source, sorted);
    }
    const list = (scope: Scope): Variable[] => [...this.variables[scope].values()];
    return {
      file: this.source.name,
      source: this.source,
      options,
      clauses,
      globals: list("global"),
      threadLocals: list("thread"),
      clauseLocals: list("clause"),
      aggregations: [...this.aggregations.values()] as Aggregation[],
    };
  }

  private clause(c: Clause, index: number): CheckedClause {
    const predicate = c.predicate
      ? this.guard(() => this.condition(c.predicate as Expr, "the predicate"))
      : undefined;
    const body = this.statements(c.body ?? []);
    const defaultAction = (c.body ?? []).every((s) => s.kind === "empty");
    return { index, probes: c.probes, predicate, body, defaultAction, span: c.span };
  }

  private statements(list: readonly Stmt[]): CStmt[] {
    const out: CStmt[] = [];
    for (const s of list) {
      if (s.kind === "empty") continue;
      const r = this.guard(() => this.statement(s));
      if (r) out.push(r);
    }
    return out;
  }

  private statement(s: Stmt): CStmt | undefined {
    switch (s.kind) {
      case "empty":
        return undefined;
      case "if": {
        const cond = this.guard(() => this.condition(s.cond, "an if condition"));
        const thenBody = this.statements(s.thenBody);
        const elseBody = this.statements(s.elseBody ?? []);
        if (!cond) throw new Abort(undefined);
        return { kind: "if", cond, thenBody, elseBody, span: s.span };
      }
      case "expr-stmt": {
        const e = s.expr;
        if (e.kind === "assign" && this.isAggregationTarget(e.target)) return this.aggregate(e);
        const expr = e.kind === "call" ? this.call(e, true) : this.expr(e);
        return { kind: "expr", expr, span: s.span };
      }
    }
  }

  /** A predicate or if condition: an integer, true when not zero. */
  private condition(e: Expr, what: string): CExpr {
    const c = this.expr(e);
    if (c.type.kind === "string")
      this.fail(e.span, `${what} must be an integer, not a string (compare it: s != "")`);
    this.requireInt(c, e.span, what);
    return c;
  }

  private requireInt(c: CExpr, at: Span, what: string): IntType {
    if (!isInt(c.type)) this.fail(at, `${what} must be an integer, not ${kindName(c.type)}`);
    return c.type;
  }

  private requireString(c: CExpr, at: Span, what: string): void {
    if (c.type.kind !== "string") this.fail(at, `${what} must be a string, not ${kindName(c.type)}`);
  }

  // ---- conversions and constants ----

  /** `e` as type `to`: itself, a folded constant, or a convert node. */
  private convert(e: CExpr, to: IntType, implicit = true, at: Span = e.span): CExpr {
    if (e.type === to) return implicit ? e : { ...e, span: at };
    if (e.kind === "int") return { kind: "int", value: wrap(e.value, to), type: to, span: at };
    return { kind: "convert", operand: e, type: to, implicit, span: at };
  }

  // ---- expressions ----

  private expr(e: Expr): CExpr {
    switch (e.kind) {
      case "int":
        return { kind: "int", value: wrap(e.value, e.type), type: e.type, span: e.span };
      case "string":
        return { kind: "string", value: e.value, type: STRING, span: e.span };
      case "ident":
        return this.identifier(e.name, e.span);
      case "self":
      case "this": {
        const scope: Scope = e.kind === "self" ? "thread" : "clause";
        const v = this.lookup(scope, e.name, e.span);
        if (v.shape === "assoc")
          this.fail(
            e.span,
            `${this.display(scope, e.name)} is an associative array: index it, as in ${this.display(scope, e.name)}[key]`,
          );
        return { kind: "var", variable: v, type: v.type, span: e.span };
      }
      case "agg":
        return this.fail(
          e.span,
          `an aggregation has no value in an expression: assign it (${aggName(e.name || "_")} = count()) or print it (printa(${aggName(e.name || "_")}))`,
        );
      case "index":
        return this.index(e.base, e.keys, e.span);
      case "call":
        return this.call(e, false);
      case "member":
        return this.fail(e.span, "structs and pointers are not supported (only self->name and this->name)");
      case "unary":
        return this.unary(e.op, e.operand, e.span);
      case "incdec": {
        const target = this.lvalue(e.operand, e.op);
        if (!isInt(target.type))
          this.fail(
            e.span,
            `${e.op} needs an integer variable, but ${this.describeLValue(target)} holds strings`,
          );
        return { kind: "incdec", op: e.op, prefix: e.prefix, target, type: target.type, span: e.span };
      }
      case "binary":
        return this.binary(e);
      case "conditional":
        return this.conditional(e);
      case "assign":
        if (this.isAggregationTarget(e.target))
          this.fail(
            e.span,
            "an aggregation is assigned only in a statement of its own (@a[keys] = count();)",
          );
        return this.assign(e);
      case "cast": {
        if (e.to === "string") return this.stringOf(e.operand, e.span);
        const operand = this.expr(e.operand);
        if (!isInt(operand.type))
          this.fail(e.operand.span, `cannot cast ${kindName(operand.type)} to ${e.typeName}`);
        return this.convert(operand, e.to, false, e.span);
      }
      case "stringof":
        return this.stringOf(e.operand, e.span);
    }
  }

  private stringOf(operandExpr: Expr, at: Span): CExpr {
    const operand = this.expr(operandExpr);
    const t = operand.type;
    if (t.kind === "string") return { ...operand, span: at };
    if (!isInt(t) && t.kind !== "buffer")
      this.fail(
        operandExpr.span,
        `stringof needs an integer (an address), a string or a buffer, not ${kindName(t)}`,
      );
    const value = isInt(t) ? this.convert(operand, U64) : operand;
    return { kind: "stringof", operand: value, type: STRING, span: at };
  }

  private identifier(name: string, at: Span): CExpr {
    const builtin = BUILTIN_VARIABLES.get(name);
    if (builtin) return { kind: "builtin", name, type: builtin, span: at };
    if (name === "uregs") this.fail(at, "uregs is an array: index it, as in uregs[R_PC]");
    const unsupported = UNSUPPORTED_BUILTINS.get(name);
    if (unsupported) this.fail(at, unsupported);
    const reg = REGISTER_CONSTANTS.get(name);
    if (reg !== undefined) return { kind: "int", value: BigInt(reg), type: I32, span: at };
    if (this.isFunctionName(name)) this.fail(at, `${name} is a function: call it, as in ${name}(...)`);
    const v = this.lookup("global", name, at);
    if (v.shape === "assoc") this.fail(at, `${name} is an associative array: index it, as in ${name}[key]`);
    return { kind: "var", variable: v, type: v.type, span: at };
  }

  private isFunctionName(name: string): boolean {
    return (
      ACTIONS.has(name) ||
      SUBROUTINES.has(name) ||
      AGGREGATING_FUNCTIONS.has(name) ||
      UNSUPPORTED_FUNCTIONS.has(name)
    );
  }

  private display(scope: Scope, name: string): string {
    return scope === "thread" ? `self->${name}` : scope === "clause" ? `this->${name}` : name;
  }

  /** A declared variable, or an error saying it is used before any assignment. */
  private lookup(scope: Scope, name: string, at: Span): MutableVariable {
    const v = this.variables[scope].get(name);
    if (v) return v;
    if (this.poisoned.has(`${scope}:${name}`)) throw new Abort(undefined);
    const hint =
      scope === "global"
        ? suggestion(name, [...BUILTIN_VARIABLES.keys(), ...this.variables.global.keys()])
        : "";
    return this.fail(at, `${this.display(scope, name)} is used before any assignment to it${hint}`);
  }

  private index(base: Expr, keyExprs: readonly Expr[], at: Span): CExpr {
    if (base.kind === "ident" && base.name === "uregs") {
      if (keyExprs.length !== 1) this.fail(at, "uregs[] takes one index");
      const index = this.expr(keyExprs[0]);
      this.requireInt(index, keyExprs[0].span, "the uregs[] index");
      if (index.kind === "int" && (index.value < 0n || index.value >= BigInt(UREGS_COUNT)))
        this.fail(
          keyExprs[0].span,
          `uregs[] index ${index.value} is out of range (0..${UREGS_COUNT - 1}: R_X0..R_X31, R_PC)`,
        );
      return { kind: "uregs", index: this.convert(index, U32), type: U64, span: at };
    }
    const target = this.arrayOf(base);
    if (target.kind === "agg")
      this.fail(at, `an aggregation cannot be read: print it with printa(${aggName(target.name)})`);
    const v = this.lookup(target.scope, target.name, base.span);
    if (v.shape !== "assoc")
      this.fail(
        base.span,
        `${this.display(target.scope, target.name)} is a scalar variable, not an associative array`,
      );
    const keys = this.keys(
      keyExprs,
      v.keyTypes,
      v.declaredAt,
      this.display(target.scope, target.name),
      false,
    );
    return { kind: "assoc", variable: v, keys, type: v.type, span: at };
  }

  /** What an index applies to: an associative array of a scope, or an aggregation. */
  private arrayOf(base: Expr): { kind: "var"; scope: Scope; name: string } | { kind: "agg"; name: string } {
    switch (base.kind) {
      case "ident": {
        if (BUILTIN_VARIABLES.has(base.name)) this.fail(base.span, `${base.name} is not an array`);
        const unsupported = UNSUPPORTED_BUILTINS.get(base.name);
        if (unsupported) this.fail(base.span, unsupported);
        if (this.isFunctionName(base.name)) this.fail(base.span, `${base.name} is a function, not an array`);
        if (REGISTER_CONSTANTS.has(base.name))
          this.fail(base.span, `${base.name} is a constant, not an array`);
        return { kind: "var", scope: "global", name: base.name };
      }
      case "self":
        return { kind: "var", scope: "thread", name: base.name };
      case "this":
        return this.fail(base.span, "clause-local variables (this->) cannot be associative arrays");
      case "agg":
        return { kind: "agg", name: base.name || "_" };
      default:
        return this.fail(base.span, "only associative arrays, aggregations and uregs[] can be indexed");
    }
  }

  /**
   * Checks keys against a signature (`declared`, empty when this use declares it) and returns them
   * converted to the key types. Aggregation keys may be stacks (ustack()).
   */
  private keys(
    exprs: readonly Expr[],
    declared: readonly DType[] | undefined,
    declaredAt: Span | undefined,
    what: string,
    aggregation: boolean,
  ): CExpr[] {
    const keys = exprs.map((k) => this.expr(k));
    keys.forEach((k, i) => {
      const t = k.type;
      if (!(isInt(t) || t.kind === "string" || (aggregation && t.kind === "stack")))
        this.fail(
          exprs[i].span,
          `a key of ${what} must be an integer or a string${aggregation ? " (or ustack())" : ""}, not ${kindName(t)}`,
        );
    });
    if (declared === undefined || declaredAt === undefined)
      return keys.map((k) => (isInt(k.type) ? this.convert(k, keyType(k.type) as IntType) : k));
    const where = this.where(declaredAt);
    if (keys.length !== declared.length) {
      const at = keys.length > declared.length ? exprs[declared.length].span : exprs[exprs.length - 1]?.span;
      this.fail(
        at ?? declaredAt,
        `${what} has ${plural(declared.length, "key")} (${where}), not ${keys.length}`,
      );
    }
    return keys.map((k, i) => {
      const want = declared[i];
      if (isInt(want) && isInt(k.type)) return this.convert(k, want);
      if (want.kind !== k.type.kind)
        this.fail(
          exprs[i].span,
          `key ${i + 1} of ${what} is ${kindName(want)} (${where}), not ${kindName(k.type)}`,
        );
      return k;
    });
  }

  private where(at: Span): string {
    const { line, column } = this.source.position(at.start);
    return `as first used at line ${line}, column ${column}`;
  }

  private unary(op: "-" | "+" | "!" | "~" | "*" | "&", operandExpr: Expr, at: Span): CExpr {
    if (op === "*") this.fail(at, "pointers are not supported (unary * dereferences a pointer)");
    if (op === "&") this.fail(at, "pointers are not supported (unary & takes an address)");
    const operand = this.expr(operandExpr);
    const t = this.requireInt(operand, operandExpr.span, `the operand of unary ${op}`);
    if (op === "!") {
      if (operand.kind === "int")
        return { kind: "int", value: operand.value === 0n ? 1n : 0n, type: I32, span: at };
      return { kind: "unary", op, operand, type: I32, span: at };
    }
    const p = promote(t);
    const v = this.convert(operand, p);
    if (op === "+") return { ...v, span: at };
    if (v.kind === "int")
      return { kind: "int", value: wrap(op === "-" ? -v.value : ~v.value, p), type: p, span: at };
    return { kind: "unary", op, operand: v, type: p, span: at };
  }

  private binary(e: Extract<Expr, { kind: "binary" }>): CExpr {
    const left = this.expr(e.left);
    const right = this.expr(e.right);
    const op = e.op;
    const at = e.span;
    if (op === "==" || op === "!=" || op === "<" || op === "<=" || op === ">" || op === ">=") {
      const ls = left.type.kind === "string";
      const rs = right.type.kind === "string";
      if (ls && rs) return { kind: "binary", op, left, right, operandType: STRING, type: I32, span: at };
      if (ls !== rs && (isInt(left.type) || isInt(right.type)))
        this.fail(e.opSpan, `cannot compare ${kindName(left.type)} with ${kindName(right.type)}`);
      const lt = this.requireInt(left, e.left.span, `the left operand of ${op}`);
      const rt = this.requireInt(right, e.right.span, `the right operand of ${op}`);
      const t = arithmetic(lt, rt);
      const l = this.convert(left, t);
      const r = this.convert(right, t);
      if (l.kind === "int" && r.kind === "int")
        return { kind: "int", value: compare(op, l.value, r.value) ? 1n : 0n, type: I32, span: at };
      return { kind: "binary", op, left: l, right: r, operandType: t, type: I32, span: at };
    }
    const lt = this.requireInt(left, e.left.span, `the left operand of ${op}`);
    const rt = this.requireInt(right, e.right.span, `the right operand of ${op}`);
    if (op === "&&" || op === "||" || op === "^^") {
      if (left.kind === "int" && right.kind === "int") {
        const a = left.value !== 0n;
        const b = right.value !== 0n;
        const v = op === "&&" ? a && b : op === "||" ? a || b : a !== b;
        return { kind: "int", value: v ? 1n : 0n, type: I32, span: at };
      }
      return { kind: "logical", op, left, right, type: I32, span: at };
    }
    if (op === "<<" || op === ">>") {
      const t = promote(lt);
      const l = this.convert(left, t);
      const r = this.convert(right, promote(rt));
      if (r.kind === "int" && (r.value < 0n || r.value >= BigInt(t.bits)))
        this.fail(e.right.span, `shift by ${r.value} is out of range for ${typeName(t)} (0..${t.bits - 1})`);
      if (l.kind === "int" && r.kind === "int") {
        const v = op === "<<" ? l.value << r.value : l.value >> r.value;
        return { kind: "int", value: wrap(v, t), type: t, span: at };
      }
      return { kind: "binary", op, left: l, right: r, operandType: t, type: t, span: at };
    }
    const t = arithmetic(lt, rt);
    const l = this.convert(left, t);
    const r = this.convert(right, t);
    if (r.kind === "int" && r.value === 0n && (op === "/" || op === "%"))
      this.fail(e.right.span, op === "/" ? "division by zero" : "remainder of a division by zero");
    if (l.kind === "int" && r.kind === "int")
      return { kind: "int", value: wrap(arith(op, l.value, r.value), t), type: t, span: at };
    return { kind: "binary", op, left: l, right: r, operandType: t, type: t, span: at };
  }

  private conditional(e: Extract<Expr, { kind: "conditional" }>): CExpr {
    const cond = this.condition(e.cond, "the condition of ?:");
    const then = this.expr(e.ifTrue);
    const otherwise = this.expr(e.ifFalse);
    if (then.type.kind === "string" && otherwise.type.kind === "string")
      return { kind: "conditional", cond, ifTrue: then, ifFalse: otherwise, type: STRING, span: e.span };
    if (!isInt(then.type) || !isInt(otherwise.type))
      this.fail(
        e.span,
        `the results of ?: must be both integers or both strings, not ${kindName(then.type)} and ${kindName(otherwise.type)}`,
      );
    const t = arithmetic(then.type, otherwise.type);
    const a = this.convert(then, t);
    const b = this.convert(otherwise, t);
    if (cond.kind === "int" && a.kind === "int" && b.kind === "int")
      return { kind: "int", value: cond.value !== 0n ? a.value : b.value, type: t, span: e.span };
    return { kind: "conditional", cond, ifTrue: a, ifFalse: b, type: t, span: e.span };
  }

  // ---- variables as targets ----

  private isAggregationTarget(target: Expr): boolean {
    return target.kind === "agg" || (target.kind === "index" && target.base.kind === "agg");
  }

  /** Where an assignment, ++ or -- stores: what it names, before it is known to exist. */
  private target(e: Expr): { scope: Scope; name: string; keys: readonly Expr[] | undefined; at: Span } {
    const refuse = (name: string, at: Span): never => {
      if (BUILTIN_VARIABLES.has(name) || name === "uregs")
        this.fail(at, `cannot assign to ${name}, a built-in variable`);
      const unsupported = UNSUPPORTED_BUILTINS.get(name);
      if (unsupported) this.fail(at, unsupported);
      if (REGISTER_CONSTANTS.has(name)) this.fail(at, `cannot assign to ${name}, a constant`);
      return this.fail(at, `cannot assign to ${name}, a function`);
    };
    const isReserved = (name: string) =>
      BUILTIN_VARIABLES.has(name) ||
      name === "uregs" ||
      UNSUPPORTED_BUILTINS.has(name) ||
      REGISTER_CONSTANTS.has(name) ||
      this.isFunctionName(name);
    switch (e.kind) {
      case "ident":
        if (isReserved(e.name)) refuse(e.name, e.span);
        return { scope: "global", name: e.name, keys: undefined, at: e.span };
      case "self":
        return { scope: "thread", name: e.name, keys: undefined, at: e.span };
      case "this":
        return { scope: "clause", name: e.name, keys: undefined, at: e.span };
      case "index": {
        if (e.base.kind === "ident" && isReserved(e.base.name)) refuse(e.base.name, e.base.span);
        const a = this.arrayOf(e.base);
        if (a.kind === "agg")
          return this.fail(e.span, "an aggregation is assigned only in a statement of its own");
        return { scope: a.scope, name: a.name, keys: e.keys, at: e.span };
      }
      default:
        return this.fail(e.span, "the left side of an assignment must be a variable or an array element");
    }
  }

  /** Runs `f`, marking the target's name as failed if it was undeclared when `f` failed. */
  private declaring<T>(key: string, undeclared: boolean, f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (undeclared) this.poisoned.add(key);
      throw err;
    }
  }

  private declare(
    scope: Scope,
    name: string,
    type: DType,
    keyTypes: DType[] | undefined,
    at: Span,
  ): MutableVariable {
    const map = this.variables[scope];
    const v: MutableVariable = {
      scope,
      name,
      shape: keyTypes ? "assoc" : "scalar",
      type,
      keyTypes: keyTypes ?? [],
      id: map.size,
      declaredAt: at,
    };
    map.set(name, v);
    return v;
  }

  /**
   * The variable or element that `op` (++, -- or a compound assignment) updates. An undeclared one
   * is declared as an int64_t zero would be: int64_t, or its usual conversion with `valueType`.
   */
  private lvalue(e: Expr, op: string, valueType?: IntType): CLValue {
    const t = this.target(e);
    const key = `${t.scope}:${t.name}`;
    const existing = this.variables[t.scope].get(t.name);
    if (!existing && this.poisoned.has(key)) throw new Abort(undefined);
    return this.declaring(key, !existing, () => {
      let v = existing;
      const keys = t.keys
        ? this.keys(t.keys, v?.keyTypes, v?.declaredAt, this.display(t.scope, t.name), false)
        : undefined;
      if (!v) {
        const type = op === "<<=" || op === ">>=" || !valueType ? I64 : arithmetic(I64, valueType);
        v = this.declare(
          t.scope,
          t.name,
          type,
          keys?.map((k) => k.type),
          t.at,
        );
      }
      return this.access(v, keys, t.at);
    });
  }

  private access(v: MutableVariable, keys: CExpr[] | undefined, at: Span): CLValue {
    const name = this.display(v.scope, v.name);
    if (keys && v.shape !== "assoc") this.fail(at, `${name} is a scalar variable, not an associative array`);
    if (!keys && v.shape === "assoc")
      this.fail(at, `${name} is an associative array: index it, as in ${name}[key]`);
    return keys
      ? { kind: "assoc", variable: v, keys, type: v.type, span: at }
      : { kind: "var", variable: v, type: v.type, span: at };
  }

  private describeLValue(l: CLValue): string {
    return this.display(l.variable.scope, l.variable.name) + (l.kind === "assoc" ? "[]" : "");
  }

  private assign(e: Assign): CExpr {
    const t = this.target(e.target);
    const key = `${t.scope}:${t.name}`;
    const existing = this.variables[t.scope].get(t.name);
    if (!existing && this.poisoned.has(key)) throw new Abort(undefined);
    return this.declaring(key, !existing, () => {
      // The value first: `x = x + 1` reads x before this assignment could declare it.
      const value = this.expr(e.value);
      const vt = value.type;
      if (vt.kind === "stack")
        this.fail(e.value.span, "ustack() can only be an aggregation key or a statement of its own");
      if (vt.kind === "void" || vt.kind === "aggregation")
        this.fail(e.value.span, `the value assigned is ${kindName(vt)}`);
      if (e.op !== "=") return this.compound(e, value);
      let v = existing;
      const name = this.display(t.scope, t.name);
      const keys = t.keys ? this.keys(t.keys, v?.keyTypes, v?.declaredAt, name, false) : undefined;
      if (!v)
        v = this.declare(
          t.scope,
          t.name,
          vt,
          keys?.map((k) => k.type),
          t.at,
        );
      const target = this.access(v, keys, t.at);
      if (isInt(v.type) && isInt(vt)) {
        return {
          kind: "assign",
          op: "=",
          target,
          value: this.convert(value, v.type),
          operandType: undefined,
          type: v.type,
          span: e.span,
        };
      }
      if (v.type.kind !== vt.kind)
        this.fail(
          e.opSpan,
          `cannot assign ${kindName(vt)} to ${this.describeLValue(target)}, which holds ${holds(v.type)} (${this.where(v.declaredAt)})`,
        );
      return { kind: "assign", op: "=", target, value, operandType: undefined, type: v.type, span: e.span };
    });
  }

  private compound(e: Assign, value: CExpr): CExpr {
    const op = e.op;
    const bare = op.slice(0, -1);
    if (!isInt(value.type))
      this.fail(e.value.span, `the right operand of ${op} must be an integer, not ${kindName(value.type)}`);
    const target = this.lvalue(e.target, op, value.type);
    if (!isInt(target.type))
      this.fail(
        e.opSpan,
        `${op} needs an integer variable, but ${this.describeLValue(target)} holds ${holds(target.type)}`,
      );
    let operandType: IntType;
    let v: CExpr;
    if (bare === "<<" || bare === ">>") {
      operandType = promote(target.type);
      v = this.convert(value, promote(value.type));
      if (v.kind === "int" && (v.value < 0n || v.value >= BigInt(operandType.bits)))
        this.fail(
          e.value.span,
          `shift by ${v.value} is out of range for ${typeName(operandType)} (0..${operandType.bits - 1})`,
        );
    } else {
      operandType = arithmetic(target.type, value.type);
      v = this.convert(value, operandType);
      if ((bare === "/" || bare === "%") && v.kind === "int" && v.value === 0n)
        this.fail(e.value.span, "division by zero");
    }
    return { kind: "assign", op, target, value: v, operandType, type: target.type, span: e.span };
  }

  // ---- aggregations ----

  /** The aggregation named `name` (without @; "_" for @), created on first mention. */
  private aggregationNamed(name: string, at: Span): MutableAggregation {
    let a = this.aggregations.get(name);
    if (!a) {
      a = {
        name,
        func: undefined,
        params: [],
        keyTypes: [],
        valueType: I64,
        id: this.aggregations.size,
        declaredAt: at,
        firstMention: at,
      };
      this.aggregations.set(name, a);
    }
    return a;
  }

  private aggregate(e: Assign): CAggregate {
    const target = e.target;
    const name =
      (target.kind === "agg"
        ? target.name
        : target.kind === "index" && target.base.kind === "agg"
          ? target.base.name
          : "") || "_";
    const keyExprs = target.kind === "index" ? target.keys : [];
    const a = this.aggregationNamed(name, target.span);
    const declared = a.func !== undefined;
    if (!declared && this.poisoned.has(`@${name}`)) throw new Abort(undefined);
    return this.declaring(`@${name}`, !declared, () => {
      if (e.op !== "=")
        this.fail(e.opSpan, `an aggregation is assigned with '=' only, as in ${aggName(name)} = count()`);
      const call = e.value;
      if (call.kind !== "call" || !AGGREGATING_FUNCTIONS.has(call.name))
        this.fail(
          call.span,
          "the value assigned to an aggregation must be an aggregating function: count(), sum(x), min(x), max(x), avg(x), stddev(x), quantize(x), lquantize(x, low, high[, step]) or llquantize(x, factor, low, high, nsteps)",
        );
      const keys = this.keys(
        keyExprs,
        declared ? a.keyTypes : undefined,
        declared ? a.declaredAt : undefined,
        aggName(name),
        true,
      );
      const func = call.name as AggFunc;
      const { args, params } = this.aggregatingArgs(func, call);
      if (!declared) {
        a.func = func;
        a.params = params;
        a.keyTypes = keys.map((k) => k.type);
        a.valueType = func === "count" || func === "stddev" || func.endsWith("quantize") ? U64 : I64;
        a.declaredAt = target.span;
      } else if (a.func !== func || a.params.join() !== params.join()) {
        this.fail(
          call.span,
          `${aggName(name)} is ${funcText(a.func as AggFunc, a.params)} (${this.where(a.declaredAt)}); it cannot also be ${funcText(func, params)}`,
        );
      }
      return { kind: "aggregate", aggregation: a as Aggregation, keys, args, span: e.span };
    });
  }

  /** An aggregating function's value arguments (converted to int64_t) and constant parameters. */
  private aggregatingArgs(func: AggFunc, call: Call): { args: CExpr[]; params: bigint[] } {
    const n = call.args.length;
    const value = (): CExpr => {
      const v = this.expr(call.args[0]);
      this.requireInt(v, call.args[0].span, `the argument of ${func}()`);
      return this.convert(v, I64);
    };
    switch (func) {
      case "count":
        this.arity(call, 0, 0);
        return { args: [], params: [] };
      case "sum":
      case "min":
      case "max":
      case "avg":
      case "stddev":
      case "quantize":
        this.arity(call, 1, 1);
        return { args: [value()], params: [] };
      case "lquantize": {
        this.arity(call, 3, 4);
        const v = value();
        const low = this.constant(call, 1, "the lower bound");
        const high = this.constant(call, 2, "the upper bound");
        const step = n > 3 ? this.constant(call, 3, "the step") : 1n;
        const int32 = (x: bigint, i: number, what: string) => {
          if (x < -(1n << 31n) || x >= 1n << 31n)
            this.fail(call.args[i].span, `lquantize()'s ${what} must fit in 32 bits`);
        };
        int32(low, 1, "lower bound");
        int32(high, 2, "upper bound");
        if (high <= low)
          this.fail(call.args[2].span, "lquantize()'s upper bound must be greater than its lower bound");
        if (step <= 0n) this.fail(call.args[3].span, "lquantize()'s step must be positive");
        if ((high - low) / step > 65535n)
          this.fail(call.args[3].span, "lquantize() would have more than 65535 buckets");
        return { args: [v], params: [low, high, step] };
      }
      case "llquantize": {
        this.arity(call, 5, 5);
        const v = value();
        const factor = this.constant(call, 1, "the factor");
        const low = this.constant(call, 2, "the low magnitude");
        const high = this.constant(call, 3, "the high magnitude");
        const steps = this.constant(call, 4, "the number of steps");
        if (factor < 2n || factor > 65535n)
          this.fail(call.args[1].span, "llquantize()'s factor must be 2 to 65535");
        if (low < 0n || low > 65535n)
          this.fail(call.args[2].span, "llquantize()'s low magnitude must be 0 to 65535");
        if (high < low || high > 65535n)
          this.fail(
            call.args[3].span,
            "llquantize()'s high magnitude must be at least its low magnitude (and at most 65535)",
          );
        if (steps < 1n || steps > 65535n)
          this.fail(call.args[4].span, "llquantize()'s number of steps must be 1 to 65535");
        if (steps < factor ? factor % steps !== 0n : steps % factor !== 0n)
          this.fail(
            call.args[4].span,
            "llquantize()'s number of steps must divide, or be a multiple of, its factor",
          );
        if (!powerFits(factor, high + 1n))
          this.fail(
            call.args[3].span,
            "llquantize(): the factor to the power (high magnitude + 1) does not fit in 64 bits",
          );
        return { args: [v], params: [factor, low, high, steps] };
      }
    }
  }

  /** Argument `i` of a call as a constant integer. */
  private constant(call: Call, i: number, what: string): bigint {
    const c = this.expr(call.args[i]);
    this.requireInt(c, call.args[i].span, `${what} of ${call.name}()`);
    if (c.kind !== "int") this.fail(call.args[i].span, `${what} of ${call.name}() must be a constant`);
    return c.value;
  }

  // ---- functions ----

  private arity(call: Call, min: number, max: number): void {
    const n = call.args.length;
    if (n >= min && n <= max) return;
    const takes =
      min === max
        ? plural(min, "argument")
        : max === Number.POSITIVE_INFINITY
          ? `at least ${plural(min, "argument")}`
          : `${min} to ${max} arguments`;
    const at = n > max ? call.args[max].span : call.nameSpan;
    this.fail(at, `${call.name}() takes ${takes}, not ${n}`);
  }

  private call(call: Call, statement: boolean): CExpr {
    const name = call.name;
    const at = call.span;
    if (AGGREGATING_FUNCTIONS.has(name))
      this.fail(
        call.nameSpan,
        `${name}() can only be the value assigned to an aggregation, as in @name[keys] = ${name}(...)`,
      );
    const unsupported = UNSUPPORTED_FUNCTIONS.get(name);
    if (unsupported) this.fail(call.nameSpan, unsupported);
    if (ACTIONS.has(name) && !statement)
      this.fail(call.nameSpan, `${name}() is an action and has no value: use it as a statement of its own`);
    const arg = (i: number) => this.expr(call.args[i]);
    const intArg = (i: number, to: IntType): CExpr => {
      const c = arg(i);
      this.requireInt(c, call.args[i].span, `argument ${i + 1} of ${name}()`);
      return this.convert(c, to);
    };
    const stringArg = (i: number): CExpr => {
      const c = arg(i);
      this.requireString(c, call.args[i].span, `argument ${i + 1} of ${name}()`);
      return c;
    };
    const done = (fn: CCall["fn"], args: CExpr[], type: DType, format?: Format): CExpr => ({
      kind: "call",
      fn,
      args,
      format,
      type,
      span: at,
    });
    switch (name) {
      case "trace": {
        this.arity(call, 1, 1);
        const v = arg(0);
        if (!(isInt(v.type) || v.type.kind === "string" || v.type.kind === "buffer"))
          this.fail(
            call.args[0].span,
            `trace() records an integer, a string or a buffer, not ${kindName(v.type)}`,
          );
        return done("trace", [v], VOID);
      }
      case "printf": {
        this.arity(call, 1, Number.POSITIVE_INFINITY);
        const fmt = this.formatOf(call, 0);
        const args = call.args.slice(1).map((a) => this.expr(a));
        this.matchPrintf(fmt.literal, fmt.format, args, call.args.slice(1), call);
        return done("printf", args, VOID, fmt.format);
      }
      case "printa": {
        this.arity(call, 1, 2);
        const fmt = call.args.length === 2 ? this.formatOf(call, 0, true) : undefined;
        const ref = this.aggregationArg(call, call.args.length - 1);
        if (fmt) {
          const checkFormat = () => this.matchPrinta(fmt.literal, fmt.format, ref.aggregation);
          if (ref.aggregation.func !== undefined) checkFormat();
          else this.deferred.push(checkFormat);
        }
        return done("printa", [ref], VOID, fmt?.format);
      }
      case "exit":
        this.arity(call, 1, 1);
        return done("exit", [intArg(0, I32)], VOID);
      case "clear":
      case "denormalize":
        this.arity(call, 1, 1);
        return done(name, [this.aggregationArg(call, 0)], VOID);
      case "trunc":
        this.arity(call, 1, 2);
        return done(
          "trunc",
          call.args.length === 2
            ? [this.aggregationArg(call, 0), intArg(1, I64)]
            : [this.aggregationArg(call, 0)],
          VOID,
        );
      case "normalize":
        this.arity(call, 2, 2);
        return done("normalize", [this.aggregationArg(call, 0), intArg(1, I64)], VOID);
      case "ustack": {
        this.arity(call, 0, 2);
        const args = call.args.map((_, i) => {
          const c = this.constant(call, i, i === 0 ? "the number of frames" : "the string size");
          if (c < 0n || c > 65535n)
            this.fail(call.args[i].span, `argument ${i + 1} of ustack() must be 0 to 65535`);
          return { kind: "int", value: c, type: U32, span: call.args[i].span } as CExpr;
        });
        return done("ustack", args, STACK);
      }
      case "copyin":
        this.arity(call, 2, 2);
        return done("copyin", [intArg(0, U64), intArg(1, U64)], BUFFER);
      case "copyinstr":
        this.arity(call, 1, 2);
        return done(
          "copyinstr",
          call.args.map((_, i) => intArg(i, U64)),
          STRING,
        );
      case "strlen":
        this.arity(call, 1, 1);
        return done("strlen", [stringArg(0)], U64);
      case "strjoin":
        this.arity(call, 2, 2);
        return done("strjoin", [stringArg(0), stringArg(1)], STRING);
      case "substr":
        this.arity(call, 2, 3);
        return done(
          "substr",
          call.args.map((_, i) => (i === 0 ? stringArg(0) : intArg(i, I64))),
          STRING,
        );
      case "basename":
        this.arity(call, 1, 1);
        return done("basename", [stringArg(0)], STRING);
      case "lltostr":
        this.arity(call, 1, 1);
        return done("lltostr", [intArg(0, I64)], STRING);
      default:
        return this.fail(call.nameSpan, `unknown function ${name}()${suggestion(name, ALL_FUNCTIONS)}`);
    }
  }

  /** Argument `i` as an aggregation reference (`@name`, without keys). */
  private aggregationArg(call: Call, i: number): CAggRef {
    const e = call.args[i];
    if (e.kind === "index" && e.base.kind === "agg")
      this.fail(
        e.span,
        `${call.name}() takes an aggregation without keys, as in ${call.name}(${aggName(e.base.name || "_")})`,
      );
    if (e.kind !== "agg")
      this.fail(e.span, `argument ${i + 1} of ${call.name}() must be an aggregation (@name)`);
    const a = this.aggregationNamed(e.name || "_", e.span);
    return { kind: "aggref", aggregation: a as Aggregation, type: AGGREGATION, span: e.span };
  }

  /** Argument `i` as a format: a string constant, parsed. */
  private formatOf(call: Call, i: number, printa = false): { literal: StringLit; format: Format } {
    const e = call.args[i];
    if (e.kind !== "string") this.fail(e.span, `the format of ${call.name}() must be a string constant`);
    try {
      return { literal: e, format: parseFormat(e.value, printa) };
    } catch (err) {
      if (err instanceof FormatError) this.fail(this.inString(e, err.start, err.end), err.message);
      throw err;
    }
  }

  /** The source span of characters [start, end) of a string constant's value. */
  private inString(lit: StringLit, start: number, end: number): Span {
    return { start: lit.offsets[start] ?? lit.span.end, end: lit.offsets[end] ?? lit.span.end };
  }

  private matchPrintf(
    lit: StringLit,
    format: Format,
    args: CExpr[],
    exprs: readonly Expr[],
    call: Call,
  ): void {
    let next = 0;
    const take = (c: Conversion, kind: "int" | "string", what: string): void => {
      if (next >= args.length)
        this.fail(
          this.inString(lit, c.start, c.end),
          what === "its value"
            ? `${c.text} has no matching argument`
            : `${c.text} has no argument for ${what}`,
        );
      const a = args[next];
      const ok = kind === "int" ? isInt(a.type) : a.type.kind === kind;
      if (!ok)
        this.fail(
          exprs[next].span,
          `${c.text} ${what === "its value" ? "prints" : "takes"} ${kind === "int" ? "an integer" : "a string"}${what === "its value" ? "" : ` as ${what}`}, but argument ${next + 2} is ${kindName(a.type)}`,
        );
      next++;
    };
    for (const c of format.conversions) {
      if (c.width === "*") take(c, "int", "its width");
      if (c.precision === "*") take(c, "int", "its precision");
      take(c, conversionKind(c), "its value");
    }
    if (next < args.length)
      this.fail(
        exprs[next].span,
        `${call.name}() has more arguments than its format has conversions (${format.conversions.length})`,
      );
  }

  private matchPrinta(lit: StringLit, format: Format, a: MutableAggregation | Aggregation): void {
    let key = 0;
    for (const c of format.conversions) {
      if (c.flags.includes("@")) continue;
      if (key >= a.keyTypes.length)
        this.fail(
          this.inString(lit, c.start, c.end),
          `${c.text} has no key of ${aggName(a.name)} to print: it has ${plural(a.keyTypes.length, "key")} (${this.where(a.declaredAt)})`,
        );
      const want = a.keyTypes[key];
      const kind = conversionKind(c);
      const ok = kind === "int" ? isInt(want) : want.kind === kind;
      if (!ok)
        this.fail(
          this.inString(lit, c.start, c.end),
          `${c.text} cannot print key ${key + 1} of ${aggName(a.name)}, which is ${kindName(want)} (${this.where(a.declaredAt)})`,
        );
      key++;
    }
  }
}

function holds(t: DType): string {
  return isInt(t) ? `integers (${typeName(t)})` : t.kind === "string" ? "strings" : `${t.kind}s`;
}

function funcText(func: AggFunc, params: readonly bigint[]): string {
  return params.length ? `${func}(x, ${params.join(", ")})` : func === "count" ? "count()" : `${func}(x)`;
}

/** Whether base ** exponent is below 2^64, without computing a huge power. */
function powerFits(base: bigint, exponent: bigint): boolean {
  let v = 1n;
  for (let i = 0n; i < exponent; i++) {
    v *= base;
    if (v >= 1n << 64n) return false;
  }
  return true;
}

function compare(op: string, a: bigint, b: bigint): boolean {
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}

/** C's integer operators on values already of the operation's type (the caller wraps the result). */
function arith(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b; // BigInt division truncates toward zero, as C99's does
    case "%":
      return a % b; // and the remainder takes the dividend's sign
    case "&":
      return a & b;
    case "|":
      return a | b;
    default:
      return a ^ b;
  }
}
