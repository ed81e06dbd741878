// The D front end: source text to a checked program (lex ► parse ► check), or a DiagnosticError
// naming the first problems with file, line, column and a caret.

import type { Program } from "./ast.js";
import { check } from "./check.js";
import type { CheckedProgram } from "./checked.js";
import { SourceFile } from "./diagnostics.js";
import { parse } from "./parser.js";

export type * from "./ast.js";
export {
  ACTIONS,
  AGGREGATING_FUNCTIONS,
  type AggFunc,
  REGISTER_CONSTANTS,
  SUBROUTINES,
  UREGS_COUNT,
} from "./builtins.js";
export type * from "./checked.js";
export { type Diagnostic, DiagnosticError, SourceFile, type Span } from "./diagnostics.js";
export { type Conversion, conversionKind, type Format, type FormatPiece } from "./format.js";
export { printChecked, printSyntax } from "./print.js";
export * from "./types.js";

/** Parses a script without checking it (for `--dump-ast=parse`). Throws DiagnosticError. */
export function parseProgram(source: string, fileName: string): Program {
  return parse(new SourceFile(fileName, source));
}

/** Parses and checks a script; `macros` are its macro variables ($target). Throws DiagnosticError. */
export function compileFrontEnd(
  source: string,
  fileName: string,
  macros?: ReadonlyMap<string, bigint>,
): CheckedProgram {
  const file = new SourceFile(fileName, source, macros);
  return check(parse(file), file);
}
