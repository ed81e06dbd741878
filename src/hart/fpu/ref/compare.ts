// Exact (BigInt) reference comparisons, min/max, sign injection and classification.

import { FFLAG_NV } from "../../state.js";
import {
  type Decoded,
  decode,
  type FloatFormat,
  KIND_FINITE,
  KIND_INF,
  KIND_NAN,
  KIND_ZERO,
} from "../format.js";
import type { Rounded } from "./round.js";

/** -1, 0, 1 for two non-NaN values (+0 equals -0). */
function order(a: Decoded, b: Decoded): number {
  const key = (x: Decoded): number => (x.kind === KIND_ZERO ? 0 : x.sign ? -1 : 1);
  const ka = key(a);
  const kb = key(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  if (ka === 0) return 0;
  const flip = ka < 0 ? -1 : 1; // compare magnitudes, reversed for negatives
  if (a.kind === KIND_INF || b.kind === KIND_INF) {
    if (a.kind === b.kind) return 0;
    return (a.kind === KIND_INF ? 1 : -1) * flip;
  }
  const e = Math.min(a.exp, b.exp);
  const ma = a.mag << BigInt(a.exp - e);
  const mb = b.mag << BigInt(b.exp - e);
  return ma === mb ? 0 : (ma > mb ? 1 : -1) * flip;
}

export type Relation = "eq" | "lt" | "le";

/** FEQ raises NV only for signalling NaNs; FLT/FLE for any NaN (F chapter, "Floating-Point Compare"). */
export function refCompare(fmt: FloatFormat, aBits: bigint, bBits: bigint, rel: Relation): Rounded {
  const a = decode(fmt, aBits);
  const b = decode(fmt, bBits);
  if (a.kind === KIND_NAN || b.kind === KIND_NAN) {
    const nv = rel === "eq" ? a.signalling || b.signalling : true;
    return { bits: 0n, flags: nv ? FFLAG_NV : 0 };
  }
  const o = order(a, b);
  const holds = rel === "eq" ? o === 0 : rel === "lt" ? o < 0 : o <= 0;
  return { bits: holds ? 1n : 0n, flags: 0 };
}

/**
 * FMIN/FMAX (IEEE 754-2019 minimumNumber/maximumNumber): one NaN gives the other operand, two give
 * the canonical NaN, -0 is less than +0, a signalling NaN raises NV.
 */
export function refMinMax(fmt: FloatFormat, aBits: bigint, bBits: bigint, max: boolean): Rounded {
  const a = decode(fmt, aBits);
  const b = decode(fmt, bBits);
  const flags = a.signalling || b.signalling ? FFLAG_NV : 0;
  if (a.kind === KIND_NAN && b.kind === KIND_NAN) return { bits: fmt.canonicalNaN, flags };
  if (a.kind === KIND_NAN) return { bits: bBits, flags };
  if (b.kind === KIND_NAN) return { bits: aBits, flags };
  let o = order(a, b);
  if (o === 0 && a.kind === KIND_ZERO) o = a.sign === b.sign ? 0 : a.sign ? -1 : 1;
  const pickA = max ? o >= 0 : o <= 0;
  return { bits: pickA ? aBits : bBits, flags };
}

export type SignOp = "j" | "jn" | "jx";

export function refSignInject(fmt: FloatFormat, aBits: bigint, bBits: bigint, op: SignOp): bigint {
  const magnitude = aBits & ~fmt.signBit;
  const bSign = bBits & fmt.signBit;
  const sign = op === "j" ? bSign : op === "jn" ? bSign ^ fmt.signBit : (aBits & fmt.signBit) ^ bSign;
  return magnitude | sign;
}

/** FCLASS: one bit of ten (F chapter, "Floating-Point Classify Instruction"). */
export function refClass(fmt: FloatFormat, bits: bigint): bigint {
  const a = decode(fmt, bits);
  let i: number;
  if (a.kind === KIND_NAN) i = a.signalling ? 8 : 9;
  else if (a.kind === KIND_INF) i = a.sign ? 0 : 7;
  else if (a.kind === KIND_ZERO) i = a.sign ? 3 : 4;
  else {
    const subnormal = a.kind === KIND_FINITE && a.mag >> BigInt(fmt.fracBits) === 0n;
    i = a.sign ? (subnormal ? 2 : 1) : subnormal ? 5 : 6;
  }
  return 1n << BigInt(i);
}
