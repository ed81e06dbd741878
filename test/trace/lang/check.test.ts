// The checker: name resolution by scope, D's types and C's conversions made explicit, constant
// folding, aggregations kept to one function, printf/printa formats against their arguments, and
// every error kind at its exact line and column.

import assert from "node:assert/strict";
import { test } from "node:test";
import { compileFrontEnd, typeName } from "../../../src/trace/lang/index.js";
import { checked, dedent, diagnosticOf, errorAt } from "./helpers.js";

test("the issue's example: a kinst probe, a predicate, printf and an anonymous aggregation", () => {
  assert.equal(
    checked('kinst::parse_line:12 /arg0 > 5/ { printf("a0=%x\\n", arg0); @[probefunc] = count(); }'),
    dedent(`
      program "t.d"
        clause 0 @1:1
          probe "kinst::parse_line:12" provider="kinst" module="" function="parse_line" name="12" @1:1
          predicate
            binary > on int64_t : int32_t @1:23
              builtin arg0 : int64_t @1:23
              int 5 : int64_t @1:30
          body
            call printf format "a0=%x\\n" : void @1:35
              builtin arg0 : int64_t @1:53
            aggregate @ count @1:60
              key
                builtin probefunc : string @1:62
        aggregations
          @[string] = count() : uint64_t @1:60
    `),
  );
});

test("integer types: literals, C's usual conversions, explicit conversions, casts, folded constants", () => {
  const src =
    "BEGIN { x = 1; y = arg0 + 1; z = timestamp - arg0; w = (int)arg0 + 1u; s = probefunc == \"main\"; c = 'a'; " +
    "m = -1 >> 1; u = 0xffffffff + 1; v = (char)300; q = x ? arg0 : 2u; x += arg0; x <<= 2; b = !arg1 ^^ arg2 && 1; " +
    "uregs[R_A0 + 1] > 0 ? 1 : 0; }";
  assert.equal(
    checked(src),
    dedent(`
      program "t.d"
        clause 0 @1:1
          probe "BEGIN" provider="" module="" function="" name="BEGIN" @1:1
          body
            assign = : int32_t @1:9
              global x : int32_t @1:9
              int 1 : int32_t @1:13
            assign = : int64_t @1:16
              global y : int64_t @1:16
              binary + : int64_t @1:20
                builtin arg0 : int64_t @1:20
                int 1 : int64_t @1:27
            assign = : uint64_t @1:30
              global z : uint64_t @1:30
              binary - : uint64_t @1:34
                builtin timestamp : uint64_t @1:34
                convert int64_t -> uint64_t @1:46
                  builtin arg0 : int64_t @1:46
            assign = : uint32_t @1:52
              global w : uint32_t @1:52
              binary + : uint32_t @1:56
                convert int32_t -> uint32_t @1:56
                  cast int64_t -> int32_t @1:56
                    builtin arg0 : int64_t @1:61
                int 1 : uint32_t @1:68
            assign = : int32_t @1:72
              global s : int32_t @1:72
              binary == on string : int32_t @1:76
                builtin probefunc : string @1:76
                string "main" : string @1:89
            assign = : int32_t @1:97
              global c : int32_t @1:97
              int 97 : int32_t @1:101
            assign = : int32_t @1:106
              global m : int32_t @1:106
              int -1 : int32_t @1:110
            assign = : uint32_t @1:119
              global u : uint32_t @1:119
              int 0 : uint32_t @1:123
            assign = : int8_t @1:139
              global v : int8_t @1:139
              int 44 : int8_t @1:143
            assign = : int64_t @1:154
              global q : int64_t @1:154
              ?: : int64_t @1:158
                global x : int32_t @1:158
                builtin arg0 : int64_t @1:162
                int 2 : int64_t @1:169
            assign += in int64_t : int32_t @1:173
              global x : int32_t @1:173
              builtin arg0 : int64_t @1:178
            assign <<= in int32_t : int32_t @1:184
              global x : int32_t @1:184
              int 2 : int32_t @1:190
            assign = : int32_t @1:193
              global b : int32_t @1:193
              logical ^^ : int32_t @1:197
                unary ! : int32_t @1:197
                  builtin arg1 : int64_t @1:198
                logical && : int32_t @1:206
                  builtin arg2 : int64_t @1:206
                  int 1 : int32_t @1:214
            ?: : int32_t @1:217
              binary > on uint64_t : int32_t @1:217
                uregs : uint64_t @1:217
                  int 11 : uint32_t @1:223
                int 0 : uint64_t @1:235
              int 1 : int32_t @1:239
              int 0 : int32_t @1:243
        globals
          x : int32_t @1:9
          y : int64_t @1:16
          z : uint64_t @1:30
          w : uint32_t @1:52
          s : int32_t @1:72
          c : int32_t @1:97
          m : int32_t @1:106
          u : uint32_t @1:119
          v : int8_t @1:139
          q : int64_t @1:154
          b : int32_t @1:193
    `),
  );
});

test("strings, buffers and the subroutines that make them", () => {
  const src =
    'BEGIN { x = strjoin(probefunc, "!"); l = strlen(x); s = substr(x, 1, 2); c = copyinstr(arg0); ' +
    "d = copyinstr(arg0, 16); b = copyin(arg1, 8); trace(b); t = stringof(arg0); t2 = (string)arg1; t3 = stringof b; " +
    "n = lltostr(arg0); bn = basename(execname); trace(x < s); }";
  assert.equal(
    checked(src),
    dedent(`
      program "t.d"
        clause 0 @1:1
          probe "BEGIN" provider="" module="" function="" name="BEGIN" @1:1
          body
            assign = : string @1:9
              global x : string @1:9
              call strjoin : string @1:13
                builtin probefunc : string @1:21
                string "!" : string @1:32
            assign = : uint64_t @1:38
              global l : uint64_t @1:38
              call strlen : uint64_t @1:42
                global x : string @1:49
            assign = : string @1:53
              global s : string @1:53
              call substr : string @1:57
                global x : string @1:64
                int 1 : int64_t @1:67
                int 2 : int64_t @1:70
            assign = : string @1:74
              global c : string @1:74
              call copyinstr : string @1:78
                convert int64_t -> uint64_t @1:88
                  builtin arg0 : int64_t @1:88
            assign = : string @1:95
              global d : string @1:95
              call copyinstr : string @1:99
                convert int64_t -> uint64_t @1:109
                  builtin arg0 : int64_t @1:109
                int 16 : uint64_t @1:115
            assign = : buffer @1:120
              global b : buffer @1:120
              call copyin : buffer @1:124
                convert int64_t -> uint64_t @1:131
                  builtin arg1 : int64_t @1:131
                int 8 : uint64_t @1:137
            call trace : void @1:141
              global b : buffer @1:147
            assign = : string @1:151
              global t : string @1:151
              stringof : string @1:155
                convert int64_t -> uint64_t @1:163
                  builtin arg0 : int64_t @1:163
            assign = : string @1:171
              global t2 : string @1:171
              stringof : string @1:176
                convert int64_t -> uint64_t @1:184
                  builtin arg1 : int64_t @1:184
            assign = : string @1:190
              global t3 : string @1:190
              stringof : string @1:195
                global b : buffer @1:204
            assign = : string @1:207
              global n : string @1:207
              call lltostr : string @1:211
                builtin arg0 : int64_t @1:219
            assign = : string @1:226
              global bn : string @1:226
              call basename : string @1:231
                builtin execname : string @1:240
            call trace : void @1:251
              binary < on string : int32_t @1:257
                global x : string @1:257
                global s : string @1:261
        globals
          x : string @1:9
          l : uint64_t @1:38
          s : string @1:53
          c : string @1:74
          d : string @1:95
          b : buffer @1:120
          t : string @1:151
          t2 : string @1:171
          t3 : string @1:190
          n : string @1:207
          bn : string @1:226
    `),
  );
});

test("every aggregating function, aggregation actions, printf with * widths, exit, the default action", () => {
  const src = `#pragma D option quiet
pid$target::malloc:entry, fbt::free:entry
/execname == "prog"/
{
	@n[probefunc] = count();
	@s[probefunc, pid] = sum(arg0);
	@lo = min(arg0); @hi = max(arg0); @av = avg(arg0); @sd = stddev(arg0);
	@q = quantize(arg0);
	@l[cpu] = lquantize(arg0, 0, 1000, 100);
	@ll = llquantize(arg0, 10, 0, 6, 20);
	@st[ustack(), tid] = count();
}
tick-1s { printa(@n); printa("%-20s %@8d\\n", @n); printa("%s %d %@d\\n", @s); trunc(@n, 5); trunc(@s); clear(@q); normalize(@av, 1000); denormalize(@av); }
END { printf("%s %*d %-8.3x %%\\n", "x", 5, 42, 7); exit(0); }
proc:::exit {}
`;
  assert.equal(
    checked(src),
    dedent(`
      program "t.d"
        option quiet @1:1
        clause 0 @2:1
          probe "pid$target::malloc:entry" provider="pid$target" module="" function="malloc" name="entry" @2:1
          probe "fbt::free:entry" provider="fbt" module="" function="free" name="entry" @2:27
          predicate
            binary == on string : int32_t @3:2
              builtin execname : string @3:2
              string "prog" : string @3:14
          body
            aggregate @n count @5:2
              key
                builtin probefunc : string @5:5
            aggregate @s sum @6:2
              key
                builtin probefunc : string @6:5
              key
                convert int32_t -> int64_t @6:16
                  builtin pid : int32_t @6:16
              value
                builtin arg0 : int64_t @6:27
            aggregate @lo min @7:2
              value
                builtin arg0 : int64_t @7:12
            aggregate @hi max @7:19
              value
                builtin arg0 : int64_t @7:29
            aggregate @av avg @7:36
              value
                builtin arg0 : int64_t @7:46
            aggregate @sd stddev @7:53
              value
                builtin arg0 : int64_t @7:66
            aggregate @q quantize @8:2
              value
                builtin arg0 : int64_t @8:16
            aggregate @l lquantize(0, 1000, 100) @9:2
              key
                convert int32_t -> int64_t @9:5
                  builtin cpu : int32_t @9:5
              value
                builtin arg0 : int64_t @9:22
            aggregate @ll llquantize(10, 0, 6, 20) @10:2
              value
                builtin arg0 : int64_t @10:19
            aggregate @st count @11:2
              key
                call ustack : stack @11:6
              key
                convert int32_t -> int64_t @11:16
                  builtin tid : int32_t @11:16
        clause 1 @13:1
          probe "tick-1s" provider="" module="" function="" name="tick-1s" @13:1
          body
            call printa : void @13:11
              aggregation @n @13:18
            call printa format "%-20s %@8d\\n" : void @13:23
              aggregation @n @13:46
            call printa format "%s %d %@d\\n" : void @13:51
              aggregation @s @13:73
            call trunc : void @13:78
              aggregation @n @13:84
              int 5 : int64_t @13:88
            call trunc : void @13:92
              aggregation @s @13:98
            call clear : void @13:103
              aggregation @q @13:109
            call normalize : void @13:114
              aggregation @av @13:124
              int 1000 : int64_t @13:129
            call denormalize : void @13:136
              aggregation @av @13:148
        clause 2 @14:1
          probe "END" provider="" module="" function="" name="END" @14:1
          body
            call printf format "%s %*d %-8.3x %%\\n" : void @14:7
              string "x" : string @14:36
              int 5 : int32_t @14:41
              int 42 : int32_t @14:44
              int 7 : int32_t @14:48
            call exit : void @14:52
              int 0 : int32_t @14:57
        clause 3 (default action) @15:1
          probe "proc:::exit" provider="proc" module="" function="" name="exit" @15:1
        aggregations
          @n[string] = count() : uint64_t @5:2
          @s[string, int64_t] = sum(x) : int64_t @6:2
          @lo[] = min(x) : int64_t @7:2
          @hi[] = max(x) : int64_t @7:19
          @av[] = avg(x) : int64_t @7:36
          @sd[] = stddev(x) : uint64_t @7:53
          @q[] = quantize(x) : uint64_t @8:2
          @l[int64_t] = lquantize(x, 0, 1000, 100) : uint64_t @9:2
          @ll[] = llquantize(x, 10, 0, 6, 20) : uint64_t @10:2
          @st[stack, int64_t] = count() : uint64_t @11:2
    `),
  );
});

test("variables: one namespace per scope, declared by the first assignment in program order", () => {
  const p = compileFrontEnd(
    'BEGIN { x = 1; self->x = "s"; this->x = timestamp; a[1, "k"] = probefunc; self->a[tid] = 2; @x = count(); }\n' +
      'END { trace(x); trace(self->x); trace(this->x); trace(a[2, "j"]); trace(self->a[0]); }',
    "t.d",
  );
  const show = (vs: readonly { name: string; shape: string; id: number }[]) =>
    vs.map((v) => `${v.id}:${v.name}:${v.shape}`);
  assert.deepEqual(show(p.globals), ["0:x:scalar", "1:a:assoc"]);
  assert.deepEqual(show(p.threadLocals), ["0:x:scalar", "1:a:assoc"]);
  assert.deepEqual(show(p.clauseLocals), ["0:x:scalar"]);
  assert.deepEqual(
    p.aggregations.map((a) => a.name),
    ["x"],
  );
  // Each read resolves to the variable object of its scope, the one the checked tree's declarations list.
  const end = p.clauses[1].body.map((s) =>
    s.kind === "expr" && s.expr.kind === "call" ? s.expr.args[0] : undefined,
  );
  const vars = end.map((e) => (e && (e.kind === "var" || e.kind === "assoc") ? e.variable : undefined));
  assert.deepEqual(vars, [
    p.globals[0],
    p.threadLocals[0],
    p.clauseLocals[0],
    p.globals[1],
    p.threadLocals[1],
  ]);
  // Integer keys are kept in 64 bits: tid (int32_t) declares an int64_t key.
  assert.deepEqual(
    p.threadLocals[1].keyTypes.map((t) => (t.kind === "int" ? `${t.signed}:${t.bits}` : t.kind)),
    ["true:64"],
  );
});

test("++, -- and compound assignments declare an undeclared variable as an int64_t", () => {
  const p = compileFrontEnd("BEGIN { self->depth++; n += 1u; k -= timestamp; --c; s <<= 3; }", "t.d");
  const types = [...p.threadLocals, ...p.globals].map(
    (v) =>
      `${v.name}:${v.type.kind === "int" ? `${v.type.signed ? "" : "u"}int${v.type.bits}` : v.type.kind}`,
  );
  assert.deepEqual(types, ["depth:int64", "n:int64", "k:uint64", "c:int64", "s:int64"]);
});

test("an aggregation may be printed in a clause before the one that assigns it", () => {
  const p = compileFrontEnd(
    'tick-1s { printa("%s %@d\\n", @calls); } syscall:::entry { @calls[probefunc] = count(); }',
    "t.d",
  );
  const printa = p.clauses[0].body[0];
  assert.ok(printa.kind === "expr" && printa.expr.kind === "call" && printa.expr.args[0].kind === "aggref");
  assert.equal(printa.expr.args[0].aggregation, p.aggregations[0]);
  assert.equal(p.aggregations[0].func, "count");
});

test("the default action: no body, an empty body, or only empty statements", () => {
  const p = compileFrontEnd(
    "BEGIN tick-1s {} END { ; ; } syscall::read:entry { x = 1; }".replace("BEGIN ", "BEGIN {} "),
    "t.d",
  );
  assert.deepEqual(
    p.clauses.map((c) => c.defaultAction),
    [true, true, true, false],
  );
  assert.equal(compileFrontEnd("BEGIN", "t.d").clauses[0].defaultAction, true);
});

test("every error kind, at its line and column", () => {
  const cases: [string, string][] = [
    [
      'BEGIN { x = "a"; x = 1; }',
      "1:20: cannot assign an integer (int32_t) to x, which holds strings (as first used at line 1, column 9)",
    ],
    [
      'BEGIN { x = 1; x = "a"; }',
      "1:18: cannot assign a string to x, which holds integers (int32_t) (as first used at line 1, column 9)",
    ],
    ["BEGIN { trace(y); }", "1:15: y is used before any assignment to it"],
    ["BEGIN { trace(self->y); }", "1:15: self->y is used before any assignment to it"],
    ["BEGIN { trace(this->y); }", "1:15: this->y is used before any assignment to it"],
    ["END { trace(x); } BEGIN { x = 1; }", "1:13: x is used before any assignment to it"],
    ["BEGIN { x = 1; trace(x[1]); }", "1:22: x is a scalar variable, not an associative array"],
    ["BEGIN { a[1] = 1; trace(a); }", "1:25: a is an associative array: index it, as in a[key]"],
    ["BEGIN { a[1] = 1; trace(a[1, 2]); }", "1:30: a has 1 key (as first used at line 1, column 9), not 2"],
    [
      'BEGIN { a[1] = 1; trace(a["s"]); }',
      "1:27: key 1 of a is an integer (int64_t) (as first used at line 1, column 9), not a string",
    ],
    ["BEGIN { this->a[1] = 1; }", "1:9: clause-local variables (this->) cannot be associative arrays"],
    ["BEGIN { arg0 = 1; }", "1:9: cannot assign to arg0, a built-in variable"],
    ["BEGIN { R_PC = 1; }", "1:9: cannot assign to R_PC, a constant"],
    ["BEGIN { trace = 1; }", "1:9: cannot assign to trace, a function"],
    ["BEGIN { uregs[1] = 1; }", "1:9: cannot assign to uregs, a built-in variable"],
    ["BEGIN { 1 = 1; }", "1:9: the left side of an assignment must be a variable or an array element"],
    ["BEGIN { x = uregs[33]; }", "1:19: uregs[] index 33 is out of range (0..32: R_X0..R_X31, R_PC)"],
    ['BEGIN { x = uregs["a"]; }', "1:19: the uregs[] index must be an integer, not a string"],
    ["BEGIN { x = uregs; }", "1:13: uregs is an array: index it, as in uregs[R_PC]"],
    ["BEGIN { x = args[0]; }", "1:13: args[] (typed probe arguments) is not supported: use arg0..arg9"],
    ["BEGIN { x = curthread; }", "1:13: curthread is not supported"],
    ["BEGIN { x = trace; }", "1:13: trace is a function: call it, as in trace(...)"],
    ["BEGIN { x = arg0[1]; }", "1:13: arg0 is not an array"],
    ["BEGIN /execname == 1/ { }", "1:17: cannot compare a string with an integer (int32_t)"],
    ["BEGIN /execname/ { }", '1:8: the predicate must be an integer, not a string (compare it: s != "")'],
    [
      "BEGIN { if (probefunc) { } }",
      '1:13: an if condition must be an integer, not a string (compare it: s != "")',
    ],
    ['BEGIN { x = "a" + 1; }', "1:13: the left operand of + must be an integer, not a string"],
    ['BEGIN { x = 1 + "a"; }', "1:17: the right operand of + must be an integer, not a string"],
    ['BEGIN { x = -"a"; }', "1:14: the operand of unary - must be an integer, not a string"],
    ["BEGIN { x = !probefunc; }", "1:14: the operand of unary ! must be an integer, not a string"],
    [
      'BEGIN { x = 1 ? "a" : 2; }',
      "1:13: the results of ?: must be both integers or both strings, not a string and an integer (int32_t)",
    ],
    ["BEGIN { x = *arg0; }", "1:13: pointers are not supported (unary * dereferences a pointer)"],
    ["BEGIN { x = &arg0; }", "1:13: pointers are not supported (unary & takes an address)"],
    [
      "BEGIN { x = arg0.foo; }",
      "1:13: structs and pointers are not supported (only self->name and this->name)",
    ],
    [
      "BEGIN { x = arg0->foo; }",
      "1:13: structs and pointers are not supported (only self->name and this->name)",
    ],
    ["BEGIN { x = 1 / 0; }", "1:17: division by zero"],
    ["BEGIN { x = 1 % (2 - 2); }", "1:17: remainder of a division by zero"],
    ["BEGIN { x = 1 << 32; }", "1:18: shift by 32 is out of range for int32_t (0..31)"],
    ["BEGIN { x = 1 << -1; }", "1:18: shift by -1 is out of range for int32_t (0..31)"],
    ['BEGIN { x = (int)"a"; }', "1:18: cannot cast a string to int"],
    [
      "BEGIN { x = stringof(ustack()); }",
      "1:21: stringof needs an integer (an address), a string or a buffer, not a stack",
    ],
    ['BEGIN { s = "a"; s += 1; }', "1:20: += needs an integer variable, but s holds strings"],
    ['BEGIN { s = "a"; s++; }', "1:18: ++ needs an integer variable, but s holds strings"],
    ['BEGIN { x = 1; x += "a"; }', "1:21: the right operand of += must be an integer, not a string"],
    ["BEGIN { x = ustack(); }", "1:13: ustack() can only be an aggregation key or a statement of its own"],
    [
      'BEGIN { x = printf("a"); }',
      "1:13: printf() is an action and has no value: use it as a statement of its own",
    ],
    [
      "BEGIN { x = count(); }",
      "1:13: count() can only be the value assigned to an aggregation, as in @name[keys] = count(...)",
    ],
    [
      "BEGIN { @a = count(); } END { @a = sum(1); }",
      "1:36: @a is count() (as first used at line 1, column 9); it cannot also be sum(x)",
    ],
    [
      "BEGIN { @a = lquantize(arg0, 0, 100, 10); } END { @a = lquantize(arg0, 0, 100, 5); }",
      "1:56: @a is lquantize(x, 0, 100, 10) (as first used at line 1, column 9); it cannot also be lquantize(x, 0, 100, 5)",
    ],
    [
      "BEGIN { @a[1] = count(); } END { @a[1, 2] = count(); }",
      "1:40: @a has 1 key (as first used at line 1, column 9), not 2",
    ],
    [
      'BEGIN { @a[1] = count(); } END { @a["x"] = count(); }',
      "1:37: key 1 of @a is an integer (int64_t) (as first used at line 1, column 9), not a string",
    ],
    [
      "BEGIN { @a = 1; }",
      "1:14: the value assigned to an aggregation must be an aggregating function: count(), sum(x), min(x), max(x), avg(x), stddev(x), quantize(x), lquantize(x, low, high[, step]) or llquantize(x, factor, low, high, nsteps)",
    ],
    ["BEGIN { @a += count(); }", "1:12: an aggregation is assigned with '=' only, as in @a = count()"],
    ["BEGIN { @a = count(1); }", "1:20: count() takes 0 arguments, not 1"],
    ["BEGIN { @a = sum(); }", "1:14: sum() takes 1 argument, not 0"],
    ['BEGIN { @a = sum("x"); }', "1:18: the argument of sum() must be an integer, not a string"],
    ["BEGIN { @a = lquantize(arg0, 0); }", "1:14: lquantize() takes 3 to 4 arguments, not 2"],
    ["BEGIN { @a = lquantize(arg0, arg1, 10); }", "1:30: the lower bound of lquantize() must be a constant"],
    [
      "BEGIN { @a = lquantize(arg0, 10, 0); }",
      "1:34: lquantize()'s upper bound must be greater than its lower bound",
    ],
    ["BEGIN { @a = lquantize(arg0, 0, 10, 0); }", "1:37: lquantize()'s step must be positive"],
    [
      "BEGIN { @a = lquantize(arg0, 0, 1000000, 1); }",
      "1:42: lquantize() would have more than 65535 buckets",
    ],
    [
      "BEGIN { @a = lquantize(arg0, 0, 0x100000000); }",
      "1:33: lquantize()'s upper bound must fit in 32 bits",
    ],
    ["BEGIN { @a = llquantize(arg0, 1, 0, 5, 10); }", "1:31: llquantize()'s factor must be 2 to 65535"],
    [
      "BEGIN { @a = llquantize(arg0, 10, 3, 2, 10); }",
      "1:38: llquantize()'s high magnitude must be at least its low magnitude (and at most 65535)",
    ],
    [
      "BEGIN { @a = llquantize(arg0, 10, 0, 5, 3); }",
      "1:41: llquantize()'s number of steps must divide, or be a multiple of, its factor",
    ],
    [
      "BEGIN { @a = llquantize(arg0, 10, 0, 20, 10); }",
      "1:38: llquantize(): the factor to the power (high magnitude + 1) does not fit in 64 bits",
    ],
    [
      "BEGIN { @a = llquantize(arg0, 10, -1, 5, 10); }",
      "1:35: llquantize()'s low magnitude must be 0 to 65535",
    ],
    [
      "BEGIN { x = @a; }",
      "1:13: an aggregation has no value in an expression: assign it (@a = count()) or print it (printa(@a))",
    ],
    ["BEGIN { x = @a[1]; }", "1:13: an aggregation cannot be read: print it with printa(@a)"],
    [
      "BEGIN { x = (@a = count()); }",
      "1:13: an aggregation is assigned only in a statement of its own (@a[keys] = count();)",
    ],
    ["BEGIN { @a[this] = count(); }", "1:16: expected '->' after this, found ']'"],
    [
      'BEGIN { @a[printf("x")] = count(); }',
      "1:12: printf() is an action and has no value: use it as a statement of its own",
    ],
    ["BEGIN { a[ustack()] = 1; }", "1:11: a key of a must be an integer or a string, not a stack"],
    ["BEGIN { printa(@a); }", "1:16: @a is never given a value (@a[keys] = count(), ...)"],
    ["BEGIN { printa(@a[1]); }", "1:16: printa() takes an aggregation without keys, as in printa(@a)"],
    ["BEGIN { printa(1); }", "1:16: argument 1 of printa() must be an aggregation (@name)"],
    ["BEGIN { clear(x); }", "1:15: argument 1 of clear() must be an aggregation (@name)"],
    [
      'BEGIN { printa("%d", @a); } END { @a["s"] = count(); }',
      "1:17: %d cannot print key 1 of @a, which is a string (as first used at line 1, column 35)",
    ],
    [
      'BEGIN { @a[1] = count(); printa("%d %d", @a); }',
      "1:37: %d has no key of @a to print: it has 1 key (as first used at line 1, column 9)",
    ],
    [
      'BEGIN { @a[1] = count(); printa("%@s", @a); }',
      "1:34: the aggregation's value is an integer, which %s cannot print",
    ],
    [
      'BEGIN { @a = count(); printa("%*d", @a); }',
      "1:31: '*' widths and precisions are not supported in printa()",
    ],
    ["BEGIN { printf(x); }", "1:16: the format of printf() must be a string constant"],
    ["BEGIN { printf(); }", "1:9: printf() takes at least 1 argument, not 0"],
    ['BEGIN { printf("%d %s\\n", 1); }', "1:20: %s has no matching argument"],
    ['BEGIN { printf("%d\\n", "s"); }', "1:24: %d prints an integer, but argument 2 is a string"],
    ['BEGIN { printf("%s\\n", 1); }', "1:24: %s prints a string, but argument 2 is an integer (int32_t)"],
    ['BEGIN { printf("x", 1); }', "1:21: printf() has more arguments than its format has conversions (0)"],
    [
      'BEGIN { printf("%*d", "a", 1); }',
      "1:23: %*d takes an integer as its width, but argument 2 is a string",
    ],
    ['BEGIN { printf("%f", 1); }', "1:17: floating-point conversions (%f) are not supported"],
    ['BEGIN { printf("%q", 1); }', "1:17: unknown conversion %q"],
    ['BEGIN { printf("%"); }', "1:17: incomplete conversion at the end of the format"],
    ['BEGIN { printf("%@d", 1); }', "1:17: the @ flag (the aggregation's value) is only valid in printa()"],
    [
      'BEGIN { printf("%Lf", 1); }',
      "1:17: the size prefix L applies to floating-point conversions, which D does not have",
    ],
    ['BEGIN { printf("%ls", "a"); }', "1:17: the size prefix l does not apply to %s"],
    ['BEGIN { printf("%k", ustack()); }', "1:17: %k is not supported"],
    ['BEGIN { printf("%d", ustack()); }', "1:22: %d prints an integer, but argument 2 is a stack"],
    ['BEGIN { printf("%n", 1); }', "1:17: %n is not supported"],
    ["BEGIN { trace(); }", "1:9: trace() takes 1 argument, not 0"],
    ["BEGIN { trace(1, 2); }", "1:18: trace() takes 1 argument, not 2"],
    ["BEGIN { trace(ustack()); }", "1:15: trace() records an integer, a string or a buffer, not a stack"],
    ['BEGIN { exit("a"); }', "1:14: argument 1 of exit() must be an integer, not a string"],
    ["BEGIN { strlen(1); }", "1:16: argument 1 of strlen() must be a string, not an integer (int32_t)"],
    ['BEGIN { x = strjoin("a"); }', "1:13: strjoin() takes 2 arguments, not 1"],
    ['BEGIN { x = substr("a", "b"); }', "1:25: argument 2 of substr() must be an integer, not a string"],
    ["BEGIN { x = copyin(arg0); }", "1:13: copyin() takes 2 arguments, not 1"],
    ['BEGIN { x = copyinstr("a"); }', "1:23: argument 1 of copyinstr() must be an integer, not a string"],
    ['BEGIN { x = lltostr("a"); }', "1:21: argument 1 of lltostr() must be an integer, not a string"],
    [
      "BEGIN { x = basename(1); }",
      "1:22: argument 1 of basename() must be a string, not an integer (int32_t)",
    ],
    ["BEGIN { ustack(arg0); }", "1:16: the number of frames of ustack() must be a constant"],
    ["BEGIN { ustack(-1); }", "1:16: argument 1 of ustack() must be 0 to 65535"],
    [
      "BEGIN { stack(); }",
      "1:9: stack() records a kernel stack, which a user-mode guest does not have: use ustack()",
    ],
    ["BEGIN { foo(); }", "1:9: unknown function foo()"],
    ['BEGIN { printff("x"); }', "1:9: unknown function printff() (did you mean 'printf'?)"],
    [
      'BEGIN { trunc(@a, "x"); } END { @a = count(); }',
      "1:19: argument 2 of trunc() must be an integer, not a string",
    ],
    ["BEGIN { normalize(@a); }", "1:9: normalize() takes 2 arguments, not 1"],
    [
      "BEGIN { x = timestmp; }",
      "1:13: timestmp is used before any assignment to it (did you mean 'timestamp'?)",
    ],
    ["BEGIN { x = y + 1; z = y; }", "1:13: y is used before any assignment to it"],
    [
      "BEGIN { @b = count(); } END { printa(@a); }",
      "1:38: @a is never given a value (@a[keys] = count(), ...)",
    ],
  ];
  for (const [src, want] of cases) assert.equal(errorAt(src), want, src);
});

test("errors are collected statement by statement, sorted, without the cascades of a failed declaration", () => {
  const e = diagnosticOf(
    'BEGIN { x = y + 1; z = y; trace(x); trace(z); }\nEND { printf("%d\\n", "a"); self->q = nope; } tick-1s / self->q / { }',
  );
  assert.equal(
    e.format(),
    dedent(`
      t.d:1:13: y is used before any assignment to it
      BEGIN { x = y + 1; z = y; trace(x); trace(z); }
                  ^
      t.d:1:24: y is used before any assignment to it
      BEGIN { x = y + 1; z = y; trace(x); trace(z); }
                             ^
      t.d:2:22: %d prints an integer, but argument 2 is a string
      END { printf("%d\\n", "a"); self->q = nope; } tick-1s / self->q / { }
                           ^~~
      t.d:2:38: nope is used before any assignment to it
      END { printf("%d\\n", "a"); self->q = nope; } tick-1s / self->q / { }
                                           ^~~~
    `).trimEnd(),
  );
  assert.equal(e.message, "t.d:1:13: y is used before any assignment to it");
});

test("a printa format checked at the end, against the aggregation's keys", () => {
  assert.equal(
    errorAt('END { printa("%s %s %@d\\n", @a); } syscall:::entry { @a[probefunc] = count(); }'),
    "1:18: %s has no key of @a to print: it has 1 key (as first used at line 1, column 54)",
  );
  assert.equal(
    errorAt('END { printa("%s %@d", @a); } BEGIN { @a[1, "x"] = sum(1); }'),
    "1:15: %s cannot print key 1 of @a, which is an integer (int64_t) (as first used at line 1, column 39)",
  );
  // Fewer conversions than keys is fine, and %@ may come anywhere, more than once.
  assert.doesNotThrow(() =>
    compileFrontEnd('END { printa("%@d %d %@x", @a); } BEGIN { @a[1, "x"] = sum(1); }', "t.d"),
  );
});

test("built-in variables have D's types; R_* name uregs[] indices", () => {
  const names = [
    "arg0",
    "arg9",
    "probeprov",
    "probemod",
    "probefunc",
    "probename",
    "execname",
    "cpu",
    "pid",
    "ppid",
    "tid",
    "timestamp",
    "vtimestamp",
    "walltimestamp",
    "errno",
  ];
  const p = compileFrontEnd(`BEGIN { ${names.map((n) => `trace(${n});`).join(" ")} }`, "t.d");
  const types = p.clauses[0].body.map((s) =>
    s.kind === "expr" && s.expr.kind === "call" ? typeName(s.expr.args[0].type) : "",
  );
  assert.deepEqual(types, [
    "int64_t",
    "int64_t",
    "string",
    "string",
    "string",
    "string",
    "string",
    "int32_t",
    "int32_t",
    "int32_t",
    "int32_t",
    "uint64_t",
    "uint64_t",
    "int64_t",
    "int32_t",
  ]);
  const regs: [string, number][] = [
    ["R_X0", 0],
    ["R_ZERO", 0],
    ["R_RA", 1],
    ["R_SP", 2],
    ["R_GP", 3],
    ["R_TP", 4],
    ["R_T0", 5],
    ["R_T2", 7],
    ["R_S0", 8],
    ["R_FP", 8],
    ["R_S1", 9],
    ["R_A0", 10],
    ["R_A7", 17],
    ["R_S2", 18],
    ["R_S11", 27],
    ["R_T3", 28],
    ["R_T6", 31],
    ["R_X31", 31],
    ["R_PC", 32],
  ];
  for (const [name, index] of regs) {
    const q = compileFrontEnd(`BEGIN { trace(uregs[${name}]); }`, "t.d");
    const s = q.clauses[0].body[0];
    assert.ok(s.kind === "expr" && s.expr.kind === "call");
    const u = s.expr.args[0];
    assert.ok(u.kind === "uregs" && u.index.kind === "int", name);
    assert.equal(u.index.value, BigInt(index), name);
    assert.equal(typeName(u.type), "uint64_t");
  }
});
