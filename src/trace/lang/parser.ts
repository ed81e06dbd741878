// The D parser: hand-written recursive descent, with precedence climbing for binary operators.
//
// Why by hand rather than from a grammar with a parser generator: D needs the lexer switched by the
// parser (probe descriptions at a clause start, expressions elsewhere), a predicate's closing `/`
// told from a division by looking one token past it, and errors that name what was expected at an
// exact line and column; a hand-written parser does each in a few lines, where a generator would
// need the same hooks plus a build step and a dependency. The precedence table below is D's
// (Dynamic Tracing Guide, "Precedence"), which is C's with `^^` between `&&` and `||`.

import type {
  AssignOp,
  BinaryOp,
  Clause,
  Expr,
  IntLit,
  Pragma,
  ProbeDescription,
  Program,
  Stmt,
  UnaryOp,
} from "./ast.js";
import { DiagnosticError, join, type SourceFile, type Span } from "./diagnostics.js";
import { Lexer, type Token } from "./lexer.js";
import { C_TYPE_WORDS, I32, type IntType, TYPE_NAMES, TYPEDEF_NAMES } from "./types.js";

/** Binding strength of the binary operators, higher binds tighter; all are left-associative. */
const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  "||": 1,
  "^^": 2,
  "&&": 3,
  "|": 4,
  "^": 5,
  "&": 6,
  "==": 7,
  "!=": 7,
  "<": 8,
  "<=": 8,
  ">": 8,
  ">=": 8,
  "<<": 9,
  ">>": 9,
  "+": 10,
  "-": 10,
  "*": 11,
  "/": 11,
  "%": 11,
};

const ASSIGN_OPS: ReadonlySet<string> = new Set([
  "=",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "<<=",
  ">>=",
]);

/** D's keywords (Dynamic Tracing Guide, "Identifier Names and Keywords"): never variable names. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "auto",
  "break",
  "case",
  "char",
  "const",
  "continue",
  "counter",
  "default",
  "do",
  "double",
  "else",
  "enum",
  "extern",
  "float",
  "for",
  "goto",
  "if",
  "import",
  "inline",
  "int",
  "long",
  "offsetof",
  "probe",
  "provider",
  "register",
  "restrict",
  "return",
  "self",
  "short",
  "signed",
  "sizeof",
  "static",
  "string",
  "stringof",
  "struct",
  "switch",
  "this",
  "translator",
  "typedef",
  "union",
  "unsigned",
  "void",
  "volatile",
  "while",
  "xlate",
]);

/**
 * How deep expressions and statements may nest. Real scripts stay far below; the limit keeps the
 * recursive passes (here, the checker, the printer, the compiler) far from the host's stack limit.
 */
export const MAX_NESTING = 200;

/** A token as a message shows it. */
function describe(tok: Token, source: SourceFile): string {
  switch (tok.kind) {
    case "eof":
      return "end of input";
    case "punct":
      return `'${tok.op}'`;
    case "ident":
      return `'${tok.name}'`;
    case "agg":
      return `'@${tok.name}'`;
    case "string":
      return "a string";
    case "int":
    case "char":
      return `constant ${source.text.slice(tok.start, tok.end)}`;
    case "error":
      return "an invalid token";
  }
}

export function parse(source: SourceFile): Program {
  return new Parser(source).program();
}

class Parser {
  private readonly lx: Lexer;
  /** The current expression token; the lexer stands right after it (nothing else is read ahead). */
  private tok: Token = { kind: "eof", start: 0, end: 0 };
  private nesting = 0;
  /** Tree depth of each expression built, to refuse trees deeper than MAX_NESTING. */
  private readonly depths = new WeakMap<Expr, number>();
  private inPredicate = false;

  constructor(private readonly source: SourceFile) {
    this.lx = new Lexer(source);
  }

  private fail(at: Span, message: string): never {
    throw DiagnosticError.at(this.source, at, message);
  }

  private advance(): void {
    this.tok = this.lx.next();
  }

  private isPunct(op: string): boolean {
    return this.tok.kind === "punct" && this.tok.op === op;
  }

  private isWord(word: string): boolean {
    return this.tok.kind === "ident" && this.tok.name === word;
  }

  /** Fails at the current token: its own lexical error if it is one, else "expected X, found Y". */
  private unexpected(expected: string): never {
    const t = this.tok;
    if (t.kind === "error") this.fail(t, t.message);
    this.fail(t, `expected ${expected}, found ${describe(t, this.source)}`);
  }

  private expect(op: string, what = `'${op}'`): Span {
    if (!this.isPunct(op)) this.unexpected(what);
    const at = { start: this.tok.start, end: this.tok.end };
    this.advance();
    return at;
  }

  /** Parses something nested one level deeper (an operand, a parenthesis, arguments, a branch). */
  private nested<T>(at: Span, parse: () => T): T {
    if (++this.nesting > MAX_NESTING) this.fail(at, `nested too deeply (more than ${MAX_NESTING} levels)`);
    const r = parse();
    this.nesting--;
    return r;
  }

  /** Records an expression's tree depth from its children's, refusing trees deeper than MAX_NESTING. */
  private mk<T extends Expr>(node: T, ...children: Expr[]): T {
    let d = 0;
    for (const c of children) d = Math.max(d, this.depths.get(c) ?? 1);
    if (d + 1 > MAX_NESTING)
      this.fail(node.span, `expression nested too deeply (more than ${MAX_NESTING} levels)`);
    this.depths.set(node, d + 1);
    return node;
  }

  // ---- program, clauses, probe descriptions ----

  program(): Program {
    const items: (Clause | Pragma)[] = [];
    for (;;) {
      if (this.lx.atDirective()) {
        const p = this.lx.pragma();
        items.push({ kind: "pragma", name: p.name, value: p.value, span: p.at });
        continue;
      }
      if (this.atEnd()) break;
      items.push(this.clause());
    }
    return {
      kind: "program",
      file: this.source.name,
      items,
      span: { start: 0, end: this.source.text.length },
    };
  }

  /** True at the end of the script (an unterminated comment before it is an error). */
  private atEnd(): boolean {
    const save = this.lx.pos;
    const t = this.lx.next();
    this.lx.pos = save;
    if (t.kind === "error" && t.message.startsWith("unterminated comment")) this.fail(t, t.message);
    return t.kind === "eof";
  }

  private clause(): Clause {
    const probes = [this.probeDescription()];
    this.advance();
    while (this.isPunct(",")) {
      probes.push(this.probeDescription());
      this.advance();
    }
    const start = probes[0].span.start;
    let end = probes[probes.length - 1].span.end;
    let predicate: Expr | undefined;
    if (this.isPunct("/")) {
      this.inPredicate = true;
      this.advance();
      if (this.isPunct("/")) this.fail(this.tok, "empty predicate");
      predicate = this.expr();
      this.inPredicate = false;
      end = this.tok.end;
      this.expect("/", "'/' to end the predicate");
    }
    let body: Stmt[] | undefined;
    if (this.isPunct("{")) {
      body = this.block();
      end = this.tok.end; // the '}': not consumed, the next clause starts right after it
    } else if (this.tok.kind !== "eof") {
      this.unexpected(
        predicate ? "'{' to begin the clause's body" : "',', '/' or '{' after the probe description",
      );
    }
    return { kind: "clause", probes, predicate, body, span: { start, end } };
  }

  private probeDescription(): ProbeDescription {
    const d = this.lx.probeDescription();
    if (!d) {
      this.advance();
      this.unexpected("a probe description (provider:module:function:name)");
    }
    const fields = d.text.split(":");
    if (fields.length > 4) {
      let colon = d.at.start;
      for (let i = 0; i < 4; i++) colon = this.source.text.indexOf(":", colon) + 1;
      this.fail(
        { start: colon - 1, end: d.at.end },
        "a probe description has at most four fields (provider:module:function:name)",
      );
    }
    // Brackets of a glob must close within their field.
    let offset = d.at.start;
    for (const f of fields) {
      let open = -1;
      for (let i = 0; i < f.length; i++) {
        if (f[i] === "[" && open < 0) open = i;
        else if (f[i] === "]" && open >= 0 && i > open + 1 + (f[open + 1] === "!" ? 1 : 0)) open = -1;
      }
      if (open >= 0)
        this.fail({ start: offset + open, end: offset + open + 1 }, "unmatched '[' in probe description");
      offset += f.length + 1;
    }
    while (fields.length < 4) fields.unshift("");
    const [provider, module, func, name] = fields;
    return { kind: "probe", provider, module, function: func, name, text: d.text, span: d.at };
  }

  // ---- statements ----

  /** `{ statements }` from the current '{'; leaves the closing '}' as the current token. */
  private block(): Stmt[] {
    const open = { start: this.tok.start, end: this.tok.end };
    this.advance();
    const stmts: Stmt[] = [];
    while (!this.isPunct("}")) {
      if (this.tok.kind === "eof") {
        const { line, column } = this.source.position(open.start);
        this.unexpected(`'}' to close the '{' at line ${line}, column ${column}`);
      }
      stmts.push(this.statement());
    }
    return stmts;
  }

  private statement(): Stmt {
    const t = this.tok;
    if (this.isPunct(";")) {
      this.advance();
      return { kind: "empty", span: { start: t.start, end: t.end } };
    }
    if (this.isWord("if")) return this.ifStatement();
    if (this.isPunct("{")) this.fail(t, "a block may only follow if or else");
    const expr = this.expr();
    if (this.isPunct(";")) this.advance();
    else if (!this.isPunct("}")) this.unexpected("';' or '}' after the statement");
    return { kind: "expr-stmt", expr, span: expr.span };
  }

  private ifStatement(): Stmt {
    const start = this.tok.start;
    this.advance();
    this.expect("(", "'(' after if");
    const cond = this.expr();
    this.expect(")", "')' to close the condition");
    const [thenBody, thenEnd] = this.nested(this.tok, () => this.branch());
    let elseBody: Stmt[] | undefined;
    let end = thenEnd;
    if (this.isWord("else")) {
      this.advance();
      [elseBody, end] = this.nested(this.tok, () => this.branch());
    }
    return { kind: "if", cond, thenBody, elseBody, span: { start, end } };
  }

  /** The statement or block after if / else, and where it ends. */
  private branch(): [Stmt[], number] {
    if (this.isPunct("{")) {
      const stmts = this.block();
      const end = this.tok.end;
      this.advance();
      return [stmts, end];
    }
    if (this.tok.kind === "eof" || this.isPunct("}")) this.unexpected("a statement");
    const s = this.statement();
    return [[s], s.span.end];
  }

  // ---- expressions ----

  expr(): Expr {
    return this.assignment();
  }

  private assignment(): Expr {
    const target = this.conditional();
    if (!(this.tok.kind === "punct" && ASSIGN_OPS.has(this.tok.op))) return target;
    const op = this.tok.op as AssignOp;
    const opSpan = { start: this.tok.start, end: this.tok.end };
    this.advance();
    const value = this.nested(opSpan, () => this.assignment());
    return this.mk(
      { kind: "assign", op, opSpan, target, value, span: join(target.span, value.span) },
      target,
      value,
    );
  }

  private conditional(): Expr {
    const cond = this.binary(1);
    if (!this.isPunct("?")) return cond;
    const at = this.tok;
    this.advance();
    const then = this.nested(at, () => this.expr());
    this.expect(":", "':' of the conditional expression");
    const otherwise = this.nested(at, () => this.conditional());
    return this.mk(
      { kind: "conditional", cond, ifTrue: then, ifFalse: otherwise, span: join(cond.span, otherwise.span) },
      cond,
      then,
      otherwise,
    );
  }

  private binaryOp(): BinaryOp | undefined {
    if (this.tok.kind !== "punct") return undefined;
    return Object.hasOwn(PRECEDENCE, this.tok.op) ? (this.tok.op as BinaryOp) : undefined;
  }

  /** Precedence climbing: operands bind to operators of at least `minPrec`. */
  private binary(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      const op = this.binaryOp();
      if (!op || PRECEDENCE[op] < minPrec) return left;
      if (op === "/" && this.inPredicate && this.endsPredicate()) return left;
      const opSpan = { start: this.tok.start, end: this.tok.end };
      this.advance();
      const right = this.binary(PRECEDENCE[op] + 1);
      left = this.mk(
        { kind: "binary", op, opSpan, left, right, span: join(left.span, right.span) },
        left,
        right,
      );
    }
  }

  /** At a '/' in a predicate: is it the closing one? It is when what follows cannot be an operand. */
  private endsPredicate(): boolean {
    const save = this.lx.pos;
    const after = this.lx.next();
    this.lx.pos = save;
    switch (after.kind) {
      case "punct":
        return !["(", "-", "+", "!", "~", "*", "&", "++", "--"].includes(after.op);
      case "eof":
        return true;
      default:
        return false;
    }
  }

  private unary(): Expr {
    const t = this.tok;
    let result: Expr;
    if (t.kind === "punct" && ["-", "+", "!", "~", "*", "&"].includes(t.op)) {
      this.advance();
      const operand = this.nested(t, () => this.unary());
      result = this.mk(
        { kind: "unary", op: t.op as UnaryOp, operand, span: { start: t.start, end: operand.span.end } },
        operand,
      );
    } else if (t.kind === "punct" && (t.op === "++" || t.op === "--")) {
      this.advance();
      const operand = this.nested(t, () => this.unary());
      result = this.mk(
        { kind: "incdec", op: t.op, prefix: true, operand, span: { start: t.start, end: operand.span.end } },
        operand,
      );
    } else if (t.kind === "punct" && t.op === "(" && this.castAhead()) {
      result = this.cast();
    } else if (t.kind === "ident" && t.name === "stringof") {
      this.advance();
      const operand = this.nested(t, () => this.unary());
      result = this.mk(
        { kind: "stringof", operand, span: { start: t.start, end: operand.span.end } },
        operand,
      );
    } else if (t.kind === "ident" && (t.name === "sizeof" || t.name === "offsetof" || t.name === "xlate")) {
      this.fail(t, `${t.name} is not supported`);
    } else {
      result = this.postfix();
    }
    return result;
  }

  /** At '(': does a type name follow (a cast), rather than an expression? */
  private castAhead(): boolean {
    const save = this.lx.pos;
    const next = this.lx.next();
    this.lx.pos = save;
    if (next.kind !== "ident") return false;
    const w = next.name;
    return (
      C_TYPE_WORDS.has(w) ||
      TYPEDEF_NAMES.has(w) ||
      ["string", "void", "struct", "union", "enum", "const", "volatile"].includes(w)
    );
  }

  private cast(): Expr {
    const open = this.tok.start;
    this.advance();
    const words: string[] = [];
    const typeStart = this.tok.start;
    while (this.tok.kind === "ident") {
      words.push(this.tok.name);
      this.advance();
    }
    const typeSpan = { start: typeStart, end: this.tok.start };
    const typeName = words.join(" ");
    let to: IntType | "string" | undefined;
    if (typeName === "string") to = "string";
    else to = TYPE_NAMES.get(canonicalTypeWords(words));
    if (this.isPunct("*")) this.fail(this.tok, "pointer types are not supported");
    if (to === undefined) {
      const first = words[0];
      if (first === "struct" || first === "union" || first === "enum")
        this.fail(typeSpan, `${first} types are not supported`);
      if (first === "void") this.fail(typeSpan, "cannot cast to void");
      this.fail(typeSpan, `unknown type '${typeName}'`);
    }
    const close = this.expect(")", "')' to close the cast");
    const operand = this.nested(close, () => this.unary());
    return this.mk(
      { kind: "cast", typeName, to, operand, span: { start: open, end: operand.span.end } },
      operand,
    );
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      const t = this.tok;
      if (t.kind !== "punct") return e;
      if (t.op === "[") {
        this.advance();
        const keys = this.list("]");
        if (keys.length === 0) this.fail(t, "an index needs at least one key");
        const end = this.tok.end;
        this.expect("]", "',' or ']'");
        e = this.mk({ kind: "index", base: e, keys, span: { start: e.span.start, end } }, e, ...keys);
      } else if (t.op === "(") {
        if (e.kind !== "ident") this.fail(t, "only functions can be called");
        this.advance();
        const args = this.list(")");
        const end = this.tok.end;
        this.expect(")", "',' or ')'");
        e = this.mk(
          { kind: "call", name: e.name, nameSpan: e.span, args, span: { start: e.span.start, end } },
          ...args,
        );
      } else if (t.op === "++" || t.op === "--") {
        this.advance();
        e = this.mk(
          { kind: "incdec", op: t.op, prefix: false, operand: e, span: { start: e.span.start, end: t.end } },
          e,
        );
      } else if (t.op === "." || t.op === "->") {
        this.advance();
        const name = this.tok;
        if (name.kind !== "ident") this.unexpected(`a member name after '${t.op}'`);
        this.advance();
        e = this.mk(
          {
            kind: "member",
            base: e,
            op: t.op,
            name: name.name,
            span: { start: e.span.start, end: name.end },
          },
          e,
        );
      } else {
        return e;
      }
    }
  }

  /** Comma-separated expressions up to (not including) `close`. */
  private list(close: string): Expr[] {
    const out: Expr[] = [];
    if (this.isPunct(close)) return out;
    return this.nested(this.tok, () => {
      for (;;) {
        out.push(this.assignment());
        if (!this.isPunct(",")) return out;
        this.advance();
      }
    });
  }

  private primary(): Expr {
    const t = this.tok;
    const at = { start: t.start, end: t.end };
    switch (t.kind) {
      case "int": {
        this.advance();
        const lit: IntLit = { kind: "int", value: t.value, type: t.type, text: this.text(at), span: at };
        return this.mk(lit);
      }
      case "char": {
        // A character constant is an int, as in C.
        this.advance();
        return this.mk({ kind: "int", value: t.value, type: I32, text: this.text(at), span: at });
      }
      case "string":
        this.advance();
        return this.mk({ kind: "string", value: t.value, offsets: t.offsets, span: at });
      case "agg":
        this.advance();
        return this.mk({ kind: "agg", name: t.name, span: at });
      case "ident": {
        if (t.name === "self" || t.name === "this") {
          this.advance();
          if (!this.isPunct("->")) this.unexpected(`'->' after ${t.name}`);
          this.advance();
          const name = this.tok;
          if (name.kind !== "ident") this.unexpected(`a variable name after ${t.name}->`);
          if (KEYWORDS.has(name.name)) this.fail(name, `'${name.name}' is a reserved word`);
          this.advance();
          return this.mk({ kind: t.name, name: name.name, span: { start: t.start, end: name.end } });
        }
        if (KEYWORDS.has(t.name))
          this.fail(t, `'${t.name}' is a reserved word and cannot start an expression`);
        this.advance();
        return this.mk({ kind: "ident", name: t.name, span: at });
      }
      case "punct":
        if (t.op === "(") {
          this.advance();
          const inner = this.nested(t, () => this.expr());
          const end = this.tok.end;
          this.expect(")", "')'");
          // The parentheses belong to the span, so an error on `(a + b) * c` underlines all of it.
          const wrapped = { ...inner, span: { start: t.start, end } };
          this.depths.set(wrapped, this.depths.get(inner) ?? 1);
          return wrapped;
        }
        return this.unexpected("an expression");
      default:
        return this.unexpected("an expression");
    }
  }

  private text(at: Span): string {
    return this.source.text.slice(at.start, at.end);
  }
}

/** C's type words in the order TYPE_NAMES spells them: signedness, then short/long, then int/char. */
function canonicalTypeWords(words: string[]): string {
  if (words.length === 1) return words[0];
  const order = ["signed", "unsigned", "short", "long", "char", "int"];
  if (!words.every((w) => order.includes(w))) return words.join(" ");
  return [...words].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(" ");
}
