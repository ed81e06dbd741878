// Bucket layouts of quantize(), lquantize() and llquantize(): which bucket a value falls in, and
// the value each bucket stands for. The layouts are DTrace's, so counts land where dtrace(1)
// would put them and print the same rows.
//
//   quantize    127 buckets: -2^62 .. -2, -1, 0, 1, 2, 4 .. 2^62. Bucket 2^k (k >= 0) holds
//               [2^k, 2^(k+1)); bucket -2^k holds (-2^(k+1), -2^k]; INT64_MIN joins -2^62 and
//               values >= 2^62 join 2^62.
//   lquantize   levels = (high - low) / step; bucket 0 holds v < low, bucket i (1..levels) holds
//               [low + (i-1)*step, low + i*step), bucket levels+1 holds v >= low + levels*step.
//   llquantize  bucket 0 holds v < factor^low; then each order of magnitude m = low..high covers
//               [factor^m, factor^(m+1)) in steps of factor^(m+1)/min(nsteps, factor^(m+1)),
//               starting at factor^m; the last bucket holds v >= factor^(high+1).

import { type IntValue, log2Floor, normalBig, toBig } from "./values.js";

export const QUANTIZE_BUCKETS = 127;
export const QUANTIZE_ZERO = 63;

/** The value bucket i of quantize() stands for (its lower end; for negatives its upper end). */
export function quantizeBucketValue(i: number): IntValue {
  if (i === QUANTIZE_ZERO) return 0;
  if (i > QUANTIZE_ZERO) return pow2(i - QUANTIZE_ZERO - 1);
  const v = pow2(QUANTIZE_ZERO - 1 - i);
  return typeof v === "number" ? -v : -v;
}

function pow2(k: number): IntValue {
  return k < 53 ? 2 ** k : 1n << BigInt(k);
}

/** The quantize() bucket of v (an int64). */
export function quantizeBucket(v: IntValue): number {
  if (v > 0) return Math.min(QUANTIZE_ZERO + 1 + log2Floor(v), QUANTIZE_BUCKETS - 1);
  if (v === 0 || v === 0n) return QUANTIZE_ZERO;
  const m = typeof v === "number" ? -v : -v;
  return Math.max(QUANTIZE_ZERO - 1 - log2Floor(m), 0);
}

/** The inclusive range of values quantize() bucket i holds. */
export function quantizeBucketRange(i: number): [IntValue, IntValue] {
  if (i === QUANTIZE_ZERO) return [0, 0];
  if (i > QUANTIZE_ZERO) {
    const lo = toBig(quantizeBucketValue(i));
    const hi = i === QUANTIZE_BUCKETS - 1 ? (1n << 63n) - 1n : lo * 2n - 1n;
    return [normalBig(lo), normalBig(hi)];
  }
  const hi = toBig(quantizeBucketValue(i));
  const lo = i === 0 ? -(1n << 63n) : hi * 2n + 1n;
  return [normalBig(lo), normalBig(hi)];
}

/** The parameters of one lquantize() aggregation. */
export class LinearLayout {
  /** number of in-range buckets */
  readonly levels: number;
  constructor(
    readonly low: number,
    readonly high: number,
    readonly step: number,
  ) {
    for (const [what, v] of [
      ["lower bound", low],
      ["upper bound", high],
      ["step", step],
    ] as const) {
      if (!Number.isInteger(v)) throw new RangeError(`lquantize(): ${what} must be an integer, got ${v}`);
    }
    if (low < -(2 ** 31) || low >= 2 ** 31)
      throw new RangeError(`lquantize(): lower bound ${low} is not a 32-bit value`);
    if (high < -(2 ** 31) || high >= 2 ** 31)
      throw new RangeError(`lquantize(): upper bound ${high} is not a 32-bit value`);
    if (high <= low)
      throw new RangeError(`lquantize(): upper bound ${high} must be greater than lower bound ${low}`);
    if (step < 1 || step > 0xffff)
      throw new RangeError(`lquantize(): step ${step} must be between 1 and 65535`);
    this.levels = Math.floor((high - low) / step);
    if (this.levels < 1)
      throw new RangeError(`lquantize(): step ${step} is larger than the range ${low}..${high}`);
    if (this.levels > 0xffff) {
      throw new RangeError(`lquantize(): ${this.levels} levels between ${low} and ${high} (at most 65535)`);
    }
  }

  get buckets(): number {
    return this.levels + 2;
  }

  bucket(v: IntValue): number {
    if (v < this.low) return 0;
    const i =
      typeof v === "number"
        ? Math.floor((v - this.low) / this.step)
        : Number((v - BigInt(this.low)) / BigInt(this.step));
    return i >= this.levels ? this.levels + 1 : i + 1;
  }

  /** The value row i stands for: low - 1 for the underflow row, as dt_aggregate_lquantizedsum weighs it. */
  bucketValue(i: number): number {
    if (i === 0) return this.low - 1;
    if (i === this.levels + 1) return this.low + this.levels * this.step + 1;
    return this.low + (i - 1) * this.step;
  }

  /** The row label dtrace prints for bucket i. */
  label(i: number): string {
    if (i === 0) return `< ${this.low}`;
    if (i === this.levels + 1) return `>= ${this.low + this.levels * this.step}`;
    return String(this.low + (i - 1) * this.step);
  }

  range(i: number): [IntValue, IntValue] {
    if (i === 0) return [normalBig(-(1n << 63n)), this.low - 1];
    if (i === this.levels + 1) return [this.low + this.levels * this.step, normalBig((1n << 63n) - 1n)];
    const lo = this.low + (i - 1) * this.step;
    return [lo, lo + this.step - 1];
  }

  sameAs(o: LinearLayout): boolean {
    return this.low === o.low && this.high === o.high && this.step === o.step;
  }
}

/** A bound on llquantize() buckets, so a typo in the parameters cannot take all memory. */
const MAX_LOG_LINEAR_BUCKETS = 1 << 16;

/** The parameters of one llquantize() aggregation, with each bucket's lower value precomputed. */
export class LogLinearLayout {
  /** lower value of every bucket but the underflow one; values[buckets - 1] is factor^(high+1) */
  private readonly starts: IntValue[];
  /** first in-range value, factor^low */
  readonly first: IntValue;

  constructor(
    readonly factor: number,
    readonly low: number,
    readonly high: number,
    readonly nsteps: number,
  ) {
    for (const [what, v] of [
      ["factor", factor],
      ["low magnitude", low],
      ["high magnitude", high],
      ["steps", nsteps],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
        throw new RangeError(`llquantize(): ${what} must be an unsigned 16-bit integer, got ${v}`);
      }
    }
    if (factor < 2) throw new RangeError(`llquantize(): factor ${factor} must be at least 2`);
    if (high < low)
      throw new RangeError(`llquantize(): high magnitude ${high} is below low magnitude ${low}`);
    if (nsteps < factor || nsteps % factor !== 0) {
      throw new RangeError(`llquantize(): steps ${nsteps} must be a multiple of factor ${factor}`);
    }
    const f = BigInt(factor);
    if (f ** BigInt(high + 1) > (1n << 64n) - 1n) {
      throw new RangeError(`llquantize(): ${factor}^${high + 1} overflows 64 bits`);
    }
    const n = BigInt(nsteps);
    const starts: bigint[] = [];
    let value = f ** BigInt(low);
    this.first = normalBig(value);
    for (let m = low; m <= high; m++) {
      const next = value * f;
      if (next > n && next % n !== 0n) {
        throw new RangeError(`llquantize(): steps ${nsteps} must divide ${factor}^${m + 1} evenly`);
      }
      const step = next > n ? next / n : 1n;
      if (starts.length + Number((next - value) / step) > MAX_LOG_LINEAR_BUCKETS) {
        throw new RangeError(`llquantize(): more than ${MAX_LOG_LINEAR_BUCKETS} buckets`);
      }
      for (let v = value; v < next; v += step) starts.push(v);
      value = next;
    }
    starts.push(value);
    this.starts = starts.map(normalBig);
  }

  /** underflow bucket + in-range buckets + overflow bucket */
  get buckets(): number {
    return this.starts.length + 1;
  }

  bucket(v: IntValue): number {
    const s = this.starts;
    if (v < s[0]) return 0;
    // binary search for the last start <= v
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** The value bucket i stands for (factor^low - 1 for the underflow bucket, as dtrace weighs it). */
  bucketValue(i: number): IntValue {
    if (i === 0) return normalBig(toBig(this.first) - 1n);
    return this.starts[i - 1];
  }

  label(i: number): string {
    if (i === 0) return `< ${this.first}`;
    if (i === this.buckets - 1) return `>= ${this.starts[i - 1]}`;
    return String(this.starts[i - 1]);
  }

  range(i: number): [IntValue, IntValue] {
    if (i === 0) return [normalBig(-(1n << 63n)), normalBig(toBig(this.first) - 1n)];
    if (i === this.buckets - 1) return [this.starts[i - 1], normalBig((1n << 63n) - 1n)];
    return [this.starts[i - 1], normalBig(toBig(this.starts[i]) - 1n)];
  }

  sameAs(o: LogLinearLayout): boolean {
    return this.factor === o.factor && this.low === o.low && this.high === o.high && this.nsteps === o.nsteps;
  }
}
