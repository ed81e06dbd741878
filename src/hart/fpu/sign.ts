// FSGNJ, FSGNJN, FSGNJX (.S and .D) and the FMV moves: bit operations only, no flags and no
// NaN canonicalisation (F chapter, "Floating-Point Sign Injection" and "Floating-Point Move").
// An S operand that is not NaN-boxed still reads as the canonical NaN (F chapter, "NaN Boxing").

import { F } from "../state.js";
import { wordS, writeX } from "./regs.js";

type Fd = Float64Array;
const SIGN = -0x80000000 | 0;

function sgnjD(r: Int32Array, rd: number, rs1: number, rs2: number, mode: number): number {
  const hi1 = r[F + 2 * rs1 + 1]!;
  const hi2 = r[F + 2 * rs2 + 1]!;
  const sign = mode === 0 ? hi2 : mode === 1 ? ~hi2 : hi1 ^ hi2;
  r[F + 2 * rd] = r[F + 2 * rs1]!;
  r[F + 2 * rd + 1] = (hi1 & 0x7fffffff) | (sign & SIGN);
  return 0;
}

function sgnjS(r: Int32Array, rd: number, rs1: number, rs2: number, mode: number): number {
  const w1 = wordS(r, rs1);
  const w2 = wordS(r, rs2);
  const sign = mode === 0 ? w2 : mode === 1 ? ~w2 : w1 ^ w2;
  r[F + 2 * rd] = (w1 & 0x7fffffff) | (sign & SIGN);
  r[F + 2 * rd + 1] = -1;
  return 0;
}

export function fsgnj_d(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  return sgnjD(r, rd, rs1, rs2, 0);
}
export function fsgnjn_d(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  return sgnjD(r, rd, rs1, rs2, 1);
}
export function fsgnjx_d(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  return sgnjD(r, rd, rs1, rs2, 2);
}
export function fsgnj_s(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  return sgnjS(r, rd, rs1, rs2, 0);
}
export function fsgnjn_s(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  return sgnjS(r, rd, rs1, rs2, 1);
}
export function fsgnjx_s(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  return sgnjS(r, rd, rs1, rs2, 2);
}

/** FMV.X.W: the raw low 32 bits (no NaN-boxing check), sign-extended. */
export function fmv_x_w(r: Int32Array, _fd: Fd, rd: number, rs1: number) {
  const w = r[F + 2 * rs1]!;
  writeX(r, rd, w, w >> 31);
  return 0;
}
/** FMV.W.X: x[rs1]'s low 32 bits, NaN-boxed. */
export function fmv_w_x(r: Int32Array, _fd: Fd, rd: number, rs1: number) {
  r[F + 2 * rd] = r[2 * rs1]!;
  r[F + 2 * rd + 1] = -1;
  return 0;
}
export function fmv_x_d(r: Int32Array, _fd: Fd, rd: number, rs1: number) {
  writeX(r, rd, r[F + 2 * rs1]!, r[F + 2 * rs1 + 1]!);
  return 0;
}
export function fmv_d_x(r: Int32Array, _fd: Fd, rd: number, rs1: number) {
  r[F + 2 * rd] = r[2 * rs1]!;
  r[F + 2 * rd + 1] = r[2 * rs1 + 1]!;
  return 0;
}
