// FCLASS.S / FCLASS.D: a one-hot mask in x[rd] (F chapter, "Floating-Point Classify"):
// bit 0 -inf, 1 negative normal, 2 negative subnormal, 3 -0, 4 +0, 5 positive subnormal,
// 6 positive normal, 7 +inf, 8 signalling NaN, 9 quiet NaN.

import { F } from "../state.js";
import { wordS, writeX } from "./regs.js";

type Fd = Float64Array;

/** exp: the biased exponent, expMax its all-ones value, fracZero / quiet: fraction properties. */
function classBit(negative: boolean, exp: number, expMax: number, fracZero: boolean, quiet: boolean): number {
  if (exp === expMax) {
    if (!fracZero) return quiet ? 1 << 9 : 1 << 8;
    return negative ? 1 << 0 : 1 << 7;
  }
  if (exp === 0) {
    if (fracZero) return negative ? 1 << 3 : 1 << 4;
    return negative ? 1 << 2 : 1 << 5;
  }
  return negative ? 1 << 1 : 1 << 6;
}

export function fclass_d(r: Int32Array, _fd: Fd, rd: number, rs1: number) {
  const hi = r[F + 2 * rs1 + 1]!;
  const lo = r[F + 2 * rs1]!;
  const bit = classBit(hi < 0, (hi >>> 20) & 0x7ff, 0x7ff, ((hi & 0xfffff) | lo) === 0, (hi & 0x80000) !== 0);
  writeX(r, rd, bit, 0);
  return 0;
}

export function fclass_s(r: Int32Array, _fd: Fd, rd: number, rs1: number) {
  const w = wordS(r, rs1);
  const bit = classBit(w < 0, (w >>> 23) & 0xff, 0xff, (w & 0x7fffff) === 0, (w & 0x400000) !== 0);
  writeX(r, rd, bit, 0);
  return 0;
}
