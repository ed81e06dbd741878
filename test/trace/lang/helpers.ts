// Shared helpers of the D front end's tests: dumps of a script's trees and the position and
// message of its first error.

import assert from "node:assert/strict";
import {
  compileFrontEnd,
  DiagnosticError,
  parseProgram,
  printChecked,
  printSyntax,
  SourceFile,
} from "../../../src/trace/lang/index.js";

/** A template's text without the common indentation of its lines and without its first and last newline. */
export function dedent(text: string): string {
  const lines = text
    .replace(/^\n/, "")
    .replace(/\n[ \t]*$/, "")
    .split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return `${lines.map((l) => l.slice(indent)).join("\n")}\n`;
}

export function syntax(src: string): string {
  return printSyntax(parseProgram(src, "t.d"), new SourceFile("t.d", src));
}

export function checked(src: string): string {
  return printChecked(compileFrontEnd(src, "t.d"));
}

/** The DiagnosticError compiling `src` throws (the test fails if it compiles). */
export function diagnosticOf(src: string): DiagnosticError {
  try {
    compileFrontEnd(src, "t.d");
  } catch (e) {
    if (e instanceof DiagnosticError) return e;
    throw e;
  }
  assert.fail(`compiled without error: ${src}`);
}

/** `line:column: message` of the first error compiling `src`. */
export function errorAt(src: string): string {
  const e = diagnosticOf(src);
  return `${e.line}:${e.column}: ${e.diagnostics[0].message}`;
}
