// Aggregations as dtrace(1) prints them at exit and with printa().
//
// Default layout, one line per entry: each key ("  %-50s" for a string, " %16lld" for a 64-bit
// integer, " %8d", " %5d", " %3d" for narrower ones), then the value (" %16lld"; avg's truncated
// mean; stddev " %16llu"; a distribution's table), then a newline. Entries are sorted by value,
// then by key (dtrace's default; the aggsortkey, aggsortrev, aggsortkeypos and aggsortpos options
// change it as they do in dtrace). printa(@a) prints a newline, then @a in this layout;
// printa(fmt, @a, @b...) applies fmt to each row, with each aggregation's value for its %@.
// Several aggregations in one printa are joined by key; a key missing from one aggregation gets
// that aggregation's zero value.

import {
  type AnyAggregation,
  type AvgEntry,
  avgSum,
  compareKeyTuples,
  HistogramAggregation,
  type HistogramEntry,
  type ScalarAggregation,
  StddevAggregation,
  type StddevEntry,
} from "./aggregation.js";
import { formatHistogram } from "./histogram.js";
import { type Json, jsonTypeName } from "./json.js";
import type { Entry } from "./keyed-table.js";
import type { AggregationValue, FormatContext, PreparedFormat } from "./printf.js";
import { DEFAULT_STRSIZE, formatIntDatum, formatStringDatum } from "./records.js";
import { formatStack, stackFrameNames } from "./stacks.js";
import { castTo, type Value, type ValueType } from "./values.js";

/** dtrace's options that order aggregation output. */
export interface SortOptions {
  /** aggsortkey: order by key rather than by value */
  readonly byKey?: boolean;
  /** aggsortrev: reverse the order */
  readonly reverse?: boolean;
  /** aggsortkeypos: the key compared first */
  readonly keyPosition?: number;
  /** aggsortpos: in a printa of several aggregations, the one whose value is compared first */
  readonly valuePosition?: number;
}

/** A row of printed output: a key tuple and each printed aggregation's entry for it. */
export interface AggregationRow {
  readonly keys: readonly Value[];
  readonly entries: readonly Entry[];
}

/** The rows of `aggs` (which must share a key signature) in dtrace's order. */
export function aggregationRows(aggs: readonly AnyAggregation[], sort: SortOptions = {}): AggregationRow[] {
  const first = aggs[0];
  for (const a of aggs) {
    if (
      a.keyTypes.length !== first.keyTypes.length ||
      a.keyTypes.some((t, i) => !sameType(t, first.keyTypes[i]))
    ) {
      throw new Error(`printa( ): ${first.name} and ${a.name} do not have matching key signatures`);
    }
  }
  let rows: AggregationRow[];
  if (aggs.length === 1) {
    rows = first.entries.map((e) => ({ keys: e.keys, entries: [e] }));
  } else {
    const byKey = new Map<string, Entry[]>();
    const order: { keys: readonly Value[]; entries: Entry[] }[] = [];
    aggs.forEach((a, i) => {
      for (const e of a.entries) {
        const id = keyId(e.keys);
        let entries = byKey.get(id);
        if (entries === undefined) {
          entries = [];
          byKey.set(id, entries);
          order.push({ keys: e.keys, entries });
        }
        entries[i] = e;
      }
    });
    for (const row of order) {
      aggs.forEach((a, i) => {
        if (row.entries[i] === undefined) row.entries[i] = (a as AnyAggregation).newEntry([...row.keys]);
      });
    }
    rows = order;
  }
  const n = aggs.length;
  const start = sort.valuePosition !== undefined && sort.valuePosition < n ? sort.valuePosition : 0;
  const keyPos = sort.keyPosition ?? 0;
  const compareKeys = (a: AggregationRow, b: AggregationRow) =>
    compareKeyTuples(first.keyTypes, a, b, keyPos);
  const cmp = (a: AggregationRow, b: AggregationRow): number => {
    if (sort.byKey) {
      const c = compareKeys(a, b);
      if (c !== 0) return c;
    }
    for (let i = 0; i < n; i++) {
      const j = (i + start) % n;
      const c = (aggs[j] as { compareValues(x: Entry, y: Entry): number }).compareValues(
        a.entries[j],
        b.entries[j],
      );
      if (c !== 0) return c;
    }
    return sort.byKey ? 0 : compareKeys(a, b);
  };
  return rows.sort(sort.reverse ? (a, b) => cmp(b, a) : cmp);
}

function sameType(a: ValueType, b: ValueType): boolean {
  if (a.kind === "int") return b.kind === "int" && a.size === b.size;
  return a.kind === b.kind;
}

function keyId(keys: readonly Value[]): string {
  return keys.map((k) => (typeof k === "string" ? `s${k.length}:${k}` : `i${k}`)).join("|");
}

/** A key as the default layout prints it. */
export function formatKey(type: ValueType, v: Value, strsize = DEFAULT_STRSIZE): string {
  if (type.kind === "string") return formatStringDatum(String(v), -50, false, strsize);
  if (type.kind === "stack") return formatStack(String(v), type);
  return formatIntDatum(v, type.size, false);
}

/** An entry's value as the default layout prints it. */
export function formatValue(agg: AnyAggregation, e: Entry): string {
  if (agg instanceof HistogramAggregation) return formatHistogram(agg, e as HistogramEntry, agg.normal);
  const v = (agg as ScalarAggregation).printedValue(e, agg.normal);
  return ` ${String(v).padStart(16)}`;
}

/** One row in the default layout. */
export function formatRowDefault(
  aggs: readonly AnyAggregation[],
  row: AggregationRow,
  strsize = DEFAULT_STRSIZE,
): string {
  const types = aggs[0].keyTypes;
  let out = "";
  for (let i = 0; i < row.keys.length; i++) out += formatKey(types[i], row.keys[i], strsize);
  for (let i = 0; i < aggs.length; i++) out += formatValue(aggs[i], row.entries[i]);
  return `${out}\n`;
}

/** Every entry of `agg` in the default layout (what dtrace prints for it at exit). */
export function formatAggregation(
  agg: AnyAggregation,
  sort: SortOptions = {},
  strsize = DEFAULT_STRSIZE,
): string {
  let out = "";
  for (const row of aggregationRows([agg], sort)) out += formatRowDefault([agg], row, strsize);
  return out;
}

/** The value a printa %@ conversion prints for entry e of agg. */
export function aggregationValue(agg: AnyAggregation, e: Entry): AggregationValue {
  if (agg instanceof HistogramAggregation)
    return { text: formatHistogram(agg, e as HistogramEntry, agg.normal) };
  const s = agg as ScalarAggregation;
  return { type: s.valueType, value: s.printedValue(e, agg.normal) };
}

/**
 * What printa() prints: without a format, a newline and then the rows in the default layout;
 * with one, the format applied to each row. Marks the aggregations printed when there was a row.
 */
export function formatPrinta(
  aggs: readonly AnyAggregation[],
  format: PreparedFormat | undefined,
  sort: SortOptions = {},
  ctx: FormatContext = {},
  strsize = DEFAULT_STRSIZE,
): string {
  const rows = aggregationRows(aggs, sort);
  let out = format === undefined ? "\n" : "";
  for (const row of rows) {
    if (format === undefined) {
      out += formatRowDefault(aggs, row, strsize);
    } else {
      const values = aggs.map((a, i) => aggregationValue(a, row.entries[i]));
      out += format.formatRow(row.keys, values, ctx);
    }
  }
  if (rows.length > 0) for (const a of aggs) a.printed = true;
  return out;
}

/** An aggregation as the JSON object json.ts describes (without "type"). */
export function aggregationJson(agg: AnyAggregation, sort: SortOptions = {}): { [key: string]: Json } {
  const obj: { [key: string]: Json } = {
    id: agg.id,
    name: agg.name,
    function: agg.kind,
    keys: agg.keyTypes.map(jsonTypeName),
  };
  if (agg.kind === "lquantize") {
    const l = agg.layout;
    obj.params = { low: l.low, high: l.high, step: l.step };
  } else if (agg.kind === "llquantize") {
    const l = agg.layout;
    obj.params = { factor: l.factor, low: l.low, high: l.high, steps: l.nsteps };
  }
  obj.normal = agg.normal;
  obj.entries = aggregationRows([agg], sort).map((row) => entryJson(agg, row.entries[0]));
  return obj;
}

function entryJson(agg: AnyAggregation, e: Entry): { [key: string]: Json } {
  const keys = e.keys.map((k, i) => {
    const t = agg.keyTypes[i];
    if (t.kind === "stack") return stackFrameNames(String(k), t);
    return t.kind === "int" && typeof k !== "string" ? castTo(k, t) : k;
  });
  const obj: { [key: string]: Json } = { keys };
  if (agg instanceof HistogramAggregation) {
    const buckets: Json[] = [];
    const h = e as HistogramEntry;
    for (let i = 0; i < agg.buckets; i++) {
      const c = agg.count(h, i);
      if (c === 0) continue;
      const [min, max] = agg.range(i);
      buckets.push({ min, max, count: c });
    }
    obj.buckets = buckets;
    return obj;
  }
  obj.value = (agg as ScalarAggregation).printedValue(e, agg.normal);
  if (agg.kind === "avg") {
    const a = e as AvgEntry;
    obj.count = a.count;
    obj.sum = avgSum(a);
  } else if (agg instanceof StddevAggregation) {
    const s = e as StddevEntry;
    obj.count = s.count;
    obj.sum = agg.sumOf(s);
    obj.sumsq = agg.squaresOf(s);
  }
  return obj;
}
