// `hartscope trace` on real guest programs: probe counts against what the programs do, the
// engines agreeing firing for firing, every aggregation and action once, and the errors.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { GUEST_BIN, hartscope } from "../../linux-user/guest.js";
import { tempDir } from "../../temp-dir.js";

const bin = (name: string) => join(GUEST_BIN, name);

/** The value of each `  key   value` line of a printed aggregation. */
function rows(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    const r = /^\s+(\S+)\s+(-?\d+)\s*$/.exec(line);
    if (r) m.set(r[1]!, Number(r[2]));
  }
  return m;
}

test("fbt and kinst count make_word's calls: 2N in hashtab N", () => {
  for (const n of [300, 1000]) {
    const r = hartscope([
      "trace",
      "-q",
      "-n",
      'fbt::make_word:entry { @c["entry"] = count(); } fbt::make_word:return { @c["return"] = count(); }',
      "-n",
      'kinst::make_word:0 { @c["kinst0"] = count(); }',
      bin("hashtab"),
      String(n),
    ]);
    assert.equal(r.status, 0, r.stderr);
    const c = rows(r.stderr);
    assert.equal(c.get("entry"), 2 * n);
    assert.equal(c.get("return"), 2 * n);
    assert.equal(c.get("kinst0"), 2 * n);
  }
});

test("fbt:::entry on threads 4 100: worker entered 4 times; the trace goes to -o", () => {
  const dir = tempDir("hs-trace-");
  const file = join(dir, "out.txt");
  const r = hartscope([
    "trace",
    "-o",
    file,
    "-n",
    "fbt::worker:entry { @[probefunc, tid] = count(); @n = count(); }",
    bin("threads"),
    "4",
    "100",
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /dtrace: description 'fbt::worker:entry' matched 1 probe\n/);
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n").filter((l) => /^\s+worker\s/.test(l));
  assert.equal(lines.length, 4, text); // one key per thread
  assert.match(text, /^\s+4\n/m);
});

test("syscall::write: bytes written to fd 1 are hello's stdout; default records", () => {
  const r = hartscope([
    "trace",
    "-n",
    "syscall::write:entry /arg0 == 1/ { @bytes = sum(arg2); @calls = count(); }",
    "-n",
    "syscall::write:return",
    bin("hello"),
    "one",
    "two",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const calls = [...r.stderr.matchAll(/^\s*\d+\s+\d+\s+write:return\s*$/gm)].length;
  assert.ok(calls >= 1, r.stderr);
  assert.match(r.stderr, /CPU\s+ID\s+FUNCTION:NAME\n/);
  const tail = r.stderr.slice(r.stderr.lastIndexOf("write:return"));
  const nums = [...tail.matchAll(/^\s+(\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(nums, [Buffer.byteLength(r.stdout), calls]);
});

test("kinst output is byte-identical with the block compiler on and off", () => {
  const script = 'kinst::make_word: { printf("%d %d %s %x\\n", timestamp, tid, probename, uregs[R_A0]); }';
  const on = hartscope(["trace", "-q", "--jit", "on", "-n", script, bin("hashtab"), "200"]);
  const off = hartscope(["trace", "-q", "--jit", "off", "-n", script, bin("hashtab"), "200"]);
  assert.equal(on.status, 0, on.stderr);
  assert.ok(on.stderr.split("\n").length > 400 * 10);
  assert.equal(on.stderr, off.stderr);
  assert.equal(on.stdout, off.stdout);
});

test("every aggregating function on write sizes", () => {
  const r = hartscope([
    "trace",
    "-q",
    "-n",
    `syscall::write:entry {
      @c = count(); @s = sum(arg2); @mn = min(arg2); @mx = max(arg2); @a = avg(arg2);
      @sd = stddev(arg2); @q = quantize(arg2); @l = lquantize(arg2, 0, 100, 10);
      @ll = llquantize(arg2, 10, 0, 3, 10);
    }
    END { printa("count %@d\\n", @c); printa("sum %@d\\n", @s); printa("min %@d\\n", @mn); printa("max %@d\\n", @mx);
          printa("avg %@d\\n", @a); printa("sd %@d\\n", @sd); }`,
    bin("hello"),
    "a",
  ]);
  assert.equal(r.status, 0, r.stderr);
  // hello writes its whole output in one write (stdout to a pipe is fully buffered)
  const n = Buffer.byteLength(r.stdout);
  assert.match(r.stderr, new RegExp(`count 1\\nsum ${n}\\nmin ${n}\\nmax ${n}\\navg ${n}\\nsd 0\\n`));
  assert.match(r.stderr, /value\s+-+ Distribution -+\s+count/);
  assert.match(r.stderr, new RegExp(`\\s${Math.floor(n / 10) * 10} \\|@{40} 1 `));
});

test("actions and subroutines: trace, printf, printa, clear, trunc, exit, strings", () => {
  const r = hartscope([
    "trace",
    "-q",
    "-n",
    `BEGIN { s = "/usr/lib/libc.so"; printf("%s|%s|%s|%d|%s|%s\\n", basename(s), strjoin("a", "b"),
             substr(s, 5, 3), strlen(s), lltostr(-42), lltostr(255)); x = 7; x += 3; x <<= 1;
             printf("%d %d %d\\n", x, x / 3, -7 % 3); }
     fbt::make_word:entry { @w[probefunc] = count(); @z[1] = count(); self->n++; }
     fbt::make_word:entry /self->n == 5/ { trace(self->n); printa(@w); clear(@w); trunc(@z); }
     fbt::make_word:entry /self->n == 10/ { printf("at %d: %s\\n", self->n, stringof(uregs[R_SP]) == "" ? "empty" : "set"); exit(3); }`,
    bin("hashtab"),
    "1000",
  ]);
  assert.equal(r.status, 3, r.stderr);
  const lines = r.stderr.split("\n");
  assert.equal(lines[0], "libc.so|ab|lib|16|-42|255");
  assert.equal(lines[1], "20 6 -1");
  assert.match(r.stderr, /^5\n\s+make_word\s+5\n/m);
  assert.match(r.stderr, /at 10: (empty|set)\n/);
  // after clear(@w) the key stays with 5 more; @z was truncated, then counted again
  assert.match(r.stderr, /\n\s+make_word\s+5\n/);
});

test("copyinstr of a bad address: the fault is reported, ERROR fires and tracing goes on", () => {
  const r = hartscope([
    "trace",
    "-q",
    "-n",
    `syscall::write:entry { printf("%s\\n", copyinstr(16)); }
     syscall::write:entry { @ok = count(); }
     ERROR { printf("ERROR epid %d action %d addr %x\\n", arg1, arg3, arg5); }
     END { printa("ok %@d\\n", @ok); }`,
    bin("hello"),
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /hartscope: error on enabled probe ID 1 \(ID \d+: syscall::write:entry\): invalid address \(0x10\) in action #1\n/,
  );
  assert.match(r.stderr, /ERROR epid 1 action 1 addr 10\n/);
  assert.match(r.stderr, /ok 1\n/);
});

test("a syntax error exits 2 with a caret, before the guest runs", () => {
  const r = hartscope(["trace", "-n", "BEGIN { x = 1 + ; }", bin("hello")]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    "<command line>:1:17: expected an expression, found ';'\nBEGIN { x = 1 + ; }\n                ^\n",
  );
});

test("a description matching nothing is an error unless -Z", () => {
  const r = hartscope(["trace", "-n", "fbt::no_such_function:entry", bin("hello")]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /does not match any probes/);
  const z = hartscope(["trace", "-Z", "-n", "fbt::no_such_function:entry", bin("hello")]);
  assert.equal(z.status, 0);
  assert.match(z.stderr, /matched 0 probes/);
});

test("END and the aggregations are printed when the guest dies of a signal", () => {
  const r = hartscope([
    "trace",
    "-n",
    'syscall:::entry { @[probefunc] = count(); } END { printf("end\\n"); }',
    bin("sigsegv"),
  ]);
  assert.equal(r.status, 139);
  assert.match(r.stderr, /:END end\n/);
  assert.match(r.stderr, /\n\s+write\s+1\n/);
});

test("-l lists kinst probes with their instructions, one per instruction of the function", () => {
  const l = hartscope(["trace", "-l", "-n", "kinst::make_word:", bin("hashtab")]);
  assert.equal(l.status, 0, l.stderr);
  const probes = l.stdout.split("\n").slice(1).filter(Boolean);
  const d = hartscope(["disasm", "--func", "make_word", bin("hashtab")]);
  const insns = d.stdout.split("\n").filter((x) => /^\s+[0-9a-f]+:\t/.test(x));
  assert.equal(probes.length, insns.length);
  // the first probe is at offset 0 with the function's first instruction
  const first = insns[0]!.split("\t").slice(2).join(" ").trim();
  assert.match(probes[0]!, /kinst\s+hashtab\s+make_word 0 /);
  assert.ok(probes[0]!.endsWith(first), `${probes[0]} vs ${first}`);
  const f = hartscope(["trace", "-l", "-n", "fbt::make_word:", bin("hashtab")]);
  assert.match(f.stdout, /fbt\s+hashtab\s+make_word entry\n/);
  assert.match(f.stdout, /fbt\s+hashtab\s+make_word return\n/);
});

test("--dump-ast prints the checked program without running it", () => {
  const r = hartscope(["trace", "--dump-ast", "-n", "BEGIN { @a = count(); }", bin("hello")]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^program "<command line>"\n/);
  assert.match(r.stdout, /aggregate @a count/);
  assert.doesNotMatch(r.stdout, /Hello/);
});

test("printf conversions, normalize and printa with a format on a real firing", () => {
  const r = hartscope([
    "trace",
    "-q",
    "-n",
    `syscall::write:entry {
       printf("[%d|%5d|%-5d|%x|%X|%o|%u|%c|%s|%10s|%-4s|%%]\\n", arg0, arg0, arg0, 255, 255, 8, -1, 65, "str", "r", "l");
       printf("%lld %i %#x %08d %+d\\n", arg2, -3, 16, 42, 7);
       @b[probefunc] = sum(arg2 * 1000); normalize(@b, 1000); printa("%s=%@d\\n", @b);
       denormalize(@b); printa("%s=%@d\\n", @b);
     }`,
    bin("hello"),
  ]);
  assert.equal(r.status, 0, r.stderr);
  const n = Buffer.byteLength(r.stdout);
  assert.equal(
    r.stderr,
    `[1|    1|1    |ff|FF|10|4294967295|A|str|         r|l   |%]\n` +
      `${n} -3 0x10 00000042 +7\n` +
      `write=${n}\n` +
      `write=${n * 1000}\n\n`,
  );
});

test("fbt return fires at a tail call (a jump to another function's entry) with its offset", () => {
  const r = hartscope([
    "trace",
    "-q",
    "-n",
    'fbt::frame_dummy:return { printf("%s %x\\n", probefunc, arg0); }',
    bin("hashtab"),
    "10",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const d = hartscope(["disasm", "--func", "frame_dummy", bin("hashtab")]);
  const start = /^([0-9a-f]+) <frame_dummy>:/m.exec(d.stdout);
  assert.ok(start, d.stdout);
  const jumps = [...d.stdout.matchAll(/^\s+([0-9a-f]+):\t\S+\s+\tj\t[0-9a-f]+ <register_tm_clones>$/gm)];
  assert.ok(jumps.length > 0, d.stdout);
  const offsets = jumps.map((j) =>
    (Number.parseInt(j[1]!, 16) - Number.parseInt(start[1]!, 16)).toString(16),
  );
  const fired = r.stderr.trim().split("\n");
  assert.equal(fired.length, 1, r.stderr);
  assert.ok(offsets.includes(fired[0]!.split(" ")[1]!), `${fired[0]} not in ${offsets}`);
});

test("--json: one object per record and per aggregation", () => {
  const r = hartscope([
    "trace",
    "--json",
    "-n",
    "syscall::write:entry { trace(arg2); @[probefunc] = count(); }",
    bin("hello"),
  ]);
  assert.equal(r.status, 0, r.stderr);
  const objs = r.stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
  const n = Buffer.byteLength(r.stdout);
  assert.deepEqual(objs[0].records, [{ action: "trace", type: "int64", value: n }]);
  assert.equal(objs[0].probe.function, "write");
  const agg = objs.find((o) => o.type === "aggregation");
  assert.deepEqual(agg.entries, [{ keys: ["write"], value: 1 }]);
});

test("this-> variables: shared by the clauses of one firing, undefined when a firing starts", () => {
  const script = [
    "BEGIN { this->n = 0; }", // D types a clause-local at its first assignment in the program
    'fbt::rec:entry { @["before", this->n] = count(); this->n = arg0 + 1; }',
    'fbt::rec:entry /this->n > 0/ { @["after", this->n - 1] = count(); }',
    'fbt::rec:entry { @["direct", arg0] = count(); }',
    'fbt::leaf:entry { @["leaf", this->n] = count(); }',
  ].join("\n");
  const r = hartscope(["trace", "-q", "-n", script, bin("calls"), "1", "3"]);
  assert.equal(r.status, 0, r.stderr);
  const table = new Map<string, Map<number, number>>();
  for (const m of r.stderr.matchAll(/^ {2}(\w+) +(-?\d+) +(\d+)$/gm)) {
    if (!table.has(m[1]!)) table.set(m[1]!, new Map());
    table.get(m[1]!)!.set(Number(m[2]), Number(m[3]));
  }
  const direct = table.get("direct")!;
  const calls = [...direct.values()].reduce((a, b) => a + b, 0);
  assert.ok(calls > 10, r.stderr);
  assert.deepEqual([...table.get("before")!], [[0, calls]]);
  assert.deepEqual(table.get("after"), direct);
  // leaf's clause sees none of rec's: 6 calls of leaf on the main thread, 4 on the other
  assert.deepEqual([...table.get("leaf")!], [[0, 10]]);
});

test("-c 'PROG ARGS' runs the command as the trailing form does; $target is its pid; -p is refused", () => {
  const script =
    'BEGIN { printf("target %d\\n", $target); } syscall::exit_group:entry /pid == $target/ { printf("exit %d\\n", arg0); }';
  const c = hartscope(["trace", "-q", "-c", `${bin("exit42")}`, "-n", script]);
  const trailing = hartscope(["trace", "-q", "-n", script, bin("exit42")]);
  assert.equal(c.status, 42, c.stderr);
  assert.equal(c.stderr, trailing.stderr);
  assert.equal(c.stdout, trailing.stdout);
  assert.match(c.stderr, /target 1000\nexit 42\n/);
  // the words of -c are the program's arguments
  const args = hartscope([
    "trace",
    "-q",
    "-c",
    `${bin("hashtab")}  300`,
    "-n",
    "fbt::make_word:entry { @ = count(); }",
  ]);
  assert.equal(args.status, 0, args.stderr);
  assert.equal(args.stderr, `\n${String(600).padStart(17)}\n`);
  const both = hartscope(["trace", "-c", bin("hello"), "-n", "BEGIN { exit(0); }", bin("hello")]);
  assert.notEqual(both.status, 0);
  assert.match(both.stderr, /give the command with -c or after the options, not both/);
  const p = hartscope(["trace", "-p", "1234", "-n", "BEGIN { exit(0); }"]);
  assert.notEqual(p.status, 0);
  assert.match(p.stderr, /-p is not applicable/);
  const undefinedMacro = hartscope(["trace", "-n", "BEGIN { x = $pid; }", bin("hello")]);
  assert.equal(undefinedMacro.status, 2);
  assert.match(undefinedMacro.stderr, /1:13: macro variable \$pid is not defined \(defined: \$target\)/);
});

test("-x and #pragma D option: the options with an effect are set, any other is refused as dtrace refuses it", () => {
  const script = 'BEGIN { @[probename] = count(); @["x"] = count(); @["x"] = count(); exit(0); }';
  const rev = hartscope(["trace", "-x", "quiet", "-x", "aggsortrev", "-n", script, bin("hello")]);
  assert.equal(rev.status, 0, rev.stderr);
  const row = (k: string, n: number) => `  ${k.padEnd(50)} ${String(n).padStart(16)}\n`;
  assert.equal(rev.stderr, `\n${row("x", 2)}${row("BEGIN", 1)}`);
  const pragma = hartscope([
    "trace",
    "-n",
    `#pragma D option quiet\n#pragma D option aggsortrev\n${script}`,
    bin("hello"),
  ]);
  assert.equal(pragma.stderr, rev.stderr);
  for (const [args, message] of [
    [["-x", "bufsize=4m"], "dtrace: failed to set option -x bufsize: Invalid option name"],
    [["-x", "switchrate=10hz"], "dtrace: failed to set option -x switchrate: Invalid option name"],
    [["-x", "strsize=big"], "dtrace: failed to set option -x strsize: Invalid value for specified option"],
    [["-x", "quiet=1"], "dtrace: failed to set option -x quiet: Invalid value for specified option"],
    [
      ["-n", "#pragma D option dynvarsize=1m\n"],
      "dtrace: failed to set option dynvarsize: Invalid option name",
    ],
  ] as const) {
    const r = hartscope(["trace", ...args, "-n", "BEGIN { exit(0); }", bin("hello")]);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(message), r.stderr);
    assert.equal(r.stdout, "", "the guest does not run");
  }
});

test("the CPU column is the hart the probe fired on (cpu): a thread's own hart in user mode, as for ERROR", () => {
  const script =
    'fbt::leaf:entry /arg1 == 1/ { printf("%d %d", cpu, tid); } fbt::leaf:entry /arg1 == 2/ { x = 1 / (arg1 - arg1); } ERROR { printf("%d %d", cpu, tid); }';
  const r = hartscope(["trace", "-n", script, bin("calls"), "2", "1"]);
  assert.equal(r.status, 0, r.stderr);
  const records = [...r.stderr.matchAll(/^ *(\d+) +\d+ +(leaf:entry|:ERROR) (\d+) (\d+)$/gm)];
  assert.equal(records.length, 6, r.stderr); // each of 3 threads: one leaf:entry, one ERROR
  const tids = new Set<string>();
  for (const m of records) {
    assert.equal(m[1], m[3], m[0]); // the column is cpu
    assert.equal(m[3], m[4], m[0]); // ... which is the thread's hart, numbered by its tid
    tids.add(m[4]!);
  }
  assert.equal(tids.size, 3);
});
