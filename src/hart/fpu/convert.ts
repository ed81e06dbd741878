// FCVT between floats and integers, and between S and D (F and D chapters, "Floating-Point
// Conversion and Move Instructions"). Float -> integer rounds by rm, then saturates out-of-range
// values and NaN (NaN -> the largest integer) with NV instead of NX; 32-bit results, WU included,
// are sign-extended into the 64-bit x register. Integer -> float: a 64-bit integer is split as
// hi * 2^32 + lo; the double sum rounds once (RNE) and FastTwoSum gives its exact error.

import { FFLAG_NV, FFLAG_NX } from "../state.js";
import { FMT_D, FMT_S } from "./format.js";
import { refConvert } from "./ref/convert.js";
import {
  FD,
  isSNaND,
  isSNaNS,
  readS,
  regBitsD,
  writeBitsS,
  writeCanonD,
  writeCanonS,
  writeS,
  writeX,
} from "./regs.js";
import { fixRounding, ROUND_SLOW, roundS, roundSFlags, roundToInt } from "./round.js";

const TWO31 = 2147483648;
const TWO32 = 4294967296;
const TWO63 = 2 ** 63;
const TWO64 = 2 ** 64;

type Fd = Float64Array;

// --- float -> integer; x is the operand as a double (NaN for any NaN) ---

function toW(r: Int32Array, rd: number, x: number, rm: number): number {
  const v = roundToInt(x, rm);
  if (v >= -TWO31 && v < TWO31) {
    const lo = v | 0;
    writeX(r, rd, lo, lo >> 31);
    return v === x ? 0 : FFLAG_NX;
  }
  const lo = v < 0 ? -TWO31 | 0 : TWO31 - 1; // NaN and +inf saturate high
  writeX(r, rd, lo, lo >> 31);
  return FFLAG_NV;
}

function toWU(r: Int32Array, rd: number, x: number, rm: number): number {
  const v = roundToInt(x, rm);
  if (v >= 0 && v < TWO32) {
    const lo = v | 0;
    writeX(r, rd, lo, lo >> 31);
    return v === x ? 0 : FFLAG_NX;
  }
  const lo = v < 0 ? 0 : -1;
  writeX(r, rd, lo, lo);
  return FFLAG_NV;
}

function toL(r: Int32Array, rd: number, x: number, rm: number): number {
  const v = roundToInt(x, rm);
  if (v >= -TWO63 && v < TWO63) {
    const hi = Math.floor(v / TWO32);
    writeX(r, rd, (v - hi * TWO32) | 0, hi | 0);
    return v === x ? 0 : FFLAG_NX;
  }
  if (v < 0) writeX(r, rd, 0, -TWO31 | 0);
  else writeX(r, rd, -1, 0x7fffffff);
  return FFLAG_NV;
}

function toLU(r: Int32Array, rd: number, x: number, rm: number): number {
  const v = roundToInt(x, rm);
  if (v >= 0 && v < TWO64) {
    const hi = Math.floor(v / TWO32);
    writeX(r, rd, (v - hi * TWO32) | 0, hi | 0);
    return v === x ? 0 : FFLAG_NX;
  }
  if (v < 0) writeX(r, rd, 0, 0);
  else writeX(r, rd, -1, -1);
  return FFLAG_NV;
}

export function fcvt_w_d(r: Int32Array, fd: Fd, rd: number, rs1: number, _b: number, _c: number, rm: number) {
  return toW(r, rd, fd[FD + rs1]!, rm);
}
export function fcvt_wu_d(
  r: Int32Array,
  fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return toWU(r, rd, fd[FD + rs1]!, rm);
}
export function fcvt_l_d(r: Int32Array, fd: Fd, rd: number, rs1: number, _b: number, _c: number, rm: number) {
  return toL(r, rd, fd[FD + rs1]!, rm);
}
export function fcvt_lu_d(
  r: Int32Array,
  fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return toLU(r, rd, fd[FD + rs1]!, rm);
}
export function fcvt_w_s(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return toW(r, rd, readS(r, rs1), rm);
}
export function fcvt_wu_s(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return toWU(r, rd, readS(r, rs1), rm);
}
export function fcvt_l_s(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return toL(r, rd, readS(r, rs1), rm);
}
export function fcvt_lu_s(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return toLU(r, rd, readS(r, rs1), rm);
}

// --- integer -> float ---

/** x[rs1] as a signed (or unsigned) 64-bit integer: hi * 2^32 + lo, both parts exact doubles. */
function int64D(fd: Fd, rd: number, hiPart: number, lo: number, rm: number): number {
  const s = hiPart + lo; // one RNE rounding
  const e = lo - (s - hiPart); // FastTwoSum (|hiPart| >= |lo| unless hiPart == 0, where s is exact)
  if (e === 0) {
    fd[FD + rd] = s;
    return 0;
  }
  fd[FD + rd] = fixRounding(s, e, rm);
  return FFLAG_NX;
}

function int64S(r: Int32Array, rd: number, hiPart: number, lo: number, rm: number): number {
  const d = hiPart + lo;
  const e = lo - (d - hiPart);
  const v = roundS(d, e, rm); // |d| < 2^64: never the slow range
  writeS(r, rd, v);
  return roundSFlags;
}

export function fcvt_d_w(r: Int32Array, fd: Fd, rd: number, rs1: number) {
  fd[FD + rd] = r[2 * rs1]!;
  return 0;
}
export function fcvt_d_wu(r: Int32Array, fd: Fd, rd: number, rs1: number) {
  fd[FD + rd] = r[2 * rs1]! >>> 0;
  return 0;
}
export function fcvt_d_l(r: Int32Array, fd: Fd, rd: number, rs1: number, _b: number, _c: number, rm: number) {
  return int64D(fd, rd, r[2 * rs1 + 1]! * TWO32, r[2 * rs1]! >>> 0, rm);
}
export function fcvt_d_lu(
  r: Int32Array,
  fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return int64D(fd, rd, (r[2 * rs1 + 1]! >>> 0) * TWO32, r[2 * rs1]! >>> 0, rm);
}
export function fcvt_s_w(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return int64S(r, rd, 0, r[2 * rs1]!, rm);
}
export function fcvt_s_wu(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return int64S(r, rd, 0, r[2 * rs1]! >>> 0, rm);
}
export function fcvt_s_l(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return int64S(r, rd, r[2 * rs1 + 1]! * TWO32, r[2 * rs1]! >>> 0, rm);
}
export function fcvt_s_lu(
  r: Int32Array,
  _fd: Fd,
  rd: number,
  rs1: number,
  _b: number,
  _c: number,
  rm: number,
) {
  return int64S(r, rd, (r[2 * rs1 + 1]! >>> 0) * TWO32, r[2 * rs1]! >>> 0, rm);
}

// --- S <-> D ---

export function fcvt_s_d(r: Int32Array, fd: Fd, rd: number, rs1: number, _b: number, _c: number, rm: number) {
  const x = fd[FD + rs1]!;
  if (Number.isNaN(x)) {
    const nv = isSNaND(r, rs1) ? FFLAG_NV : 0;
    writeCanonS(r, rd);
    return nv;
  }
  const v = roundS(x, 0, rm);
  if (roundSFlags !== ROUND_SLOW) {
    writeS(r, rd, v);
    return roundSFlags;
  }
  const res = refConvert(FMT_D, FMT_S, regBitsD(r, rs1), rm);
  writeBitsS(r, rd, res.bits);
  return res.flags;
}

export function fcvt_d_s(r: Int32Array, fd: Fd, rd: number, rs1: number) {
  const x = readS(r, rs1);
  if (Number.isNaN(x)) {
    const nv = isSNaNS(r, rs1) ? FFLAG_NV : 0;
    writeCanonD(r, rd);
    return nv;
  }
  fd[FD + rd] = x; // exact
  return 0;
}
