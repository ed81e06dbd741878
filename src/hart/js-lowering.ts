// The vocabulary of ir.ts in JavaScript, for the interpreter (interpreter.ts), whose per-op
// functions are generated from it, and rare.ts's and csr.ts's. A 64-bit value is a pair of int32
// words, low and high, because V8 keeps int32 arithmetic unboxed and BigInt would allocate.
//
// Lowering an expression appends statements (const temporaries) and returns its value as a pair
// of JavaScript expressions. A word is either such an expression or a number the generator knows
// (constants of an expression, or a caller's numbers), and operations on known words fold, so
// `addi rd, x0, 5` compiles to `5`. Nothing computes a word the consumer does not use: `addw`
// asks only for its sum's low word, so the high word's carry is never emitted.
//
// The generated code expects these names in scope (JS_RUNTIME): mulhu32, mulh, divrem, divremw,
// ctz32, cpop32, bswap32, orcb32 (helpers of int64.ts and bits.ts) and T, an Int32Array(2) that
// the multiply and divide helpers write their result to.

import { bswap32, cpop32, ctz32, orcb32 } from "./bits.js";
import { divrem, divremw, mulh, mulhu32 } from "./int64.js";
import type { CompareOp, Expr, Leaf } from "./ir.js";

/** A JavaScript int32 expression, or a known int32 value. */
export type Word = string | number;
export interface Pair {
  readonly lo: Word;
  readonly hi: Word;
}

/** Where an engine keeps each leaf of the vocabulary. */
export type Binding = Readonly<Partial<Record<Leaf, Pair>>>;

/** The helpers generated code calls, by the names it calls them. */
export const JS_RUNTIME = { mulhu32, mulh, divrem, divremw, ctz32, cpop32, bswap32, orcb32 };
/** `const { ... } = RT;` for a generated function whose runtime object is named RT. */
export const JS_RUNTIME_PRELUDE = `const { ${Object.keys(JS_RUNTIME).join(", ")} } = RT; const T = new Int32Array(2);`;

const known = (w: Word): w is number => typeof w === "number";
/** A word as source text (negative numbers in parentheses, so `a - -1` never appears). */
export const src = (w: Word): string => (known(w) ? (w < 0 ? `(${w})` : String(w)) : w);
const pair = (lo: Word, hi: Word): Pair => ({ lo, hi });
/** An expression that is cheap to evaluate twice: a number, a name, or a typed array element. */
const simple = (w: Word): boolean => known(w) || /^[\w$]+$/.test(w) || /^[\w$]+\[[\w$ +]+\]$/.test(w);

export class JsLowering {
  private readonly out: string[] = [];
  private n = 0;

  constructor(
    private readonly binding: Binding,
    /** prefix of temporaries' names, unique per lowering in one function scope */
    private readonly prefix = "t",
  ) {}

  /** The statements emitted so far. */
  code(): string {
    return this.out.join(" ");
  }

  /** Bind an expression to a new const temporary; known words and names stay as they are. */
  bind(w: Word): Word {
    if (simple(w)) return w;
    const t = `${this.prefix}${this.n++}`;
    this.out.push(`const ${t} = ${w};`);
    return t;
  }

  /** A `let` temporary initialised to 0, for values computed by branches. */
  private mutable(): string {
    const t = `${this.prefix}${this.n++}`;
    this.out.push(`let ${t} = 0;`);
    return t;
  }

  /** The expression's value as bound words (cheap to read more than once). */
  valueBound(e: Expr): Pair {
    const v = this.value(e);
    return pair(this.bind(v.lo), this.bind(v.hi));
  }

  /** The expression's 64-bit value. */
  value(e: Expr): Pair {
    switch (e.k) {
      case "leaf": {
        const p = this.binding[e.leaf];
        if (p === undefined) throw new Error(`semantics: ${e.leaf} has no value here`);
        return p;
      }
      case "const":
        return pair(e.value, e.value >> 31);
      case "cmp": {
        const c = this.cond(e);
        return pair(known(c) ? c : `(${c} ? 1 : 0)`, 0);
      }
      case "sel": {
        const c = this.cond(e.c);
        const a = this.value(e.a);
        const b = this.value(e.b);
        if (known(c)) return c !== 0 ? a : b;
        const t = this.bind(`(${c})`);
        return pair(`(${t} ? ${src(a.lo)} : ${src(b.lo)})`, `(${t} ? ${src(a.hi)} : ${src(b.hi)})`);
      }
      case "un":
        return this.unary(e.op, e.a);
      case "bin":
        return this.binary(e.op, e.a, e.b);
    }
  }

  /**
   * The expression as a JavaScript condition (true when its value is nonzero); a number 0 or 1 when
   * known.
   */
  cond(e: Expr): Word {
    if (e.k === "cmp") return this.compare(e.op, e.a, e.b);
    const v = this.valueBound(e);
    if (known(v.lo) && known(v.hi)) return v.lo !== 0 || v.hi !== 0 ? 1 : 0;
    return `(${src(v.lo)} | ${src(v.hi)}) !== 0`;
  }

  private compare(op: CompareOp, ea: Expr, eb: Expr): Word {
    const a = this.valueBound(ea);
    const b = this.valueBound(eb);
    const [al, ah, bl, bh] = [src(a.lo), src(a.hi), src(b.lo), src(b.hi)];
    const bZero = b.lo === 0 && b.hi === 0;
    const lowLess = `(${al} >>> 0) < (${bl} >>> 0)`;
    switch (op) {
      case "eq":
        return bZero ? `(${al} | ${ah}) === 0` : `(${al} === ${bl} && ${ah} === ${bh})`;
      case "ne":
        return bZero ? `(${al} | ${ah}) !== 0` : `(${al} !== ${bl} || ${ah} !== ${bh})`;
      case "lt":
        return bZero ? `${ah} < 0` : `(${ah} < ${bh} || (${ah} === ${bh} && ${lowLess}))`;
      case "ge":
        return bZero ? `${ah} >= 0` : `!(${ah} < ${bh} || (${ah} === ${bh} && ${lowLess}))`;
      case "ltu":
        return `((${ah} >>> 0) < (${bh} >>> 0) || (${ah} === ${bh} && ${lowLess}))`;
      case "geu":
        return `!((${ah} >>> 0) < (${bh} >>> 0) || (${ah} === ${bh} && ${lowLess}))`;
    }
  }

  private unary(op: string, ea: Expr): Pair {
    // the 32-bit operations read only the low word
    if (op === "sext32" || op === "zext32" || op === "clz32" || op === "ctz32" || op === "cpop32") {
      const l = this.bind(this.value(ea).lo);
      switch (op) {
        case "sext32":
          return pair(l, known(l) ? l >> 31 : `(${l} >> 31)`);
        case "zext32":
          return pair(l, 0);
        case "clz32":
          return pair(known(l) ? Math.clz32(l) : `Math.clz32(${l})`, 0);
        case "ctz32":
          return pair(known(l) ? ctz32(l) : `ctz32(${l})`, 0);
        default:
          return pair(known(l) ? cpop32(l) : `cpop32(${l})`, 0);
      }
    }
    const a = this.valueBound(ea);
    const [al, ah] = [src(a.lo), src(a.hi)];
    switch (op) {
      case "not":
        return pair(known(a.lo) ? ~a.lo : `~${al}`, known(a.hi) ? ~a.hi : `~${ah}`);
      case "sext8":
      case "sext16": {
        const s = op === "sext8" ? 24 : 16;
        const l = this.bind(`((${al} << ${s}) >> ${s})`);
        return pair(l, `(${l} >> 31)`);
      }
      case "zext16":
        return pair(`(${al} & 65535)`, 0);
      case "clz":
        return pair(`(${ah} !== 0 ? Math.clz32(${ah}) : 32 + Math.clz32(${al}))`, 0);
      case "ctz":
        return pair(`(${al} !== 0 ? ctz32(${al}) : 32 + ctz32(${ah}))`, 0);
      case "cpop":
        return pair(`(cpop32(${al}) + cpop32(${ah}))`, 0);
      case "rev8":
        return pair(`bswap32(${ah})`, `bswap32(${al})`);
      case "orcb":
        return pair(`orcb32(${al})`, `orcb32(${ah})`);
      default:
        throw new Error(`semantics: no JavaScript for ${op}`);
    }
  }

  private binary(op: string, ea: Expr, eb: Expr): Pair {
    switch (op) {
      case "add32":
      case "sub32":
      case "mul32":
      case "shl32":
      case "shr32":
      case "sar32": {
        const a = this.bind(this.value(ea).lo);
        const b = this.bind(this.value(eb).lo);
        if (known(a) && known(b)) {
          const v = word32(op, a, b);
          return pair(v, v >> 31);
        }
        const [x, y] = [src(a), src(b)];
        const expr = {
          add32: `(${x} + ${y}) | 0`,
          sub32: `(${x} - ${y}) | 0`,
          mul32: `Math.imul(${x}, ${y})`,
          // JavaScript's shifts take the amount modulo 32, as RV64's W shifts do
          shl32: `${x} << ${y}`,
          shr32: `(${x} >>> ${y}) | 0`,
          sar32: `${x} >> ${y}`,
        }[op];
        const l = this.bind(`(${expr})`);
        return pair(l, `(${l} >> 31)`);
      }
      case "div32":
      case "divu32":
      case "rem32":
      case "remu32": {
        const a = src(this.value(ea).lo);
        const b = src(this.value(eb).lo);
        const signed = op === "div32" || op === "rem32";
        const rem = op === "rem32" || op === "remu32";
        this.out.push(`divremw(T, 0, ${a}, ${b}, ${signed}, ${rem});`);
        return this.fromScratch();
      }
      case "shl":
      case "shr":
      case "sar":
        return this.shift(op, this.valueBound(ea), this.bind(this.value(eb).lo));
    }
    const a = this.valueBound(ea);
    const b = this.valueBound(eb);
    const [al, ah, bl, bh] = [src(a.lo), src(a.hi), src(b.lo), src(b.hi)];
    switch (op) {
      case "add":
        return this.add(a, b);
      case "sub": {
        if (b.lo === 0 && b.hi === 0) return a;
        const t = this.bind(known(a.lo) && known(b.lo) ? (a.lo - b.lo) | 0 : `(${al} - ${bl}) | 0`);
        const borrow =
          known(t) && known(a.lo) && known(b.lo) ? borrowOf(a.lo, b.lo, t) : borrowText(al, bl, src(t));
        return pair(t, sum([a.hi, neg(b.hi), neg(borrow)]));
      }
      case "and":
        return pair(bitwise("&", a.lo, b.lo), bitwise("&", a.hi, b.hi));
      case "or":
        return pair(bitwise("|", a.lo, b.lo), bitwise("|", a.hi, b.hi));
      case "xor":
        return pair(bitwise("^", a.lo, b.lo), bitwise("^", a.hi, b.hi));
      case "mul": {
        const lo = this.bind(`Math.imul(${al}, ${bl})`);
        return pair(lo, `((Math.imul(${al}, ${bh}) + Math.imul(${ah}, ${bl}) + mulhu32(${al}, ${bl})) | 0)`);
      }
      case "mulh":
      case "mulhsu":
      case "mulhu":
        this.out.push(`mulh(T, 0, ${al}, ${ah}, ${bl}, ${bh}, ${op !== "mulhu"}, ${op === "mulh"});`);
        return this.fromScratch();
      case "div":
      case "divu":
      case "rem":
      case "remu":
        this.out.push(
          `divrem(T, 0, ${al}, ${ah}, ${bl}, ${bh}, ${op === "div" || op === "rem"}, ${op === "rem" || op === "remu"});`,
        );
        return this.fromScratch();
      default:
        throw new Error(`semantics: no JavaScript for ${op}`);
    }
  }

  private add(a: Pair, b: Pair): Pair {
    if (a.lo === 0 && a.hi === 0) return b;
    if (b.lo === 0 && b.hi === 0) return a;
    if (known(a.lo) && known(a.hi) && known(b.lo) && known(b.hi)) {
      const lo = (a.lo + b.lo) | 0;
      return pair(lo, (a.hi + b.hi + carryOf(a.lo, b.lo, lo)) | 0);
    }
    const t = this.bind(`(${src(a.lo)} + ${src(b.lo)}) | 0`);
    // the carry out of the low words, without a branch (a conditional would split V8's graph)
    return pair(t, sum([a.hi, b.hi, carryText(src(a.lo), src(b.lo), src(t))]));
  }

  /** The two words T[0], T[1] a helper just wrote, copied before the next helper call. */
  private fromScratch(): Pair {
    const lo = `${this.prefix}${this.n++}`;
    const hi = `${this.prefix}${this.n++}`;
    this.out.push(`const ${lo} = T[0], ${hi} = T[1];`);
    return pair(lo, hi);
  }

  private shift(op: string, a: Pair, amount: Word): Pair {
    const [al, ah] = [src(a.lo), src(a.hi)];
    if (known(amount)) {
      const s = amount & 63;
      if (s === 0) return a;
      if (op === "shl") {
        if (s < 32) return pair(`(${al} << ${s})`, `((${ah} << ${s}) | (${al} >>> ${32 - s}))`);
        return pair(0, `(${al} << ${s - 32})`);
      }
      const high = op === "sar" ? `(${ah} >> ${s & 31})` : `((${ah} >>> ${s & 31}) | 0)`;
      if (s < 32) return pair(`((${al} >>> ${s}) | (${ah} << ${32 - s}))`, high);
      return pair(high, op === "sar" ? `(${ah} >> 31)` : 0);
    }
    const lo = this.mutable();
    const hi = this.mutable();
    const s = `${this.prefix}${this.n++}`;
    let body: string;
    if (op === "shl") {
      body = `if (${s} === 0) { ${lo} = ${al}; ${hi} = ${ah}; }
else if (${s} < 32) { ${hi} = (${ah} << ${s}) | (${al} >>> (32 - ${s})); ${lo} = ${al} << ${s}; }
else { ${hi} = ${al} << (${s} - 32); ${lo} = 0; }`;
    } else {
      const sar = op === "sar";
      body = `if (${s} === 0) { ${lo} = ${al}; ${hi} = ${ah}; }
else if (${s} < 32) { ${lo} = (${al} >>> ${s}) | (${ah} << (32 - ${s})); ${hi} = ${sar ? `${ah} >> ${s}` : `(${ah} >>> ${s}) | 0`}; }
else { ${lo} = ${sar ? `${ah} >> (${s} - 32)` : `(${ah} >>> (${s} - 32)) | 0`}; ${hi} = ${sar ? `${ah} >> 31` : "0"}; }`;
    }
    this.out.push(`const ${s} = ${src(amount)} & 63;\n${body}`);
    return pair(lo, hi);
  }
}

// ---- folding known words ----

function word32(op: string, a: number, b: number): number {
  switch (op) {
    case "add32":
      return (a + b) | 0;
    case "sub32":
      return (a - b) | 0;
    case "mul32":
      return Math.imul(a, b);
    case "shl32":
      return a << b;
    case "shr32":
      return (a >>> b) | 0;
    default:
      return a >> b;
  }
}

function bitwise(op: "&" | "|" | "^", a: Word, b: Word): Word {
  if (known(a) && known(b)) return op === "&" ? a & b : op === "|" ? a | b : a ^ b;
  if (known(a)) [a, b] = [b, a];
  if (known(b)) {
    if (op === "&" && b === 0) return 0;
    if (op === "&" && b === -1) return a;
    if (op === "|" && b === -1) return -1;
    if ((op === "|" || op === "^") && b === 0) return a;
  }
  return `(${src(a)} ${op} ${src(b)})`;
}

/** -w, as a word (for sums) */
function neg(w: Word): Word {
  return known(w) ? -w : `-${w.startsWith("(") ? w : `(${w})`}`;
}

/** The int32 sum of words: known ones added up, terms of 0 dropped. */
function sum(terms: Word[]): Word {
  let k = 0;
  const parts: string[] = [];
  for (const t of terms) {
    if (known(t)) k += t;
    else parts.push(t);
  }
  if (parts.length === 0) return k | 0;
  let s = parts.join(" + ").replace(/\+ -/g, "- ");
  if (k !== 0) s += k > 0 ? ` + ${k}` : ` - ${-k}`;
  return `((${s}) | 0)`;
}

function carryText(s: string, u: string, t: string): string {
  return `(((${s} & ${u}) | ((${s} | ${u}) & ~${t})) >>> 31)`;
}
function borrowText(s: string, u: string, t: string): string {
  return `(((~${s} & ${u}) | ((~${s} | ${u}) & ${t})) >>> 31)`;
}
function carryOf(s: number, u: number, t: number): number {
  return ((s & u) | ((s | u) & ~t)) >>> 31;
}
function borrowOf(s: number, u: number, t: number): number {
  return ((~s & u) | ((~s | u) & t)) >>> 31;
}
