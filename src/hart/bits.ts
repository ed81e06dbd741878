// Bit operations on int32 words that JavaScript lacks (Math.clz32 it has), for the bit-manipulation
// instructions (Zbb) as js-lowering.ts spells them.

/** Trailing zeros; 32 for 0. */
export function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

/** Set bits. */
export function cpop32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** The four bytes in reverse order. */
export function bswap32(x: number): number {
  return (x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24) | 0;
}

/** Each byte becomes 0xff if any of its bits is set, else stays 0 (orc.b). */
export function orcb32(x: number): number {
  let out = 0;
  for (let s = 0; s < 32; s += 8) if (((x >>> s) & 0xff) !== 0) out |= 0xff << s;
  return out;
}
