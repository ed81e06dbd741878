// FEQ, FLT, FLE, FMIN, FMAX (.S and .D). F chapter: FEQ raises NV only for a signalling NaN,
// FLT and FLE for any NaN, all three write 0 when either operand is NaN. FMIN/FMAX return the
// other operand when one is NaN, the canonical NaN when both are, order -0 below +0, and raise NV
// for a signalling NaN. The chosen operand is copied bit for bit.

import { F, FFLAG_NV } from "../state.js";
import { FD, isSNaND, isSNaNS, readS, wordS, writeCanonD, writeCanonS, writeX } from "./regs.js";

type Fd = Float64Array;

function cmpFlagsD(r: Int32Array, rs1: number, rs2: number, quietOk: boolean): number {
  if (!quietOk) return FFLAG_NV;
  return isSNaND(r, rs1) || isSNaND(r, rs2) ? FFLAG_NV : 0;
}

function cmpFlagsS(r: Int32Array, rs1: number, rs2: number, quietOk: boolean): number {
  if (!quietOk) return FFLAG_NV;
  return isSNaNS(r, rs1) || isSNaNS(r, rs2) ? FFLAG_NV : 0;
}

export function feq_d(r: Int32Array, fd: Fd, rd: number, rs1: number, rs2: number) {
  const a = fd[FD + rs1]!;
  const b = fd[FD + rs2]!;
  const flags = Number.isNaN(a) || Number.isNaN(b) ? cmpFlagsD(r, rs1, rs2, true) : 0;
  writeX(r, rd, a === b ? 1 : 0, 0);
  return flags;
}
export function flt_d(r: Int32Array, fd: Fd, rd: number, rs1: number, rs2: number) {
  const a = fd[FD + rs1]!;
  const b = fd[FD + rs2]!;
  writeX(r, rd, a < b ? 1 : 0, 0);
  return Number.isNaN(a) || Number.isNaN(b) ? FFLAG_NV : 0;
}
export function fle_d(r: Int32Array, fd: Fd, rd: number, rs1: number, rs2: number) {
  const a = fd[FD + rs1]!;
  const b = fd[FD + rs2]!;
  writeX(r, rd, a <= b ? 1 : 0, 0);
  return Number.isNaN(a) || Number.isNaN(b) ? FFLAG_NV : 0;
}
export function feq_s(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  const a = readS(r, rs1);
  const b = readS(r, rs2);
  const flags = Number.isNaN(a) || Number.isNaN(b) ? cmpFlagsS(r, rs1, rs2, true) : 0;
  writeX(r, rd, a === b ? 1 : 0, 0);
  return flags;
}
export function flt_s(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  const a = readS(r, rs1);
  const b = readS(r, rs2);
  writeX(r, rd, a < b ? 1 : 0, 0);
  return Number.isNaN(a) || Number.isNaN(b) ? cmpFlagsS(r, rs1, rs2, false) : 0;
}
export function fle_s(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  const a = readS(r, rs1);
  const b = readS(r, rs2);
  writeX(r, rd, a <= b ? 1 : 0, 0);
  return Number.isNaN(a) || Number.isNaN(b) ? cmpFlagsS(r, rs1, rs2, false) : 0;
}

/** Which operand FMIN (max = false) or FMAX picks for non-NaN a, b; aNegative breaks the +-0 tie. */
function pickFirst(a: number, b: number, aNegative: boolean, max: boolean): boolean {
  if (a === b) return aNegative !== max;
  return a < b !== max;
}

function minMaxD(r: Int32Array, fd: Fd, rd: number, rs1: number, rs2: number, max: boolean): number {
  const a = fd[FD + rs1]!;
  const b = fd[FD + rs2]!;
  let flags = 0;
  let src: number;
  if (Number.isNaN(a) || Number.isNaN(b)) {
    flags = cmpFlagsD(r, rs1, rs2, true);
    if (Number.isNaN(a) && Number.isNaN(b)) {
      writeCanonD(r, rd);
      return flags;
    }
    src = Number.isNaN(a) ? rs2 : rs1;
  } else src = pickFirst(a, b, r[F + 2 * rs1 + 1]! < 0, max) ? rs1 : rs2;
  r[F + 2 * rd] = r[F + 2 * src]!;
  r[F + 2 * rd + 1] = r[F + 2 * src + 1]!;
  return flags;
}

function minMaxS(r: Int32Array, rd: number, rs1: number, rs2: number, max: boolean): number {
  const a = readS(r, rs1);
  const b = readS(r, rs2);
  let flags = 0;
  let src: number;
  if (Number.isNaN(a) || Number.isNaN(b)) {
    flags = cmpFlagsS(r, rs1, rs2, true);
    if (Number.isNaN(a) && Number.isNaN(b)) {
      writeCanonS(r, rd);
      return flags;
    }
    src = Number.isNaN(a) ? rs2 : rs1;
  } else src = pickFirst(a, b, wordS(r, rs1) < 0, max) ? rs1 : rs2;
  r[F + 2 * rd] = r[F + 2 * src]!; // a non-NaN S operand is NaN-boxed already
  r[F + 2 * rd + 1] = -1;
  return flags;
}

export function fmin_d(r: Int32Array, fd: Fd, rd: number, rs1: number, rs2: number) {
  return minMaxD(r, fd, rd, rs1, rs2, false);
}
export function fmax_d(r: Int32Array, fd: Fd, rd: number, rs1: number, rs2: number) {
  return minMaxD(r, fd, rd, rs1, rs2, true);
}
export function fmin_s(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  return minMaxS(r, rd, rs1, rs2, false);
}
export function fmax_s(r: Int32Array, _fd: Fd, rd: number, rs1: number, rs2: number) {
  return minMaxS(r, rd, rs1, rs2, true);
}
