// IEEE 754 binary32 (S) and binary64 (D): the parameters and exact decoding the BigInt
// reference path works with. A finite value is (-1)^sign * mag * 2^exp with an integer mag.

export interface FloatFormat {
  readonly name: "S" | "D";
  readonly expBits: number;
  readonly fracBits: number;
  readonly bias: number;
  /** biased exponent of inf and NaN (all ones) */
  readonly expMax: number;
  readonly signBit: bigint;
  readonly fracMask: bigint;
  readonly inf: bigint;
  readonly maxFinite: bigint;
  /** RISC-V's canonical NaN: positive, quiet, payload zero (Unprivileged ISA, "NaN Generation and Propagation") */
  readonly canonicalNaN: bigint;
}

function makeFormat(name: "S" | "D", expBits: number, fracBits: number): FloatFormat {
  const expMax = (1 << expBits) - 1;
  const inf = BigInt(expMax) << BigInt(fracBits);
  return {
    name,
    expBits,
    fracBits,
    bias: (1 << (expBits - 1)) - 1,
    expMax,
    signBit: 1n << BigInt(expBits + fracBits),
    fracMask: (1n << BigInt(fracBits)) - 1n,
    inf,
    maxFinite: inf - 1n,
    canonicalNaN: inf | (1n << BigInt(fracBits - 1)),
  };
}

export const FMT_S = makeFormat("S", 8, 23);
export const FMT_D = makeFormat("D", 11, 52);

export const KIND_NAN = 0;
export const KIND_INF = 1;
export const KIND_ZERO = 2;
export const KIND_FINITE = 3;

export interface Decoded {
  kind: number;
  sign: number;
  /** the integer significand of a finite nonzero value */
  mag: bigint;
  exp: number;
  /** a NaN whose quiet bit (the top fraction bit) is clear */
  signalling: boolean;
}

export function decode(fmt: FloatFormat, bits: bigint): Decoded {
  const sign = (bits & fmt.signBit) !== 0n ? 1 : 0;
  const e = Number((bits >> BigInt(fmt.fracBits)) & BigInt(fmt.expMax));
  const frac = bits & fmt.fracMask;
  if (e === fmt.expMax) {
    if (frac === 0n) return { kind: KIND_INF, sign, mag: 0n, exp: 0, signalling: false };
    const quiet = frac >> BigInt(fmt.fracBits - 1) !== 0n;
    return { kind: KIND_NAN, sign, mag: 0n, exp: 0, signalling: !quiet };
  }
  if (e === 0) {
    if (frac === 0n) return { kind: KIND_ZERO, sign, mag: 0n, exp: 0, signalling: false };
    return { kind: KIND_FINITE, sign, mag: frac, exp: 1 - fmt.bias - fmt.fracBits, signalling: false };
  }
  return {
    kind: KIND_FINITE,
    sign,
    mag: frac | (1n << BigInt(fmt.fracBits)),
    exp: e - fmt.bias - fmt.fracBits,
    signalling: false,
  };
}

export function zeroBits(fmt: FloatFormat, sign: number): bigint {
  return sign ? fmt.signBit : 0n;
}

export function infBits(fmt: FloatFormat, sign: number): bigint {
  return sign ? fmt.signBit | fmt.inf : fmt.inf;
}

/** Number of significant bits of a positive bigint. */
export function bitLength(x: bigint): number {
  const hex = x.toString(16);
  const lead = Number.parseInt(hex[0]!, 16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(lead));
}
