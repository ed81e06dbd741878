// The types of D as hartscope has them: integers of 8 to 64 bits, signed or not (D's C types on
// an LP64 data model: char 8, short 16, int 32, long and long long 64), strings, and the few
// values that only some places accept (a user stack, bytes copied in, an aggregation, nothing).
// Values are computed in 64 bits; an integer type says how many low bits a value keeps and
// whether it is read signed: a store to a narrower variable or a cast truncates, as in C.

export interface IntType {
  readonly kind: "int";
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
}

export type DType =
  | IntType
  | { readonly kind: "string" }
  /** A user stack, from ustack(): an aggregation key or a statement of its own. */
  | { readonly kind: "stack" }
  /** Bytes copied from the guest by copyin(). */
  | { readonly kind: "buffer" }
  /** An aggregation named as an argument (printa(@a), clear(@a)...). */
  | { readonly kind: "aggregation" }
  /** What an action such as printf() returns: nothing usable. */
  | { readonly kind: "void" };

export const I8: IntType = { kind: "int", bits: 8, signed: true };
export const U8: IntType = { kind: "int", bits: 8, signed: false };
export const I16: IntType = { kind: "int", bits: 16, signed: true };
export const U16: IntType = { kind: "int", bits: 16, signed: false };
export const I32: IntType = { kind: "int", bits: 32, signed: true };
export const U32: IntType = { kind: "int", bits: 32, signed: false };
export const I64: IntType = { kind: "int", bits: 64, signed: true };
export const U64: IntType = { kind: "int", bits: 64, signed: false };
export const STRING: DType = { kind: "string" };
export const STACK: DType = { kind: "stack" };
export const BUFFER: DType = { kind: "buffer" };
export const AGGREGATION: DType = { kind: "aggregation" };
export const VOID: DType = { kind: "void" };

/** The canonical integer type object (one per size and signedness, so types compare with ===). */
export function intType(bits: 8 | 16 | 32 | 64, signed: boolean): IntType {
  switch (bits) {
    case 8:
      return signed ? I8 : U8;
    case 16:
      return signed ? I16 : U16;
    case 32:
      return signed ? I32 : U32;
    default:
      return signed ? I64 : U64;
  }
}

export function isInt(t: DType): t is IntType {
  return t.kind === "int";
}

/** How types are written in dumps and messages: stdint names, which say size and sign. */
export function typeName(t: DType): string {
  if (t.kind === "int") return `${t.signed ? "" : "u"}int${t.bits}_t`;
  return t.kind;
}

/** What a user calls the kind of a value in a message: "an integer", "a string"... */
export function kindName(t: DType): string {
  switch (t.kind) {
    case "int":
      return `an integer (${typeName(t)})`;
    case "string":
      return "a string";
    case "stack":
      return "a stack";
    case "buffer":
      return "a buffer";
    case "aggregation":
      return "an aggregation";
    case "void":
      return "no value";
  }
}

/** C integer promotion (C99 6.3.1.1): types narrower than int become int. */
export function promote(t: IntType): IntType {
  return t.bits < 32 ? I32 : t;
}

/** C's usual arithmetic conversions (C99 6.3.1.8) on two integer types. */
export function arithmetic(a: IntType, b: IntType): IntType {
  const x = promote(a);
  const y = promote(b);
  if (x === y) return x;
  if (x.signed === y.signed) return x.bits >= y.bits ? x : y;
  const [u, s] = x.signed ? [y, x] : [x, y];
  // The unsigned one wins when it is at least as wide; a wider signed type holds every value of it.
  if (u.bits >= s.bits) return u;
  return s;
}

/** A bigint value as the type keeps it: its low bits, read signed or not. */
export function wrap(value: bigint, t: IntType): bigint {
  return t.signed ? BigInt.asIntN(t.bits, value) : BigInt.asUintN(t.bits, value);
}

/**
 * Integer types a cast may name, by their words as written in D (C's keyword combinations on LP64
 * and the stdint/sys/types names D predefines).
 */
export const TYPE_NAMES: ReadonlyMap<string, IntType> = new Map([
  ["char", I8],
  ["signed char", I8],
  ["unsigned char", U8],
  ["short", I16],
  ["short int", I16],
  ["signed short", I16],
  ["signed short int", I16],
  ["unsigned short", U16],
  ["unsigned short int", U16],
  ["int", I32],
  ["signed", I32],
  ["signed int", I32],
  ["unsigned", U32],
  ["unsigned int", U32],
  ["long", I64],
  ["long int", I64],
  ["signed long", I64],
  ["signed long int", I64],
  ["unsigned long", U64],
  ["unsigned long int", U64],
  ["long long", I64],
  ["long long int", I64],
  ["signed long long", I64],
  ["signed long long int", I64],
  ["unsigned long long", U64],
  ["unsigned long long int", U64],
  ["int8_t", I8],
  ["int16_t", I16],
  ["int32_t", I32],
  ["int64_t", I64],
  ["uint8_t", U8],
  ["uint16_t", U16],
  ["uint32_t", U32],
  ["uint64_t", U64],
  ["uchar_t", U8],
  ["ushort_t", U16],
  ["uint_t", U32],
  ["ulong_t", U64],
  ["u_int", U32],
  ["u_long", U64],
  ["intptr_t", I64],
  ["uintptr_t", U64],
  ["size_t", U64],
  ["ssize_t", I64],
  ["off_t", I64],
  ["pid_t", I32],
  ["id_t", I32],
  ["uid_t", U32],
  ["gid_t", U32],
]);

/** C's type keywords, which combine ("unsigned long long int"). */
export const C_TYPE_WORDS: ReadonlySet<string> = new Set([
  "char",
  "short",
  "int",
  "long",
  "signed",
  "unsigned",
]);

/** The single-word type names (typedefs), which are identifiers rather than keywords in D. */
export const TYPEDEF_NAMES: ReadonlySet<string> = new Set(
  [...TYPE_NAMES.keys()].filter((n) => !n.includes(" ") && !C_TYPE_WORDS.has(n)),
);
