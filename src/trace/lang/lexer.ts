// The D lexer. Two vocabularies share one script: probe descriptions (`syscall::read:entry`,
// `profile-997`, `kinst::_ZN3foo3barEv:12`), whose characters would be operators elsewhere, and
// C-like expressions. D's own lexer switches states for them; here the parser says which it wants:
// `next()` gives an expression token, `probeDescription()` and `pragma()` read the text at a
// clause start. `next()` never throws: a bad character or literal becomes an "error" token that
// the parser reports only if it tries to use it, so a clause start can still be read as a probe
// description (where `$` or `?` are fine) after a one-token look-ahead.

import { DiagnosticError, type SourceFile, type Span } from "./diagnostics.js";
import { I32, I64, type IntType, U32, U64 } from "./types.js";

export type Token =
  | {
      readonly kind: "int";
      readonly start: number;
      readonly end: number;
      readonly value: bigint;
      readonly type: IntType;
    }
  | { readonly kind: "char"; readonly start: number; readonly end: number; readonly value: bigint }
  | {
      readonly kind: "string";
      readonly start: number;
      readonly end: number;
      readonly value: string;
      /** Source offset of what gave each UTF-16 unit of `value` (an escape gives one); then the closing quote. */
      readonly offsets: readonly number[];
    }
  | { readonly kind: "ident"; readonly start: number; readonly end: number; readonly name: string }
  /** `@name`, or `@` alone (name ""). */
  | { readonly kind: "agg"; readonly start: number; readonly end: number; readonly name: string }
  | { readonly kind: "punct"; readonly start: number; readonly end: number; readonly op: string }
  | { readonly kind: "eof"; readonly start: number; readonly end: number }
  | { readonly kind: "error"; readonly start: number; readonly end: number; readonly message: string };

/** Operators and punctuation, longest first so the scan takes the longest match. */
const PUNCT = [
  "<<=",
  ">>=",
  "->",
  "++",
  "--",
  "&&",
  "||",
  "^^",
  "<<",
  ">>",
  "<=",
  ">=",
  "==",
  "!=",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  "|",
  "^",
  "~",
  "!",
  "<",
  ">",
  "=",
  "?",
  ":",
  ";",
  ",",
  ".",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
];

const ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  "\\": 92,
  "'": 39,
  '"': 34,
  "?": 63,
};

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

/**
 * Characters of a probe description: identifier characters, the field separator `:`, glob
 * characters `* ? [ ] !`, and what provider and symbol names contain (`-` in profile-997, `.` and
 * `$` in compiler-generated symbols, `@` in versioned ones, `+` and `~`).
 */
function isProbeChar(c: number): boolean {
  return isIdentPart(c) || ":-.*?[]!$@+~".includes(String.fromCharCode(c));
}

/** How a character is shown in a message: itself if printable ASCII, else its code. */
export function showChar(ch: string): string {
  const c = ch.codePointAt(0) ?? 0;
  if (c >= 0x20 && c < 0x7f) return `'${ch}'`;
  return c < 0x100
    ? `\\x${c.toString(16).padStart(2, "0")}`
    : `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
}

export class Lexer {
  pos = 0;

  constructor(readonly source: SourceFile) {
    // A script made executable starts with `#!/usr/sbin/dtrace -s`: not D, skip the line.
    if (source.text.startsWith("#!")) {
      while (this.pos < source.text.length && source.text[this.pos] !== "\n") this.pos++;
    }
  }

  private get text(): string {
    return this.source.text;
  }

  private fail(start: number, end: number, message: string): never {
    throw DiagnosticError.at(this.source, { start, end }, message);
  }

  /** Skips blanks and comments; an unterminated comment is returned as an error token. */
  private skipTrivia(): Token | undefined {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12) {
        this.pos++;
      } else if (c === 47 && t.charCodeAt(this.pos + 1) === 42) {
        const close = t.indexOf("*/", this.pos + 2);
        if (close < 0) {
          const start = this.pos;
          this.pos = t.length;
          return { kind: "error", start, end: start + 2, message: "unterminated comment (/* without */)" };
        }
        this.pos = close + 2;
      } else if (c === 47 && t.charCodeAt(this.pos + 1) === 47) {
        while (this.pos < t.length && t[this.pos] !== "\n" && t[this.pos] !== "\r") this.pos++;
      } else {
        return undefined;
      }
    }
  }

  /** Offset of the next token (after blanks and comments), without consuming it. */
  peekStart(): number {
    const save = this.pos;
    this.skipTrivia();
    const at = this.pos;
    this.pos = save;
    return at;
  }

  /** The next expression token. Never throws. */
  next(): Token {
    const bad = this.skipTrivia();
    if (bad) return bad;
    const t = this.text;
    const start = this.pos;
    if (start >= t.length) return { kind: "eof", start, end: start };
    const c = t.charCodeAt(start);
    if (isIdentStart(c)) {
      let p = start + 1;
      while (isIdentPart(t.charCodeAt(p))) p++;
      this.pos = p;
      return { kind: "ident", start, end: p, name: t.slice(start, p) };
    }
    if (isDigit(c)) return this.number();
    if (c === 39) return this.charConstant();
    if (c === 34) return this.stringConstant();
    if (c === 64) {
      let p = start + 1;
      if (isIdentStart(t.charCodeAt(p))) {
        p++;
        while (isIdentPart(t.charCodeAt(p))) p++;
      }
      this.pos = p;
      return { kind: "agg", start, end: p, name: t.slice(start + 1, p) };
    }
    for (const op of PUNCT) {
      if (t.startsWith(op, start)) {
        this.pos = start + op.length;
        return { kind: "punct", start, end: this.pos, op };
      }
    }
    if (c === 36) return this.macro();
    const ch = String.fromCodePoint(t.codePointAt(start) ?? 0);
    this.pos = start + ch.length;
    let message = `unexpected character ${showChar(ch)}`;
    if (ch === "`") message = "the ` scoping operator (kernel symbols) is not supported";
    else if (ch === "#") message = "'#' may only start a #pragma line between clauses";
    return { kind: "error", start, end: this.pos, message };
  }

  /**
   * A macro variable: `$target` and the others the session defines become integer constants
   * (D's macro variables are replaced before the program is parsed; they are ints, as pid_t).
   */
  private macro(): Token {
    const t = this.text;
    const start = this.pos;
    let p = start + 1;
    while (isIdentPart(t.charCodeAt(p))) p++;
    this.pos = p;
    const name = t.slice(start + 1, p);
    const value = this.source.macros.get(name);
    if (value !== undefined) return { kind: "int", start, end: p, value, type: I32 };
    const known = [...this.source.macros.keys()].map((k) => `$${k}`).join(", ");
    const message =
      name === ""
        ? "'$' must start a macro variable ($target)"
        : /^\d+$/.test(name)
          ? `macro argument $${name} is not supported: the arguments after the options are the traced command's`
          : `macro variable $${name} is not defined${known === "" ? "" : ` (defined: ${known})`}`;
    return { kind: "error", start, end: p, message };
  }

  /** An integer constant: decimal, 0x hexadecimal or 0 octal, with C's u/l suffixes. */
  private number(): Token {
    const t = this.text;
    const start = this.pos;
    let p = start;
    let radix = 10;
    let digitsStart = start;
    if (t[p] === "0" && (t[p + 1] === "x" || t[p + 1] === "X")) {
      radix = 16;
      p += 2;
      digitsStart = p;
      while (isHex(t.charCodeAt(p))) p++;
    } else if (t[p] === "0") {
      radix = 8;
      while (isDigit(t.charCodeAt(p))) p++;
    } else {
      while (isDigit(t.charCodeAt(p))) p++;
    }
    const digits = t.slice(digitsStart, p);
    // The whole run of letters and digits is the token, so `12abc` is one bad constant.
    let endRun = p;
    while (isIdentPart(t.charCodeAt(endRun))) endRun++;
    const suffix = t.slice(p, endRun);
    if (t[endRun] === "." && isDigit(t.charCodeAt(endRun + 1))) {
      let q = endRun + 1;
      while (isIdentPart(t.charCodeAt(q)) || t[q] === ".") q++;
      this.pos = q;
      return { kind: "error", start, end: q, message: "floating-point constants are not supported" };
    }
    this.pos = endRun;
    const error = (message: string): Token => ({ kind: "error", start, end: endRun, message });
    if (radix === 16 && digits === "") return error("hexadecimal constant has no digits");
    if (radix === 8) {
      const bad = /[89]/.exec(digits);
      if (bad) return error(`invalid digit '${bad[0]}' in octal constant`);
    }
    const s = suffix.toLowerCase();
    const unsigned = s.includes("u");
    const longs = s.replace("u", "");
    const suffixOk =
      /^(u?(l|ll)?|(l|ll)u)$/.test(s) && (longs !== "ll" || suffix.includes("ll") || suffix.includes("LL"));
    if (!suffixOk) return error(`invalid suffix '${suffix}' on integer constant`);
    const value = BigInt(radix === 16 ? `0x${digits}` : radix === 8 ? `0o${digits || "0"}` : digits);
    // C89's choice of type (6.1.3.2) on LP64, D's data model: the first of these that holds the value.
    let candidates: IntType[];
    if (longs !== "") candidates = unsigned ? [U64] : [I64, U64];
    else if (unsigned) candidates = [U32, U64];
    else if (radix === 10) candidates = [I32, I64, U64];
    else candidates = [I32, U32, I64, U64];
    const type = candidates.find(
      (c) => value <= (c.signed ? (1n << BigInt(c.bits - 1)) - 1n : (1n << BigInt(c.bits)) - 1n),
    );
    if (!type) return error("integer constant is too large for 64 bits");
    return { kind: "int", start, end: endRun, value, type };
  }

  /**
   * One character of a string or character constant at `p`, escapes decoded: its UTF-16 units and
   * where the next begins, or an error message.
   */
  private oneChar(p: number): { units: string; next: number } | { error: string; at: number; end: number } {
    const t = this.text;
    if (t[p] !== "\\") {
      const ch = String.fromCodePoint(t.codePointAt(p) ?? 0);
      return { units: ch, next: p + ch.length };
    }
    const e = t[p + 1];
    if (e === undefined) return { error: "unterminated escape sequence", at: p, end: p + 1 };
    if (e in ESCAPES) return { units: String.fromCharCode(ESCAPES[e]), next: p + 2 };
    if (e >= "0" && e <= "7") {
      let q = p + 1;
      let v = 0;
      while (q < p + 4 && t[q] >= "0" && t[q] <= "7") v = v * 8 + (t.charCodeAt(q++) - 48);
      if (v > 255) return { error: "octal escape sequence out of range", at: p, end: q };
      return { units: String.fromCharCode(v), next: q };
    }
    if (e === "x") {
      let q = p + 2;
      while (q < p + 4 && isHex(t.charCodeAt(q))) q++;
      if (q === p + 2) return { error: "\\x used with no following hex digits", at: p, end: p + 2 };
      return { units: String.fromCharCode(Number.parseInt(t.slice(p + 2, q), 16)), next: q };
    }
    if (e === "\n" || e === "\r") return { error: "unterminated string constant", at: p, end: p + 1 };
    const shown = String.fromCodePoint(t.codePointAt(p + 1) ?? 0);
    return { error: `unknown escape sequence \\${shown}`, at: p, end: p + 1 + shown.length };
  }

  private stringConstant(): Token {
    const t = this.text;
    const start = this.pos;
    let p = start + 1;
    let value = "";
    const offsets: number[] = [];
    for (;;) {
      if (p >= t.length || t[p] === "\n" || t[p] === "\r") {
        this.pos = p;
        return { kind: "error", start, end: start + 1, message: "unterminated string constant" };
      }
      if (t[p] === '"') break;
      const r = this.oneChar(p);
      if ("error" in r) {
        this.pos = this.skipToLineEnd(r.end, '"');
        return { kind: "error", start: r.at, end: r.end, message: r.error };
      }
      for (let i = 0; i < r.units.length; i++) offsets.push(p);
      value += r.units;
      p = r.next;
    }
    offsets.push(p);
    this.pos = p + 1;
    return { kind: "string", start, end: p + 1, value, offsets };
  }

  private charConstant(): Token {
    const t = this.text;
    const start = this.pos;
    if (t[start + 1] === "'") {
      this.pos = start + 2;
      return { kind: "error", start, end: start + 2, message: "empty character constant" };
    }
    if (start + 1 >= t.length || t[start + 1] === "\n" || t[start + 1] === "\r") {
      this.pos = start + 1;
      return { kind: "error", start, end: start + 1, message: "unterminated character constant" };
    }
    const r = this.oneChar(start + 1);
    if ("error" in r) {
      this.pos = this.skipToLineEnd(r.end, "'");
      return { kind: "error", start: r.at, end: r.end, message: r.error };
    }
    if (t[r.next] !== "'") {
      const close = this.skipToLineEnd(r.next, "'");
      this.pos = close;
      const closed = t[close - 1] === "'" && close - 1 >= r.next;
      return {
        kind: "error",
        start,
        end: close,
        message: closed ? "multi-character constants are not supported" : "unterminated character constant",
      };
    }
    this.pos = r.next + 1;
    const code = r.units.codePointAt(0) ?? 0;
    if (code > 255)
      return { kind: "error", start, end: this.pos, message: "character constant does not fit in a byte" };
    return { kind: "char", start, end: this.pos, value: BigInt(code) };
  }

  /** After a bad constant, resume past its closing quote on the same line (or at the line's end). */
  private skipToLineEnd(p: number, quote: string): number {
    const t = this.text;
    while (p < t.length && t[p] !== "\n" && t[p] !== "\r") {
      if (t[p] === "\\") p += 2;
      else if (t[p++] === quote) return p;
    }
    return Math.min(p, t.length);
  }

  /**
   * At a clause start: the probe description's text and where it is, or undefined when the next
   * character cannot start one. Throws on an unterminated comment before it.
   */
  probeDescription(): { text: string; at: Span } | undefined {
    const bad = this.skipTrivia();
    if (bad?.kind === "error") this.fail(bad.start, bad.end, bad.message);
    const t = this.text;
    const start = this.pos;
    let p = start;
    while (p < t.length && isProbeChar(t.charCodeAt(p))) p++;
    if (p === start) return undefined;
    this.pos = p;
    return { text: t.slice(start, p), at: { start, end: p } };
  }

  /** True when the next thing (after blanks and comments) is a `#` line. */
  atDirective(): boolean {
    const save = this.pos;
    const bad = this.skipTrivia();
    const yes = !bad && this.text[this.pos] === "#";
    this.pos = save;
    return yes;
  }

  /** A `#pragma D option name[=value]` line at a clause start (after `atDirective()`). */
  pragma(): { name: string; value: string | undefined; at: Span } {
    this.skipTrivia();
    const t = this.text;
    const start = this.pos;
    let end = start;
    while (end < t.length && t[end] !== "\n" && t[end] !== "\r") end++;
    this.pos = end;
    let line = t.slice(start, end);
    const comment = line.search(/\/[/*]/);
    if (comment >= 0) line = line.slice(0, comment);
    const at = { start, end: start + line.trimEnd().length };
    const words = line
      .slice(1)
      .trim()
      .split(/[ \t]+/);
    if (words[0] !== "pragma") {
      const what = words[0] ? `#${words[0]}` : "#";
      this.fail(
        start,
        at.end,
        `${what}: the C preprocessor is not supported (only #pragma D option lines are)`,
      );
    }
    if (words[1] !== "D" || words[2] !== "option")
      this.fail(start, at.end, "unsupported #pragma: only '#pragma D option name=value' is supported");
    const rest = words.slice(3).join(" ");
    const m = /^([A-Za-z_][A-Za-z0-9_-]*)(?:\s*=\s*(\S+))?$/.exec(rest);
    if (!m) {
      const where = line.indexOf("option") + 6;
      this.fail(start + where, at.end, "malformed option: expected '#pragma D option name' or 'name=value'");
    }
    return { name: m[1], value: m[2], at };
  }
}
