// DIV/DIVU/REM/REMU for compiled code: int64.ts's divrem, with one more case that needs no BigInt:
// a dividend beyond 2^53 by a divisor below 2^32 (a hash or a random number modulo a table size),
// as long division in 16-bit digits, every step exact in a double. Results go to out[0], out[1].

import { divrem } from "../int64.js";

/** (hi:lo) / d or % d, unsigned, for 0 < d < 2^32; into out[0..1]. */
function longDivide(out: Int32Array, lo: number, hi: number, d: number, remainder: boolean): void {
  let r = 0;
  let x = r * 65536 + (hi >>> 16);
  const q3 = Math.floor(x / d);
  r = x - q3 * d;
  x = r * 65536 + (hi & 0xffff);
  const q2 = Math.floor(x / d);
  r = x - q2 * d;
  x = r * 65536 + (lo >>> 16);
  const q1 = Math.floor(x / d);
  r = x - q1 * d;
  x = r * 65536 + (lo & 0xffff);
  const q0 = Math.floor(x / d);
  r = x - q0 * d;
  if (remainder) {
    out[0] = r | 0;
    out[1] = 0;
  } else {
    out[0] = (q1 * 65536 + q0) | 0;
    out[1] = (q3 * 65536 + q2) | 0;
  }
}

/** Negate (hi:lo) into out[0..1]. */
function negate(out: Int32Array, lo: number, hi: number): void {
  out[0] = -lo | 0;
  out[1] = (~hi + (lo === 0 ? 1 : 0)) | 0;
}

/** Same contract as int64.ts divrem (RISC-V M: division by zero and overflow included). */
export function divrem64(
  out: Int32Array,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
  signed: boolean,
  remainder: boolean,
): void {
  if (!signed) {
    if (bhi === 0 && blo !== 0 && ahi >>> 0 >= 0x200000) {
      longDivide(out, alo, ahi, blo >>> 0, remainder);
      return;
    }
  } else if (ahi <= -0x200000 || ahi >= 0x200000) {
    // |a| >= 2^53 and |b| < 2^32 (b not 0, -1 or INT64_MIN): on magnitudes, signs after
    const bNeg = bhi < 0;
    const bSmall = bNeg ? bhi === -1 && blo !== 0 && blo !== -1 : bhi === 0 && blo !== 0;
    if (bSmall) {
      const aNeg = ahi < 0;
      let mlo = alo;
      let mhi = ahi;
      if (aNeg) {
        negate(out, alo, ahi);
        mlo = out[0]!;
        mhi = out[1]!;
      }
      const d = bNeg ? -blo >>> 0 : blo >>> 0;
      longDivide(out, mlo, mhi, d, remainder);
      if (remainder ? aNeg : aNeg !== bNeg) negate(out, out[0]!, out[1]!);
      return;
    }
  }
  divrem(out, 0, alo, ahi, blo, bhi, signed, remainder);
}
