// D values as the runtime sees them, and the 64-bit integer arithmetic on them.
//
// A D integer is a 64-bit (or narrower) two's-complement value. The compiled D code hands the
// runtime a `number` whenever the value is a safe integer (|v| <= 2^53 - 1) and a `bigint`
// otherwise, so the common case never allocates. Functions here accept either and return a
// `number` whenever the result is safe ("normal form"), so equal values are equal keys.
//
// A leaf module: no imports from the project.

/** A D integer: a safe-integer number, or a bigint when the value does not fit one. */
export type IntValue = number | bigint;

/** An integer type as D declares it: its size in bytes and whether it is signed. */
export interface IntType {
  readonly kind: "int";
  readonly size: 1 | 2 | 4 | 8;
  readonly signed: boolean;
}

/** D's string type. */
export interface StringType {
  readonly kind: "string";
}

/**
 * A user stack (ustack()): its value is a string of frames (stacks.ts); the type names the frames
 * and says how far they are indented.
 */
export interface StackType {
  readonly kind: "stack";
  /** columns before each frame (dtrace's stackindent option) */
  readonly indent: number;
  /** how a frame's address prints: module`symbol+0xoffset */
  frameName(address: number): string;
}

/** The types a traced value, an aggregation key or a printf argument can have. */
export type ValueType = IntType | StringType | StackType;

/** A traced value, key or argument: an integer or a string. */
export type Value = IntValue | string;

export const INT8: IntType = { kind: "int", size: 1, signed: true };
export const UINT8: IntType = { kind: "int", size: 1, signed: false };
export const INT16: IntType = { kind: "int", size: 2, signed: true };
export const UINT16: IntType = { kind: "int", size: 2, signed: false };
export const INT32: IntType = { kind: "int", size: 4, signed: true };
export const UINT32: IntType = { kind: "int", size: 4, signed: false };
export const INT64: IntType = { kind: "int", size: 8, signed: true };
export const UINT64: IntType = { kind: "int", size: 8, signed: false };
export const STRING: StringType = { kind: "string" };

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const BIG_MAX_SAFE = BigInt(MAX_SAFE);
const BIG_MIN_SAFE = -BIG_MAX_SAFE;

/** A bigint in normal form: a number when it is a safe integer. */
export function normalBig(v: bigint): IntValue {
  return v <= BIG_MAX_SAFE && v >= BIG_MIN_SAFE ? Number(v) : v;
}

export function toBig(v: IntValue): bigint {
  return typeof v === "bigint" ? v : BigInt(v);
}

/**
 * The value as a D int64 in normal form: bigints wrap modulo 2^64 (an unsigned 0xffff...ff read
 * from a register is -1), numbers must already be integers.
 */
export function int64(v: IntValue): IntValue {
  return typeof v === "number" ? v : normalBig(BigInt.asIntN(64, v));
}

/** `v` reinterpreted as a signed integer of `size` bytes (C's cast to intN_t). */
export function signedOf(v: IntValue, size: 1 | 2 | 4 | 8): IntValue {
  if (typeof v === "number") {
    switch (size) {
      case 1:
        return (v << 24) >> 24;
      case 2:
        return (v << 16) >> 16;
      case 4:
        return v | 0;
      default:
        return v;
    }
  }
  return normalBig(BigInt.asIntN(size * 8, v));
}

/** `v` reinterpreted as an unsigned integer of `size` bytes (C's cast to uintN_t). */
export function unsignedOf(v: IntValue, size: 1 | 2 | 4 | 8): IntValue {
  if (typeof v === "number") {
    switch (size) {
      case 1:
        return v & 0xff;
      case 2:
        return v & 0xffff;
      case 4:
        return v >>> 0;
      default:
        return v >= 0 ? v : normalBig(BigInt.asUintN(64, BigInt(v)));
    }
  }
  return normalBig(BigInt.asUintN(size * 8, v));
}

/** `v` converted to `type` as a C assignment would (truncated, then sign- or zero-extended). */
export function castTo(v: IntValue, type: IntType): IntValue {
  return type.signed ? signedOf(v, type.size) : unsignedOf(v, type.size);
}

/** -1, 0 or 1 as a < b, a == b, a > b (numbers and bigints compare by value). */
export function compareInt(a: IntValue, b: IntValue): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** a + b with int64 wrap-around, in normal form. */
export function addInt64(a: IntValue, b: IntValue): IntValue {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  }
  return normalBig(BigInt.asIntN(64, toBig(a) + toBig(b)));
}

/** a * b with int64 wrap-around, in normal form. */
export function mulInt64(a: IntValue, b: IntValue): IntValue {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  }
  return normalBig(BigInt.asIntN(64, toBig(a) * toBig(b)));
}

/** C's integer division a / b (truncating toward zero), exact for any size; b must not be 0. */
export function truncDiv(a: IntValue, b: IntValue): IntValue {
  if (typeof a === "number" && typeof b === "number" && Math.abs(a) < 2 ** 31 && Math.abs(b) < 2 ** 31) {
    return Math.trunc(a / b);
  }
  return normalBig(toBig(a) / toBig(b));
}

/** Digits of |v| in `radix` (no sign). */
export function magnitudeDigits(v: IntValue, radix: number): string {
  if (typeof v === "number") return Math.abs(v).toString(radix);
  return (v < 0n ? -v : v).toString(radix);
}

/** Whether v < 0. */
export function isNegative(v: IntValue): boolean {
  return v < 0;
}

/** The largest k with 2^k <= m, for m >= 1 (a number or a bigint). */
export function log2Floor(m: IntValue): number {
  if (typeof m === "number") {
    if (m < 4294967296) return 31 - Math.clz32(m);
    return 32 + 31 - Math.clz32(Math.floor(m / 4294967296));
  }
  return m.toString(2).length - 1;
}
