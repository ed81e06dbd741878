// Exact (BigInt) reference arithmetic: add, mul, div, sqrt and fused multiply-add on S or D bit
// patterns. Special cases follow the RISC-V F/D chapters: every NaN result is the canonical NaN,
// a signalling NaN operand raises NV (Unprivileged ISA, "NaN Generation and Propagation").

import { FFLAG_DZ, FFLAG_NV, RM_RDN } from "../../state.js";
import {
  bitLength,
  type Decoded,
  decode,
  type FloatFormat,
  infBits,
  KIND_INF,
  KIND_NAN,
  KIND_ZERO,
  zeroBits,
} from "../format.js";
import { type Rounded, roundPack } from "./round.js";

function nanResult(fmt: FloatFormat, signalling: boolean): Rounded {
  return { bits: fmt.canonicalNaN, flags: signalling ? FFLAG_NV : 0 };
}

function invalid(fmt: FloatFormat): Rounded {
  return { bits: fmt.canonicalNaN, flags: FFLAG_NV };
}

/** IEEE 754 6.3: an exact zero sum of opposite-signed operands is +0, except -0 when rounding down. */
function exactZeroSum(fmt: FloatFormat, rm: number): Rounded {
  return { bits: zeroBits(fmt, rm === RM_RDN ? 1 : 0), flags: 0 };
}

/** Sum of two exact nonzero finite values sa*ma*2^ea + sb*mb*2^eb, rounded once. */
function sumExact(
  fmt: FloatFormat,
  sa: number,
  ma: bigint,
  ea: number,
  sb: number,
  mb: bigint,
  eb: number,
  rm: number,
): Rounded {
  const e = Math.min(ea, eb);
  const va = ma << BigInt(ea - e);
  const vb = mb << BigInt(eb - e);
  const s = (sa ? -va : va) + (sb ? -vb : vb);
  if (s === 0n) return exactZeroSum(fmt, rm);
  return s < 0n ? roundPack(fmt, 1, -s, e, rm) : roundPack(fmt, 0, s, e, rm);
}

export function refAdd(fmt: FloatFormat, aBits: bigint, bBits: bigint, rm: number): Rounded {
  const a = decode(fmt, aBits);
  const b = decode(fmt, bBits);
  if (a.kind === KIND_NAN || b.kind === KIND_NAN) return nanResult(fmt, a.signalling || b.signalling);
  if (a.kind === KIND_INF) {
    if (b.kind === KIND_INF && a.sign !== b.sign) return invalid(fmt); // inf - inf
    return { bits: aBits, flags: 0 };
  }
  if (b.kind === KIND_INF) return { bits: bBits, flags: 0 };
  if (a.kind === KIND_ZERO) {
    if (b.kind === KIND_ZERO) return a.sign === b.sign ? { bits: aBits, flags: 0 } : exactZeroSum(fmt, rm);
    return { bits: bBits, flags: 0 };
  }
  if (b.kind === KIND_ZERO) return { bits: aBits, flags: 0 };
  return sumExact(fmt, a.sign, a.mag, a.exp, b.sign, b.mag, b.exp, rm);
}

export function refMul(fmt: FloatFormat, aBits: bigint, bBits: bigint, rm: number): Rounded {
  const a = decode(fmt, aBits);
  const b = decode(fmt, bBits);
  if (a.kind === KIND_NAN || b.kind === KIND_NAN) return nanResult(fmt, a.signalling || b.signalling);
  const sign = a.sign ^ b.sign;
  if (a.kind === KIND_INF || b.kind === KIND_INF) {
    if (a.kind === KIND_ZERO || b.kind === KIND_ZERO) return invalid(fmt); // inf * 0
    return { bits: infBits(fmt, sign), flags: 0 };
  }
  if (a.kind === KIND_ZERO || b.kind === KIND_ZERO) return { bits: zeroBits(fmt, sign), flags: 0 };
  return roundPack(fmt, sign, a.mag * b.mag, a.exp + b.exp, rm);
}

export function refDiv(fmt: FloatFormat, aBits: bigint, bBits: bigint, rm: number): Rounded {
  const a = decode(fmt, aBits);
  const b = decode(fmt, bBits);
  if (a.kind === KIND_NAN || b.kind === KIND_NAN) return nanResult(fmt, a.signalling || b.signalling);
  const sign = a.sign ^ b.sign;
  if (a.kind === KIND_INF) {
    if (b.kind === KIND_INF) return invalid(fmt); // inf / inf
    return { bits: infBits(fmt, sign), flags: 0 };
  }
  if (b.kind === KIND_INF) return { bits: zeroBits(fmt, sign), flags: 0 };
  if (b.kind === KIND_ZERO) {
    if (a.kind === KIND_ZERO) return invalid(fmt); // 0 / 0
    return { bits: infBits(fmt, sign), flags: FFLAG_DZ };
  }
  if (a.kind === KIND_ZERO) return { bits: zeroBits(fmt, sign), flags: 0 };
  // A quotient with at least p+3 bits, and a sticky bit below it for the remainder.
  const k = Math.max(0, fmt.fracBits + 4 + bitLength(b.mag) - bitLength(a.mag));
  const num = a.mag << BigInt(k);
  const q = num / b.mag;
  const sticky = num - q * b.mag !== 0n ? 1n : 0n;
  return roundPack(fmt, sign, (q << 1n) | sticky, a.exp - b.exp - k - 1, rm);
}

/** floor(sqrt(n)) for n >= 0. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1); // >= sqrt(n)
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function refSqrt(fmt: FloatFormat, aBits: bigint, rm: number): Rounded {
  const a = decode(fmt, aBits);
  if (a.kind === KIND_NAN) return nanResult(fmt, a.signalling);
  if (a.kind === KIND_ZERO) return { bits: aBits, flags: 0 }; // sqrt(-0) = -0
  if (a.sign) return invalid(fmt);
  if (a.kind === KIND_INF) return { bits: aBits, flags: 0 };
  let m = a.mag;
  let e = a.exp;
  if ((e & 1) !== 0) {
    m <<= 1n;
    e -= 1;
  }
  // sqrt(m * 2^(2k)) has at least p+3 bits when 2k >= 2(p+3)
  const k = fmt.fracBits + 4;
  const n = m << BigInt(2 * k);
  const root = isqrt(n);
  const sticky = root * root !== n ? 1n : 0n;
  return roundPack(fmt, 0, (root << 1n) | sticky, (e - 2 * k) / 2 - 1, rm);
}

/**
 * a*b + c with one rounding. The F chapter: "The fused multiply-add instructions must set the
 * invalid operation exception flag when the multiplicands are inf and zero, even when the addend
 * is a quiet NaN." Callers negate operands (flip sign bits) for fmsub/fnmsub/fnmadd.
 */
export function refFma(fmt: FloatFormat, aBits: bigint, bBits: bigint, cBits: bigint, rm: number): Rounded {
  const a = decode(fmt, aBits);
  const b = decode(fmt, bBits);
  const c = decode(fmt, cBits);
  const infTimesZero =
    (a.kind === KIND_INF && b.kind === KIND_ZERO) || (a.kind === KIND_ZERO && b.kind === KIND_INF);
  if (a.kind === KIND_NAN || b.kind === KIND_NAN || c.kind === KIND_NAN) {
    return nanResult(fmt, infTimesZero || a.signalling || b.signalling || c.signalling);
  }
  if (infTimesZero) return invalid(fmt);
  const ps = a.sign ^ b.sign;
  if (a.kind === KIND_INF || b.kind === KIND_INF) {
    if (c.kind === KIND_INF && c.sign !== ps) return invalid(fmt);
    return { bits: infBits(fmt, ps), flags: 0 };
  }
  if (c.kind === KIND_INF) return { bits: cBits, flags: 0 };
  if (a.kind === KIND_ZERO || b.kind === KIND_ZERO) {
    if (c.kind === KIND_ZERO) return ps === c.sign ? { bits: cBits, flags: 0 } : exactZeroSum(fmt, rm);
    return { bits: cBits, flags: 0 };
  }
  return fmaFinite(fmt, a, b, c, rm);
}

function fmaFinite(fmt: FloatFormat, a: Decoded, b: Decoded, c: Decoded, rm: number): Rounded {
  const ps = a.sign ^ b.sign;
  const pm = a.mag * b.mag;
  const pe = a.exp + b.exp;
  if (c.kind === KIND_ZERO) return roundPack(fmt, ps, pm, pe, rm);
  return sumExact(fmt, ps, pm, pe, c.sign, c.mag, c.exp, rm);
}
