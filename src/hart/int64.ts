// 64-bit integer multiply and divide on (lo, hi) int32 pairs, writing straight into a register
// word pair r[d], r[d+1]. The common cases use only int32 and exact double arithmetic; BigInt is
// reserved for divisions whose operands do not fit in 53 bits.

const TWO32 = 4294967296;

/** High 32 bits of the unsigned 64-bit product of two uint32 values. */
export function mulhu32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** MUL: the low 64 bits of the product. */
export function mul(r: Int32Array, d: number, alo: number, ahi: number, blo: number, bhi: number): void {
  r[d] = Math.imul(alo, blo);
  r[d + 1] = (Math.imul(alo, bhi) + Math.imul(ahi, blo) + mulhu32(alo, blo)) | 0;
}

/**
 * MULHU / MULH / MULHSU: the high 64 bits of the 128-bit product. Signed forms correct the
 * unsigned product: for a negative operand, a = ua - 2^64, so subtract the other operand << 64.
 */
export function mulh(
  r: Int32Array,
  d: number,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
  aSigned: boolean,
  bSigned: boolean,
): void {
  const a0 = alo >>> 0;
  const a1 = ahi >>> 0;
  const b0 = blo >>> 0;
  const b1 = bhi >>> 0;
  // Partial products a_i * b_j as (high word, low word); each is exact as two uint32.
  const h00 = mulhu32(a0, b0) >>> 0;
  const l01 = Math.imul(a0, b1) >>> 0;
  const h01 = mulhu32(a0, b1) >>> 0;
  const l10 = Math.imul(a1, b0) >>> 0;
  const h10 = mulhu32(a1, b0) >>> 0;
  const l11 = Math.imul(a1, b1) >>> 0;
  const h11 = mulhu32(a1, b1) >>> 0;
  const c1 = Math.floor((h00 + l01 + l10) / TWO32);
  const s2 = h01 + h10 + l11 + c1;
  let lo = s2 >>> 0;
  let hi = (h11 + Math.floor(s2 / TWO32)) >>> 0;
  if (aSigned && ahi < 0) {
    // subtract b
    const nlo = (lo - b0) >>> 0;
    hi = (hi - b1 - (nlo > lo ? 1 : 0)) >>> 0;
    lo = nlo;
  }
  if (bSigned && bhi < 0) {
    const nlo = (lo - a0) >>> 0;
    hi = (hi - a1 - (nlo > lo ? 1 : 0)) >>> 0;
    lo = nlo;
  }
  r[d] = lo | 0;
  r[d + 1] = hi | 0;
}

/** True when the signed 64-bit value (lo, hi) lies in (-2^53, 2^53), exact as a double. */
function fitsSigned53(hi: number): boolean {
  return hi > -0x200000 && hi < 0x200000;
}

function setFromNumber(r: Int32Array, d: number, v: number): void {
  r[d] = (v % TWO32) | 0;
  r[d + 1] = Math.floor(v / TWO32) | 0;
}

function setFromBig(r: Int32Array, d: number, v: bigint): void {
  r[d] = Number(BigInt.asIntN(32, v));
  r[d + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

function big(lo: number, hi: number, signed: boolean): bigint {
  const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return signed ? BigInt.asIntN(64, v) : v;
}

/** (hi:lo) / d or % d, unsigned, for 0 < d < 2^32, into r[o..o+1]: long division in 16-bit digits,
 * every step exact in a double (a hash or a random number modulo a table size needs no BigInt). */
function longDivide(r: Int32Array, o: number, lo: number, hi: number, d: number, remainder: boolean): void {
  let x = hi >>> 16;
  const q3 = Math.floor(x / d);
  x = (x - q3 * d) * 65536 + (hi & 0xffff);
  const q2 = Math.floor(x / d);
  x = (x - q2 * d) * 65536 + (lo >>> 16);
  const q1 = Math.floor(x / d);
  x = (x - q1 * d) * 65536 + (lo & 0xffff);
  const q0 = Math.floor(x / d);
  if (remainder) {
    r[o] = (x - q0 * d) | 0;
    r[o + 1] = 0;
  } else {
    r[o] = (q1 * 65536 + q0) | 0;
    r[o + 1] = (q3 * 65536 + q2) | 0;
  }
}

/** r[o..o+1] = -(hi:lo). */
function negate(r: Int32Array, o: number, lo: number, hi: number): void {
  r[o] = -lo | 0;
  r[o + 1] = (~hi + (lo === 0 ? 1 : 0)) | 0;
}

/**
 * DIV/DIVU/REM/REMU (Unprivileged ISA, "M": division by zero gives all ones for the quotient and
 * the dividend for the remainder; signed overflow gives the dividend and a zero remainder).
 * Doubles where both operands fit in 53 bits, long division by divisors below 2^32, BigInt only
 * for a dividend beyond 2^53 divided by a divisor beyond 2^32.
 */
export function divrem(
  r: Int32Array,
  d: number,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
  signed: boolean,
  remainder: boolean,
): void {
  if (blo === 0 && bhi === 0) {
    if (remainder) {
      r[d] = alo;
      r[d + 1] = ahi;
    } else {
      r[d] = -1;
      r[d + 1] = -1;
    }
    return;
  }
  if (signed) {
    if (fitsSigned53(ahi) && fitsSigned53(bhi)) {
      // |a| < 2^53: the double quotient truncates to the exact integer quotient.
      const a = ahi * TWO32 + (alo >>> 0);
      const b = bhi * TWO32 + (blo >>> 0);
      const q = Math.trunc(a / b);
      setFromNumber(r, d, remainder ? a - q * b : q);
      return;
    }
    if (ahi === -0x80000000 && alo === 0 && blo === -1 && bhi === -1) {
      r[d] = remainder ? 0 : alo;
      r[d + 1] = remainder ? 0 : ahi;
      return;
    }
    // 0 < |b| < 2^32, b ≠ -1: divide the magnitudes, then the signs (the quotient is negative
    // when the signs differ, the remainder takes the dividend's).
    const bNeg = bhi < 0;
    if (bNeg ? bhi === -1 && blo !== 0 && blo !== -1 : bhi === 0) {
      const aNeg = ahi < 0;
      let mlo = alo;
      let mhi = ahi;
      if (aNeg) {
        negate(r, d, alo, ahi);
        mlo = r[d]!;
        mhi = r[d + 1]!;
      }
      longDivide(r, d, mlo, mhi, bNeg ? -blo >>> 0 : blo >>> 0, remainder);
      if (remainder ? aNeg : aNeg !== bNeg) negate(r, d, r[d]!, r[d + 1]!);
      return;
    }
  } else if (ahi >>> 0 < 0x200000 && bhi >>> 0 < 0x200000) {
    const a = (ahi >>> 0) * TWO32 + (alo >>> 0);
    const b = (bhi >>> 0) * TWO32 + (blo >>> 0);
    const q = Math.floor(a / b);
    setFromNumber(r, d, remainder ? a - q * b : q);
    return;
  } else if (bhi === 0) {
    longDivide(r, d, alo, ahi, blo >>> 0, remainder);
    return;
  }
  const a = big(alo, ahi, signed);
  const b = big(blo, bhi, signed);
  setFromBig(r, d, remainder ? a % b : a / b);
}

/** DIVW/DIVUW/REMW/REMUW on the low words; the 32-bit result is sign-extended. */
export function divremw(
  r: Int32Array,
  d: number,
  a: number,
  b: number,
  signed: boolean,
  remainder: boolean,
): void {
  let v: number;
  if (b === 0) v = remainder ? a : -1;
  else if (signed) {
    if (a === -0x80000000 && b === -1) v = remainder ? 0 : a;
    else v = remainder ? a % b : (a / b) | 0;
  } else {
    const ua = a >>> 0;
    const ub = b >>> 0;
    v = remainder ? ua % ub : Math.floor(ua / ub);
  }
  v |= 0;
  r[d] = v;
  r[d + 1] = v >> 31;
}
