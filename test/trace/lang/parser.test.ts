// The D parser: precedence and associativity, every statement and expression form, probe
// descriptions, predicates, pragmas, and syntax errors at their exact line and column.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseProgram } from "../../../src/trace/lang/index.js";
import { dedent, errorAt, syntax } from "./helpers.js";

test("C precedence and associativity, with ^^ between && and ||", () => {
  const src =
    "BEGIN { x = a ? b : c ? d : e; y = 1 + 2 * 3 - 4 << 1; z = a || b ^^ c && d | e ^ f & g == h < i; " +
    "w = -~!x++; v = (int)(uint64_t)-1; u = stringof arg0; t = x = y += 2; }";
  assert.equal(
    syntax(src),
    dedent(`
      program "t.d"
        clause @1:1
          probe "BEGIN" provider="" module="" function="" name="BEGIN" @1:1
          body
            assign = @1:9
              ident x @1:9
              ?: @1:13
                ident a @1:13
                ident b @1:17
                ?: @1:21
                  ident c @1:21
                  ident d @1:25
                  ident e @1:29
            assign = @1:32
              ident y @1:32
              binary << @1:36
                binary - @1:36
                  binary + @1:36
                    int 1 = 1 int32_t @1:36
                    binary * @1:40
                      int 2 = 2 int32_t @1:40
                      int 3 = 3 int32_t @1:44
                  int 4 = 4 int32_t @1:48
                int 1 = 1 int32_t @1:53
            assign = @1:56
              ident z @1:56
              binary || @1:60
                ident a @1:60
                binary ^^ @1:65
                  ident b @1:65
                  binary && @1:70
                    ident c @1:70
                    binary | @1:75
                      ident d @1:75
                      binary ^ @1:79
                        ident e @1:79
                        binary & @1:83
                          ident f @1:83
                          binary == @1:87
                            ident g @1:87
                            binary < @1:92
                              ident h @1:92
                              ident i @1:96
            assign = @1:99
              ident w @1:99
              unary - @1:103
                unary ~ @1:104
                  unary ! @1:105
                    postfix ++ @1:106
                      ident x @1:106
            assign = @1:111
              ident v @1:111
              cast (int) @1:115
                cast (uint64_t) @1:120
                  unary - @1:130
                    int 1 = 1 int32_t @1:131
            assign = @1:134
              ident u @1:134
              stringof @1:138
                ident arg0 @1:147
            assign = @1:153
              ident t @1:153
              assign = @1:157
                ident x @1:157
                assign += @1:161
                  ident y @1:161
                  int 2 = 2 int32_t @1:166
    `),
  );
});

test("a script: shebang, pragmas, comments, several probes, a predicate with a division, if/else, a bare clause", () => {
  const src = `#!/usr/sbin/dtrace -s
#pragma D option quiet
#pragma D option bufsize=4m
/* count reads */
syscall::read:entry, syscall::write:entry
/pid == 42 && arg2 / 2 > 10/   // halves
{
\tself->ts = timestamp;
\t@bytes[probefunc, execname] = sum(arg2);
\tif (arg0 == 1) { trace("stdout"); } else if (arg0 == 2) trace("stderr"); else { ; }
}

END
`;
  assert.equal(
    syntax(src),
    dedent(`
      program "t.d"
        option quiet @2:1
        option bufsize=4m @3:1
        clause @5:1
          probe "syscall::read:entry" provider="syscall" module="" function="read" name="entry" @5:1
          probe "syscall::write:entry" provider="syscall" module="" function="write" name="entry" @5:22
          predicate
            binary && @6:2
              binary == @6:2
                ident pid @6:2
                int 42 = 42 int32_t @6:9
              binary > @6:15
                binary / @6:15
                  ident arg2 @6:15
                  int 2 = 2 int32_t @6:22
                int 10 = 10 int32_t @6:26
          body
            assign = @8:2
              self->ts @8:2
              ident timestamp @8:13
            assign = @9:2
              index @9:2
                aggregation @bytes @9:2
                ident probefunc @9:9
                ident execname @9:20
              call sum @9:32
                ident arg2 @9:36
            if @10:2
              binary == @10:6
                ident arg0 @10:6
                int 1 = 1 int32_t @10:14
            then
              call trace @10:19
                string "stdout" @10:25
            else
              if @10:43
                binary == @10:47
                  ident arg0 @10:47
                  int 2 = 2 int32_t @10:55
              then
                call trace @10:58
                  string "stderr" @10:64
              else
                empty @10:82
        clause @13:1
          probe "END" provider="" module="" function="" name="END" @13:1
          no body
    `),
  );
});

test("uregs, associative arrays, ++/--, anonymous and keyed aggregations, ustack keys, printa", () => {
  const src =
    'fbt:prog:main:entry,profile-997 { x = uregs[R_PC]; a["k", 1]++; --self->d; @ = count(); ' +
    '@c[ustack(5)] = count(); printa("%s %@d\\n", @c) }';
  assert.equal(
    syntax(src),
    dedent(`
      program "t.d"
        clause @1:1
          probe "fbt:prog:main:entry" provider="fbt" module="prog" function="main" name="entry" @1:1
          probe "profile-997" provider="" module="" function="" name="profile-997" @1:21
          body
            assign = @1:35
              ident x @1:35
              index @1:39
                ident uregs @1:39
                ident R_PC @1:45
            postfix ++ @1:52
              index @1:52
                ident a @1:52
                string "k" @1:54
                int 1 = 1 int32_t @1:59
            prefix -- @1:65
              self->d @1:67
            assign = @1:76
              aggregation @ @1:76
              call count @1:80
            assign = @1:89
              index @1:89
                aggregation @c @1:89
                call ustack @1:92
                  int 5 = 5 int32_t @1:99
              call count @1:105
            call printa @1:114
              string "%s %@d\\n" @1:121
              aggregation @c @1:133
    `),
  );
});

test("probe descriptions: fewer fields are the rightmost, empty fields, globs, symbol characters", () => {
  const cases: [string, [string, string, string, string]][] = [
    ["BEGIN", ["", "", "", "BEGIN"]],
    ["END", ["", "", "", "END"]],
    ["ERROR", ["", "", "", "ERROR"]],
    ["syscall::read:entry", ["syscall", "", "read", "entry"]],
    ["syscall:::entry", ["syscall", "", "", "entry"]],
    ["kinst::parse_line:", ["kinst", "", "parse_line", ""]],
    ["kinst::parse_line:12", ["kinst", "", "parse_line", "12"]],
    ["fbt:prog:main:entry", ["fbt", "prog", "main", "entry"]],
    ["profile-997", ["", "", "", "profile-997"]],
    ["profile-10ms", ["", "", "", "profile-10ms"]],
    ["tick-1s", ["", "", "", "tick-1s"]],
    ["proc:::exit", ["proc", "", "", "exit"]],
    ["read:entry", ["", "", "read", "entry"]],
    ["libc.so.6:read:entry", ["", "libc.so.6", "read", "entry"]],
    ["fbt::_ZN3foo3barEv:entry", ["fbt", "", "_ZN3foo3barEv", "entry"]],
    ["fbt::parse.constprop.0:return", ["fbt", "", "parse.constprop.0", "return"]],
    ["fbt::$x$y:entry", ["fbt", "", "$x$y", "entry"]],
    ["fbt::memcpy@GLIBC_2.27:entry", ["fbt", "", "memcpy@GLIBC_2.27", "entry"]],
    ["syscall::*read*:entry", ["syscall", "", "*read*", "entry"]],
    ["syscall::[rw]*:ret?rn", ["syscall", "", "[rw]*", "ret?rn"]],
    ["syscall::[!r]ead:entry", ["syscall", "", "[!r]ead", "entry"]],
    [":::", ["", "", "", ""]],
  ];
  for (const [text, fields] of cases) {
    const p = parseProgram(`${text} {}`, "t.d");
    const clause = p.items[0];
    assert.equal(clause.kind, "clause", text);
    if (clause.kind !== "clause") continue;
    const d = clause.probes[0];
    assert.deepEqual([d.provider, d.module, d.function, d.name], fields, text);
    assert.equal(d.text, text);
    assert.deepEqual(d.span, { start: 0, end: text.length });
  }
});

test("a description list spans lines; a clause may have no body, or an empty one", () => {
  const p = parseProgram("syscall::read:entry,\n  syscall::write:entry\n{}\nBEGIN /1/ {}\nEND", "t.d");
  assert.equal(p.items.length, 3);
  const [a, b, c] = p.items;
  assert.ok(a.kind === "clause" && b.kind === "clause" && c.kind === "clause");
  assert.deepEqual(
    a.probes.map((d) => d.text),
    ["syscall::read:entry", "syscall::write:entry"],
  );
  assert.deepEqual(a.body, []);
  assert.ok(b.predicate && b.body?.length === 0);
  assert.equal(c.body, undefined);
});

test("the predicate's closing / is told from a division by what follows it", () => {
  assert.match(syntax("BEGIN /a / b/ {}"), /binary \/ @1:8\n {8}ident a @1:8\n {8}ident b @1:12/);
  assert.match(syntax("BEGIN /a/ {}"), /predicate\n {6}ident a @1:8\n/);
  assert.match(syntax("BEGIN /a/"), /predicate\n {6}ident a @1:8\n {4}no body/);
  assert.match(syntax("BEGIN /(a / 2) / 3 > 1/{}"), /binary > @1:8/);
});

test("statements: the last one needs no ';', empty statements, single-statement if/else", () => {
  const out = syntax("BEGIN { ; trace(1) } END { if (1) if (2) trace(3); else trace(4) }");
  assert.equal(
    out,
    dedent(`
      program "t.d"
        clause @1:1
          probe "BEGIN" provider="" module="" function="" name="BEGIN" @1:1
          body
            empty @1:9
            call trace @1:11
              int 1 = 1 int32_t @1:17
        clause @1:22
          probe "END" provider="" module="" function="" name="END" @1:22
          body
            if @1:28
              int 1 = 1 int32_t @1:32
            then
              if @1:35
                int 2 = 2 int32_t @1:39
              then
                call trace @1:42
                  int 3 = 3 int32_t @1:48
              else
                call trace @1:57
                  int 4 = 4 int32_t @1:63
    `),
  );
});

test("casts: C type words in any order, typedef names, (string)", () => {
  const out = syntax(
    "BEGIN { a = (unsigned long long)x; b = (long unsigned int)x; c = (char)x; d = (size_t)x; e = (string)x; }",
  );
  assert.match(out, /cast \(unsigned long long\) @1:13/);
  assert.match(out, /cast \(long unsigned int\) @1:40/);
  assert.match(out, /cast \(char\) @1:66/);
  assert.match(out, /cast \(size_t\) @1:79/);
  assert.match(out, /cast \(string\) @1:94/);
});

test("syntax errors at their line and column", () => {
  const cases: [string, string][] = [
    ["BEGIN { x = (1 + 2 }", "1:20: expected ')', found '}'"],
    ["BEGIN { x = 1 y = 2 }", "1:15: expected ';' or '}' after the statement, found 'y'"],
    ["BEGIN {\n  trace(1);\n", "3:1: expected '}' to close the '{' at line 1, column 7, found end of input"],
    ["BEGIN x", "1:7: expected ',', '/' or '{' after the probe description, found 'x'"],
    ["BEGIN\nEND {}", "2:1: expected ',', '/' or '{' after the probe description, found 'END'"],
    ["syscall::read:entry\n/arg0 > 5\n{ }", "3:1: expected '/' to end the predicate, found '{'"],
    ["BEGIN /x/ y", "1:12: expected '/' to end the predicate, found end of input"],
    ["BEGIN /x/ ;", "1:11: expected '{' to begin the clause's body, found ';'"],
    ["{ trace(1); }", "1:1: expected a probe description (provider:module:function:name), found '{'"],
    ["BEGIN, { }", "1:8: expected a probe description (provider:module:function:name), found '{'"],
    ["a:b:c:d:e { }", "1:8: a probe description has at most four fields (provider:module:function:name)"],
    ["syscall::[rw:entry {}", "1:10: unmatched '[' in probe description"],
    ["BEGIN // comment\n{ x = ; }", "2:7: expected an expression, found ';'"],
    ["BEGIN { x = y +; }", "1:16: expected an expression, found ';'"],
    ["BEGIN { a[] = 1; }", "1:10: an index needs at least one key"],
    ["BEGIN { 1(2); }", "1:10: only functions can be called"],
    ["BEGIN { self.x = 1; }", "1:13: expected '->' after self, found '.'"],
    ["BEGIN { this->int = 1; }", "1:15: 'int' is a reserved word"],
    ["BEGIN { self->1 = 1; }", "1:15: expected a variable name after self->, found constant 1"],
    ["BEGIN { x = while; }", "1:13: 'while' is a reserved word and cannot start an expression"],
    ["BEGIN { x = (int *)y; }", "1:18: pointer types are not supported"],
    ["BEGIN { x = (struct foo)y; }", "1:14: struct types are not supported"],
    ["BEGIN { x = (void)y; }", "1:14: cannot cast to void"],
    ["BEGIN { x = (unsigned float)y; }", "1:14: unknown type 'unsigned float'"],
    ["BEGIN { x = sizeof(y); }", "1:13: sizeof is not supported"],
    ["BEGIN { { trace(1); } }", "1:9: a block may only follow if or else"],
    ["BEGIN { if (x) }", "1:16: expected a statement, found '}'"],
    ["BEGIN { if x { } }", "1:12: expected '(' after if, found 'x'"],
    ["BEGIN { x = a ? b; }", "1:18: expected ':' of the conditional expression, found ';'"],
    ["BEGIN { x = a.b.; }", "1:17: expected a member name after '.', found ';'"],
    ["BEGIN /x/ {} /* never closed", "1:14: unterminated comment (/* without */)"],
    [
      "BEGIN /x/ {} #include <x.h>",
      "1:14: #include: the C preprocessor is not supported (only #pragma D option lines are)",
    ],
    [
      "#pragma D depends_on module x",
      "1:1: unsupported #pragma: only '#pragma D option name=value' is supported",
    ],
    ["#pragma D option", "1:17: malformed option: expected '#pragma D option name' or 'name=value'"],
    ["BEGIN { x = y # 2; }", "1:15: '#' may only start a #pragma line between clauses"],
  ];
  for (const [src, want] of cases) assert.equal(errorAt(src), want, src);
});

test("deep nesting is refused with a diagnostic, not a stack overflow", () => {
  for (const src of [
    `BEGIN { x = ${"(".repeat(5000)}1${")".repeat(5000)}; }`,
    `BEGIN { x = ${"-".repeat(100000)}1; }`,
    `BEGIN { x = 1${" + 1".repeat(100000)}; }`,
    `BEGIN { x = ${"a = ".repeat(50000)}1; }`,
    `BEGIN { x = ${"a ? b : ".repeat(50000)}1; }`,
    `BEGIN { ${"if (1) ".repeat(50000)}x = 1; }`,
    `BEGIN { x = ${"f(".repeat(5000)}1${")".repeat(5000)}; }`,
    `BEGIN { x = 1${"[1]".repeat(50000)}; }`,
  ]) {
    assert.match(errorAt(src), /nested too deeply \(more than 200 levels\)/);
  }
  // 150 levels are fine.
  assert.doesNotThrow(() => parseProgram(`BEGIN { x = ${"(".repeat(150)}1${")".repeat(150)}; }`, "t.d"));
});
