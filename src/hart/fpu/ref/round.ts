// Exact rounding of (-1)^sign * mag * 2^exp to S or D, with every rounding mode and every flag.
// This is the slow path and the test oracle; it follows IEEE 754-2008 section 4.3 (rounding),
// 7.4 (overflow) and 7.5 (underflow) with RISC-V's choice of tininess detected AFTER rounding
// (Unprivileged ISA, "Floating-Point Control and Status Register").

import { FFLAG_NX, FFLAG_OF, FFLAG_UF, RM_RDN, RM_RMM, RM_RNE, RM_RTZ, RM_RUP } from "../../state.js";
import { bitLength, type FloatFormat, infBits, zeroBits } from "../format.js";

export interface Rounded {
  bits: bigint;
  flags: number;
}

/** mag / 2^shift rounded to an integer by rm (sign is the sign of the whole value); shift may be <= 0. */
export function roundShift(
  mag: bigint,
  shift: number,
  sign: number,
  rm: number,
): { q: bigint; inexact: boolean } {
  if (shift <= 0) return { q: mag << BigInt(-shift), inexact: false };
  const s = BigInt(shift);
  let q = mag >> s;
  const rem = mag - (q << s);
  if (rem === 0n) return { q, inexact: false };
  const half = 1n << (s - 1n);
  let up: boolean;
  switch (rm) {
    case RM_RNE:
      up = rem > half || (rem === half && (q & 1n) === 1n);
      break;
    case RM_RMM:
      up = rem >= half;
      break;
    case RM_RTZ:
      up = false;
      break;
    case RM_RDN:
      up = sign === 1;
      break;
    case RM_RUP:
      up = sign === 0;
      break;
    default:
      throw new RangeError(`fpu reference: rounding mode ${rm} is not one of RNE, RTZ, RDN, RUP, RMM`);
  }
  if (up) q += 1n;
  return { q, inexact: true };
}

/** The overflow result (IEEE 754 7.4): inf when rm rounds away from zero for this sign, else max finite. */
function overflowBits(fmt: FloatFormat, sign: number, rm: number): bigint {
  const toInf =
    rm === RM_RNE || rm === RM_RMM || (rm === RM_RUP && sign === 0) || (rm === RM_RDN && sign === 1);
  if (toInf) return infBits(fmt, sign);
  return sign ? fmt.signBit | fmt.maxFinite : fmt.maxFinite;
}

/** Round (-1)^sign * mag * 2^exp (mag > 0, exact) to fmt. */
export function roundPack(fmt: FloatFormat, sign: number, mag: bigint, exp: number, rm: number): Rounded {
  if (mag <= 0n) throw new RangeError("fpu reference: roundPack needs a positive magnitude");
  const p = fmt.fracBits + 1;
  const emin = 1 - fmt.bias;
  const n = bitLength(mag);
  const top = exp + n - 1; // the value lies in [2^top, 2^(top+1))
  // Tininess after rounding: round to p bits as if the exponent range were unbounded.
  let tiny = false;
  if (top < emin) {
    const unbounded = roundShift(mag, n - p, sign, rm);
    const carried = unbounded.q >> BigInt(p) !== 0n;
    tiny = (carried ? top + 1 : top) < emin;
  }
  let lsbExp = Math.max(top, emin) - fmt.fracBits;
  const { q: rounded, inexact } = roundShift(mag, lsbExp - exp, sign, rm);
  let q = rounded;
  const uf = tiny && inexact ? FFLAG_UF : 0;
  const nx = inexact ? FFLAG_NX : 0;
  if (q === 0n) return { bits: zeroBits(fmt, sign), flags: nx | uf };
  if (q >> BigInt(p) !== 0n) {
    // rounding carried into a new binade: q was exactly 2^p
    q >>= 1n;
    lsbExp += 1;
  }
  const signBits = sign ? fmt.signBit : 0n;
  if (q >> BigInt(fmt.fracBits) === 0n) {
    // subnormal: lsbExp is emin - fracBits, the biased exponent field is 0
    return { bits: signBits | q, flags: nx | uf };
  }
  const biased = lsbExp + fmt.fracBits + fmt.bias;
  if (biased >= fmt.expMax) return { bits: overflowBits(fmt, sign, rm), flags: FFLAG_OF | FFLAG_NX };
  return { bits: signBits | (BigInt(biased) << BigInt(fmt.fracBits)) | (q & fmt.fracMask), flags: nx | uf };
}
