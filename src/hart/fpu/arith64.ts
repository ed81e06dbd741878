// FADD.D, FSUB.D, FMUL.D, FDIV.D, FSQRT.D.
// Common path: JavaScript's double arithmetic (IEEE round-to-nearest-even) plus an error-free
// transformation that gives the exact error (TwoSum, Dekker's TwoProduct) or its sign (the
// residual a - q*b of a quotient, a - s*s of a root); that yields NX and, for the other rounding
// modes, a one-ulp correction. Everything else (NaN, inf, results that may overflow or underflow,
// operands where the transformation would not be exact) goes to the BigInt reference.

import { FFLAG_NX, FFLAG_OF, RM_RDN, RM_RMM, RM_RNE } from "../state.js";
import { FMT_D } from "./format.js";
import { refAdd, refDiv, refMul, refSqrt } from "./ref/arith.js";
import type { Rounded } from "./ref/round.js";
import { FD, regBitsD, writeBitsD } from "./regs.js";
import { directed, fixRounding } from "./round.js";

/** Veltkamp's splitter for 53-bit doubles: 2^27 + 1. */
export const SPLIT = 134217729;
/**
 * Dekker's product error of p = x*y is exact when the product of the two least significant
 * bits (2^(ex-52) * 2^(ey-52)) is no smaller than 2^-1074: |p| > 2^-969 guarantees that.
 */
export const TINY_PRODUCT = 2 ** -969;
const SIGN_D = 1n << 63n;

function finish(r: Int32Array, rd: number, res: Rounded): number {
  writeBitsD(r, rd, res.bits);
  return res.flags;
}

function addD(
  r: Int32Array,
  fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  rm: number,
  sub: boolean,
) {
  const a = fd[FD + rs1]!;
  const b = sub ? -fd[FD + rs2]! : fd[FD + rs2]!;
  const s = a + b;
  const bb = s - a;
  const e = a - (s - bb) + (b - bb); // TwoSum: s + e == a + b exactly, barring overflow
  if (e - e === 0) {
    // finite operands and no overflow; a sum too small to be normal is exact, so no UF
    if (e === 0) {
      // exact; IEEE 754 6.3: x + (-x) is -0 only when rounding down
      fd[FD + rd] = s === 0 && rm === RM_RDN ? -(-a - b) : s;
      return 0;
    }
    const v = rm === RM_RNE ? s : fixRounding(s, e, rm);
    fd[FD + rd] = v;
    return v - v === 0 ? FFLAG_NX : FFLAG_NX | FFLAG_OF;
  }
  const bBits = regBitsD(r, rs2);
  return finish(r, rd, refAdd(FMT_D, regBitsD(r, rs1), sub ? bBits ^ SIGN_D : bBits, rm));
}

export function fadd_d(
  r: Int32Array,
  fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  _rs3: number,
  rm: number,
) {
  return addD(r, fd, rd, rs1, rs2, rm, false);
}

export function fsub_d(
  r: Int32Array,
  fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  _rs3: number,
  rm: number,
) {
  return addD(r, fd, rd, rs1, rs2, rm, true);
}

export function fmul_d(
  r: Int32Array,
  fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  _rs3: number,
  rm: number,
) {
  const a = fd[FD + rs1]!;
  const b = fd[FD + rs2]!;
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const e = ah * bh - p + ah * bl + al * bh + al * bl; // TwoProduct: p + e == a * b
  const ap = p < 0 ? -p : p;
  if (ap > TINY_PRODUCT && e - e === 0) {
    // e is NaN/inf when p overflowed or a split overflowed (|a| or |b| above ~2^996)
    if (e === 0) {
      fd[FD + rd] = p;
      return 0;
    }
    const v = rm === RM_RNE ? p : fixRounding(p, e, rm);
    fd[FD + rd] = v;
    return v - v === 0 ? FFLAG_NX : FFLAG_NX | FFLAG_OF;
  }
  if (p === 0 && (a === 0 || b === 0) && a - a === 0 && b - b === 0) {
    fd[FD + rd] = p; // an exact zero, sign = xor of signs
    return 0;
  }
  return finish(r, rd, refMul(FMT_D, regBitsD(r, rs1), regBitsD(r, rs2), rm));
}

const DIV_MIN_A = 2 ** -960;
const DIV_MIN_Q = 2 ** -1000;

export function fdiv_d(
  r: Int32Array,
  fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  _rs3: number,
  rm: number,
) {
  const a = fd[FD + rs1]!;
  const b = fd[FD + rs2]!;
  const q = a / b;
  let t = SPLIT * q;
  const qh = t - (t - q);
  const ql = q - qh;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const ph = q * b;
  const pl = qh * bh - ph + qh * bl + ql * bh + ql * bl;
  // a - ph is exact (Sterbenz: ph is within a factor 2 of a), so res has the sign of a - q*b
  const res = a - ph - pl;
  const aa = a < 0 ? -a : a;
  const aq = q < 0 ? -q : q;
  if (aa > DIV_MIN_A && aq > DIV_MIN_Q && res - res === 0) {
    if (res === 0) {
      fd[FD + rd] = q;
      return 0;
    }
    // a / b = q + res / b; a quotient is never exactly halfway, so RMM is RNE
    const v = rm === RM_RNE || rm === RM_RMM ? q : directed(q, b < 0 ? -res : res, rm);
    fd[FD + rd] = v;
    return v - v === 0 ? FFLAG_NX : FFLAG_NX | FFLAG_OF;
  }
  if ((a === 0 && b !== 0 && !Number.isNaN(b)) || (a - a === 0 && (b === Infinity || b === -Infinity))) {
    fd[FD + rd] = q; // 0 / nonzero, or finite / inf: an exact zero
    return 0;
  }
  return finish(r, rd, refDiv(FMT_D, regBitsD(r, rs1), regBitsD(r, rs2), rm));
}

const SQRT_MIN = 2 ** -960;
const SQRT_MAX = 2 ** 1020;

export function fsqrt_d(
  r: Int32Array,
  fd: Float64Array,
  rd: number,
  rs1: number,
  _rs2: number,
  _rs3: number,
  rm: number,
) {
  const a = fd[FD + rs1]!;
  if (a > SQRT_MIN && a < SQRT_MAX) {
    const s = Math.sqrt(a);
    const t = SPLIT * s;
    const sh = t - (t - s);
    const sl = s - sh;
    const ph = s * s;
    const pl = sh * sh - ph + sh * sl + sl * sh + sl * sl;
    const res = a - ph - pl; // sign of a - s*s
    if (res === 0) {
      fd[FD + rd] = s;
      return 0;
    }
    // a root is never exactly halfway either
    fd[FD + rd] = rm === RM_RNE || rm === RM_RMM ? s : directed(s, res, rm);
    return FFLAG_NX;
  }
  if (a === 0) {
    fd[FD + rd] = a; // sqrt(-0) = -0
    return 0;
  }
  return finish(r, rd, refSqrt(FMT_D, regBitsD(r, rs1), rm));
}
