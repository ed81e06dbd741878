// FMADD, FMSUB, FNMSUB, FNMADD (.S and .D): a*b + c with a single rounding (F chapter,
// "Single-Precision Fused Multiply-Add"): fmsub = a*b - c, fnmsub = -(a*b) + c, fnmadd = -(a*b) - c.
// Negating a before the multiply gives -(a*b) exactly, so all four are fma(+-a, b, +-c).
//
// Double common path, without BigInt: Dekker's TwoProduct gives a*b = ph + pl exactly; TwoSum
// gives c + ph = th + tl; TwoSum again gives tl + pl = uh + ul, so a*b + c = th + uh + ul exactly.
// A last TwoSum gives th + uh = z + e, z = RNE(th + uh).
//  - ul == 0: the exact value is z + e, so fixRounding handles every mode, ties included.
//  - ul != 0 and |th| >= 16|uh|: th, z, e and every midpoint between doubles near z are
//    multiples of ulp(uh), while |ul| <= ulp(uh)/2. So ul cannot move the exact value across a
//    midpoint or a double unless th + uh sits exactly on one: z is the nearest double unless
//    th + uh is a midpoint (then ul picks the side: the rounding-to-odd idea of Boldo and
//    Melquiond, done with a comparison), and the exact value lies on e's side of z (ul's if e == 0).
//  - anything else (huge or tiny operands, near-total cancellation with ul != 0): BigInt.
// Singles: a*b is exact in double and TwoSum(a*b, c) gives exact = d + e; roundS finishes.

import { FFLAG_NX, FFLAG_OF, RM_RDN, RM_RMM, RM_RNE } from "../state.js";
import { SPLIT, TINY_PRODUCT } from "./arith64.js";
import { FMT_D, FMT_S } from "./format.js";
import { refFma } from "./ref/arith.js";
import { FD, readS, regBitsD, regBitsS, writeBitsD, writeBitsS, writeS } from "./regs.js";
import { directed, fixRounding, ROUND_SLOW, roundS, roundSFlags } from "./round.js";

const SIGN_D = 1n << 63n;
const SIGN_S = 1n << 31n;
const MAX_OPERAND = 2 ** 1000;
/** results below this may be subnormal or have lost bits of the error terms */
const MIN_RESULT = 2 ** -960;

function fmaD(
  r: Int32Array,
  fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
  negProduct: boolean,
  negAddend: boolean,
): number {
  const a = negProduct ? -fd[FD + rs1]! : fd[FD + rs1]!;
  const b = fd[FD + rs2]!;
  const c = negAddend ? -fd[FD + rs3]! : fd[FD + rs3]!;
  const ph = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pl = ah * bh - ph + ah * bl + al * bh + al * bl;
  const aph = ph < 0 ? -ph : ph;
  const ac = c < 0 ? -c : c;
  if (aph > TINY_PRODUCT && aph < MAX_OPERAND && ac < MAX_OPERAND && pl - pl === 0) {
    const th = c + ph;
    let bb = th - c;
    const tl = c - (th - bb) + (ph - bb);
    const uh = tl + pl;
    bb = uh - tl;
    const ul = tl - (uh - bb) + (pl - bb);
    const z = th + uh;
    bb = z - th;
    const e = th - (z - bb) + (uh - bb);
    if (ul === 0) {
      if (e === 0) {
        if (z === 0) {
          fd[FD + rd] = rm === RM_RDN ? -0 : 0; // exact cancellation of a nonzero product
          return 0;
        }
        if (z > MIN_RESULT || z < -MIN_RESULT) {
          fd[FD + rd] = z;
          return 0;
        }
      } else if (z > MIN_RESULT || z < -MIN_RESULT) {
        const v = rm === RM_RNE ? z : fixRounding(z, e, rm);
        fd[FD + rd] = v;
        return v - v === 0 ? FFLAG_NX : FFLAG_NX | FFLAG_OF;
      }
    } else {
      const ath = th < 0 ? -th : th;
      const auh = uh < 0 ? -uh : uh;
      if (ath >= 16 * auh && ath > MIN_RESULT) {
        let v: number;
        if (rm === RM_RNE || rm === RM_RMM) {
          // th + uh halfway between z and z + 2e (exactly representable then): ul breaks the tie
          const e2 = e + e;
          v = e !== 0 && z + e2 - z === e2 && ul > 0 === e > 0 ? z + e2 : z;
        } else v = directed(z, e !== 0 ? e : ul, rm);
        fd[FD + rd] = v;
        return FFLAG_NX;
      }
    }
  } else if (ph === 0 && (a === 0 || b === 0) && a - a === 0 && b - b === 0 && c - c === 0) {
    // 0 * finite + c: exactly c, and for c = 0 the IEEE 754 6.3 sign of an exact zero sum
    fd[FD + rd] = rm === RM_RDN ? -(-ph - c) : ph + c;
    return 0;
  }
  let aBits = regBitsD(r, rs1);
  let cBits = regBitsD(r, rs3);
  if (negProduct) aBits ^= SIGN_D;
  if (negAddend) cBits ^= SIGN_D;
  const res = refFma(FMT_D, aBits, regBitsD(r, rs2), cBits, rm);
  writeBitsD(r, rd, res.bits);
  return res.flags;
}

function fmaS(
  r: Int32Array,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
  negProduct: boolean,
  negAddend: boolean,
): number {
  const a = negProduct ? -readS(r, rs1) : readS(r, rs1);
  const c = negAddend ? -readS(r, rs3) : readS(r, rs3);
  const p = a * readS(r, rs2); // exact
  const d = p + c;
  const bb = d - p;
  const e = p - (d - bb) + (c - bb);
  if (e - e === 0) {
    if (d === 0) {
      writeS(r, rd, rm === RM_RDN ? -(-p - c) : d); // exact zero sum: -0 only when rounding down
      return 0;
    }
    const v = roundS(d, e, rm);
    if (roundSFlags !== ROUND_SLOW) {
      writeS(r, rd, v);
      return roundSFlags;
    }
  }
  let aBits = regBitsS(r, rs1);
  let cBits = regBitsS(r, rs3);
  if (negProduct) aBits ^= SIGN_S;
  if (negAddend) cBits ^= SIGN_S;
  const res = refFma(FMT_S, aBits, regBitsS(r, rs2), cBits, rm);
  writeBitsS(r, rd, res.bits);
  return res.flags;
}

type Fd = Float64Array;

export function fmadd_d(
  r: Int32Array,
  fd: Fd,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
) {
  return fmaD(r, fd, rd, rs1, rs2, rs3, rm, false, false);
}
export function fmsub_d(
  r: Int32Array,
  fd: Fd,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
) {
  return fmaD(r, fd, rd, rs1, rs2, rs3, rm, false, true);
}
export function fnmsub_d(
  r: Int32Array,
  fd: Fd,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
) {
  return fmaD(r, fd, rd, rs1, rs2, rs3, rm, true, false);
}
export function fnmadd_d(
  r: Int32Array,
  fd: Fd,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
) {
  return fmaD(r, fd, rd, rs1, rs2, rs3, rm, true, true);
}
export function fmadd_s(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
) {
  return fmaS(r, rd, rs1, rs2, rs3, rm, false, false);
}
export function fmsub_s(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
) {
  return fmaS(r, rd, rs1, rs2, rs3, rm, false, true);
}
export function fnmsub_s(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
) {
  return fmaS(r, rd, rs1, rs2, rs3, rm, true, false);
}
export function fnmadd_s(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
) {
  return fmaS(r, rd, rs1, rs2, rs3, rm, true, true);
}
