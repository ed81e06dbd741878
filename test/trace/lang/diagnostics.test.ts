// How errors print: `file:line:col: message`, the source line, a caret under the column with `~`
// under the rest of the span, tabs kept so the caret lines up; several errors one after another.

import assert from "node:assert/strict";
import { test } from "node:test";
import { DiagnosticError, diagnostic, SourceFile } from "../../../src/trace/lang/diagnostics.js";
import { compileFrontEnd } from "../../../src/trace/lang/index.js";
import { dedent, diagnosticOf } from "./helpers.js";

test("file:line:col, the line and a caret with the span underlined", () => {
  const e = diagnosticOf("syscall::read:entry\n/execname == 1/\n{\n}\n");
  assert.ok(e instanceof DiagnosticError);
  assert.equal(e.file, "t.d");
  assert.equal(e.line, 2);
  assert.equal(e.column, 11);
  assert.equal(e.message, "t.d:2:11: cannot compare a string with an integer (int32_t)");
  assert.equal(
    e.format(),
    dedent(`
      t.d:2:11: cannot compare a string with an integer (int32_t)
      /execname == 1/
                ^~
    `).trimEnd(),
  );
});

test("tabs before the column are kept, so the caret lands under it", () => {
  const e = diagnosticOf("BEGIN\n{\n\t\tx = \ty;\n}");
  assert.equal(e.format(), "t.d:3:8: y is used before any assignment to it\n\t\tx = \ty;\n\t\t    \t^");
});

test("an error at the end of the input points just past the last character", () => {
  const e = diagnosticOf("BEGIN {\n  trace(1);");
  assert.equal(e.line, 2);
  assert.equal(e.column, 12);
  assert.equal(
    e.format(),
    "t.d:2:12: expected '}' to close the '{' at line 1, column 7, found end of input\n  trace(1);\n           ^",
  );
});

test("a span over several lines is underlined to the end of its first line", () => {
  const src = new SourceFile("m.d", "abc\ndef");
  const e = new DiagnosticError(src, [diagnostic(src, { start: 1, end: 6 }, "spans lines")]);
  assert.equal(e.format(), "m.d:1:2: spans lines\nabc\n ^~");
});

test("a script that compiles throws nothing", () => {
  assert.doesNotThrow(() => compileFrontEnd("BEGIN { trace(1); }", "t.d"));
});
