// What a traced run prints: the per-probe records dtrace(1) writes (heading, prefix, trace()
// data, printf text), quiet mode, printa() in its forms, faults, -o files and --json.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  ActionFault,
  AggregationSet,
  Fault,
  INT8,
  INT16,
  INT32,
  INT64,
  openFileSink,
  type ProbeDescription,
  prepareFormat,
  STRING,
  StringSink,
  type SymbolResolver,
  TraceOutput,
  UINT16,
  UINT64,
} from "../../../src/trace/runtime/index.js";
import { tempDir } from "../../temp-dir.js";

const BEGIN: ProbeDescription = { id: 1, provider: "dtrace", module: "", function: "", name: "BEGIN" };
const END: ProbeDescription = { id: 2, provider: "dtrace", module: "", function: "", name: "END" };
const MALLOC: ProbeDescription = {
  id: 12,
  provider: "fbt",
  module: "prog",
  function: "malloc",
  name: "entry",
};
const HEADING = "CPU     ID                    FUNCTION:NAME\n";

function session(options: { quiet?: boolean; json?: boolean; symbols?: SymbolResolver } = {}) {
  const out = new StringSink();
  const errors = new StringSink();
  return { out, errors, trace: new TraceOutput({ out, errors, ...options }) };
}

test("a clause without output actions prints dtrace's default line (docs: dtrace -n BEGIN)", () => {
  const { out, trace } = session();
  trace.beginRecord(1, BEGIN, 0);
  trace.endRecord();
  // docs: "CPU     ID                    FUNCTION:NAME" / "  0      1                           :BEGIN"
  assert.equal(out.text, `${HEADING}  0      1                           :BEGIN \n`);
  trace.beginRecord(3, MALLOC, 1);
  trace.endRecord();
  assert.equal(
    out.text,
    `${HEADING}  0      1                           :BEGIN \n  1     12                     malloc:entry \n`,
  );
});

test("trace() of a string and of integers of each size (docs: hello.d)", () => {
  const { out, trace } = session();
  trace.beginRecord(1, BEGIN, 0);
  trace.trace("hello, world", STRING);
  trace.endRecord();
  // docs: "  0      1                           :BEGIN   hello, world"
  assert.equal(
    out.text,
    `${HEADING}  0      1                           :BEGIN   hello, world${" ".repeat(21)}\n`,
  );
  out.text = "";
  trace.beginRecord(4, MALLOC, 0);
  trace.trace(-1, INT64);
  trace.trace(-1, INT32);
  trace.trace(-1, INT16); // dtrace reads 2- and 1-byte data as unsigned
  trace.trace(-2, INT8);
  trace.trace(1n << 63n, UINT64); // and 8-byte data through %lld
  trace.endRecord();
  assert.equal(
    out.text,
    `  0     12                     malloc:entry                -1       -1 65535 254 -9223372036854775808\n`,
  );
});

test("quiet mode prints only what the actions print", () => {
  const { out, trace } = session({ quiet: true });
  const hello = prepareFormat("hello %s, %d\n", [STRING, INT32]);
  trace.beginRecord(1, BEGIN, 0);
  trace.printf(hello, ["world", 42]);
  trace.trace(-2, INT8);
  trace.trace("x", STRING);
  trace.endRecord();
  trace.beginRecord(3, MALLOC, 0);
  trace.endRecord(); // no actions: nothing at all when quiet
  assert.equal(out.text, "hello world, 42\n254x");
});

test("printf in a non-quiet record follows the prefix; the record's newline follows it", () => {
  const { out, trace } = session();
  const f = prepareFormat("size=%d\n", [UINT64]);
  trace.beginRecord(3, MALLOC, 0);
  trace.printf(f, [32]);
  trace.endRecord();
  assert.equal(out.text, `${HEADING}  0     12                     malloc:entry size=32\n\n`);
});

test("a faulting clause prints nothing of its record and reports the fault as dtrace does", () => {
  const { out, errors, trace } = session();
  const probe: ProbeDescription = { id: 12, provider: "kinst", module: "prog", function: "f", name: "4" };
  trace.beginRecord(3, probe, 0);
  trace.printf(prepareFormat("before\n", []), []);
  trace.fault(3, probe, new ActionFault(Fault.BadAddress, 1, 0));
  assert.equal(out.text, "");
  assert.equal(
    errors.text,
    "hartscope: error on enabled probe ID 3 (ID 12: kinst:prog:f:4): invalid address (0x0) in action #1\n",
  );
  trace.fault(5, BEGIN, new ActionFault(Fault.DivideByZero, 2));
  trace.fault(5, BEGIN, new ActionFault(Fault.BadAlignment, 0, -4));
  assert.equal(
    errors.text.split("\n").slice(1).join("\n"),
    "hartscope: error on enabled probe ID 5 (ID 1: dtrace:::BEGIN): divide-by-zero in action #2\n" +
      "hartscope: error on enabled probe ID 5 (ID 1: dtrace:::BEGIN): invalid alignment (0xfffffffffffffffc) in predicate\n",
  );
  errors.text = "";
  const named = new TraceOutput({ out, errors, programName: "dtrace" });
  named.fault(3, probe, new ActionFault(Fault.BadAddress, 1, 0));
  assert.equal(
    errors.text,
    "dtrace: error on enabled probe ID 3 (ID 12: kinst:prog:f:4): invalid address (0x0) in action #1\n",
  );
  // the next record is unaffected
  trace.beginRecord(1, BEGIN, 0);
  trace.endRecord();
  assert.equal(out.text, `${HEADING}  0      1                           :BEGIN \n`);
});

test("printa(@a) without a format: a newline, then the default layout", () => {
  const { out, trace } = session();
  const set = new AggregationSet();
  const a = set.count("@a", [STRING]);
  a.add1("read");
  a.add1("read");
  a.add1("write");
  trace.beginRecord(7, END, 0);
  trace.printa([a]);
  trace.endRecord();
  assert.equal(
    out.text,
    `${HEADING}  0      2                             :END \n  ${"write".padEnd(50)} ${"1".padStart(16)}\n  ${"read".padEnd(50)} ${"2".padStart(16)}\n\n`,
  );
});

test("printa with a format: keys and %@ value per row (the docs' %@8u %a example)", () => {
  const symbols: SymbolResolver = (pc) =>
    pc >= 0x10000n && pc < 0x10200n
      ? { symbol: pc < 0x10100n ? "main" : "work", offset: pc & 0xffn }
      : undefined;
  const { out, trace } = session({ symbols });
  const set = new AggregationSet();
  const a = set.count("@a", [UINT64]);
  for (const pc of [0x10148, 0x1001c, 0x1001c, 0x20000, 0x10148, 0x1001c]) a.add1(pc);
  trace.beginRecord(2, END, 1);
  trace.printa([a], prepareFormat("%@8u %a\n", [UINT64], { aggregation: true }));
  trace.endRecord();
  assert.equal(
    out.text,
    `${HEADING}  1      2                             :END        1 0x20000\n       2 work+0x48\n       3 main+0x1c\n\n`,
  );
  assert.equal(a.printed, true);
});

test("printa of several aggregations joins them by key, zero where a key is missing", () => {
  const { out, trace } = session({ quiet: true });
  const set = new AggregationSet();
  const calls = set.count("@calls", [STRING]);
  const bytes = set.sum("@bytes", [STRING]);
  calls.add1("read");
  calls.add1("read");
  calls.add1("close");
  bytes.add1("read", 4096);
  bytes.add1("write", 100);
  trace.beginRecord(2, END, 0);
  trace.printa([calls, bytes], prepareFormat("%-8s %@4d %@6d\n", [STRING], { aggregation: true }));
  trace.endRecord();
  // ordered by the first aggregation's value, then the second's, then by key
  assert.equal(out.text, "write       0    100\nclose       1      0\nread        2   4096\n");
  out.text = "";
  trace.beginRecord(2, END, 0);
  trace.printa([calls, bytes]);
  trace.endRecord();
  assert.equal(
    out.text,
    "\n" +
      `  ${"write".padEnd(50)} ${"0".padStart(16)} ${"100".padStart(16)}\n` +
      `  ${"close".padEnd(50)} ${"1".padStart(16)} ${"0".padStart(16)}\n` +
      `  ${"read".padEnd(50)} ${"2".padStart(16)} ${"4096".padStart(16)}\n`,
  );
  // aggsortpos: order by the second aggregation's value
  const sorted = new StringSink();
  const byBytes = new TraceOutput({ out: sorted, quiet: true, sort: { valuePosition: 1 } });
  byBytes.beginRecord(2, END, 0);
  byBytes.printa([calls, bytes], prepareFormat("%s ", [STRING], { aggregation: true }));
  byBytes.endRecord();
  assert.equal(sorted.text, "close write read ");
  const other = set.count("@other", [INT32]);
  trace.beginRecord(2, END, 0);
  assert.throws(() => trace.printa([calls, other]), /do not have matching key signatures/);
  trace.discardRecord();
});

test("printa %@ of a distribution prints its table; of avg and stddev their values", () => {
  const { out, trace } = session({ quiet: true });
  const set = new AggregationSet();
  const q = set.quantize("@q", [STRING]);
  const avg = set.avg("@avg", [STRING]);
  q.add1("a", 3);
  avg.add1("a", 3);
  avg.add1("a", 4);
  trace.beginRecord(2, END, 0);
  trace.printa([q], prepareFormat("key %s:%@d", [STRING], { aggregation: true }));
  trace.printa([avg], prepareFormat("\navg %s = %@d (%@x)\n", [STRING], { aggregation: true }));
  trace.endRecord();
  assert.equal(
    out.text,
    "key a:\n           value  ------------- Distribution ------------- count    \n" +
      `               1 |${" ".repeat(40)} 0        \n` +
      `               2 |${"@".repeat(40)} 1        \n` +
      `               4 |${" ".repeat(40)} 0        \n` +
      "\navg a = 3 (3)\n",
  );
});

test("finish: a blank line, then each aggregation not printed by printa, in declaration order", () => {
  const { out, trace } = session();
  const set = new AggregationSet();
  const a = set.count("@a");
  const b = set.sum("@b", [UINT16]);
  a.add0();
  b.add1(65535, -3);
  trace.finish(set);
  assert.equal(out.text, `\n${"1".padStart(17)}\n 65535 ${"-3".padStart(16)}\n`);
});

test("strings that are not printable, or empty, print as dtrace's hex dump of the string record", () => {
  const out = new StringSink();
  const trace = new TraceOutput({ out, quiet: true, strsize: 20 });
  trace.beginRecord(1, BEGIN, 0);
  trace.trace("a\u0001b", STRING);
  trace.endRecord();
  assert.equal(
    out.text,
    "\n" +
      "             0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f  0123456789abcdef\n" +
      "         0: 61 01 62 00 00 00 00 00 00 00 00 00 00 00 00 00  a.b.............\n" +
      "        10: 00 00 00 00                                      ....\n",
  );
  const set = new AggregationSet();
  const c = set.count("@", [STRING]);
  c.add1("");
  const text = new StringSink();
  new TraceOutput({ out: text, quiet: true, strsize: 16 }).finish(set);
  assert.equal(
    text.text,
    "\n\n" +
      "             0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f  0123456789abcdef\n" +
      "         0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................\n" +
      `${"1".padStart(17)}\n`,
  );
});

test("-o FILE appends, as dtrace opens its output file", () => {
  const dir = tempDir("hartscope-trace-");
  const path = join(dir, "out.txt");
  for (let run = 0; run < 2; run++) {
    const sink = openFileSink(path);
    const trace = new TraceOutput({ out: sink, quiet: true });
    trace.beginRecord(1, BEGIN, 0);
    trace.printf(prepareFormat("run %d\n", [INT32]), [run]);
    trace.endRecord();
    trace.finish([]);
    sink.close();
  }
  assert.equal(readFileSync(path, "utf8"), "run 0\n\nrun 1\n\n");
  assert.throws(() => openFileSink(join(dir, "missing", "x")), /failed to open output file '.*missing\/x'/);
});

test("--json: one object per record, aggregation and fault, keys in a fixed order, integers exact", () => {
  const { out, errors, trace } = session({ json: true });
  const set = new AggregationSet();
  const calls = set.count("@calls", [STRING]);
  const sizes = set.lquantize("@sizes", [], 0, 100, 10);
  const big = set.sum("@big");
  const sd = set.stddev("@sd", [INT32]);
  calls.add1("malloc");
  sizes.add0(42);
  sizes.add0(-1);
  sizes.add0(45);
  big.add0(1n << 60n);
  sd.add1(7, 2);
  sd.add1(7, 4);
  trace.beginRecord(3, MALLOC, 1);
  trace.printf(prepareFormat("n=%d\n", [INT64]), [5]);
  trace.trace("abc", STRING);
  trace.trace(-(1n << 63n), UINT64); // a value is written as its type reads it
  trace.endRecord();
  trace.beginRecord(4, END, 0);
  trace.printa([calls], prepareFormat("%s %@d\n", [STRING], { aggregation: true }));
  trace.endRecord();
  trace.fault(3, MALLOC, new ActionFault(Fault.BadAddress, 2, 0x10));
  trace.finish(set);
  assert.equal(errors.text, "");
  const lines = out.text.trimEnd().split("\n");
  const probe = '"probe":{"id":12,"provider":"fbt","module":"prog","function":"malloc","name":"entry"}';
  assert.deepEqual(lines, [
    `{"type":"event","cpu":1,"epid":3,${probe},"records":[{"action":"printf","text":"n=5\\n"},{"action":"trace","type":"string","value":"abc"},{"action":"trace","type":"uint64","value":9223372036854775808}]}`,
    '{"type":"event","cpu":0,"epid":4,"probe":{"id":2,"provider":"dtrace","module":"","function":"","name":"END"},"records":[{"action":"printa","format":"%s %@d\\n","aggregations":[{"id":1,"name":"@calls","function":"count","keys":["string"],"normal":1,"entries":[{"keys":["malloc"],"value":1}]}]}]}',
    `{"type":"error","epid":3,${probe},"fault":"invalid address","action":2,"address":16,"message":"hartscope: error on enabled probe ID 3 (ID 12: fbt:prog:malloc:entry): invalid address (0x10) in action #2"}`,
    '{"type":"aggregation","id":2,"name":"@sizes","function":"lquantize","keys":[],"params":{"low":0,"high":100,"step":10},"normal":1,"entries":[{"keys":[],"buckets":[{"min":-9223372036854775808,"max":-1,"count":1},{"min":40,"max":49,"count":2}]}]}',
    '{"type":"aggregation","id":3,"name":"@big","function":"sum","keys":[],"normal":1,"entries":[{"keys":[],"value":1152921504606846976}]}',
    '{"type":"aggregation","id":4,"name":"@sd","function":"stddev","keys":["int32"],"normal":1,"entries":[{"keys":[7],"value":1,"count":2,"sum":6,"sumsq":20}]}',
  ]);
  // every line is JSON (numbers past 2^53 parse, if inexactly, as numbers)
  for (const l of lines) assert.equal(typeof JSON.parse(l).type, "string");
});

test("--json with -q: records without output are not written", () => {
  const { out, trace } = session({ json: true, quiet: true });
  trace.beginRecord(1, BEGIN, 0);
  trace.endRecord();
  assert.equal(out.text, "");
  trace.beginRecord(1, BEGIN, 0);
  trace.trace(1, INT32);
  trace.endRecord();
  assert.equal(
    out.text,
    '{"type":"event","cpu":0,"epid":1,"probe":{"id":1,"provider":"dtrace","module":"","function":"","name":"BEGIN"},"records":[{"action":"trace","type":"int32","value":1}]}\n',
  );
});

test("records must be begun before actions and ended once", () => {
  const { trace } = session();
  assert.throws(() => trace.trace(1, INT32), /trace\(\) outside a record/);
  trace.beginRecord(1, BEGIN, 0);
  assert.throws(() => trace.beginRecord(1, BEGIN, 0), /was not ended/);
  trace.discardRecord();
  assert.throws(() => trace.endRecord(), /outside a record/);
});
