// FADD.S, FSUB.S, FMUL.S, FDIV.S, FSQRT.S, computed in double and rounded once to single.
// The double result d and the sign of its error e are enough for roundS to round correctly in
// every mode: a product of two singles is exact in double, a sum's error comes from TwoSum, and a
// quotient or root of singles is never within 2^-46 (relative) of a single or of a midpoint
// between singles unless it is exactly one, so d == fround(d) only when exact.

import { RM_RDN } from "../state.js";
import { FMT_S } from "./format.js";
import { refAdd, refDiv, refMul, refSqrt } from "./ref/arith.js";
import type { Rounded } from "./ref/round.js";
import { readS, regBitsS, writeBitsS, writeS } from "./regs.js";
import { ROUND_SLOW, roundS, roundSFlags } from "./round.js";

const SIGN_S = 1n << 31n;

function finish(r: Int32Array, rd: number, res: Rounded): number {
  writeBitsS(r, rd, res.bits);
  return res.flags;
}

function addS(r: Int32Array, rd: number, rs1: number, rs2: number, rm: number, sub: boolean): number {
  const a = readS(r, rs1);
  const b = sub ? -readS(r, rs2) : readS(r, rs2);
  const d = a + b;
  const bb = d - a;
  const e = a - (d - bb) + (b - bb);
  if (e - e === 0) {
    if (d === 0) {
      writeS(r, rd, rm === RM_RDN ? -(-a - b) : d); // exact zero: -0 only when rounding down
      return 0;
    }
    const v = roundS(d, e, rm);
    if (roundSFlags !== ROUND_SLOW) {
      writeS(r, rd, v);
      return roundSFlags;
    }
  }
  const bBits = regBitsS(r, rs2);
  return finish(r, rd, refAdd(FMT_S, regBitsS(r, rs1), sub ? bBits ^ SIGN_S : bBits, rm));
}

export function fadd_s(
  r: Int32Array,
  _fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  _rs3: number,
  rm: number,
) {
  return addS(r, rd, rs1, rs2, rm, false);
}

export function fsub_s(
  r: Int32Array,
  _fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  _rs3: number,
  rm: number,
) {
  return addS(r, rd, rs1, rs2, rm, true);
}

export function fmul_s(
  r: Int32Array,
  _fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  _rs3: number,
  rm: number,
) {
  const d = readS(r, rs1) * readS(r, rs2); // exact: 48 significant bits, exponent within double range
  if (d - d === 0) {
    const v = roundS(d, 0, rm);
    if (roundSFlags !== ROUND_SLOW) {
      writeS(r, rd, v);
      return roundSFlags;
    }
  }
  return finish(r, rd, refMul(FMT_S, regBitsS(r, rs1), regBitsS(r, rs2), rm));
}

export function fdiv_s(
  r: Int32Array,
  _fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  _rs3: number,
  rm: number,
) {
  const d = readS(r, rs1) / readS(r, rs2);
  // finite d: no NaN, no x/0; d == 0 only for 0/y or x/inf, both exact
  if (d - d === 0) {
    const v = roundS(d, 0, rm);
    if (roundSFlags !== ROUND_SLOW) {
      writeS(r, rd, v);
      return roundSFlags;
    }
  }
  return finish(r, rd, refDiv(FMT_S, regBitsS(r, rs1), regBitsS(r, rs2), rm));
}

export function fsqrt_s(
  r: Int32Array,
  _fd: Float64Array,
  rd: number,
  rs1: number,
  _rs2: number,
  _rs3: number,
  rm: number,
) {
  const a = readS(r, rs1);
  if (a > 0 && a - a === 0) {
    const v = roundS(Math.sqrt(a), 0, rm);
    if (roundSFlags !== ROUND_SLOW) {
      writeS(r, rd, v);
      return roundSFlags;
    }
  } else if (a === 0) {
    writeS(r, rd, a); // sqrt(-0) = -0
    return 0;
  }
  return finish(r, rd, refSqrt(FMT_S, regBitsS(r, rs1), rm));
}
