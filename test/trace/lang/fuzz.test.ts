// Fuzzed D scripts: random bytes, random token sequences and mutations of valid scripts. Whatever
// the text, the front end either compiles it (and both dumps print) or throws a DiagnosticError
// whose position lies in the text and whose format() prints; never another exception, never a hang.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  compileFrontEnd,
  DiagnosticError,
  parseProgram,
  printChecked,
  printSyntax,
  SourceFile,
} from "../../../src/trace/lang/index.js";

/** A small seeded generator (mulberry32), so every failure is reproducible from its seed. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
  };
}

/** Compiles `src`; fails the test on anything but success or a well-formed DiagnosticError. */
function survive(src: string, what: string): "ok" | "error" {
  try {
    const program = compileFrontEnd(src, "f.d");
    printChecked(program);
    printSyntax(parseProgram(src, "f.d"), new SourceFile("f.d", src));
    return "ok";
  } catch (e) {
    if (!(e instanceof DiagnosticError)) {
      assert.fail(`${what}: ${JSON.stringify(src)} threw ${e instanceof Error ? e.stack : String(e)}`);
    }
    assert.ok(e.diagnostics.length >= 1, what);
    for (const d of e.diagnostics) {
      assert.ok(
        d.span.start >= 0 && d.span.start <= src.length && d.span.end >= d.span.start,
        `${what}: span`,
      );
      assert.ok(d.line >= 1 && d.column >= 1, `${what}: position`);
      assert.ok(d.message.length > 0, `${what}: message`);
    }
    assert.ok(e.format().startsWith(`f.d:${e.line}:${e.column}: `), what);
    return "error";
  }
}

const VALID = [
  'kinst::parse_line:12 /arg0 > 5/ { printf("a0=%x\\n", arg0); @[probefunc] = count(); }',
  'syscall::read:entry { self->ts = timestamp; }\nsyscall::read:return /self->ts/ { @lat[execname] = quantize(timestamp - self->ts); self->ts = 0; }\nEND { printa("%s\\n%@d\\n", @lat); }',
  "#pragma D option quiet\nBEGIN { x = 1; y = arg0 + 1; s = probefunc == \"main\"; c = 'a'; m = -1 >> 1; }",
  'fbt:prog:main:entry, profile-997 { x = uregs[R_PC]; a["k", 1]++; --self->d; @ = count(); @c[ustack(5)] = count(); }',
  'BEGIN { if (arg0 == 1) { trace("a"); } else if (arg0 > 2) trace("b"); else { exit(0); } }',
  "tick-1s { printa(@n); trunc(@n, 5); clear(@n); } syscall:::entry /pid == 42/ { @n[probefunc, tid] = sum(arg2); }",
  'BEGIN { x = strjoin(probefunc, "!"); l = strlen(x); s = substr(x, 1, 2); b = copyin(arg1, 8); t = stringof(arg0); }',
  "proc:::exit { @l[cpu] = lquantize(arg0, 0, 1000, 100); @ll = llquantize(arg0, 10, 0, 6, 20); }",
  'END { printf("%s %*d %-8.3x %%\\n", "x", 5, 42, 7); x = 0; t = x ? (int)arg0 : 2u; x += 1 << 3; }',
];

const TOKENS = [
  "BEGIN",
  "END",
  "syscall::read:entry",
  "kinst::f:",
  "profile-997",
  "tick-1s",
  "{",
  "}",
  "/",
  "(",
  ")",
  "[",
  "]",
  ",",
  ";",
  ":",
  "?",
  "=",
  "+=",
  "<<=",
  "++",
  "--",
  "+",
  "-",
  "*",
  "%",
  "<<",
  ">>",
  "&",
  "|",
  "^",
  "~",
  "!",
  "&&",
  "||",
  "^^",
  "==",
  "!=",
  "<",
  ">=",
  "->",
  ".",
  "self",
  "this",
  "self->x",
  "this->y",
  "@",
  "@a",
  "x",
  "a",
  "arg0",
  "uregs",
  "R_PC",
  "probefunc",
  "execname",
  "timestamp",
  "count",
  "sum",
  "lquantize",
  "printf",
  "printa",
  "trace",
  "ustack",
  "copyinstr",
  "stringof",
  "if",
  "else",
  "int",
  "uint64_t",
  "string",
  "sizeof",
  "0",
  "1",
  "0x10",
  "077",
  "18446744073709551615",
  "1u",
  "'a'",
  '"s"',
  '"%d %s\\n"',
  '"%@d"',
  "#pragma D option quiet\n",
  "/*",
  "*/",
  "//",
  "\n",
  "$",
  "`",
  "\\",
  '"',
  "'",
];

test("random bytes", { timeout: 60_000 }, () => {
  const r = rng(1);
  let errors = 0;
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(r(120));
    let s = "";
    for (let k = 0; k < n; k++) {
      // Mostly printable ASCII, some control bytes, some beyond ASCII.
      const roll = r(100);
      const c =
        roll < 85 ? 32 + Math.floor(r(95)) : roll < 95 ? Math.floor(r(32)) : 128 + Math.floor(r(0x3000));
      s += String.fromCharCode(c);
    }
    if (survive(s, `bytes #${i}`) === "error") errors++;
  }
  assert.ok(errors > 2500, "random bytes are mostly errors");
});

test("random token sequences", { timeout: 60_000 }, () => {
  const r = rng(2);
  let ok = 0;
  for (let i = 0; i < 4000; i++) {
    const n = 1 + Math.floor(r(40));
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(TOKENS[Math.floor(r(TOKENS.length))]);
    if (survive(parts.join(r(2) < 1 ? " " : ""), `tokens #${i}`) === "ok") ok++;
  }
  // Some sequences happen to be scripts (a lone BEGIN is one): the compiled side is exercised too.
  assert.ok(ok > 0);
});

test("mutations of valid scripts", { timeout: 60_000 }, () => {
  for (const v of VALID) assert.equal(survive(v, "valid"), "ok", v);
  const r = rng(3);
  const counts = { ok: 0, error: 0 };
  for (let i = 0; i < 4000; i++) {
    let s = VALID[Math.floor(r(VALID.length))];
    const edits = 1 + Math.floor(r(4));
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(r(s.length + 1));
      const len = Math.floor(r(6));
      switch (Math.floor(r(5))) {
        case 0: // delete
          s = s.slice(0, at) + s.slice(at + len);
          break;
        case 1: // insert a token
          s = `${s.slice(0, at)}${TOKENS[Math.floor(r(TOKENS.length))]}${s.slice(at)}`;
          break;
        case 2: // replace a character
          s = `${s.slice(0, at)}${String.fromCharCode(32 + Math.floor(r(95)))}${s.slice(at + 1)}`;
          break;
        case 3: {
          // duplicate a slice elsewhere
          const from = Math.floor(r(s.length));
          s = `${s.slice(0, at)}${s.slice(from, from + len * 4)}${s.slice(at)}`;
          break;
        }
        default: // truncate
          s = s.slice(0, at);
      }
    }
    counts[survive(s, `mutation #${i}`)]++;
  }
  assert.ok(counts.ok > 100 && counts.error > 1000, JSON.stringify(counts));
});

test("adversarial shapes stay fast (no quadratic scans, no deep recursion)", { timeout: 60_000 }, () => {
  const started = Date.now();
  for (const s of [
    `BEGIN { x = 1${" + 1".repeat(20_000)}; }`,
    `BEGIN { x = ${"(".repeat(100_000)}`,
    `BEGIN { ${"x = 1; ".repeat(20_000)} }`,
    `${"BEGIN {} ".repeat(20_000)}`,
    `BEGIN { x = "${"\\n".repeat(50_000)}"; }`,
    `BEGIN { printf("${"%d".repeat(5000)}"${", 1".repeat(5000)}); }`,
    `${"/*".repeat(50_000)}`,
    `BEGIN ${"/x/ ".repeat(10_000)}`,
    `${"a,".repeat(20_000)}b {}`,
    "#".repeat(100_000),
    "'".repeat(100_000),
    '"'.repeat(100_000),
  ]) {
    survive(s, s.slice(0, 40));
  }
  assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
});
