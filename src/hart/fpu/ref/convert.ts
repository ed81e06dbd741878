// Exact (BigInt) reference conversions: float <-> integer and S <-> D.
// Float -> integer follows the F chapter's FCVT table: out-of-range and NaN inputs saturate
// (NaN and +inf to the largest value, -inf to the smallest) and raise NV instead of NX.

import { FFLAG_NV, FFLAG_NX } from "../../state.js";
import { decode, type FloatFormat, KIND_INF, KIND_NAN, KIND_ZERO, zeroBits } from "../format.js";
import { type Rounded, roundPack, roundShift } from "./round.js";

export interface IntResult {
  /** the mathematical integer written (before any sign extension into a register) */
  value: bigint;
  flags: number;
}

export function intRange(width: 32 | 64, signed: boolean): { min: bigint; max: bigint } {
  const w = BigInt(width);
  return signed ? { min: -(1n << (w - 1n)), max: (1n << (w - 1n)) - 1n } : { min: 0n, max: (1n << w) - 1n };
}

export function refToInt(
  fmt: FloatFormat,
  bits: bigint,
  rm: number,
  width: 32 | 64,
  signed: boolean,
): IntResult {
  const { min, max } = intRange(width, signed);
  const a = decode(fmt, bits);
  if (a.kind === KIND_NAN) return { value: max, flags: FFLAG_NV };
  if (a.kind === KIND_INF) return { value: a.sign ? min : max, flags: FFLAG_NV };
  if (a.kind === KIND_ZERO) return { value: 0n, flags: 0 };
  const { q, inexact } = roundShift(a.mag, -a.exp, a.sign, rm);
  const value = a.sign ? -q : q;
  if (value < min) return { value: min, flags: FFLAG_NV };
  if (value > max) return { value: max, flags: FFLAG_NV };
  return { value, flags: inexact ? FFLAG_NX : 0 };
}

export function refFromInt(fmt: FloatFormat, value: bigint, rm: number): Rounded {
  if (value === 0n) return { bits: 0n, flags: 0 };
  return value < 0n ? roundPack(fmt, 1, -value, 0, rm) : roundPack(fmt, 0, value, 0, rm);
}

/** FCVT.S.D / FCVT.D.S: NaN becomes the target's canonical NaN (NV for a signalling one). */
export function refConvert(from: FloatFormat, to: FloatFormat, bits: bigint, rm: number): Rounded {
  const a = decode(from, bits);
  if (a.kind === KIND_NAN) return { bits: to.canonicalNaN, flags: a.signalling ? FFLAG_NV : 0 };
  if (a.kind === KIND_INF) return { bits: a.sign ? to.signBit | to.inf : to.inf, flags: 0 };
  if (a.kind === KIND_ZERO) return { bits: zeroBits(to, a.sign), flags: 0 };
  return roundPack(to, a.sign, a.mag, a.exp, rm);
}
