// f and x register access on the HartState words (see ../state.ts): f[i] is r[F + 2i] (low
// word), r[F + 2i + 1]; x[i] is r[2i], r[2i + 1]. Singles are NaN-boxed: an S operand is valid
// only when the upper word is all ones, otherwise it reads as the canonical NaN, and every S
// result is written with the upper word all ones (F chapter, "NaN Boxing of Narrower Values").

import { F, F_DOUBLE } from "../state.js";

/** index of f0 in the Float64Array view */
export const FD = F_DOUBLE;

// One 8-byte scratch viewed three ways, to move between a value and its bits without allocating.
const scratch = new ArrayBuffer(8);
export const scratchF64 = new Float64Array(scratch);
export const scratchF32 = new Float32Array(scratch, 0, 1);
export const scratchI32 = new Int32Array(scratch);

export const CANON_S = 0x7fc00000;
export const CANON_D_HI = 0x7ff80000;

/** An S operand as a double: NaN when it is a NaN or not NaN-boxed. */
export function readS(r: Int32Array, i: number): number {
  const w = F + 2 * i;
  if (r[w + 1] !== -1) return Number.NaN;
  scratchI32[0] = r[w]!;
  return scratchF32[0]!;
}

/** Writes a non-NaN value that is exactly representable as a single. */
export function writeS(r: Int32Array, i: number, v: number): void {
  scratchF32[0] = v;
  const w = F + 2 * i;
  r[w] = scratchI32[0]!;
  r[w + 1] = -1;
}

export function writeCanonS(r: Int32Array, i: number): void {
  const w = F + 2 * i;
  r[w] = CANON_S;
  r[w + 1] = -1;
}

export function writeCanonD(r: Int32Array, i: number): void {
  const w = F + 2 * i;
  r[w] = 0;
  r[w + 1] = CANON_D_HI;
}

/** The S operand's 32 bits as an int32: the canonical NaN when it is not NaN-boxed. */
export function wordS(r: Int32Array, i: number): number {
  const w = F + 2 * i;
  return r[w + 1] === -1 ? r[w]! : CANON_S;
}

export function isSNaNS(r: Int32Array, i: number): boolean {
  const w = F + 2 * i;
  const lo = r[w]!;
  return r[w + 1] === -1 && (lo & 0x7fc00000) === 0x7f800000 && (lo & 0x003fffff) !== 0;
}

export function isSNaND(r: Int32Array, i: number): boolean {
  const w = F + 2 * i;
  const hi = r[w + 1]!;
  return (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x0007ffff) | r[w]!) !== 0;
}

/** Writes an x register (rd is X_SINK for x0, so no check). */
export function writeX(r: Int32Array, rd: number, lo: number, hi: number): void {
  r[2 * rd] = lo;
  r[2 * rd + 1] = hi;
}

// --- BigInt bridges for the slow path only ---

export function regBitsD(r: Int32Array, i: number): bigint {
  const w = F + 2 * i;
  return (BigInt(r[w + 1]! >>> 0) << 32n) | BigInt(r[w]! >>> 0);
}

export function regBitsS(r: Int32Array, i: number): bigint {
  return BigInt(wordS(r, i) >>> 0);
}

export function writeBitsD(r: Int32Array, i: number, bits: bigint): void {
  const w = F + 2 * i;
  r[w] = Number(BigInt.asIntN(32, bits));
  r[w + 1] = Number(BigInt.asIntN(32, bits >> 32n));
}

export function writeBitsS(r: Int32Array, i: number, bits: bigint): void {
  const w = F + 2 * i;
  r[w] = Number(BigInt.asIntN(32, bits));
  r[w + 1] = -1;
}

/** The bits of a non-NaN double. */
export function bitsOfD(x: number): bigint {
  scratchF64[0] = x;
  return (BigInt(scratchI32[1]! >>> 0) << 32n) | BigInt(scratchI32[0]! >>> 0);
}
