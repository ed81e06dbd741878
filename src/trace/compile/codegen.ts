// The checked tree to JavaScript: one factory per clause, built once with `new Function`. The
// factory takes a probe (its description, known when the clause is attached) and returns the
// function a firing calls, so probe-constant values (probefunc, @[probename]'s bound key) are
// computed once per probe, not per firing.
//
// Integers are bigints wrapped to their D type inside a clause (D's 64-bit semantics as written);
// the runtime gets them in normal form (a number while safe). Counting paths do no arithmetic at
// all: `@[probename] = count()` is one bound add().

import type {
  Aggregation,
  CAssoc,
  CCall,
  CExpr,
  CheckedClause,
  CheckedProgram,
  CLValue,
  CStmt,
  DType,
  IntType,
} from "../lang/index.js";

export class CompileError extends Error {
  override name = "CompileError";
}

/** The JavaScript of one clause's factory, and the formats and types it refers to. */
export interface ClauseCode {
  readonly source: string;
  /** printf/printa formats by index: [source, argument types, for printa] */
  readonly formats: readonly { source: string; argTypes: readonly DType[]; printa: boolean }[];
  /** whether the clause writes a record (default action, trace, printf, printa, ustack) */
  readonly records: boolean;
  /** whether the clause reads user stacks (ustack(), ustackdepth) */
  readonly usesStacks: boolean;
}

const PROBE_CONSTANTS: Record<string, string> = {
  probeprov: "P.provider",
  probemod: "P.module",
  probefunc: "P.function",
  probename: "P.name",
};

function wrap(t: IntType, e: string): string {
  return `${t.signed ? "I" : "U"}(${t.bits},${e})`;
}

const isInt = (t: DType): t is IntType => t.kind === "int";

class ClauseCompiler {
  private temps = 0;
  private action = 0;
  readonly formats: { source: string; argTypes: readonly DType[]; printa: boolean }[] = [];
  /** statements run once per probe in the factory (bound aggregation keys) */
  readonly setup: string[] = [];
  private bound = 0;
  usesThread = false;
  records = false;
  usesStacks = false;

  temp(): string {
    return `t${this.temps++}`;
  }
  tempDecl(): string {
    if (this.temps === 0) return "";
    return `let ${Array.from({ length: this.temps }, (_, i) => `t${i}`).join(",")};`;
  }

  // ---- expressions ----

  expr(e: CExpr): string {
    switch (e.kind) {
      case "int":
        return `(${e.value}n)`;
      case "string":
        return JSON.stringify(e.value);
      case "builtin":
        return this.builtin(e.name);
      case "uregs":
        return `S.ureg(V,${this.expr(e.index)})`;
      case "var":
        return this.readVar(e);
      case "assoc":
        return this.readAssoc(e);
      case "convert":
        return wrap(e.type, this.expr(e.operand));
      case "unary": {
        const x = this.expr(e.operand);
        if (e.op === "!") return `(${x}===0n?1n:0n)`;
        return wrap(e.type, `(${e.op}${x})`);
      }
      case "binary":
        return this.binary(e);
      case "logical": {
        const l = this.truth(e.left);
        const r = this.truth(e.right);
        if (e.op === "&&") return `(${l}&&${r}?1n:0n)`;
        if (e.op === "||") return `(${l}||${r}?1n:0n)`;
        return `(${l}!==${r}?1n:0n)`;
      }
      case "conditional":
        return `(${this.truth(e.cond)}?${this.expr(e.ifTrue)}:${this.expr(e.ifFalse)})`;
      case "stringof": {
        const t = e.operand.type;
        const x = this.expr(e.operand);
        if (t.kind === "int") return `S.copyinstr(V,${x},R.strsize)`;
        if (t.kind === "buffer") return `S.bufferString(${x})`;
        return x;
      }
      case "assign":
        return this.assign(e.target, e.op, e.value, e.operandType);
      case "incdec": {
        const t = this.temp();
        const one = e.op === "++" ? "+1n" : "-1n";
        const write = this.write(e.target, wrap(e.type, `(${t}${one})`), true);
        // write() returns the new value; postfix gives back the old one
        return e.prefix
          ? `(${t}=${this.readLValue(e.target)},${write})`
          : `(${t}=${this.readLValue(e.target)},${write},${t})`;
      }
      case "call":
        return this.call(e);
      case "aggref":
        throw new CompileError("an aggregation is not a value");
    }
  }

  truth(e: CExpr): string {
    const x = this.expr(e);
    if (e.type.kind === "string") return `(${x}!=="")`;
    return `(${x}!==0n)`;
  }

  private builtin(name: string): string {
    const pc = PROBE_CONSTANTS[name];
    if (pc !== undefined) return pc;
    const arg = /^arg(\d)$/.exec(name);
    if (arg) return `S.arg(V,A,${arg[1]})`;
    switch (name) {
      case "cpu":
      case "tid":
        return "BigInt(V.id)";
      case "pid":
        return "R.pid(V)";
      case "ppid":
        return "R.ppid(V)";
      case "execname":
        return "R.execname(V)";
      case "timestamp":
      case "vtimestamp":
        return "BigInt(R.now())";
      case "walltimestamp":
        return "(R.wallBase+BigInt(R.now()))";
      case "errno":
        return "0n";
      case "ustackdepth":
        this.usesStacks = true;
        return "BigInt(R.ustackdepth(V))";
      default:
        throw new CompileError(`the built-in variable ${name} is not supported by the compiler`);
    }
  }

  private binary(e: Extract<CExpr, { kind: "binary" }>): string {
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    switch (e.op) {
      case "==":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=": {
        const op = e.op === "==" ? "===" : e.op === "!=" ? "!==" : e.op;
        if (e.operandType.kind === "buffer") return `(S.bufferString(${l})${op}S.bufferString(${r})?1n:0n)`;
        return `(${l}${op}${r}?1n:0n)`;
      }
      case "/":
        return wrap(e.type, `S.divide(${l},${r})`);
      case "%":
        return wrap(e.type, `S.remainder(${l},${r})`);
      case "<<":
        return wrap(e.type, `(${l}<<(U(64,${r})&63n))`);
      case ">>":
        return wrap(e.type, `(${l}>>(U(64,${r})&63n))`);
      default:
        return wrap(e.type, `(${l}${e.op}${r})`);
    }
  }

  private defaultOf(t: DType): string {
    return t.kind === "string" ? '""' : t.kind === "int" ? "0n" : "undefined";
  }

  private slot(v: CLValue["variable"]): string {
    if (v.scope === "global") return `G[${v.id}]`;
    if (v.scope === "thread") {
      this.usesThread = true;
      return `T[${v.id}]`;
    }
    // clause-locals live in the probe's array, shared by its clauses for one firing
    return `CL[${v.id}]`;
  }

  private readVar(e: Extract<CExpr, { kind: "var" }>): string {
    return `(${this.slot(e.variable)}??${this.defaultOf(e.type)})`;
  }

  private key(keys: readonly CExpr[]): string {
    const parts = keys.map((k) => this.expr(k));
    if (parts.length === 1) return parts[0]!;
    return `S.joinKey(${parts.join(",")})`;
  }

  private map(v: CLValue["variable"]): string {
    const s = this.slot(v);
    return `(${s}??=new Map())`;
  }

  private readAssoc(e: CAssoc): string {
    return `(${this.map(e.variable)}.get(${this.key(e.keys)})??${this.defaultOf(e.type)})`;
  }

  private readLValue(t: CLValue): string {
    return t.kind === "var" ? this.readVar(t) : this.readAssoc(t);
  }

  /** Code storing `value` (already of the target's type) into t; its value is the new value. */
  private write(t: CLValue, value: string, _known = false): string {
    if (t.kind === "var") return `(${this.slot(t.variable)}=${value})`;
    const k = this.temp();
    const v = this.temp();
    // D: storing zero (or "") deletes the element
    return `(${k}=${this.key(t.keys)},${v}=${value},(${v}===0n||${v}==="")?${this.map(t.variable)}.delete(${k}):${this.map(t.variable)}.set(${k},${v}),${v})`;
  }

  private assign(target: CLValue, op: string, value: CExpr, operandType: IntType | undefined): string {
    const v = this.expr(value);
    if (op === "=") return this.write(target, v);
    const t = target.type;
    if (operandType === undefined || !isInt(t)) throw new CompileError(`${op} needs integers`);
    const bin = op.slice(0, -1);
    const cur = wrap(operandType, this.readLValue(target));
    let r: string;
    if (bin === "/") r = `S.divide(${cur},${v})`;
    else if (bin === "%") r = `S.remainder(${cur},${v})`;
    else if (bin === "<<" || bin === ">>") r = `(${cur}${bin}(U(64,${v})&63n))`;
    else r = `(${cur}${bin}${v})`;
    return this.write(target, wrap(t, wrap(operandType, r)));
  }

  /** A value as the runtime takes it: an int in normal form, a string. */
  runtimeValue(e: CExpr): string {
    const x = this.expr(e);
    if (e.type.kind === "int") return `N(${x})`;
    if (e.type.kind === "buffer") return `S.bufferString(${x})`;
    return x;
  }

  private format(source: string, argTypes: readonly DType[], printa: boolean): number {
    this.formats.push({ source, argTypes, printa });
    return this.formats.length - 1;
  }

  private agg(a: Aggregation): string {
    return `AG[${a.id}]`;
  }

  private call(e: CCall): string {
    const a = e.args;
    switch (e.fn) {
      case "trace":
        this.records = true;
        return `O.trace(${this.runtimeValue(a[0]!)},R.valueType(${JSON.stringify(typeKey(a[0]!.type))}))`;
      case "printf": {
        this.records = true;
        const f = this.format(
          e.format!.source,
          a.map((x) => x.type),
          false,
        );
        return `O.printf(F[${f}],[${a.map((x) => this.runtimeValue(x)).join(",")}])`;
      }
      case "printa": {
        this.records = true;
        const aggs = a.filter((x) => x.kind === "aggref");
        const list = `[${aggs.map((x) => this.agg((x as Extract<CExpr, { kind: "aggref" }>).aggregation)).join(",")}]`;
        if (e.format === undefined) return `O.printa(${list})`;
        const first = (aggs[0] as Extract<CExpr, { kind: "aggref" }>).aggregation;
        const f = this.format(e.format.source, first.keyTypes, true);
        return `O.printa(${list},F[${f}])`;
      }
      case "exit":
        return `R.exit(Number(${this.expr(a[0]!)}))`;
      case "clear":
        return `${this.aggArg(a[0]!)}.clear()`;
      case "trunc":
        return a.length > 1
          ? `${this.aggArg(a[0]!)}.trunc(N(${this.expr(a[1]!)}))`
          : `${this.aggArg(a[0]!)}.trunc()`;
      case "normalize":
        return `${this.aggArg(a[0]!)}.normalize(N(${this.expr(a[1]!)}))`;
      case "denormalize":
        return `${this.aggArg(a[0]!)}.denormalize()`;
      case "copyin":
        return `S.copyin(V,${this.expr(a[0]!)},${this.expr(a[1]!)})`;
      case "copyinstr":
        return a.length > 1
          ? `S.copyinstr(V,${this.expr(a[0]!)},Math.min(R.strsize,Number(${this.expr(a[1]!)})))`
          : `S.copyinstr(V,${this.expr(a[0]!)},R.strsize)`;
      case "strlen":
        return `BigInt(${this.stringArg(a[0]!)}.length)`;
      case "strjoin":
        return `(${this.stringArg(a[0]!)}+${this.stringArg(a[1]!)})`;
      case "substr":
        return `S.substr(${a.map((x, i) => (i === 0 ? this.stringArg(x) : this.expr(x))).join(",")})`;
      case "basename":
        return `S.basename(${this.stringArg(a[0]!)})`;
      case "lltostr":
        return `S.lltostr(${a.map((x) => this.expr(x)).join(",")})`;
      case "ustack":
        this.usesStacks = true;
        return a.length > 0 ? `R.ustack(V,${Number((a[0] as { value: bigint }).value)})` : "R.ustack(V,-1)";
    }
  }

  private stringArg(e: CExpr): string {
    const x = this.expr(e);
    return e.type.kind === "buffer" ? `S.bufferString(${x})` : x;
  }

  private aggArg(e: CExpr): string {
    if (e.kind !== "aggref") throw new CompileError("expected an aggregation");
    return this.agg(e.aggregation);
  }

  // ---- statements ----

  stmts(list: readonly CStmt[]): string {
    return list.map((s) => this.stmt(s)).join("\n");
  }

  private stmt(s: CStmt): string {
    switch (s.kind) {
      case "expr":
        if (s.expr.kind === "call" && s.expr.fn === "ustack") {
          // ustack() as a statement records the stack
          this.records = true;
          return `a=${++this.action};O.trace(${this.expr(s.expr)},R.stackType);`;
        }
        return `a=${++this.action};${this.expr(s.expr)};`;
      case "if":
        return `a=${++this.action};if(${this.truth(s.cond)}){${this.stmts(s.thenBody)}}else{${this.stmts(s.elseBody)}}`;
      case "aggregate":
        return `a=${++this.action};${this.aggregate(s)}`;
    }
  }

  private aggregate(s: Extract<CStmt, { kind: "aggregate" }>): string {
    const args = s.args.map((x) => this.runtimeValue(x));
    const constantKeys = s.keys.every(
      (k) => k.kind === "string" || k.kind === "int" || (k.kind === "builtin" && k.name in PROBE_CONSTANTS),
    );
    const a = this.agg(s.aggregation);
    if (constantKeys) {
      const b = `B${this.bound++}`;
      this.setup.push(`const ${b}=${a}.bind([${s.keys.map((k) => this.runtimeValue(k)).join(",")}]);`);
      return `${b}.add(${args.join(",")});`;
    }
    const keys = s.keys.map((k) => this.runtimeValue(k));
    if (keys.length <= 2) return `${a}.add${keys.length}(${[...keys, ...args].join(",")});`;
    return `${a}.addN([${keys.join(",")}]${args.length > 0 ? "," : ""}${args.join(",")});`;
  }
}

/** A DType's name for R.valueType (the runtime's ValueType). */
export function typeKey(t: DType): string {
  if (t.kind === "int") return `${t.signed ? "i" : "u"}${t.bits}`;
  return "string";
}

/**
 * The factory of a clause: `new Function("R","S","O","AG","G","F","I","U","N", source)` returns
 * `(P, EPID, PD, CL, FIRST) => (V, A) => void` — P the probe's names, EPID its enabled-probe id,
 * PD its description for records, CL the probe's clause-local variables (shared by the clauses on
 * the probe), FIRST whether this is the probe's first clause (which clears CL at each firing); V
 * the HartView, A the provider's arguments (undefined: a0..a7).
 */
export function compileClause(program: CheckedProgram, clause: CheckedClause): ClauseCode {
  const c = new ClauseCompiler();
  const pred = clause.predicate === undefined ? "" : `a=0;if(!${c.truth(clause.predicate)})return;`;
  const body = c.stmts(clause.body);
  const records = clause.defaultAction || c.records;
  // D: this-> variables persist across the clauses of one firing of a probe and are undefined when
  // it starts, so the probe's first clause clears them
  const locals = program.clauseLocals.length > 0 ? "if(FIRST)CL.fill(undefined);" : "";
  const source = `return function make(P,EPID,PD,CL,FIRST){
${c.setup.join("\n")}
return function fire(V,A){
let a=0;${locals}${c.tempDecl()}
try{
${c.usesThread ? "const T=R.thread(V.id);" : ""}
${pred}
${records ? "O.beginRecord(EPID,PD,V.id);" : ""}
${body}
}catch(e){R.fault(EPID,PD,e,a,V);return;}
${records ? "O.endRecord();" : ""}
};};`;
  return { source, formats: c.formats, records, usesStacks: c.usesStacks };
}
