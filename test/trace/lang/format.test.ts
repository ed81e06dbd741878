// printf/printa format strings: flags, widths, precisions, size prefixes, %%, and the conversions
// D has; the checker's matching of conversions with arguments is tested in check.test.ts.

import assert from "node:assert/strict";
import { test } from "node:test";
import { conversionKind, FormatError, parseFormat } from "../../../src/trace/lang/format.js";

test("pieces: literal text (%% as %) and conversions with their parts", () => {
  const f = parseFormat("a=%-08.3llx %% %*.*d %?p %s%c\n", false);
  assert.deepEqual(
    f.pieces.map((p) => (typeof p === "string" ? p : p.text)),
    ["a=", "%-08.3llx", " % ", "%*.*d", " ", "%?p", " ", "%s", "%c", "\n"],
  );
  const [x, d, p, s, c] = f.conversions;
  assert.deepEqual(
    { flags: x.flags, width: x.width, precision: x.precision, size: x.size, conversion: x.conversion },
    { flags: "-0", width: 8, precision: 3, size: "ll", conversion: "x" },
  );
  assert.deepEqual([x.start, x.end], [2, 11]);
  assert.deepEqual([d.width, d.precision, d.conversion], ["*", "*", "d"]);
  assert.equal(p.width, "?");
  assert.deepEqual([x, d, p, s, c].map(conversionKind), ["int", "int", "int", "string", "int"]);
  assert.equal(f.source, "a=%-08.3llx %% %*.*d %?p %s%c\n");
});

test("every integer conversion, flags in any order, and the size prefixes D accepts and ignores", () => {
  const f = parseFormat("%d%i%u%x%X%o%c%p%a%A%+ #'0d%hd%hhd%ld%lld%.d", false);
  assert.equal(f.conversions.length, 16);
  assert.ok(f.conversions.every((c) => conversionKind(c) === "int"));
  assert.equal(f.conversions[10].flags, "+ #'0");
  assert.equal(f.conversions[15].precision, 0);
});

test("printa's @ flag", () => {
  const f = parseFormat("%-20s %@8d %@x\n", true);
  assert.deepEqual(
    f.conversions.map((c) => c.flags),
    ["-", "@", "@"],
  );
});

test("bad formats name the conversion and where it is", () => {
  const cases: [string, boolean, string, number, number][] = [
    ["x %f", false, "floating-point conversions (%f) are not supported", 2, 4],
    ["%e", false, "floating-point conversions (%e) are not supported", 0, 2],
    ["%5.2g", false, "floating-point conversions (%g) are not supported", 0, 5],
    ["%q", false, "unknown conversion %q", 0, 2],
    ["ab%", false, "incomplete conversion at the end of the format", 2, 3],
    ["%-5", false, "incomplete conversion at the end of the format", 0, 3],
    ["%n", false, "%n is not supported", 0, 2],
    ["%k", false, "%k is not supported", 0, 2],
    ["%Y", false, "%Y is not supported", 0, 2],
    ["%S", false, "%S is not supported", 0, 2],
    ["%Lf", false, "the size prefix L applies to floating-point conversions, which D does not have", 0, 3],
    ["%ls", false, "the size prefix l does not apply to %s", 0, 3],
    ["%hhc", false, "the size prefix hh does not apply to %c", 0, 4],
    ["%@d", false, "the @ flag (the aggregation's value) is only valid in printa()", 0, 3],
    ["%@s", true, "the aggregation's value is an integer, which %s cannot print", 0, 3],
    ["%*d", true, "'*' widths and precisions are not supported in printa()", 0, 3],
    ["%.*d", true, "'*' widths and precisions are not supported in printa()", 0, 4],
  ];
  for (const [fmt, printa, message, start, end] of cases) {
    assert.throws(
      () => parseFormat(fmt, printa),
      (e: unknown) => e instanceof FormatError && e.message === message && e.start === start && e.end === end,
      fmt,
    );
  }
});
