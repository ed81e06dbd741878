// Readable, deterministic dumps of the two trees, for `--dump-ast` and for tests: one node a line,
// indented by depth, `kind details : type` and the node's start as `@line:col`. The checked dump
// ends with the declared variables and aggregations.

import type { Expr, Program, Stmt } from "./ast.js";
import type { CExpr, CheckedProgram, CStmt, Variable } from "./checked.js";
import type { SourceFile, Span } from "./diagnostics.js";
import { typeName } from "./types.js";

class Writer {
  readonly lines: string[] = [];
  constructor(private readonly source: SourceFile) {}

  line(depth: number, text: string, at?: Span): void {
    let where = "";
    if (at) {
      const { line, column } = this.source.position(at.start);
      where = ` @${line}:${column}`;
    }
    this.lines.push(`${"  ".repeat(depth)}${text}${where}`);
  }

  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function scoped(scope: string, name: string): string {
  return scope === "thread" ? `self->${name}` : scope === "clause" ? `this->${name}` : name;
}

function aggDisplay(name: string): string {
  return name === "_" ? "@" : `@${name}`;
}

// ---- the syntax tree ----

/** The tree as parsed: nothing resolved, no types. */
export function printSyntax(program: Program, source: SourceFile): string {
  const w = new Writer(source);
  w.line(0, `program ${quote(program.file)}`);
  for (const item of program.items) {
    if (item.kind === "pragma") {
      w.line(1, `option ${item.name}${item.value === undefined ? "" : `=${item.value}`}`, item.span);
      continue;
    }
    w.line(1, "clause", item.span);
    for (const p of item.probes) w.line(2, probeText(p), p.span);
    if (item.predicate) {
      w.line(2, "predicate");
      syntaxExpr(w, item.predicate, 3);
    }
    if (item.body === undefined) w.line(2, "no body");
    else {
      w.line(2, "body");
      for (const s of item.body) syntaxStmt(w, s, 3);
    }
  }
  return w.text();
}

function probeText(p: {
  text: string;
  provider: string;
  module: string;
  function: string;
  name: string;
}): string {
  return `probe ${quote(p.text)} provider=${quote(p.provider)} module=${quote(p.module)} function=${quote(p.function)} name=${quote(p.name)}`;
}

function syntaxStmt(w: Writer, s: Stmt, d: number): void {
  switch (s.kind) {
    case "empty":
      w.line(d, "empty", s.span);
      return;
    case "expr-stmt":
      syntaxExpr(w, s.expr, d);
      return;
    case "if":
      w.line(d, "if", s.span);
      syntaxExpr(w, s.cond, d + 1);
      w.line(d, "then");
      for (const t of s.thenBody) syntaxStmt(w, t, d + 1);
      if (s.elseBody) {
        w.line(d, "else");
        for (const t of s.elseBody) syntaxStmt(w, t, d + 1);
      }
  }
}

function syntaxExpr(w: Writer, e: Expr, d: number): void {
  const kids = (...xs: readonly Expr[]) => {
    for (const x of xs) syntaxExpr(w, x, d + 1);
  };
  switch (e.kind) {
    case "int":
      w.line(d, `int ${e.text} = ${e.value} ${typeName(e.type)}`, e.span);
      return;
    case "string":
      w.line(d, `string ${quote(e.value)}`, e.span);
      return;
    case "ident":
      w.line(d, `ident ${e.name}`, e.span);
      return;
    case "self":
      w.line(d, `self->${e.name}`, e.span);
      return;
    case "this":
      w.line(d, `this->${e.name}`, e.span);
      return;
    case "agg":
      w.line(d, `aggregation ${aggDisplay(e.name || "_")}`, e.span);
      return;
    case "index":
      w.line(d, "index", e.span);
      kids(e.base, ...e.keys);
      return;
    case "call":
      w.line(d, `call ${e.name}`, e.span);
      kids(...e.args);
      return;
    case "member":
      w.line(d, `member ${e.op}${e.name}`, e.span);
      kids(e.base);
      return;
    case "unary":
      w.line(d, `unary ${e.op}`, e.span);
      kids(e.operand);
      return;
    case "incdec":
      w.line(d, e.prefix ? `prefix ${e.op}` : `postfix ${e.op}`, e.span);
      kids(e.operand);
      return;
    case "binary":
      w.line(d, `binary ${e.op}`, e.span);
      kids(e.left, e.right);
      return;
    case "conditional":
      w.line(d, "?:", e.span);
      kids(e.cond, e.ifTrue, e.ifFalse);
      return;
    case "assign":
      w.line(d, `assign ${e.op}`, e.span);
      kids(e.target, e.value);
      return;
    case "cast":
      w.line(d, `cast (${e.typeName})`, e.span);
      kids(e.operand);
      return;
    case "stringof":
      w.line(d, "stringof", e.span);
      kids(e.operand);
      return;
  }
}

// ---- the checked tree ----

/** The checked tree: resolved names, every expression's type, conversions and folded constants. */
export function printChecked(program: CheckedProgram): string {
  const w = new Writer(program.source);
  w.line(0, `program ${quote(program.file)}`);
  for (const o of program.options)
    w.line(1, `option ${o.name}${o.value === undefined ? "" : `=${o.value}`}`, o.span);
  for (const c of program.clauses) {
    w.line(1, `clause ${c.index}${c.defaultAction ? " (default action)" : ""}`, c.span);
    for (const p of c.probes) w.line(2, probeText(p), p.span);
    if (c.predicate) {
      w.line(2, "predicate");
      checkedExpr(w, c.predicate, 3);
    }
    if (c.body.length) {
      w.line(2, "body");
      for (const s of c.body) checkedStmt(w, s, 3);
    }
  }
  const vars = (title: string, list: readonly Variable[]) => {
    if (!list.length) return;
    w.line(1, title);
    for (const v of list) {
      const keys = v.shape === "assoc" ? `[${v.keyTypes.map(typeName).join(", ")}]` : "";
      w.line(2, `${scoped(v.scope, v.name)}${keys} : ${typeName(v.type)}`, v.declaredAt);
    }
  };
  vars("globals", program.globals);
  vars("thread-locals", program.threadLocals);
  vars("clause-locals", program.clauseLocals);
  if (program.aggregations.length) {
    w.line(1, "aggregations");
    for (const a of program.aggregations) {
      const params = a.params.length ? `, ${a.params.join(", ")}` : "";
      const fn = a.func === "count" ? "count()" : `${a.func}(x${params})`;
      w.line(
        2,
        `${aggDisplay(a.name)}[${a.keyTypes.map(typeName).join(", ")}] = ${fn} : ${typeName(a.valueType)}`,
        a.declaredAt,
      );
    }
  }
  return w.text();
}

function checkedStmt(w: Writer, s: CStmt, d: number): void {
  switch (s.kind) {
    case "expr":
      checkedExpr(w, s.expr, d);
      return;
    case "aggregate": {
      const a = s.aggregation;
      w.line(
        d,
        `aggregate ${aggDisplay(a.name)} ${a.func}${a.params.length ? `(${a.params.join(", ")})` : ""}`,
        s.span,
      );
      for (const k of s.keys) {
        w.line(d + 1, "key");
        checkedExpr(w, k, d + 2);
      }
      for (const v of s.args) {
        w.line(d + 1, "value");
        checkedExpr(w, v, d + 2);
      }
      return;
    }
    case "if":
      w.line(d, "if", s.span);
      checkedExpr(w, s.cond, d + 1);
      w.line(d, "then");
      for (const t of s.thenBody) checkedStmt(w, t, d + 1);
      if (s.elseBody.length) {
        w.line(d, "else");
        for (const t of s.elseBody) checkedStmt(w, t, d + 1);
      }
  }
}

function checkedExpr(w: Writer, e: CExpr, d: number): void {
  const t = typeName(e.type);
  const kids = (...xs: readonly CExpr[]) => {
    for (const x of xs) checkedExpr(w, x, d + 1);
  };
  switch (e.kind) {
    case "int":
      w.line(d, `int ${e.value} : ${t}`, e.span);
      return;
    case "string":
      w.line(d, `string ${quote(e.value)} : ${t}`, e.span);
      return;
    case "builtin":
      w.line(d, `builtin ${e.name} : ${t}`, e.span);
      return;
    case "uregs":
      w.line(d, `uregs : ${t}`, e.span);
      kids(e.index);
      return;
    case "var":
      w.line(d, `${e.variable.scope} ${scoped(e.variable.scope, e.variable.name)} : ${t}`, e.span);
      return;
    case "assoc":
      w.line(d, `${e.variable.scope} ${scoped(e.variable.scope, e.variable.name)}[] : ${t}`, e.span);
      kids(...e.keys);
      return;
    case "convert":
      w.line(d, `${e.implicit ? "convert" : "cast"} ${typeName(e.operand.type)} -> ${t}`, e.span);
      kids(e.operand);
      return;
    case "unary":
      w.line(d, `unary ${e.op} : ${t}`, e.span);
      kids(e.operand);
      return;
    case "binary": {
      const on = e.operandType === e.type ? "" : ` on ${typeName(e.operandType)}`;
      w.line(d, `binary ${e.op}${on} : ${t}`, e.span);
      kids(e.left, e.right);
      return;
    }
    case "logical":
      w.line(d, `logical ${e.op} : ${t}`, e.span);
      kids(e.left, e.right);
      return;
    case "conditional":
      w.line(d, `?: : ${t}`, e.span);
      kids(e.cond, e.ifTrue, e.ifFalse);
      return;
    case "stringof":
      w.line(d, `stringof : ${t}`, e.span);
      kids(e.operand);
      return;
    case "assign": {
      const via = e.operandType ? ` in ${typeName(e.operandType)}` : "";
      w.line(d, `assign ${e.op}${via} : ${t}`, e.span);
      kids(e.target, e.value);
      return;
    }
    case "incdec":
      w.line(d, `${e.prefix ? "prefix" : "postfix"} ${e.op} : ${t}`, e.span);
      kids(e.target);
      return;
    case "call":
      w.line(d, `call ${e.fn}${e.format ? ` format ${quote(e.format.source)}` : ""} : ${t}`, e.span);
      kids(...e.args);
      return;
    case "aggref":
      w.line(d, `aggregation ${aggDisplay(e.aggregation.name)}`, e.span);
      return;
  }
}
