// Aggregations: count, sum, min, max, avg, stddev, quantize, lquantize, llquantize, keyed by
// tuples of integers and strings, with clear(), trunc() and normalize().
//
// The compiled D code calls an aggregation's addK method at every firing, K being the key
// tuple's length (add0 for `@a = count()`, add1 for `@a[k] = ...`, add2, and addN for longer
// tuples). A key tuple known when the clause is compiled (`@[probename]` in the clause made for
// one probe, a literal) is bound once with bind(keys), and the bound key's add() skips the
// lookup altogether. The common path allocates nothing: the entry is found by KeyedTable, values are numbers
// while they are safe integers, and a value that grows past 2^53 moves that entry to a bigint
// (D integers are int64; sums wrap at 2^64 as DTrace's do).
//
// Values passed in are D int64 values in normal form (values.ts); a bigint is wrapped to int64
// here, so an unsigned register value 0xffff_ffff_ffff_ffff counts as -1 like DTrace's (int64_t)
// cast of it.

import {
  LinearLayout,
  LogLinearLayout,
  QUANTIZE_BUCKETS,
  QUANTIZE_ZERO,
  quantizeBucket,
  quantizeBucketValue as quantizeBucketValueFor,
  quantizeBucketRange as quantizeRange,
} from "./buckets.js";
import { type Entry, KeyedTable, KeyHandle } from "./keyed-table.js";
import { stddevValue } from "./stddev.js";
import {
  INT64,
  type IntType,
  type IntValue,
  int64,
  MAX_SAFE,
  normalBig,
  toBig,
  truncDiv,
  UINT64,
  type Value,
  type ValueType,
} from "./values.js";

export type AggregationKind =
  | "count"
  | "sum"
  | "min"
  | "max"
  | "avg"
  | "stddev"
  | "quantize"
  | "lquantize"
  | "llquantize";

/** Behaviour common to every aggregation; E is its entry type. */
export abstract class Aggregation<E extends Entry = Entry> {
  abstract readonly kind: AggregationKind;
  /** the entries, found by key tuple */
  readonly table: KeyedTable<E>;
  /** the divisor normalize() set (1 when none) */
  normal: IntValue = 1;
  /** set when printa() has printed this aggregation, so the exit does not print it again */
  printed = false;

  constructor(
    /** the aggregation variable's id: its rank among the program's aggregations, from 1 */
    readonly id: number,
    /** its name as written, "@" for the anonymous aggregation */
    readonly name: string,
    /** the type of each key in the tuple */
    readonly keyTypes: readonly ValueType[],
  ) {
    this.table = new KeyedTable<E>(keyTypes.length, (keys) => this.newEntry(keys));
  }

  /** An entry for `keys` with the value of an aggregation that has seen nothing. */
  abstract newEntry(keys: Value[]): E;
  /** Sets e's value back to that of an entry that has seen nothing. */
  protected abstract resetEntry(e: E): void;
  /** Orders two entries by value as dtrace sorts them (dt_aggregate_valcmp). */
  abstract compareValues(a: E, b: E): number;

  get entries(): readonly E[] {
    return this.table.entries;
  }

  /** clear(): every value back to zero; the keys stay. */
  clear(): void {
    for (const e of this.table.entries) this.resetEntry(e);
  }

  /**
   * trunc(@a, n): keep the n entries with the largest values (n > 0), the |n| with the smallest
   * (n < 0), or none (n omitted or 0). Ties at the cut keep the entries whose keys sort last
   * (n > 0) or first (n < 0), as dtrace's value-then-key walk does.
   */
  trunc(n?: IntValue): void {
    if (n === undefined || n === 0 || n === 0n) {
      this.table.clearAll();
      return;
    }
    const keep = Number(n < 0 ? -toBig(n) : toBig(n));
    const order = [...this.table.entries].sort(
      (a, b) => this.compareValues(a, b) || compareKeyTuples(this.keyTypes, a, b),
    );
    if (n > 0) order.reverse();
    if (keep >= order.length) return;
    const kept = new Set(order.slice(0, keep));
    this.table.retain(this.table.entries.filter((e) => kept.has(e)));
  }

  /** normalize(@a, n): print values divided by n. */
  normalize(n: IntValue): void {
    if (n === 0 || n === 0n)
      throw new RangeError(`normalize(${this.name}): the normalization factor must not be 0`);
    this.normal = int64(n);
  }

  /** denormalize(@a): print raw values again. */
  denormalize(): void {
    this.normal = 1;
  }
}

/** Compares two key tuples as dtrace does: integers as unsigned numbers of their size, strings byte-wise. */
export function compareKeyTuples(
  keyTypes: readonly ValueType[],
  a: { readonly keys: readonly Value[] },
  b: { readonly keys: readonly Value[] },
  keyPos = 0,
): number {
  const n = a.keys.length;
  const start = keyPos >= n || keyPos < 0 ? 0 : keyPos;
  for (let i = 0; i < n; i++) {
    const j = (i + start) % n;
    const c = compareKey(keyTypes[j], a.keys[j], b.keys[j]);
    if (c !== 0) return c;
  }
  return 0;
}

/** Orders strings as their UTF-8 bytes compare (dtrace compares string keys byte by byte). */
export function compareUtf8(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return i < a.length ? 1 : j < b.length ? -1 : 0;
}

function compareKey(type: ValueType, a: Value, b: Value): number {
  // stacks are fixed-width hex per frame (stacks.ts): as strings they compare frame by frame
  if (type.kind !== "int" || typeof a === "string" || typeof b === "string") {
    return compareUtf8(String(a), String(b));
  }
  // dt_aggregate_keycmp reads integer keys as unsigned quantities of their size
  const bits = BigInt(type.size * 8);
  const ua = BigInt.asUintN(Number(bits), toBig(a));
  const ub = BigInt.asUintN(Number(bits), toBig(b));
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function compareIntValues(a: IntValue, b: IntValue): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Scalar aggregations

/** An aggregation whose value is one integer (count, sum, min, max, avg, stddev). */
export abstract class ScalarAggregation<E extends Entry = Entry> extends Aggregation<E> {
  /** the type printa's %@ conversions see (count and stddev are unsigned, the rest signed) */
  abstract readonly valueType: IntType;
  /** The value dtrace prints for e, divided by `normal` as dtrace divides it. */
  abstract printedValue(e: E, normal: IntValue): IntValue;
}

export class CountEntry implements Entry {
  value = 0;
  constructor(readonly keys: readonly Value[]) {}
}

/** count(): the number of firings. */
export class CountAggregation extends ScalarAggregation<CountEntry> {
  readonly kind = "count";
  readonly valueType = UINT64;

  add0(): void {
    this.table.get0().value++;
  }
  add1(k: Value): void {
    this.table.get1(k).value++;
  }
  add2(k0: Value, k1: Value): void {
    this.table.get2(k0, k1).value++;
  }
  addN(keys: readonly Value[]): void {
    this.table.getN(keys).value++;
  }
  /** The updates of a key tuple fixed at compile time. */
  bind(keys: readonly Value[]): BoundCount {
    return new BoundCount(new KeyHandle(this.table, keys));
  }

  newEntry(keys: Value[]): CountEntry {
    return new CountEntry(keys);
  }
  protected resetEntry(e: CountEntry): void {
    e.value = 0;
  }
  compareValues(a: CountEntry, b: CountEntry): number {
    return a.value - b.value;
  }
  printedValue(e: CountEntry, normal: IntValue): IntValue {
    return truncDiv(e.value, normal);
  }
}

/** count() on a bound key. */
export class BoundCount {
  constructor(private readonly key: KeyHandle<CountEntry>) {}
  add(): void {
    this.key.get().value++;
  }
}

export class SumEntry implements Entry {
  value = 0;
  /** the value when it is not a safe integer (then `value` is unused) */
  big: bigint | null = null;
  constructor(readonly keys: readonly Value[]) {}
}

function sumOf(e: { value: number; big: bigint | null }): IntValue {
  return e.big === null ? e.value : e.big;
}

/** Adds v to e's int64 total; the slow path of every summing aggregation. */
function addSlow(e: { value: number; big: bigint | null }, v: IntValue): void {
  const r = normalBig(BigInt.asIntN(64, toBig(sumOf(e)) + toBig(v)));
  if (typeof r === "number") {
    e.value = r;
    e.big = null;
  } else {
    e.big = r;
  }
}

function addTo(e: { value: number; big: bigint | null }, v: IntValue): void {
  if (typeof v === "number" && e.big === null) {
    const r = e.value + v;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) {
      e.value = r;
      return;
    }
  }
  addSlow(e, v);
}

/** sum(x): the int64 total of x. */
export class SumAggregation extends ScalarAggregation<SumEntry> {
  readonly kind = "sum";
  readonly valueType = INT64;

  add0(v: IntValue): void {
    addTo(this.table.get0(), v);
  }
  add1(k: Value, v: IntValue): void {
    addTo(this.table.get1(k), v);
  }
  add2(k0: Value, k1: Value, v: IntValue): void {
    addTo(this.table.get2(k0, k1), v);
  }
  addN(keys: readonly Value[], v: IntValue): void {
    addTo(this.table.getN(keys), v);
  }
  bind(keys: readonly Value[]): BoundSum {
    return new BoundSum(new KeyHandle(this.table, keys));
  }

  newEntry(keys: Value[]): SumEntry {
    return new SumEntry(keys);
  }
  protected resetEntry(e: SumEntry): void {
    e.value = 0;
    e.big = null;
  }
  compareValues(a: SumEntry, b: SumEntry): number {
    return compareIntValues(sumOf(a), sumOf(b));
  }
  printedValue(e: SumEntry, normal: IntValue): IntValue {
    return truncDiv(sumOf(e), normal);
  }
}

/** sum() on a bound key. */
export class BoundSum {
  constructor(private readonly key: KeyHandle<SumEntry>) {}
  add(v: IntValue): void {
    addTo(this.key.get(), v);
  }
}

export class ExtremeEntry implements Entry {
  value = 0;
  big: bigint | null = null;
  /** false until the first value (and again after clear(), which prints 0) */
  seen = false;
  constructor(readonly keys: readonly Value[]) {}
}

/** min(x) and max(x). */
export class ExtremeAggregation extends ScalarAggregation<ExtremeEntry> {
  readonly valueType = INT64;

  constructor(
    readonly kind: "min" | "max",
    id: number,
    name: string,
    keyTypes: readonly ValueType[],
  ) {
    super(id, name, keyTypes);
  }

  /** Folds v into entry e. */
  update(e: ExtremeEntry, v: IntValue): void {
    if (typeof v === "number" && e.big === null && e.seen) {
      if (this.kind === "min" ? v < e.value : v > e.value) e.value = v;
      return;
    }
    this.updateSlow(e, v);
  }

  private updateSlow(e: ExtremeEntry, v: IntValue): void {
    const n = int64(v);
    const cur = sumOf(e);
    if (!e.seen || (this.kind === "min" ? n < cur : n > cur)) {
      if (typeof n === "number") {
        e.value = n;
        e.big = null;
      } else {
        e.big = n;
      }
    }
    e.seen = true;
  }

  add0(v: IntValue): void {
    this.update(this.table.get0(), v);
  }
  add1(k: Value, v: IntValue): void {
    this.update(this.table.get1(k), v);
  }
  add2(k0: Value, k1: Value, v: IntValue): void {
    this.update(this.table.get2(k0, k1), v);
  }
  addN(keys: readonly Value[], v: IntValue): void {
    this.update(this.table.getN(keys), v);
  }
  bind(keys: readonly Value[]): BoundExtreme {
    return new BoundExtreme(this, new KeyHandle(this.table, keys));
  }

  newEntry(keys: Value[]): ExtremeEntry {
    return new ExtremeEntry(keys);
  }
  protected resetEntry(e: ExtremeEntry): void {
    e.value = 0;
    e.big = null;
    e.seen = false;
  }
  compareValues(a: ExtremeEntry, b: ExtremeEntry): number {
    return compareIntValues(sumOf(a), sumOf(b));
  }
  printedValue(e: ExtremeEntry, normal: IntValue): IntValue {
    return truncDiv(sumOf(e), normal);
  }
}

/** min() or max() on a bound key. */
export class BoundExtreme {
  constructor(
    private readonly agg: ExtremeAggregation,
    private readonly key: KeyHandle<ExtremeEntry>,
  ) {}
  add(v: IntValue): void {
    this.agg.update(this.key.get(), v);
  }
}

export class AvgEntry implements Entry {
  count = 0;
  /** the int64 sum */
  value = 0;
  big: bigint | null = null;
  constructor(readonly keys: readonly Value[]) {}
}

/** avg(x): the integer mean, sum / count truncated, as dtrace prints it. */
export class AvgAggregation extends ScalarAggregation<AvgEntry> {
  readonly kind = "avg";
  readonly valueType = INT64;

  /** Folds v into entry e. */
  static update(e: AvgEntry, v: IntValue): void {
    e.count++;
    addTo(e, v);
  }
  add0(v: IntValue): void {
    AvgAggregation.update(this.table.get0(), v);
  }
  add1(k: Value, v: IntValue): void {
    AvgAggregation.update(this.table.get1(k), v);
  }
  add2(k0: Value, k1: Value, v: IntValue): void {
    AvgAggregation.update(this.table.get2(k0, k1), v);
  }
  addN(keys: readonly Value[], v: IntValue): void {
    AvgAggregation.update(this.table.getN(keys), v);
  }
  bind(keys: readonly Value[]): BoundAvg {
    return new BoundAvg(new KeyHandle(this.table, keys));
  }

  newEntry(keys: Value[]): AvgEntry {
    return new AvgEntry(keys);
  }
  protected resetEntry(e: AvgEntry): void {
    e.count = 0;
    e.value = 0;
    e.big = null;
  }
  /** dt_aggregate_averagecmp: the truncated means */
  compareValues(a: AvgEntry, b: AvgEntry): number {
    return compareIntValues(this.printedValue(a, 1), this.printedValue(b, 1));
  }
  /** dt_print_average: sum / normal / count */
  printedValue(e: AvgEntry, normal: IntValue): IntValue {
    return e.count === 0 ? 0 : truncDiv(truncDiv(sumOf(e), normal), e.count);
  }
}

/** avg() on a bound key. */
export class BoundAvg {
  constructor(private readonly key: KeyHandle<AvgEntry>) {}
  add(v: IntValue): void {
    AvgAggregation.update(this.key.get(), v);
  }
}

export class StddevEntry implements Entry {
  count = 0;
  /** the int64 sum */
  value = 0;
  big: bigint | null = null;
  /** the sum of squares while it is a safe integer */
  squares = 0;
  /** the sum of squares (unsigned 128-bit) once it is not */
  bigSquares: bigint | null = null;
  constructor(readonly keys: readonly Value[]) {}
}

/** stddev(x): the integer standard deviation dtrace prints (stddev.ts). */
export class StddevAggregation extends ScalarAggregation<StddevEntry> {
  readonly kind = "stddev";
  readonly valueType = UINT64;

  /** Folds v into entry e. */
  static update(e: StddevEntry, v: IntValue): void {
    e.count++;
    addTo(e, v);
    if (typeof v === "number" && e.bigSquares === null) {
      const s = e.squares + v * v;
      if (s <= MAX_SAFE) {
        e.squares = s;
        return;
      }
    }
    const b = toBig(int64(v));
    e.bigSquares = ((e.bigSquares ?? BigInt(e.squares)) + b * b) & ((1n << 128n) - 1n);
  }
  add0(v: IntValue): void {
    StddevAggregation.update(this.table.get0(), v);
  }
  add1(k: Value, v: IntValue): void {
    StddevAggregation.update(this.table.get1(k), v);
  }
  add2(k0: Value, k1: Value, v: IntValue): void {
    StddevAggregation.update(this.table.get2(k0, k1), v);
  }
  addN(keys: readonly Value[], v: IntValue): void {
    StddevAggregation.update(this.table.getN(keys), v);
  }
  bind(keys: readonly Value[]): BoundStddev {
    return new BoundStddev(new KeyHandle(this.table, keys));
  }

  newEntry(keys: Value[]): StddevEntry {
    return new StddevEntry(keys);
  }
  protected resetEntry(e: StddevEntry): void {
    e.count = 0;
    e.value = 0;
    e.big = null;
    e.squares = 0;
    e.bigSquares = null;
  }
  compareValues(a: StddevEntry, b: StddevEntry): number {
    return compareIntValues(this.printedValue(a, 1), this.printedValue(b, 1));
  }
  printedValue(e: StddevEntry, normal: IntValue): IntValue {
    const sq = e.bigSquares ?? BigInt(e.squares);
    return normalBig(stddevValue(BigInt(e.count), toBig(sumOf(e)), sq, toBig(normal)));
  }

  /** the sum of squares (for JSON output) */
  squaresOf(e: StddevEntry): IntValue {
    return e.bigSquares === null ? e.squares : normalBig(e.bigSquares);
  }
  /** the int64 sum (for JSON output) */
  sumOf(e: StddevEntry): IntValue {
    return sumOf(e);
  }
}

/** stddev() on a bound key. */
export class BoundStddev {
  constructor(private readonly key: KeyHandle<StddevEntry>) {}
  add(v: IntValue): void {
    StddevAggregation.update(this.key.get(), v);
  }
}

/** the int64 sum of an avg() entry */
export function avgSum(e: AvgEntry): IntValue {
  return sumOf(e);
}

// ---------------------------------------------------------------------------------------------
// Distributions

export class HistogramEntry implements Entry {
  /** bucket counts while every one is a safe integer */
  counts: Float64Array;
  /** bucket counts once one is not (then `counts` is unused) */
  big: bigint[] | null = null;
  constructor(
    readonly keys: readonly Value[],
    buckets: number,
  ) {
    this.counts = new Float64Array(buckets);
  }
}

function addToBucket(e: HistogramEntry, i: number, incr: IntValue): void {
  if (typeof incr === "number" && e.big === null) {
    const r = e.counts[i] + incr;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) {
      e.counts[i] = r;
      return;
    }
  }
  const big = e.big ?? Array.from(e.counts, (c) => BigInt(c));
  big[i] = BigInt.asIntN(64, big[i] + toBig(incr));
  e.big = big;
}

/** A distribution aggregation: a bucket per value range. */
export abstract class HistogramAggregation extends Aggregation<HistogramEntry> {
  abstract readonly buckets: number;
  /** The bucket v falls in. */
  abstract bucket(v: IntValue): number;
  /** The value bucket i stands for when dtrace weighs buckets to sort (dt_aggregate_*quantizedsum). */
  abstract bucketValue(i: number): IntValue;
  /** The label dtrace prints on bucket i's row. */
  abstract label(i: number): string;
  /** The inclusive range of values bucket i holds. */
  abstract range(i: number): [IntValue, IntValue];
  /** The bucket whose count breaks ties between equal weighted sums. */
  protected abstract zeroBucket(): number;

  /** Adds incr to the bucket of v in entry e. */
  update(e: HistogramEntry, v: IntValue, incr: IntValue): void {
    addToBucket(e, typeof v === "number" ? this.bucket(v) : this.bucket(int64(v)), incr);
  }
  add0(v: IntValue, incr: IntValue = 1): void {
    this.update(this.table.get0(), v, incr);
  }
  add1(k: Value, v: IntValue, incr: IntValue = 1): void {
    this.update(this.table.get1(k), v, incr);
  }
  add2(k0: Value, k1: Value, v: IntValue, incr: IntValue = 1): void {
    this.update(this.table.get2(k0, k1), v, incr);
  }
  addN(keys: readonly Value[], v: IntValue, incr: IntValue = 1): void {
    this.update(this.table.getN(keys), v, incr);
  }
  bind(keys: readonly Value[]): BoundHistogram {
    return new BoundHistogram(this, new KeyHandle(this.table, keys));
  }

  newEntry(keys: Value[]): HistogramEntry {
    return new HistogramEntry(keys, this.buckets);
  }
  protected resetEntry(e: HistogramEntry): void {
    e.counts.fill(0);
    e.big = null;
  }

  /** Bucket i's count. */
  count(e: HistogramEntry, i: number): IntValue {
    return e.big === null ? e.counts[i] : normalBig(e.big[i]);
  }

  /** The buckets' counts, as numbers or (past 2^53) bigints. */
  countsOf(e: HistogramEntry): IntValue[] {
    return e.big === null ? Array.from(e.counts) : e.big.map(normalBig);
  }

  /** Σ count × bucket value, the key dtrace sorts distributions by (in floating point, as it does). */
  weightedSum(e: HistogramEntry): number {
    let total = 0;
    for (let i = 0; i < this.buckets; i++) {
      const c = this.count(e, i);
      if (c !== 0) total += Number(c) * Number(this.bucketValue(i));
    }
    return total;
  }

  compareValues(a: HistogramEntry, b: HistogramEntry): number {
    const sa = this.weightedSum(a);
    const sb = this.weightedSum(b);
    if (sa !== sb) return sa < sb ? -1 : 1;
    const z = this.zeroBucket();
    if (z < 0) return 0;
    return compareIntValues(this.count(a, z), this.count(b, z));
  }
}

/** quantize(), lquantize() or llquantize() on a bound key. */
export class BoundHistogram {
  constructor(
    private readonly agg: HistogramAggregation,
    private readonly key: KeyHandle<HistogramEntry>,
  ) {}
  add(v: IntValue, incr: IntValue = 1): void {
    this.agg.update(this.key.get(), v, incr);
  }
}

/** quantize(x[, incr]): power-of-two buckets. */
export class QuantizeAggregation extends HistogramAggregation {
  readonly kind = "quantize";
  readonly buckets = QUANTIZE_BUCKETS;
  override update(e: HistogramEntry, v: IntValue, incr: IntValue): void {
    addToBucket(e, quantizeBucket(typeof v === "number" ? v : int64(v)), incr);
  }
  bucket(v: IntValue): number {
    return quantizeBucket(v);
  }
  bucketValue(i: number): IntValue {
    return quantizeBucketValueFor(i);
  }
  label(i: number): string {
    return String(quantizeBucketValueFor(i));
  }
  range(i: number): [IntValue, IntValue] {
    return quantizeRange(i);
  }
  protected zeroBucket(): number {
    return QUANTIZE_ZERO;
  }
}

/** lquantize(x, low, high[, step[, incr]]): linear buckets. */
export class LQuantizeAggregation extends HistogramAggregation {
  readonly kind = "lquantize";
  readonly buckets: number;
  constructor(
    id: number,
    name: string,
    keyTypes: readonly ValueType[],
    readonly layout: LinearLayout,
  ) {
    super(id, name, keyTypes);
    this.buckets = layout.buckets;
  }
  bucket(v: IntValue): number {
    return this.layout.bucket(v);
  }
  bucketValue(i: number): IntValue {
    return this.layout.bucketValue(i);
  }
  label(i: number): string {
    return this.layout.label(i);
  }
  range(i: number): [IntValue, IntValue] {
    return this.layout.range(i);
  }
  /** dt_aggregate_lquantizedzero: the bucket standing for 0, if any */
  protected zeroBucket(): number {
    for (let i = 0; i < this.buckets; i++) if (this.layout.bucketValue(i) === 0) return i;
    return -1;
  }
}

/** llquantize(x, factor, low, high, nsteps[, incr]): log-linear buckets. */
export class LLQuantizeAggregation extends HistogramAggregation {
  readonly kind = "llquantize";
  readonly buckets: number;
  constructor(
    id: number,
    name: string,
    keyTypes: readonly ValueType[],
    readonly layout: LogLinearLayout,
  ) {
    super(id, name, keyTypes);
    this.buckets = layout.buckets;
  }
  bucket(v: IntValue): number {
    return this.layout.bucket(v);
  }
  bucketValue(i: number): IntValue {
    return this.layout.bucketValue(i);
  }
  label(i: number): string {
    return this.layout.label(i);
  }
  range(i: number): [IntValue, IntValue] {
    return this.layout.range(i);
  }
  /** dt_aggregate_llquantizedcmp breaks ties on the underflow bucket */
  protected zeroBucket(): number {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------

/** Any aggregation the runtime makes. */
export type AnyAggregation =
  | CountAggregation
  | SumAggregation
  | ExtremeAggregation
  | AvgAggregation
  | StddevAggregation
  | QuantizeAggregation
  | LQuantizeAggregation
  | LLQuantizeAggregation;

/**
 * A program's aggregation variables, in the order the compiler declares them (their ids), which
 * is the order dtrace prints them in at exit.
 */
export class AggregationSet {
  private readonly list: AnyAggregation[] = [];
  private readonly byName = new Map<string, AnyAggregation>();

  get all(): readonly AnyAggregation[] {
    return this.list;
  }

  get(name: string): AnyAggregation | undefined {
    return this.byName.get(name);
  }

  private add<A extends AnyAggregation>(make: (id: number) => A): A {
    const a = make(this.list.length + 1);
    if (this.byName.has(a.name)) throw new Error(`aggregation ${a.name} is declared twice`);
    this.list.push(a);
    this.byName.set(a.name, a);
    return a;
  }

  count(name: string, keys: readonly ValueType[] = []): CountAggregation {
    return this.add((id) => new CountAggregation(id, name, keys));
  }
  sum(name: string, keys: readonly ValueType[] = []): SumAggregation {
    return this.add((id) => new SumAggregation(id, name, keys));
  }
  min(name: string, keys: readonly ValueType[] = []): ExtremeAggregation {
    return this.add((id) => new ExtremeAggregation("min", id, name, keys));
  }
  max(name: string, keys: readonly ValueType[] = []): ExtremeAggregation {
    return this.add((id) => new ExtremeAggregation("max", id, name, keys));
  }
  avg(name: string, keys: readonly ValueType[] = []): AvgAggregation {
    return this.add((id) => new AvgAggregation(id, name, keys));
  }
  stddev(name: string, keys: readonly ValueType[] = []): StddevAggregation {
    return this.add((id) => new StddevAggregation(id, name, keys));
  }
  quantize(name: string, keys: readonly ValueType[] = []): QuantizeAggregation {
    return this.add((id) => new QuantizeAggregation(id, name, keys));
  }
  lquantize(
    name: string,
    keys: readonly ValueType[],
    low: number,
    high: number,
    step = 1,
  ): LQuantizeAggregation {
    const layout = new LinearLayout(low, high, step);
    return this.add((id) => new LQuantizeAggregation(id, name, keys, layout));
  }
  llquantize(
    name: string,
    keys: readonly ValueType[],
    factor: number,
    low: number,
    high: number,
    nsteps: number,
  ): LLQuantizeAggregation {
    const layout = new LogLinearLayout(factor, low, high, nsteps);
    return this.add((id) => new LLQuantizeAggregation(id, name, keys, layout));
  }
}
