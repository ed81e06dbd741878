// Fast-path rounding: turn a round-to-nearest-even double result plus the sign (or exact value)
// of its error into the result of any rounding mode, without BigInt or allocation.

import { FFLAG_NX, RM_RDN, RM_RMM, RM_RNE, RM_RTZ, RM_RUP } from "../state.js";
import { scratchF32, scratchF64, scratchI32 } from "./regs.js";

/** The double next to x (finite, nonzero) one unit further from zero. */
export function stepAway(x: number): number {
  scratchF64[0] = x;
  const lo = scratchI32[0]!;
  if (lo === -1) {
    scratchI32[0] = 0;
    scratchI32[1] = scratchI32[1]! + 1;
  } else scratchI32[0] = lo + 1;
  return scratchF64[0]!;
}

/** The double next to x (finite, nonzero) one unit closer to zero. */
export function stepToZero(x: number): number {
  scratchF64[0] = x;
  const lo = scratchI32[0]!;
  if (lo === 0) {
    scratchI32[0] = -1;
    scratchI32[1] = scratchI32[1]! - 1;
  } else scratchI32[0] = lo - 1;
  return scratchF64[0]!;
}

/**
 * s = RNE(exact) is finite and nonzero, dir has the sign of exact - s (nonzero); the result of
 * RTZ, RDN or RUP. No tie can matter for these modes.
 */
export function directed(s: number, dir: number, rm: number): number {
  if (rm === RM_RTZ) return dir > 0 !== s > 0 ? stepToZero(s) : s;
  if (rm === RM_RDN) return dir < 0 ? (s > 0 ? stepToZero(s) : stepAway(s)) : s;
  return dir > 0 ? (s > 0 ? stepAway(s) : stepToZero(s)) : s; // RUP
}

/** s = RNE(exact) finite nonzero, exact = s + err EXACTLY with err != 0: the result for rm (RMM needs the exact err to see ties). */
export function fixRounding(s: number, err: number, rm: number): number {
  if (rm === RM_RNE) return s;
  if (rm === RM_RMM) {
    // RNE and RMM differ only at a tie that RNE broke toward zero
    if (err > 0 === s > 0) {
      const n = stepAway(s);
      if (n - s === err + err) return n;
    }
    return s;
  }
  return directed(s, err, rm);
}

// --- singles computed in double ---

function stepS(s: number, away: boolean): number {
  scratchF32[0] = s;
  scratchI32[0] = scratchI32[0]! + (away ? 1 : -1);
  return scratchF32[0]!;
}

const TWO_M125 = 2 ** -125;
const TWO_127 = 2 ** 127;

/** Flags of the last roundS: FFLAG_NX, 0, or ROUND_SLOW when the exact path must decide. */
export let roundSFlags = 0;
export const ROUND_SLOW = -1;

/**
 * Rounds exact = d + e to single precision by rm, where d = RNE_double(exact) and e has the sign
 * of exact - d (0 when d is exact). Only for 2^-125 <= |d| < 2^127 (no underflow or overflow is
 * possible there) and d == 0; otherwise sets ROUND_SLOW. Double rounding is avoided: when d is
 * exactly halfway between two singles, e decides (IEEE 754 4.3, not a tie unless e == 0).
 */
export function roundS(d: number, e: number, rm: number): number {
  const ad = d < 0 ? -d : d;
  if (!(ad >= TWO_M125 && ad < TWO_127)) {
    roundSFlags = d === 0 && e === 0 ? 0 : ROUND_SLOW;
    return d;
  }
  const s = Math.fround(d);
  const m = d - s; // exact; |m| > |exact - d| whenever m != 0 (both d and s lie on d's double grid)
  if (m === 0 && e === 0) {
    roundSFlags = 0;
    return s;
  }
  roundSFlags = FFLAG_NX;
  if (rm === RM_RNE || rm === RM_RMM) {
    if (m === 0) return s;
    const other = s + 2 * m; // the single on d's far side, iff d is a midpoint
    if (Math.fround(other) !== other) return s;
    if (e === 0) {
      if (rm === RM_RNE) return s; // fround broke the tie to even
      return (other < 0 ? -other : other) > (s < 0 ? -s : s) ? other : s;
    }
    return e > 0 === m > 0 ? other : s;
  }
  const dir = m !== 0 ? m : e;
  if (rm === RM_RTZ) return dir > 0 !== s > 0 ? stepS(s, false) : s;
  if (rm === RM_RDN) return dir < 0 ? stepS(s, s < 0) : s;
  return dir > 0 ? stepS(s, s > 0) : s; // RUP
}

const TWO52 = 4503599627370496;

/** x rounded to an integer by rm (x itself when NaN, infinite or already integral). */
export function roundToInt(x: number, rm: number): number {
  if (!(x > -TWO52 && x < TWO52)) return x;
  const t = Math.trunc(x);
  const f = x - t;
  if (f === 0) return t;
  switch (rm) {
    case RM_RTZ:
      return t;
    case RM_RDN:
      return f < 0 ? t - 1 : t;
    case RM_RUP:
      return f > 0 ? t + 1 : t;
    case RM_RMM:
      return f >= 0.5 ? t + 1 : f <= -0.5 ? t - 1 : t;
    default: {
      const af = f < 0 ? -f : f;
      if (af > 0.5 || (af === 0.5 && t % 2 !== 0)) return f > 0 ? t + 1 : t - 1;
      return t;
    }
  }
}
