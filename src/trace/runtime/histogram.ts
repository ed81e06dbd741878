// The ASCII distribution dtrace(1) prints for quantize(), lquantize() and llquantize():
//
//            value  ------------- Distribution ------------- count
//                0 |                                         0
//                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1
//                2 |                                         0
//
// Rows run from one bucket before the first non-empty one to one after the last (clamped to the
// ends); an empty distribution shows the rows dtrace shows for it. A bar is 40 '@' for the whole
// total, rounded to the nearest '@'. When counts are both positive and negative (weighted
// increments) each row gets a half-width bar left or right of a centre line. Every row ends with
// the count left-justified in 9 columns, trailing spaces included, as dtrace writes it.

import type { HistogramAggregation, HistogramEntry } from "./aggregation.js";
import { type IntValue, truncDiv } from "./values.js";

const BAR = 40;
const ATS = "@".repeat(BAR);
const SPACES = " ".repeat(BAR);

/** The header line, preceded by the newline dtrace starts a distribution with. */
export const HISTOGRAM_HEADER = `\n${"value".padStart(16)} ${"------------- Distribution -------------".padStart(41)} ${"count".padEnd(9)}\n`;

/** The first and last bucket dtrace prints for an entry. */
export function histogramRows(agg: HistogramAggregation, e: HistogramEntry): [number, number] {
  const n = agg.buckets;
  // dt_print_quantize stops its scan before the last bucket, so a distribution whose only counts
  // are in the top bucket (values >= 2^62) prints as an empty one; the others scan every bucket.
  const scanEnd = agg.kind === "quantize" ? n - 1 : n;
  let first = 0;
  while (first < scanEnd && agg.count(e, first) === 0) first++;
  if (first === scanEnd) {
    switch (agg.kind) {
      case "quantize":
        return [62, 64];
      case "lquantize":
        return [0, 2];
      default:
        return [0, 1];
    }
  }
  if (first > 0) first--;
  let last = n - 1;
  while (last > 0 && agg.count(e, last) === 0) last--;
  if (last < n - 1) last++;
  return [first, last];
}

/** The rows of e's distribution, header first, counts divided by `normal`. */
export function formatHistogram(agg: HistogramAggregation, e: HistogramEntry, normal: IntValue): string {
  const [first, last] = histogramRows(agg, e);
  let total = 0;
  let positives = false;
  let negatives = false;
  for (let i = first; i <= last; i++) {
    const c = agg.count(e, i);
    if (c > 0) positives = true;
    if (c < 0) negatives = true;
    total += Math.abs(Number(c));
  }
  let out = HISTOGRAM_HEADER;
  for (let i = first; i <= last; i++) {
    out += `${agg.label(i).padStart(16)} ${quantLine(agg.count(e, i), normal, total, positives, negatives)}`;
  }
  return out;
}

function depthOf(val: IntValue, len: number, total: number): number {
  return Math.floor((Math.abs(Number(val)) * len) / total + 0.5);
}

/** One row's bar and count (dt_print_quantline). */
function quantLine(
  val: IntValue,
  normal: IntValue,
  total: number,
  positives: boolean,
  negatives: boolean,
): string {
  const count = String(truncDiv(val, normal)).padEnd(9);
  if (!negatives) {
    const depth = positives ? depthOf(val, BAR, total) : 0;
    return `|${ATS.slice(BAR - depth)}${SPACES.slice(depth)} ${count}\n`;
  }
  if (!positives) {
    const depth = depthOf(val, BAR, total);
    return `${SPACES.slice(depth)}${ATS.slice(BAR - depth)}| ${count}\n`;
  }
  // both signs: half-width bars either side of the centre line
  const half = BAR / 2;
  const depth = depthOf(val, half, total);
  if (val <= 0) {
    return `${SPACES.slice(half + depth)}${ATS.slice(BAR - depth)}|${SPACES.slice(half)} ${count}\n`;
  }
  return `${SPACES.slice(half)}|${ATS.slice(BAR - depth)}${SPACES.slice(half + depth)} ${count}\n`;
}
