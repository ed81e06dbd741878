// Aggregations: each function's values and the text dtrace(1) prints for them at exit, with
// sorting, clear(), trunc() and normalize(). Expected texts are dtrace's: the ones marked "docs"
// are examples from the Dynamic Tracing Guide, "dtrace test suite" the expected output of
// DTrace's own tests (the program each ran is replayed here update by update).

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AggregationSet,
  INT8,
  INT16,
  INT32,
  INT64,
  STRING,
  StringSink,
  TraceOutput,
  UINT64,
} from "../../../src/trace/runtime/index.js";

/** What dtrace prints at exit for `set`: a blank line, then every aggregation. */
function atExit(set: AggregationSet): string {
  const sink = new StringSink();
  new TraceOutput({ out: sink, quiet: true }).finish(set);
  return sink.text;
}

/** A line of the default layout: a string key, then a 64-bit value. */
const row = (key: string, value: number | bigint) => `  ${key.padEnd(50)} ${String(value).padStart(16)}\n`;

test("count with a string key: docs' writes.d line", () => {
  const set = new AggregationSet();
  const counts = set.count("@counts", [STRING]);
  for (let i = 0; i < 179; i++) counts.add1("write system calls");
  // docs: "  write system calls                                              179"
  assert.equal(atExit(set), "\n  write system calls                                              179\n");
  assert.equal(counts.entries[0].value, 179);
});

test("count sorts by value, then by key, and keys are found without duplicates", () => {
  const set = new AggregationSet();
  const c = set.count("@", [STRING]);
  const names = ["sh", "cat", "sed", "head", "cat", "sh", "sh", "ls"];
  for (const n of names) c.add1(n);
  // equal counts (cat/head... ) are ordered by key: bytes compared as unsigned
  assert.equal(c.entries.length, 5);
  assert.equal(
    atExit(set),
    `\n${row("head", 1)}${row("ls", 1)}${row("sed", 1)}${row("cat", 2)}${row("sh", 3)}`,
  );
});

test("string keys sort as their UTF-8 bytes, a prefix before its extensions", () => {
  const set = new AggregationSet();
  const c = set.count("@", [STRING]);
  for (const k of ["b", "\u{1F600}", "\uFF5E", "ab", "a", "B", "é"]) c.add1(k);
  const sink = new StringSink();
  new TraceOutput({ out: sink, quiet: true, strsize: 8 }).finish(set);
  // non-ASCII keys print as hex dumps (not printable in the C locale); their order is by bytes:
  // "é" (c3 a9) < U+FF5E (ef bd be) < U+1F600 (f0 9f 98 80), though UTF-16 puts U+1F600 first
  const order = sink.text
    .split("\n")
    .filter((l) => /^ {2}\S/.test(l) || /^ +0: /.test(l))
    .map((l) => l.trim().split(/\s+/)[l.trim().startsWith("0:") ? 1 : 0]);
  assert.deepEqual(order, ["B", "a", "ab", "b", "c3", "ef", "f0"]);
});

test("sum, min, max, avg: values and printed lines (negative values included)", () => {
  const set = new AggregationSet();
  const sum = set.sum("@sum", [STRING]);
  const min = set.min("@min", [STRING]);
  const max = set.max("@max", [STRING]);
  const avg = set.avg("@avg", [STRING]);
  for (const v of [5, -12, 40, 7]) {
    sum.add1("k", v);
    min.add1("k", v);
    max.add1("k", v);
    avg.add1("k", v);
  }
  avg.add1("neg", -7);
  avg.add1("neg", -8);
  assert.equal(sum.entries[0].value, 40);
  assert.equal(min.entries[0].value, -12);
  assert.equal(max.entries[0].value, 40);
  // avg prints sum / count truncated toward zero, as C divides: 40/4 = 10, -15/2 = -7
  assert.equal(
    atExit(set),
    `\n${row("k", 40)}${row("k", -12)}${row("k", 40)}${row("neg", -7)}${row("k", 10)}`,
  );
});

test("stddev: dtrace test suite tst.stddev.d (values past 2^53 squared)", () => {
  const set = new AggregationSet();
  const a = set.stddev("@a");
  const b = set.stddev("@b");
  for (let i = 0; i < 10; i++) {
    a.add0(5000000000 + i * 100);
    b.add0(-5000000000 - i * 100);
  }
  // tst.stddev.d.out: both 287, each in " %16llu" with no blank line between aggregations
  assert.equal(atExit(set), "\n              287\n              287\n");
});

test("stddev of small values, and of no values after clear()", () => {
  const set = new AggregationSet();
  const s = set.stddev("@s", [STRING]);
  for (const v of [2, 4, 4, 4, 5, 5, 7, 9]) s.add1("x", v); // the textbook set: sigma = 2
  assert.equal(s.printedValue(s.entries[0], 1), 2);
  s.clear();
  assert.equal(atExit(set), `\n${row("x", 0)}`);
});

test("sum wraps at 64 bits, moving to bigints past 2^53 and back", () => {
  const set = new AggregationSet();
  const s = set.sum("@s");
  s.add0(Number.MAX_SAFE_INTEGER);
  s.add0(2);
  assert.equal(s.printedValue(s.entries[0], 1), 9007199254740993n);
  s.add0(-3);
  assert.equal(s.printedValue(s.entries[0], 1), 9007199254740990);
  s.add0((1n << 63n) - 9007199254740990n); // to 2^63: wraps to INT64_MIN
  assert.equal(s.printedValue(s.entries[0], 1), -(1n << 63n));
  // an unsigned register value is an int64: 0xffff_ffff_ffff_ffff adds -1
  const t = set.sum("@t");
  t.add0(10);
  t.add0((1n << 64n) - 1n);
  assert.equal(t.printedValue(t.entries[0], 1), 9);
});

test("min and max over bigint values compare as int64", () => {
  const set = new AggregationSet();
  const mn = set.min("@mn");
  const mx = set.max("@mx");
  for (const v of [3, 1n << 60n, -(1n << 62n), 7]) {
    mn.add0(v);
    mx.add0(v);
  }
  assert.equal(mn.printedValue(mn.entries[0], 1), -(1n << 62n));
  assert.equal(mx.printedValue(mx.entries[0], 1), 1n << 60n);
  assert.equal(atExit(set), "\n -4611686018427387904\n 1152921504606846976\n");
});

test("integer keys print as dtrace prints them and sort as unsigned (dtrace test suite tst.signedkeys.d)", () => {
  const set = new AggregationSet();
  const i8 = set.sum("@i8", [INT8]);
  const i16 = set.sum("@i16", [INT16]);
  const i32 = set.sum("@i32", [INT32]);
  const i64 = set.sum("@i64", [INT64]);
  for (const v of [-2, -1, 0, 1, 2]) {
    i8.add1(v, v);
    i16.add1(v, v);
    i32.add1(v, v);
    i64.add1(v, v);
  }
  const sink = new StringSink();
  new TraceOutput({ out: sink, quiet: true, sort: { byKey: true } }).finish(set);
  assert.equal(
    sink.text,
    "\n" +
      "   0                0\n   1                1\n   2                2\n 254               -2\n 255               -1\n" +
      "     0                0\n     1                1\n     2                2\n 65534               -2\n 65535               -1\n" +
      "        0                0\n        1                1\n        2                2\n       -2               -2\n       -1               -1\n" +
      "                0                0\n                1                1\n                2                2\n" +
      "               -2               -2\n               -1               -1\n",
  );
});

test("tuple keys of several elements: one entry per tuple, printed key by key", () => {
  const set = new AggregationSet();
  const c = set.count("@", [STRING, INT32, UINT64]);
  const scratch: (string | number | bigint)[] = ["read", 3, 0];
  c.addN(scratch);
  scratch[1] = 4; // the caller may reuse its tuple array
  c.addN(scratch);
  c.addN(["read", 3, 0n]);
  c.addN(["read", 3, 1n << 63n]);
  assert.equal(c.entries.length, 3);
  assert.deepEqual(
    c.entries.map((e) => [e.keys, e.value]),
    [
      [["read", 3, 0], 2],
      [["read", 4, 0], 1],
      [["read", 3, 1n << 63n], 1],
    ],
  );
  const key = (n: number, u: string) => `  ${"read".padEnd(50)} ${String(n).padStart(8)} ${u.padStart(16)}`;
  // a uint64 key prints through %lld (as dtrace does): 2^63 shows as INT64_MIN
  assert.equal(
    atExit(set),
    `\n${key(3, "-9223372036854775808")} ${"1".padStart(16)}\n${key(4, "0")} ${"1".padStart(16)}\n${key(3, "0")} ${"2".padStart(16)}\n`,
  );
});

test("two-key tuples through add2 are the same entries as addN", () => {
  const set = new AggregationSet();
  const s = set.sum("@", [STRING, INT64]);
  s.add2("a", 1, 10);
  s.addN(["a", 1], 5);
  s.add2("a", 1n, 1);
  s.add2("b", 1, 1);
  assert.deepEqual(
    s.entries.map((e) => [e.keys, e.value]),
    [
      [["a", 1], 16],
      [["b", 1], 1],
    ],
  );
});

test("aggregations print at exit in declaration order, skipping those printa() printed", () => {
  const set = new AggregationSet();
  const first = set.count("@first", [STRING]);
  const second = set.sum("@second");
  const third = set.count("@third");
  second.add0(5);
  first.add1("x");
  third.add0();
  const sink = new StringSink();
  const out = new TraceOutput({ out: sink, quiet: true });
  out.beginRecord(1, { id: 2, provider: "dtrace", module: "", function: "", name: "END" }, 0);
  out.printa([third]);
  out.endRecord();
  out.finish(set);
  assert.equal(sink.text, `\n${"1".padStart(17)}\n\n${row("x", 1)}${"5".padStart(17)}\n`);
});

test("trunc keeps the top or bottom n; trunc() and trunc(0) remove everything", () => {
  const make = () => {
    const set = new AggregationSet();
    const s = set.sum("@", [STRING]);
    for (const [k, v] of [
      ["a", 10],
      ["b", 50],
      ["c", 30],
      ["d", 30],
      ["e", 20],
    ] as const)
      s.add1(k, v);
    return { set, s };
  };
  const keys = (s: { entries: readonly { keys: readonly unknown[] }[] }) => s.entries.map((e) => e.keys[0]);
  let { set, s } = make();
  s.trunc(2);
  // the two largest; between c and d (30 each) the key sorting last is kept
  assert.deepEqual(keys(s), ["b", "d"]);
  assert.equal(atExit(set), `\n${row("d", 30)}${row("b", 50)}`);
  ({ s } = make());
  s.trunc(-2);
  assert.deepEqual(keys(s), ["a", "e"]);
  ({ s } = make());
  s.trunc(-3);
  assert.deepEqual(keys(s), ["a", "c", "e"]);
  ({ s } = make());
  s.trunc(10);
  assert.equal(s.entries.length, 5);
  s.trunc();
  assert.equal(s.entries.length, 0);
  ({ s } = make());
  s.trunc(0);
  assert.equal(s.entries.length, 0);
  // a truncated-away key comes back as a new entry
  s.add1("a", 1);
  assert.deepEqual(
    s.entries.map((e) => [e.keys[0], e.value]),
    [["a", 1]],
  );
});

test("clear() zeroes values and keeps keys; later updates start from zero", () => {
  const set = new AggregationSet();
  const c = set.count("@", [STRING]);
  const mx = set.max("@mx", [STRING]);
  c.add1("a");
  c.add1("a");
  c.add1("b");
  mx.add1("a", 100);
  c.clear();
  mx.clear();
  assert.equal(atExit(set), `\n${row("a", 0)}${row("b", 0)}${row("a", 0)}`);
  c.add1("b");
  mx.add1("a", 3);
  assert.equal(c.entries.find((e) => e.keys[0] === "b")!.value, 1);
  assert.equal(mx.printedValue(mx.entries[0], 1), 3);
});

test("normalize divides printed values (avg: sum / normal / count); denormalize undoes it", () => {
  const set = new AggregationSet();
  const s = set.sum("@s", [STRING]);
  const a = set.avg("@a", [STRING]);
  s.add1("x", 12345);
  for (const v of [1000, 2000, 3500]) a.add1("x", v);
  s.normalize(1000);
  a.normalize(1000);
  assert.equal(atExit(set), `\n${row("x", 12)}${row("x", 2)}`);
  s.denormalize();
  a.denormalize();
  assert.equal(atExit(set), `\n${row("x", 12345)}${row("x", 2166)}`);
  assert.throws(() => s.normalize(0), /must not be 0/);
});

test("sort options: aggsortrev, aggsortkey, aggsortkeypos", () => {
  const set = new AggregationSet();
  const c = set.sum("@", [STRING, INT64]);
  c.add2("b", 1, 5);
  c.add2("a", 2, 5);
  c.add2("c", 0, 1);
  const print = (sort: object) => {
    const sink = new StringSink();
    new TraceOutput({ out: sink, quiet: true, sort }).finish(set);
    return sink.text
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/).join(" "));
  };
  assert.deepEqual(print({}), ["c 0 1", "a 2 5", "b 1 5"]);
  assert.deepEqual(print({ reverse: true }), ["b 1 5", "a 2 5", "c 0 1"]);
  assert.deepEqual(print({ byKey: true }), ["a 2 5", "b 1 5", "c 0 1"]);
  assert.deepEqual(print({ byKey: true, keyPosition: 1 }), ["c 0 1", "b 1 5", "a 2 5"]);
  assert.deepEqual(print({ byKey: true, reverse: true }), ["c 0 1", "b 1 5", "a 2 5"]);
});

test("an aggregation with no keys, with bigint keys equal to number keys", () => {
  const set = new AggregationSet();
  const c = set.count("@", [INT64]);
  c.add1(5);
  c.add1(5n);
  c.add1(1n << 60n);
  c.add1(1n << 60n);
  assert.deepEqual(
    c.entries.map((e) => [e.keys[0], e.value]),
    [
      [5, 2],
      [1n << 60n, 2],
    ],
  );
  assert.throws(() => c.add2(1, 2), /2 element\(s\), expected 1/);
});

test("declaring an aggregation twice is refused", () => {
  const set = new AggregationSet();
  set.count("@a");
  assert.throws(() => set.sum("@a"), /@a is declared twice/);
});

test("keys bound at compile time update the same entries as looked-up keys, across trunc and clear", () => {
  const set = new AggregationSet();
  const c = set.count("@", [STRING]);
  const read = c.bind(["read:entry"]);
  assert.equal(c.entries.length, 0, "binding creates no entry");
  read.add();
  read.add();
  c.add1("read:entry");
  c.add1("write:entry");
  assert.deepEqual(
    c.entries.map((e) => [e.keys[0], e.value]),
    [
      ["read:entry", 3],
      ["write:entry", 1],
    ],
  );
  c.clear();
  read.add();
  assert.equal(c.entries[0].value, 1);
  c.trunc(); // the entry is gone: the next update makes a new one
  read.add();
  assert.deepEqual(
    c.entries.map((e) => [e.keys[0], e.value]),
    [["read:entry", 1]],
  );
  const s = set.sum("@s", [STRING, INT64]);
  const k = s.bind(["x", 5n]);
  k.add(10);
  s.add2("x", 5, 1);
  assert.deepEqual(
    s.entries.map((e) => [e.keys, e.value]),
    [[["x", 5], 11]],
  );
  assert.throws(() => s.bind(["x"]), /1 element\(s\), expected 2/);
  const q = set.quantize("@q");
  const qk = q.bind([]);
  qk.add(5);
  qk.add(6, 3);
  assert.equal(q.count(q.entries[0], 66), 4);
  const mx = set.max("@mx");
  const mk = mx.bind([]);
  mk.add(-5);
  mk.add(-7);
  assert.equal(mx.printedValue(mx.entries[0], 1), -5);
  const av = set.avg("@av");
  av.bind([]).add(4);
  av.add0(8);
  assert.equal(av.printedValue(av.entries[0], 1), 6);
  const sd = set.stddev("@sd");
  sd.bind([]).add(1);
  sd.add0(3);
  assert.equal(sd.printedValue(sd.entries[0], 1), 1);
});
