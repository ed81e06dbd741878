// The D lexer: integer constants and the C type each gets, character and string constants with
// their escapes, operators by longest match, aggregation names, comments, and lexical errors.

import assert from "node:assert/strict";
import { test } from "node:test";
import { SourceFile } from "../../../src/trace/lang/diagnostics.js";
import { Lexer, type Token } from "../../../src/trace/lang/lexer.js";
import { typeName } from "../../../src/trace/lang/types.js";
import { errorAt } from "./helpers.js";

function tokens(text: string): Token[] {
  const lx = new Lexer(new SourceFile("t.d", text));
  const out: Token[] = [];
  for (;;) {
    const t = lx.next();
    out.push(t);
    if (t.kind === "eof") return out;
  }
}

function one(text: string): Token {
  const [t, eof] = tokens(text);
  assert.equal(eof?.kind, "eof", `one token in ${text}`);
  return t;
}

test("integer constants get C's types on LP64 (int, then long / unsigned ones by radix and suffix)", () => {
  const cases: [string, bigint, string][] = [
    ["0", 0n, "int32_t"],
    ["42", 42n, "int32_t"],
    ["2147483647", 2147483647n, "int32_t"],
    ["2147483648", 2147483648n, "int64_t"],
    ["9223372036854775807", 9223372036854775807n, "int64_t"],
    ["9223372036854775808", 9223372036854775808n, "uint64_t"],
    ["18446744073709551615", 18446744073709551615n, "uint64_t"],
    ["0x7fffffff", 0x7fffffffn, "int32_t"],
    ["0x80000000", 0x80000000n, "uint32_t"],
    ["0XFFFFFFFF", 0xffffffffn, "uint32_t"],
    ["0x100000000", 0x100000000n, "int64_t"],
    ["0x8000000000000000", 0x8000000000000000n, "uint64_t"],
    ["0xffffffffffffffff", 0xffffffffffffffffn, "uint64_t"],
    ["017", 15n, "int32_t"],
    ["037777777777", 0xffffffffn, "uint32_t"],
    ["1u", 1n, "uint32_t"],
    ["4294967296U", 4294967296n, "uint64_t"],
    ["1l", 1n, "int64_t"],
    ["1L", 1n, "int64_t"],
    ["1ll", 1n, "int64_t"],
    ["1LL", 1n, "int64_t"],
    ["1ul", 1n, "uint64_t"],
    ["1lu", 1n, "uint64_t"],
    ["1ULL", 1n, "uint64_t"],
    ["1llu", 1n, "uint64_t"],
    ["0xffffffffffffffffl", 0xffffffffffffffffn, "uint64_t"],
  ];
  for (const [text, value, type] of cases) {
    const t = one(text);
    assert.equal(t.kind, "int", text);
    if (t.kind !== "int") continue;
    assert.equal(t.value, value, text);
    assert.equal(typeName(t.type), type, text);
    assert.deepEqual([t.start, t.end], [0, text.length]);
  }
});

test("bad integer constants", () => {
  const cases: [string, string][] = [
    ["BEGIN { x = 1lL; }", "1:13: invalid suffix 'lL' on integer constant"],
    ["BEGIN { x = 1uu; }", "1:13: invalid suffix 'uu' on integer constant"],
    ["BEGIN { x = 12abc; }", "1:13: invalid suffix 'abc' on integer constant"],
    ["BEGIN { x = 0x; }", "1:13: hexadecimal constant has no digits"],
    ["BEGIN { x = 0xg1; }", "1:13: hexadecimal constant has no digits"],
    ["BEGIN { x = 09; }", "1:13: invalid digit '9' in octal constant"],
    ["BEGIN { x = 1.5; }", "1:13: floating-point constants are not supported"],
    ["BEGIN { x = 18446744073709551616; }", "1:13: integer constant is too large for 64 bits"],
    ["BEGIN { x = 0x10000000000000000; }", "1:13: integer constant is too large for 64 bits"],
  ];
  for (const [src, want] of cases) assert.equal(errorAt(src), want, src);
});

test("character constants: escapes, octal and hex, as int values", () => {
  const cases: [string, bigint][] = [
    ["'a'", 97n],
    ["' '", 32n],
    ["'\\n'", 10n],
    ["'\\t'", 9n],
    ["'\\0'", 0n],
    ["'\\101'", 65n],
    ["'\\x41'", 65n],
    ["'\\\\'", 92n],
    ["'\\''", 39n],
    ["'\"'", 34n],
    ["'\\a'", 7n],
    ["'\\377'", 255n],
  ];
  for (const [text, value] of cases) {
    const t = one(text);
    assert.equal(t.kind, "char", text);
    if (t.kind === "char") assert.equal(t.value, value, text);
  }
});

test("string constants: escapes decoded, and where each character came from", () => {
  const t = one('"a\\tb\\x41\\101\\"\\\\"');
  assert.equal(t.kind, "string");
  if (t.kind !== "string") return;
  assert.equal(t.value, 'a\tbAA"\\');
  // a at 1, \t at 2, b at 4, \x41 at 5, \101 at 9, \" at 13, \\ at 15, closing quote at 17.
  assert.deepEqual(t.offsets, [1, 2, 4, 5, 9, 13, 15, 17]);
  assert.deepEqual([t.start, t.end], [0, 18]);
  const empty = one('""');
  assert.ok(empty.kind === "string" && empty.value === "" && empty.offsets.length === 1);
});

test("bad character and string constants", () => {
  const cases: [string, string][] = [
    ["BEGIN { x = ''; }", "1:13: empty character constant"],
    ["BEGIN { x = 'ab'; }", "1:13: multi-character constants are not supported"],
    ["BEGIN { x = 'a", "1:13: unterminated character constant"],
    ["BEGIN { x = '\\q'; }", "1:14: unknown escape sequence \\q"],
    ["BEGIN { x = '\\400'; }", "1:14: octal escape sequence out of range"],
    ["BEGIN { x = '\u0101'; }", "1:13: character constant does not fit in a byte"],
    ['BEGIN { x = "abc; }', "1:13: unterminated string constant"],
    ['BEGIN { x = "abc\n"; }', "1:13: unterminated string constant"],
    ['BEGIN { x = "a\\qb"; }', "1:15: unknown escape sequence \\q"],
    ['BEGIN { x = "\\x"; }', "1:14: \\x used with no following hex digits"],
  ];
  for (const [src, want] of cases) assert.equal(errorAt(src), want, src);
});

test("operators by longest match; aggregation names; identifiers", () => {
  const ops = tokens("a<<=b>>=c->d++--e&&f||g^^h<=i>=j==k!=l+=m-=n*=o/=p%=q&=r|=s^=t")
    .filter((t) => t.kind === "punct")
    .map((t) => (t.kind === "punct" ? t.op : ""));
  assert.deepEqual(ops, [
    "<<=",
    ">>=",
    "->",
    "++",
    "--",
    "&&",
    "||",
    "^^",
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
  ]);
  const aggs = tokens("@ @foo @_x1 @[").filter((t) => t.kind === "agg");
  assert.deepEqual(
    aggs.map((t) => (t.kind === "agg" ? [t.name, t.start, t.end] : [])),
    [
      ["", 0, 1],
      ["foo", 2, 6],
      ["_x1", 7, 11],
      ["", 12, 13],
    ],
  );
  const id = one("_abc_123");
  assert.ok(id.kind === "ident" && id.name === "_abc_123");
});

test("comments and blanks are skipped; an unterminated comment is an error where it starts", () => {
  const ts = tokens("a /* x\n y */ b // c\r\n\tc");
  assert.deepEqual(
    ts.map((t) => t.kind),
    ["ident", "ident", "ident", "eof"],
  );
  assert.equal(errorAt("BEGIN { x = 1; /* oops }"), "1:16: unterminated comment (/* without */)");
  assert.equal(errorAt("/* oops"), "1:1: unterminated comment (/* without */)");
});

test("characters D does not have", () => {
  const cases: [string, string][] = [
    [
      "BEGIN { x = $1; }",
      "1:13: macro argument $1 is not supported: the arguments after the options are the traced command's",
    ],
    ["BEGIN { x = $target; }", "1:13: macro variable $target is not defined"],
    ["BEGIN { x = $ 1; }", "1:13: '$' must start a macro variable ($target)"],
    ["BEGIN { x = `foo; }", "1:13: the ` scoping operator (kernel symbols) is not supported"],
    ["BEGIN { x = 1 \\ 2; }", "1:15: unexpected character '\\'"],
    ["BEGIN { x = 1 \u00e9 2; }", "1:15: unexpected character \\xe9"],
    ["BEGIN { x = 1 \u2028 2; }", "1:15: unexpected character U+2028"],
    ["BEGIN { x = 1 \x01 2; }", "1:15: unexpected character \\x01"],
  ];
  for (const [src, want] of cases) assert.equal(errorAt(src), want, src);
});

test("macro variables the session defines are int constants where they stand", () => {
  const lx = new Lexer(new SourceFile("t.d", "$target+1", new Map([["target", 1000n]])));
  const t = lx.next();
  assert.equal(t.kind, "int");
  assert.equal(t.kind === "int" && t.value, 1000n);
  assert.equal(t.kind === "int" && typeName(t.type), "int32_t");
  assert.deepEqual([t.start, t.end], [0, 7]);
  assert.equal(lx.next().kind, "punct");
  const undefinedOne = new Lexer(new SourceFile("t.d", "$pid", new Map([["target", 1n]]))).next();
  assert.equal(
    undefinedOne.kind === "error" && undefinedOne.message,
    "macro variable $pid is not defined (defined: $target)",
  );
});

test("lines and columns count \\n, \\r\\n and \\r line ends", () => {
  assert.equal(errorAt("BEGIN\r\n{\r\n  x = ;\r\n}"), "3:7: expected an expression, found ';'");
  assert.equal(errorAt("BEGIN\r{\r  x = ;\r}"), "3:7: expected an expression, found ';'");
  const f = new SourceFile("t.d", "ab\ncd\r\nef\rgh");
  assert.deepEqual(f.position(0), { line: 1, column: 1 });
  assert.deepEqual(f.position(3), { line: 2, column: 1 });
  assert.deepEqual(f.position(7), { line: 3, column: 1 });
  assert.deepEqual(f.position(10), { line: 4, column: 1 });
  assert.deepEqual(f.position(12), { line: 4, column: 3 });
  assert.equal(f.lineText(2), "cd");
  assert.equal(f.lineText(4), "gh");
});
