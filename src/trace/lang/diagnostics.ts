// Where a D script went wrong: every lexical, syntax and type error is a Diagnostic at a place in
// the source, and the front end throws them as one DiagnosticError. Messages are written once,
// where the error is found; formatting (file:line:col, the line, a caret) lives only here, so the
// command line and the tests print the same text.

/** A range of the source, as UTF-16 offsets [start, end). Every node of the trees has one. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export function span(start: number, end: number): Span {
  return { start, end };
}

/** The smallest span covering both. */
export function join(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** A script's text with its line starts, to turn offsets into 1-based lines and columns. */
export class SourceFile {
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly name: string,
    readonly text: string,
    /** macro variables ($target...) and their values, replaced by the lexer */
    readonly macros: ReadonlyMap<string, bigint> = new Map(),
  ) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // \n, \r\n and a lone \r each end a line.
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.lineStarts.push(i + 1);
    }
  }

  /** 1-based line and column of an offset (an offset at the end of the text is still valid). */
  position(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.lineStarts[lo] + 1 };
  }

  /** The text of a 1-based line, without its line terminator. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    let end = this.lineStarts[line] ?? this.text.length;
    while (end > start && (this.text[end - 1] === "\n" || this.text[end - 1] === "\r")) end--;
    return this.text.slice(start, end);
  }
}

/** One error: where (offsets and 1-based line:column) and what. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly span: Span;
}

export function diagnostic(source: SourceFile, at: Span, message: string): Diagnostic {
  const { line, column } = source.position(at.start);
  return { file: source.name, line, column, message, span: at };
}

/**
 * A script that does not compile. `diagnostics` has at least one entry; the first is the one the
 * error is named after (`file`, `line`, `column`, `message`).
 */
export class DiagnosticError extends Error {
  override name = "DiagnosticError";
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly diagnostics: readonly Diagnostic[];

  constructor(
    readonly source: SourceFile,
    diagnostics: readonly Diagnostic[],
  ) {
    const first = diagnostics[0];
    super(`${first.file}:${first.line}:${first.column}: ${first.message}`);
    this.file = first.file;
    this.line = first.line;
    this.column = first.column;
    this.diagnostics = diagnostics;
  }

  static at(source: SourceFile, at: Span, message: string): DiagnosticError {
    return new DiagnosticError(source, [diagnostic(source, at, message)]);
  }

  /** Each diagnostic as `file:line:col: message`, the source line, and a caret under the column. */
  format(): string {
    return this.diagnostics.map((d) => formatDiagnostic(this.source, d)).join("\n");
  }
}

/**
 * `file:line:col: message`, then the line and a caret (with `~` under the rest of the span on that
 * line). Tabs of the line are kept in the caret line so the caret lands under the column.
 */
export function formatDiagnostic(source: SourceFile, d: Diagnostic): string {
  const text = source.lineText(d.line);
  const col = d.column - 1;
  const pad = text.slice(0, col).replace(/[^\t]/g, " ");
  const spanLen = Math.max(1, Math.min(d.span.end - d.span.start, text.length - col));
  const marker = `^${"~".repeat(spanLen - 1)}`;
  return `${d.file}:${d.line}:${d.column}: ${d.message}\n${text}\n${pad}${marker}`;
}
