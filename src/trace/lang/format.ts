// printf()/printa() format strings (Dynamic Tracing Guide, "Output Formatting"): each conversion
// is `%`, flags, a width (digits, `*` or `?`), a precision (`.` and digits or `*`), a size prefix
// (accepted and ignored: D knows its arguments' sizes), and a conversion character. The checker
// matches conversions with arguments; the runtime prints with the parsed pieces.

export interface Conversion {
  /** As written, `%-8llx`. */
  readonly text: string;
  /** Where it is in the format string (UTF-16 indices of the decoded string, [start, end)). */
  readonly start: number;
  readonly end: number;
  /** Any of `- + space # 0 '`, and `@` (printa: the aggregation's value), in the order written. */
  readonly flags: string;
  readonly width: number | "*" | "?" | undefined;
  readonly precision: number | "*" | undefined;
  readonly size: "" | "hh" | "h" | "l" | "ll";
  /** The conversion character: d i u x X o c s p a A. */
  readonly conversion: string;
}

/** Literal text (with `%%` already one `%`) and conversions, in order. */
export type FormatPiece = string | Conversion;

export interface Format {
  /** The format string itself (escapes decoded). */
  readonly source: string;
  readonly pieces: readonly FormatPiece[];
  readonly conversions: readonly Conversion[];
}

export class FormatError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

/** What a conversion prints: an integer or a string. */
export type ConversionKind = "int" | "string";

const INTEGER_CONVERSIONS = "diuxXocpaA";

export function conversionKind(c: Conversion): ConversionKind {
  return c.conversion === "s" ? "string" : "int";
}

/** Parses a format; throws FormatError naming the bad conversion. `printa` allows the `@` flag. */
export function parseFormat(fmt: string, printa: boolean): Format {
  const pieces: FormatPiece[] = [];
  const conversions: Conversion[] = [];
  let literal = "";
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i];
    if (ch !== "%") {
      literal += ch;
      i++;
      continue;
    }
    if (fmt[i + 1] === "%") {
      literal += "%";
      i += 2;
      continue;
    }
    const start = i++;
    let flags = "";
    while (i < fmt.length && "-+ #0'@".includes(fmt[i])) flags += fmt[i++];
    let width: Conversion["width"];
    if (fmt[i] === "*" || fmt[i] === "?") width = fmt[i++] as "*" | "?";
    else width = digits();
    let precision: Conversion["precision"];
    if (fmt[i] === ".") {
      i++;
      if (fmt[i] === "*") {
        precision = "*";
        i++;
      } else {
        precision = digits() ?? 0;
      }
    }
    let size: Conversion["size"] = "";
    if (fmt.startsWith("hh", i) || fmt.startsWith("ll", i)) {
      size = fmt.slice(i, i + 2) as "hh" | "ll";
      i += 2;
    } else if (fmt[i] === "h" || fmt[i] === "l") {
      size = fmt[i++] as "h" | "l";
    } else if (fmt[i] === "L") {
      throw new FormatError(
        "the size prefix L applies to floating-point conversions, which D does not have",
        start,
        Math.min(fmt.length, i + 2),
      );
    }
    if (i >= fmt.length) throw new FormatError("incomplete conversion at the end of the format", start, i);
    const conversion = String.fromCodePoint(fmt.codePointAt(i) ?? 0);
    i += conversion.length;
    const c: Conversion = {
      text: fmt.slice(start, i),
      start,
      end: i,
      flags,
      width,
      precision,
      size,
      conversion,
    };
    validate(c, printa);
    if (literal) pieces.push(literal);
    literal = "";
    pieces.push(c);
    conversions.push(c);
  }
  if (literal) pieces.push(literal);
  return { source: fmt, pieces, conversions };

  function digits(): number | undefined {
    const s = i;
    while (i < fmt.length && fmt[i] >= "0" && fmt[i] <= "9") i++;
    return i > s ? Number(fmt.slice(s, i)) : undefined;
  }
}

function validate(c: Conversion, printa: boolean): void {
  const fail = (message: string): never => {
    throw new FormatError(message, c.start, c.end);
  };
  const k = c.conversion;
  if ("eEfFgG".includes(k)) fail(`floating-point conversions (%${k}) are not supported`);
  if (k === "n") fail("%n is not supported");
  if ("SCYTk".includes(k) || k === "w") fail(`%${k} is not supported`);
  if (!INTEGER_CONVERSIONS.includes(k) && k !== "s") fail(`unknown conversion %${k}`);
  if (c.size !== "" && !"diuxXo".includes(k)) fail(`the size prefix ${c.size} does not apply to %${k}`);
  if (c.flags.includes("@")) {
    if (!printa) fail("the @ flag (the aggregation's value) is only valid in printa()");
    if (!INTEGER_CONVERSIONS.includes(k))
      fail(`the aggregation's value is an integer, which %${k} cannot print`);
  }
  if (printa && (c.width === "*" || c.precision === "*"))
    fail("'*' widths and precisions are not supported in printa()");
}
