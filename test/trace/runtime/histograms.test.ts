// quantize(), lquantize() and llquantize(): where values land and the distributions dtrace(1)
// prints for them, byte for byte (trailing spaces included: dtrace pads every count to 9 columns).
// "docs" marks examples from the Dynamic Tracing Guide (the Oracle Linux edition, which keeps the
// output's whitespace); "dtrace test suite" the expected output of DTrace's own tests, whose
// programs are replayed here value by value.

import assert from "node:assert/strict";
import { test } from "node:test";
import { LinearLayout, LogLinearLayout, quantizeBucket } from "../../../src/trace/runtime/buckets.js";
import {
  AggregationSet,
  encodeStack,
  formatAggregation,
  formatHistogram,
  INT32,
  STRING,
  StringSink,
  TraceOutput,
} from "../../../src/trace/runtime/index.js";

const HEADER = "           value  ------------- Distribution ------------- count    \n";

/** One row as dt_print_quantline writes it when all counts are positive: "%16s |%s%s %-9lld". */
const line = (label: string | number, ats: number, count: number | bigint) =>
  `${String(label).padStart(16)} |${"@".repeat(ats)}${" ".repeat(40 - ats)} ${String(count).padEnd(9)}\n`;

test("quantize: docs' wrquantize.d output (bash, gnome-terminal, Xorg, firefox)", () => {
  const set = new AggregationSet();
  const time = set.quantize("@time", [STRING]);
  // counts per power-of-two bucket, as the docs' output shows them; values vary inside buckets
  const data: Record<string, [number, number][]> = {
    firefox: [
      [4096, 22],
      [8192, 90],
      [16384, 107],
      [32768, 72],
      [65536, 28],
      [131072, 3],
      [524288, 1],
      [1048576, 1],
    ],
    Xorg: [
      [4096, 4],
      [8192, 8],
      [16384, 7],
      [32768, 2],
      [65536, 1],
      [2097152, 2],
    ],
    bash: [
      [16384, 4],
      [131072, 1],
    ],
    "gnome-terminal": [
      [8192, 5],
      [16384, 5],
      [32768, 4],
      [65536, 1],
    ],
  };
  for (const [name, buckets] of Object.entries(data)) {
    for (const [low, n] of buckets) for (let i = 0; i < n; i++) time.add1(name, low + ((i * 7919) % low));
  }
  const expected = [
    "  bash                                              ",
    "           value  ------------- Distribution ------------- count    ",
    "            8192 |                                         0        ",
    "           16384 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@         4        ",
    "           32768 |                                         0        ",
    "           65536 |                                         0        ",
    "          131072 |@@@@@@@@                                 1        ",
    "          262144 |                                         0        ",
    "",
    "  gnome-terminal                                    ",
    "           value  ------------- Distribution ------------- count    ",
    "            4096 |                                         0        ",
    "            8192 |@@@@@@@@@@@@@                            5        ",
    "           16384 |@@@@@@@@@@@@@                            5        ",
    "           32768 |@@@@@@@@@@@                              4        ",
    "           65536 |@@@                                      1        ",
    "          131072 |                                         0        ",
    "",
    "  Xorg                                              ",
    "           value  ------------- Distribution ------------- count    ",
    "            2048 |                                         0        ",
    "            4096 |@@@@@@@                                  4        ",
    "            8192 |@@@@@@@@@@@@@                            8        ",
    "           16384 |@@@@@@@@@@@@                             7        ",
    "           32768 |@@@                                      2        ",
    "           65536 |@@                                       1        ",
    "          131072 |                                         0        ",
    "          262144 |                                         0        ",
    "          524288 |                                         0        ",
    "         1048576 |                                         0        ",
    "         2097152 |@@@                                      2        ",
    "         4194304 |                                         0        ",
    "",
    "  firefox                                           ",
    "           value  ------------- Distribution ------------- count    ",
    "            2048 |                                         0        ",
    "            4096 |@@@                                      22       ",
    "            8192 |@@@@@@@@@@@                              90       ",
    "           16384 |@@@@@@@@@@@@@                            107      ",
    "           32768 |@@@@@@@@@                                72       ",
    "           65536 |@@@                                      28       ",
    "          131072 |                                         3        ",
    "          262144 |                                         0        ",
    "          524288 |                                         1        ",
    "         1048576 |                                         1        ",
    "         2097152 |                                         0        ",
    "",
    "",
  ].join("\n");
  assert.equal(formatAggregation(time), expected);
});

test("lquantize: docs' wrlquantize.d output (gnome-session, gnome-terminal)", () => {
  const set = new AggregationSet();
  const fds = set.lquantize("@fds", [STRING], 0, 100, 1);
  for (let i = 0; i < 9; i++) fds.add1("gnome-session", 26);
  for (const [fd, n] of [
    [16, 1],
    [21, 4],
    [22, 1],
    [23, 1],
    [29, 6],
    [30, 6],
  ])
    for (let i = 0; i < n; i++) fds.add1("gnome-terminal", fd);
  const expected = [
    "  gnome-session                                     ",
    "           value  ------------- Distribution ------------- count    ",
    "              25 |                                         0        ",
    "              26 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 9        ",
    "              27 |                                         0        ",
    "",
    "  gnome-terminal                                    ",
    "           value  ------------- Distribution ------------- count    ",
    "              15 |                                         0        ",
    "              16 |@@                                       1        ",
    "              17 |                                         0        ",
    "              18 |                                         0        ",
    "              19 |                                         0        ",
    "              20 |                                         0        ",
    "              21 |@@@@@@@@                                 4        ",
    "              22 |@@                                       1        ",
    "              23 |@@                                       1        ",
    "              24 |                                         0        ",
    "              25 |                                         0        ",
    "              26 |                                         0        ",
    "              27 |                                         0        ",
    "              28 |                                         0        ",
    "              29 |@@@@@@@@@@@@@                            6        ",
    "              30 |@@@@@@@@@@@@@                            6        ",
    "              31 |                                         0        ",
    "",
    "",
  ].join("\n");
  assert.equal(formatAggregation(fds), expected);
});

test("quantize: dtrace test suite tst.quantize.d (@a[i] = quantize(i), i = 0, 100 .. 900)", () => {
  const set = new AggregationSet();
  const a = set.quantize("@a", [INT32]);
  for (let i = 0; i < 1000; i += 100) a.add1(i, i);
  const rows: [number, number, number, number][] = [
    [0, -1, 0, 1],
    [100, 32, 64, 128],
    [200, 64, 128, 256],
    [300, 128, 256, 512],
    [400, 128, 256, 512],
    [500, 128, 256, 512],
    [600, 256, 512, 1024],
    [700, 256, 512, 1024],
    [800, 256, 512, 1024],
    [900, 256, 512, 1024],
  ];
  let expected = "\n";
  for (const [key, below, at, above] of rows) {
    expected += `${String(key).padStart(9)}\n${HEADER}${line(below, 0, 0)}${line(at, 40, 1)}${line(above, 0, 0)}\n`;
  }
  const sink = new StringSink();
  new TraceOutput({ out: sink, quiet: true }).finish(set);
  assert.equal(sink.text, expected);
});

test("lquantize: dtrace test suite tst.lquantize.d (lquantize(i, -100, 1100, 100), i = 0 .. 900)", () => {
  const set = new AggregationSet();
  const a = set.lquantize("@a", [INT32], -100, 1100, 100);
  for (let i = 0; i < 1000; i += 100) a.add1(i, i);
  let expected = "";
  for (let i = 0; i < 1000; i += 100) {
    expected += `${String(i).padStart(9)}\n${HEADER}${line(i - 100, 0, 0)}${line(i, 40, 1)}${line(i + 100, 0, 0)}\n`;
  }
  assert.equal(formatAggregation(a), expected);
  // the first of them as the dtrace test's expected output has it, literally
  assert.ok(
    expected.startsWith(
      "        0\n" +
        "           value  ------------- Distribution ------------- count    \n" +
        "            -100 |                                         0        \n" +
        "               0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1        \n" +
        "             100 |                                         0        \n\n",
    ),
  );
});

test("quantize buckets: zero, negatives, and the 64-bit extremes", () => {
  assert.equal(quantizeBucket(0), 63);
  assert.equal(quantizeBucket(1), 64);
  assert.equal(quantizeBucket(2), 65);
  assert.equal(quantizeBucket(3), 65);
  assert.equal(quantizeBucket(4), 66);
  assert.equal(quantizeBucket(2 ** 32 - 1), 64 + 31);
  assert.equal(quantizeBucket(2 ** 32), 64 + 32);
  assert.equal(quantizeBucket(Number.MAX_SAFE_INTEGER), 64 + 52);
  assert.equal(quantizeBucket(1n << 62n), 126);
  assert.equal(quantizeBucket((1n << 63n) - 1n), 126);
  assert.equal(quantizeBucket(-1), 62);
  assert.equal(quantizeBucket(-2), 61);
  assert.equal(quantizeBucket(-3), 61); // -2 holds (-4, -2]
  assert.equal(quantizeBucket(-4), 60);
  assert.equal(quantizeBucket(-(1n << 62n)), 0);
  assert.equal(quantizeBucket(-(1n << 63n)), 0);
});

test("quantize: a distribution across zero prints the zero row and negative rows", () => {
  const set = new AggregationSet();
  const q = set.quantize("@q");
  for (const v of [-5, -1, -1, 0, 0, 0, 3, 1000]) q.add0(v);
  const e = q.entries[0];
  // 8 values: -5 in -4, two -1, three 0, 3 in 2, 1000 in 512
  assert.equal(
    formatHistogram(q, e, 1),
    `\n${HEADER}${line(-8, 0, 0)}${line(-4, 5, 1)}${line(-2, 0, 0)}${line(-1, 10, 2)}${line(0, 15, 3)}` +
      `${line(1, 0, 0)}${line(2, 5, 1)}${line(4, 0, 0)}${line(8, 0, 0)}${line(16, 0, 0)}${line(32, 0, 0)}` +
      `${line(64, 0, 0)}${line(128, 0, 0)}${line(256, 0, 0)}${line(512, 5, 1)}${line(1024, 0, 0)}`,
  );
});

test("quantize: the largest and smallest int64 values print at the ends of the table", () => {
  const set = new AggregationSet();
  const q = set.quantize("@q");
  q.add0(-(1n << 63n));
  q.add0((1n << 63n) - 1n);
  const text = formatHistogram(q, q.entries[0], 1);
  const lines = text.split("\n");
  assert.equal(lines[2], line("-4611686018427387904", 20, 1).slice(0, -1));
  assert.equal(lines.at(-2), line("4611686018427387904", 20, 1).slice(0, -1));
  assert.equal(lines.length, 2 + 127 + 1);
  // a distribution whose only counts are in the top bucket prints as empty (dt_print_quantize's scan)
  const top = set.quantize("@top");
  top.add0(1n << 62n);
  assert.equal(
    formatHistogram(top, top.entries[0], 1),
    `\n${HEADER}${line(-1, 0, 0)}${line(0, 0, 0)}${line(1, 0, 0)}`,
  );
});

test("quantize with weights: an empty table after negative increments, both-sign bars", () => {
  const set = new AggregationSet();
  const q = set.quantize("@q");
  q.add0(4, 3);
  q.add0(4, -3); // back to zero: the rows around 0 are printed
  assert.equal(
    formatHistogram(q, q.entries[0], 1),
    `\n${HEADER}${line(-1, 0, 0)}${line(0, 0, 0)}${line(1, 0, 0)}`,
  );
  const w = set.quantize("@w");
  w.add0(1, 3);
  w.add0(2, -1);
  // counts 3 and -1, total 4: half-width bars, negatives left of the centre line
  assert.equal(
    formatHistogram(w, w.entries[0], 1),
    `\n${HEADER}` +
      `${"0".padStart(16)}                     |                     0        \n` +
      `${"1".padStart(16)}                     |${"@".repeat(15)}${" ".repeat(5)} 3        \n` +
      `${"2".padStart(16)} ${" ".repeat(15)}@@@@@|${" ".repeat(20)} -1       \n` +
      `${"4".padStart(16)}                     |                     0        \n`,
  );
  const n = set.quantize("@n");
  n.add0(8, -2);
  // only negative counts: bars grow leftwards to the line
  assert.equal(
    formatHistogram(n, n.entries[0], 1),
    `\n${HEADER}${"4".padStart(16)} ${" ".repeat(40)}| 0        \n${"8".padStart(16)} ${"@".repeat(40)}| -2       \n${"16".padStart(16)} ${" ".repeat(40)}| 0        \n`,
  );
});

test("lquantize bounds: < low and >= high rows, values at the edges", () => {
  const layout = new LinearLayout(0, 10, 2);
  assert.equal(layout.levels, 5);
  assert.deepEqual(
    [-1, 0, 1, 2, 9, 10, 11, 1n << 62n, -(1n << 63n)].map((v) => layout.bucket(v)),
    [0, 1, 1, 2, 5, 6, 6, 6, 0],
  );
  const set = new AggregationSet();
  const l = set.lquantize("@l", [], 0, 10, 2);
  for (const v of [-1, 0, 1, 5, 9, 10, 1000]) l.add0(v);
  assert.equal(
    formatHistogram(l, l.entries[0], 1),
    `\n${HEADER}${line("< 0", 6, 1)}${line(0, 11, 2)}${line(2, 0, 0)}${line(4, 6, 1)}${line(6, 0, 0)}${line(8, 6, 1)}${line(">= 10", 11, 2)}`,
  );
  // a step that does not divide the range: the last full step ends the table
  const odd = new LinearLayout(-10, 5, 4);
  assert.equal(odd.levels, 3);
  assert.equal(odd.label(0), "< -10");
  assert.equal(odd.label(4), ">= 2");
  assert.equal(odd.bucket(2), 4);
  assert.equal(odd.bucket(1), 3);
});

test("lquantize: an empty (cleared) table prints its first three rows", () => {
  const set = new AggregationSet();
  const l = set.lquantize("@l", [], 5, 50, 5);
  l.add0(20);
  l.clear();
  assert.equal(
    formatHistogram(l, l.entries[0], 1),
    `\n${HEADER}${line("< 5", 0, 0)}${line(5, 0, 0)}${line(10, 0, 0)}`,
  );
});

test("lquantize parameters are checked", () => {
  assert.throws(() => new LinearLayout(10, 10, 1), /must be greater than lower bound/);
  assert.throws(() => new LinearLayout(0, 10, 0), /step 0/);
  assert.throws(() => new LinearLayout(0, 10, 11), /larger than the range/);
  assert.throws(() => new LinearLayout(0, 2 ** 31, 1), /not a 32-bit value/);
  assert.throws(() => new LinearLayout(0, 100000, 1), /at most 65535/);
});

test("llquantize layout: docs' factor 10, steps 20 example (9 buckets at magnitude 0, 18 above)", () => {
  // "if factor == 10 and steps == 20, there are 20 - 20/10 == 18 buckets per magnitude. However,
  // if the magnitude is 0, there are 10 - 1 == 9 buckets: 1x10^0 through 9x10^0."
  const l = new LogLinearLayout(10, 0, 2, 20);
  assert.equal(l.buckets, 1 + 9 + 18 + 18 + 1);
  const labels = Array.from({ length: l.buckets }, (_, i) => l.label(i));
  assert.deepEqual(labels.slice(0, 11), ["< 1", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
  assert.deepEqual(
    labels.slice(10, 28),
    Array.from({ length: 18 }, (_, i) => String(10 + 5 * i)),
  );
  assert.deepEqual(
    labels.slice(28, 46),
    Array.from({ length: 18 }, (_, i) => String(100 + 50 * i)),
  );
  assert.equal(labels[46], ">= 1000");
  assert.deepEqual(
    [-5, 0, 1, 9, 10, 14, 15, 99, 100, 149, 150, 999, 1000, 1n << 62n].map((v) => l.bucket(v)),
    [0, 0, 1, 9, 10, 10, 11, 27, 28, 28, 29, 45, 46, 46],
  );
});

test("llquantize: printed table, factor 10 from magnitude 0 to 1 in 20 steps", () => {
  const set = new AggregationSet();
  const ll = set.llquantize("@", [], 10, 0, 1, 20);
  for (const v of [0, 1, 5, 9, 10, 14, 15, 99, 100, 250]) ll.add0(v);
  let expected = `\n${HEADER}${line("< 1", 4, 1)}`;
  for (let v = 1; v < 10; v++)
    expected += line(v, v === 1 || v === 5 || v === 9 ? 4 : 0, v === 1 || v === 5 || v === 9 ? 1 : 0);
  for (let v = 10; v < 100; v += 5) {
    const n = v === 10 ? 2 : v === 15 || v === 95 ? 1 : 0;
    expected += line(v, n * 4, n);
  }
  expected += line(">= 100", 8, 2);
  assert.equal(formatHistogram(ll, ll.entries[0], 1), expected);
  // empty: the underflow row and the first bucket
  const empty = set.llquantize("@e", [], 10, 2, 4, 10);
  empty.add0(500);
  empty.clear();
  assert.equal(
    formatHistogram(empty, empty.entries[0], 1),
    `\n${HEADER}${line("< 100", 0, 0)}${line(100, 0, 0)}`,
  );
});

test("llquantize: rows around the data only, steps coarser than the magnitude", () => {
  const set = new AggregationSet();
  const ll = set.llquantize("@", [], 2, 1, 4, 4);
  // factor 2, magnitudes 1..4, 4 steps a magnitude at most: 2,3 | 4,6 | 8,12 | 16,24 | >= 32
  assert.deepEqual(
    Array.from({ length: ll.buckets }, (_, i) => ll.label(i)),
    ["< 2", "2", "3", "4", "6", "8", "12", "16", "24", ">= 32"],
  );
  for (const v of [9, 13, 21]) ll.add0(v);
  assert.equal(
    formatHistogram(ll, ll.entries[0], 1),
    `\n${HEADER}${line(6, 0, 0)}${line(8, 13, 1)}${line(12, 13, 1)}${line(16, 13, 1)}${line(24, 0, 0)}`,
  );
});

test("llquantize parameters are checked", () => {
  assert.throws(() => new LogLinearLayout(1, 0, 2, 10), /factor 1 must be at least 2/);
  assert.throws(() => new LogLinearLayout(10, 3, 2, 10), /high magnitude 2 is below/);
  assert.throws(() => new LogLinearLayout(10, 0, 2, 15), /multiple of factor/);
  assert.throws(() => new LogLinearLayout(10, 0, 2, 5), /multiple of factor/);
  assert.throws(() => new LogLinearLayout(10, 0, 19, 10), /overflows 64 bits/);
  assert.throws(() => new LogLinearLayout(10, 2, 4, 30), /must divide 10\^3 evenly/);
});

test("distributions sort by their weighted sums, then by the zero bucket, then by key", () => {
  const set = new AggregationSet();
  const q = set.quantize("@", [STRING]);
  q.add1("big", 1000);
  q.add1("small", 10);
  q.add1("zeros2", 0);
  q.add1("zeros2", 0);
  q.add1("zeros1", 0);
  q.add1("alsozero", 0);
  const order = formatAggregation(q)
    .split("\n")
    .filter((l) => l.startsWith("  ") && !l.startsWith("   "))
    .map((l) => l.trim());
  assert.deepEqual(order, ["alsozero", "zeros1", "zeros2", "small", "big"]);
});

test("normalize divides the printed counts, not the bars", () => {
  const set = new AggregationSet();
  const l = set.lquantize("@", [], 0, 3, 1);
  for (let i = 0; i < 10; i++) l.add0(1);
  for (let i = 0; i < 30; i++) l.add0(2);
  l.normalize(10);
  assert.equal(
    formatAggregation(l),
    `${HEADER.replace(/^/, "\n")}${line(0, 0, 0)}${line(1, 10, 1)}${line(2, 30, 3)}${line(">= 3", 0, 0)}\n`,
  );
});

test("bucket counts past 2^53 move to bigints and print exactly", () => {
  const set = new AggregationSet();
  const q = set.quantize("@q");
  q.add0(1, 2 ** 52);
  q.add0(1, 2 ** 52);
  q.add0(1, 1);
  q.add0(8, 1n << 60n);
  const e = q.entries[0];
  assert.equal(q.count(e, 64), (1n << 53n) + 1n);
  assert.equal(q.count(e, 67), 1n << 60n);
  assert.equal(q.count(e, 66), 0);
  const text = formatHistogram(q, e, 1);
  assert.match(text, /\n {15}1 \| {40} 9007199254740993\n/);
  assert.match(text, /\n {15}8 \|@{40} 1152921504606846976\n/);
});

test("at exit: no blank line between scalar aggregations; a histogram and a stack key each start with one", () => {
  // dtrace's dt_print_aggs writes keys, values and a newline per entry and nothing between
  // aggregations; a distribution starts with a newline (then its header) and is followed by one,
  // and a stack key (dt_print_ustack) starts with a newline (tst.signedkeys.d, tst.ustack.d)
  const set = new AggregationSet();
  const a = set.count("@a");
  const q = set.quantize("@q");
  const b = set.sum("@b", [STRING]);
  const names = new Map([
    [0x10074, "prog`f+0x4"],
    [0x10120, "prog`main+0x10"],
  ]);
  const s = set.count("@s", [{ kind: "stack", indent: 14, frameName: (x: number) => names.get(x) ?? "?" }]);
  const c = set.count("@c");
  a.add0();
  q.add0(1);
  b.add1("k", 7);
  s.add1(encodeStack([0x10074, 0x10120]));
  s.add1(encodeStack([0x10074, 0x10120]));
  c.add0();
  const sink = new StringSink();
  new TraceOutput({ out: sink, quiet: true }).finish(set);
  const stack = "\n              prog`f+0x4\n              prog`main+0x10\n";
  assert.equal(
    sink.text,
    "\n" +
      `${"1".padStart(17)}\n` +
      `\n${HEADER}${line(0, 0, 0)}${line(1, 40, 1)}${line(2, 0, 0)}\n` +
      `  ${"k".padEnd(50)} ${"7".padStart(16)}\n` +
      `${stack} ${"2".padStart(16)}\n` +
      `${"1".padStart(17)}\n`,
  );
});
