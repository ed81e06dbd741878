// printf() and printa() formats: parsed once into a PreparedFormat, then applied per call.
//
// Conversions are DTrace's (dt_printf.c's dictionary), printed as the C library prints them:
//   %d %i    signed decimal; for an argument of an unsigned type, unsigned (as DTrace does)
//   %u       unsigned decimal          %o  octal         %x %X  hexadecimal
//   %c       a character (the low byte of a char, short or int)
//   %s       a string                  %p  a pointer: hexadecimal, no "0x" (DTrace prints %p as %x)
//   %a       an address as symbol+offset through the session's symbol resolver ("main+0x1c"),
//            the bare address "0x..." when nothing is known there; %A the same for user space
//   %%       a percent sign
// Flags - + space # 0 and ' (grouping: no effect in the C locale), ? (width 16, LP64), width and
// precision as digits or '*' (taken from the next integer argument, width before precision).
// Size prefixes h, hh, l, ll convert the argument to that size before printing (DTrace's
// compiler instead requires the argument to already have that type; for such arguments the
// output is the same). Without a prefix, the argument's own type gives the size, as in DTrace.
// In printa() formats the @ flag takes the aggregation's value instead of the next key.
//
// DTrace quirks kept: a precision of 0 (".0", "." or a '*' giving 0) is ignored, and a '0' flag
// written after '-' cancels the '-'. Floating-point conversions (%e %f %g ...) and %S %C %Y %T %k
// %ls %ws are refused when the format is prepared.

import { resolveAddress, type SymbolResolver } from "./symbols.js";
import {
  INT64,
  type IntType,
  type IntValue,
  isNegative,
  magnitudeDigits,
  signedOf,
  unsignedOf,
  type Value,
  type ValueType,
} from "./values.js";

/** A format problem found when preparing it; the message says which conversion and why. */
export class FormatError extends Error {
  override name = "FormatError";
}

interface Flags {
  alt: boolean;
  zero: boolean;
  left: boolean;
  plus: boolean;
  space: boolean;
}

/** One parsed % conversion. */
export interface Conversion {
  /** 1-based position among the format's conversions (for messages) */
  readonly index: number;
  /** the conversion letter: d i u o x X c s p a A % */
  readonly letter: string;
  /** the size prefix as written: "", "h", "hh", "l" or "ll" */
  readonly prefix: string;
  readonly flags: Readonly<Flags>;
  /** static width, 0 when none */
  readonly width: number;
  /** static precision, 0 when none (DTrace ignores a precision of 0) */
  readonly precision: number;
  readonly dynamicWidth: boolean;
  readonly dynamicPrecision: boolean;
  /** printa's @ flag: the aggregation value */
  readonly aggregation: boolean;
  /** the conversion as written, for messages */
  readonly text: string;
}

type Segment = string | Conversion;

const INTEGER_LETTERS = "diuoxXcp";

const UNSUPPORTED: Record<string, string> = {
  e: "floating-point",
  E: "floating-point",
  f: "floating-point",
  g: "floating-point",
  G: "floating-point",
  S: "escaped-string",
  C: "escaped-character",
  Y: "date",
  T: "date",
  k: "stack",
};

/** Splits `format` into literal text and conversions (dt_printf_create's grammar). */
export function parseFormat(format: string, func = "printf"): Segment[] {
  const segments: Segment[] = [];
  let literal = "";
  let index = 0;
  let i = 0;
  while (i < format.length) {
    const ch = format[i];
    if (ch !== "%") {
      literal += ch;
      i++;
      continue;
    }
    index++;
    const start = i;
    const flags: Flags = { alt: false, zero: false, left: false, plus: false, space: false };
    let width = 0;
    let precision = 0;
    let dot = false;
    let digits = 0;
    let dynamicWidth = false;
    let dynamicPrecision = false;
    let aggregation = false;
    let prefix = "";
    let letter = "";
    i++;
    for (;;) {
      if (i >= format.length) {
        throw new FormatError(
          `${func}( ) format conversion #${index} name expected before end of format string`,
        );
      }
      const c = format[i];
      if (c >= "0" && c <= "9") {
        if (!dot && digits === 0 && c === "0") {
          flags.zero = true;
          flags.left = false;
          i++;
          continue;
        }
        let n = 0;
        while (i < format.length && format[i] >= "0" && format[i] <= "9")
          n = n * 10 + (format.charCodeAt(i++) - 48);
        if (dot) precision = n;
        else width = n;
        digits++;
        continue;
      }
      i++;
      switch (c) {
        case "#":
          flags.alt = true;
          continue;
        case "*":
          if (dot ? dynamicPrecision : dynamicWidth) {
            throw new FormatError(
              `${func}( ) format conversion #${index} has more than one '*' specified for the output ${dot ? "precision" : "width"}`,
            );
          }
          if (dot) dynamicPrecision = true;
          else dynamicWidth = true;
          continue;
        case "+":
          flags.plus = true;
          continue;
        case "-":
          flags.left = true;
          flags.zero = false;
          continue;
        case ".":
          if (dot)
            throw new FormatError(`${func}( ) format conversion #${index} has more than one '.' specified`);
          dot = true;
          digits = 0;
          continue;
        case "?":
          width = 16;
          continue;
        case "@":
          aggregation = true;
          continue;
        case "'":
          continue;
        case " ":
          flags.space = true;
          continue;
        case "$":
          throw new FormatError(
            `${func}( ) format conversion #${index} uses unsupported positional format (%n$)`,
          );
        case "h":
        case "l":
        case "L":
        case "w":
          prefix += c;
          continue;
        case "%":
          if (i - start === 2) {
            letter = "%";
            break;
          }
          throw new FormatError(
            `${func}( ) format conversion #${index} cannot be combined with other format flags: %%`,
          );
        default:
          letter = c;
      }
      break;
    }
    const text = format.slice(start, i);
    const name = prefix + letter;
    if (UNSUPPORTED[letter] !== undefined || prefix.includes("w") || prefix.includes("L")) {
      throw new FormatError(
        `${func}( ) format conversion #${index} (%${name}) is not supported: hartscope has no ${UNSUPPORTED[letter] ?? "wide-character or long double"} values`,
      );
    }
    const prefixOk = prefix === "" || (["h", "hh", "l", "ll"].includes(prefix) && "diouxX".includes(letter));
    if (!prefixOk || !`${INTEGER_LETTERS}saA%`.includes(letter)) {
      throw new FormatError(`${func}( ) format conversion #${index} is undefined: %${name}`);
    }
    if (letter === "%") {
      literal += "%";
      continue;
    }
    if (literal !== "") segments.push(literal);
    literal = "";
    segments.push({
      index,
      letter,
      prefix,
      flags,
      width,
      precision,
      dynamicWidth,
      dynamicPrecision,
      aggregation,
      text,
    });
  }
  if (literal !== "") segments.push(literal);
  return segments;
}

/** What a prepared format needs at run time: how to name addresses for %a and %A. */
export interface FormatContext {
  /** kernel-side (%a) symbol lookup; in user mode the traced program's symbols */
  readonly symbols?: SymbolResolver;
  /** user-space (%A) symbol lookup; defaults to `symbols` */
  readonly userSymbols?: SymbolResolver;
}

/** An aggregation value as a %@ conversion sees it: an integer, or ready text (distributions). */
export type AggregationValue =
  | { readonly type: IntType; readonly value: IntValue }
  | { readonly text: string };

const TYPE_PROTO: Record<string, string> = {
  d: "char, short, int, long, or long long",
  i: "char, short, int, long, or long long",
  u: "char, short, int, long, or long long",
  o: "char, short, int, long, or long long",
  x: "char, short, int, long, or long long",
  X: "char, short, int, long, or long long",
  c: "char, short, or int",
  p: "pointer or integer",
  a: "pointer or integer",
  A: "pointer or integer",
  s: "char [] or string (or use stringof)",
};

export function typeName(t: ValueType): string {
  if (t.kind !== "int") return t.kind;
  return `${t.signed ? "" : "u"}int${t.size * 8}_t`;
}

function accepts(letter: string, t: ValueType): boolean {
  if (letter === "s") return t.kind === "string";
  if (t.kind !== "int") return false;
  if (letter === "c") return t.size <= 4;
  return true;
}

/** A format checked against its arguments' types, ready to apply. */
export class PreparedFormat {
  /** the conversions, in order */
  readonly conversions: readonly Conversion[];
  /** how many arguments (for printa: keys) the format consumes */
  readonly argumentCount: number;

  constructor(
    readonly source: string,
    private readonly segments: readonly Segment[],
    /** the argument types the format was checked against (printa: the key types) */
    readonly argTypes: readonly ValueType[],
    readonly forAggregation: boolean,
  ) {
    this.conversions = segments.filter((s): s is Conversion => typeof s !== "string");
    this.argumentCount = argTypes.length;
  }

  /** printf(): the text for `args` (one per argument the format consumes, typed as prepared). */
  format(args: readonly Value[], ctx: FormatContext = {}): string {
    return this.render(args, undefined, ctx);
  }

  /**
   * printa(): the text for one aggregation row: its keys, and the value of each aggregation
   * (successive %@ conversions take successive aggregations; extra ones repeat the last).
   */
  formatRow(keys: readonly Value[], values: readonly AggregationValue[], ctx: FormatContext = {}): string {
    return this.render(keys, values, ctx);
  }

  private render(
    args: readonly Value[],
    aggValues: readonly AggregationValue[] | undefined,
    ctx: FormatContext,
  ): string {
    let out = "";
    let next = 0;
    let agg = 0;
    for (const seg of this.segments) {
      if (typeof seg === "string") {
        out += seg;
        continue;
      }
      let width = seg.width;
      let precision = seg.precision;
      let left = seg.flags.left;
      if (seg.dynamicWidth) {
        width = Number(signedOf(args[next++] as IntValue, 4));
        if (width < 0) {
          left = true;
          width = -width;
        }
      }
      if (seg.dynamicPrecision) {
        precision = Number(signedOf(args[next++] as IntValue, 4));
        if (precision < 0) precision = 0;
      }
      const spec: Spec = { conv: seg, width, precision, left };
      if (seg.aggregation) {
        const v = aggValues![Math.min(agg, aggValues!.length - 1)];
        agg++;
        out += "text" in v ? v.text : formatInteger(spec, v.value, v.type);
        continue;
      }
      const type = this.argTypes[next];
      const value = args[next++];
      switch (seg.letter) {
        case "s":
          out += pad(spec, truncate(String(value), precision));
          break;
        case "a":
        case "A": {
          const resolver = seg.letter === "a" ? ctx.symbols : (ctx.userSymbols ?? ctx.symbols);
          const addr = unsignedOf(value as IntValue, (type as IntType).size);
          out += pad(spec, truncate(resolveAddress(addr, resolver), precision));
          break;
        }
        default:
          out += formatInteger(spec, value as IntValue, type as IntType);
      }
    }
    return out;
  }
}

interface Spec {
  conv: Conversion;
  width: number;
  precision: number;
  left: boolean;
}

function truncate(s: string, precision: number): string {
  return precision > 0 && s.length > precision ? s.slice(0, precision) : s;
}

function pad(spec: Spec, body: string): string {
  if (body.length >= spec.width) return body;
  return spec.left ? body.padEnd(spec.width) : body.padStart(spec.width);
}

const PREFIX_SIZE: Record<string, 1 | 2 | 8> = { hh: 1, h: 2, l: 8, ll: 8 };

/** One integer conversion, as C's printf formats it. */
function formatInteger(spec: Spec, raw: IntValue, type: IntType): string {
  const { conv, width, precision, left } = spec;
  const letter = conv.letter;
  const size = conv.prefix !== "" ? PREFIX_SIZE[conv.prefix] : type.size;
  if (letter === "c") {
    const code = Number(unsignedOf(raw, 1));
    return pad(spec, String.fromCharCode(code));
  }
  // %d follows the argument's signedness when no prefix names the type (pfcheck_dint)
  const signed = (letter === "d" || letter === "i") && (conv.prefix !== "" || type.signed);
  const value = signed ? signedOf(raw, size) : unsignedOf(raw, size);
  const radix = letter === "o" ? 8 : letter === "x" || letter === "X" || letter === "p" ? 16 : 10;
  const neg = isNegative(value);
  const zero = value === 0 || value === 0n;
  let digits = magnitudeDigits(value, radix);
  if (letter === "X") digits = digits.toUpperCase();
  if (precision > 0) digits = digits.padStart(precision, "0");
  let prefix = "";
  if (conv.flags.alt) {
    if (radix === 16 && !zero) prefix = letter === "X" ? "0X" : "0x";
    else if (radix === 8 && digits[0] !== "0") digits = `0${digits}`;
  }
  if (signed) prefix = (neg ? "-" : conv.flags.plus ? "+" : conv.flags.space ? " " : "") + prefix;
  const len = prefix.length + digits.length;
  if (len >= width) return prefix + digits;
  if (left) return (prefix + digits).padEnd(width);
  if (conv.flags.zero && precision === 0) return prefix + digits.padStart(width - prefix.length, "0");
  return (prefix + digits).padStart(width);
}

/**
 * Parses and checks `format` for a call with arguments of `argTypes` (printf: the values after
 * the format; printa: the aggregation's key types, which need not all be used). Throws a
 * FormatError naming the conversion when the format is malformed, unsupported or does not fit.
 */
export function prepareFormat(
  format: string,
  argTypes: readonly ValueType[],
  options: { aggregation?: boolean } = {},
): PreparedFormat {
  const aggregation = options.aggregation ?? false;
  const func = aggregation ? "printa" : "printf";
  if (format === "") throw new FormatError(`${func}( ) format string is empty`);
  const segments = parseFormat(format, func);
  let next = 0;
  for (const seg of segments) {
    if (typeof seg === "string") continue;
    for (const [dyn, what] of [
      [seg.dynamicWidth, "*"],
      [seg.dynamicPrecision, ".*"],
    ] as const) {
      if (!dyn) continue;
      const t = argTypes[next];
      if (t === undefined) {
        throw new FormatError(
          `${func}( ) prototype mismatch: conversion #${seg.index} (%${seg.prefix}${seg.letter}) is missing a corresponding "${what}" argument`,
        );
      }
      if (t.kind !== "int") {
        throw new FormatError(
          `${func}( ) argument #${next + 2} is incompatible with conversion #${seg.index} prototype:\n\tconversion: % ${what} ${seg.letter}\n\t prototype: int\n\t  argument: ${typeName(t)}`,
        );
      }
      next++;
    }
    if (seg.aggregation) {
      if (!aggregation) {
        throw new FormatError(`%@ conversion requires an aggregation and is not for use with ${func}( )`);
      }
      if (!INTEGER_LETTERS.includes(seg.letter) || seg.letter === "c" || seg.letter === "p") {
        throw new FormatError(
          `printa( ) conversion #${seg.index} (${seg.text}) cannot print an aggregation value`,
        );
      }
      continue;
    }
    const t = argTypes[next];
    if (t === undefined) {
      throw new FormatError(
        `${func}( ) prototype mismatch: conversion #${seg.index} (%${seg.prefix}${seg.letter}) is missing a corresponding value argument`,
      );
    }
    if (!accepts(seg.letter, t)) {
      throw new FormatError(
        `${func}( ) argument #${next + 2} is incompatible with conversion #${seg.index} prototype:\n\tconversion: %${seg.prefix}${seg.letter}\n\t prototype: ${TYPE_PROTO[seg.letter]}\n\t  argument: ${typeName(t)}`,
      );
    }
    next++;
  }
  if (!aggregation && next < argTypes.length) {
    throw new FormatError(
      `${func}( ) prototype mismatch: only ${next} arguments required by this format string`,
    );
  }
  return new PreparedFormat(format, segments, aggregation ? argTypes : argTypes.slice(0, next), aggregation);
}

/** The type of an argument that is a 64-bit integer, for callers that have no better one. */
export const DEFAULT_INT = INT64;
