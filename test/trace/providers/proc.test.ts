// proc::: on real guest programs: thread and signal events counted against what the programs
// count themselves, on several threads, the same with the block compiler on and off, and a
// program that crashes still gets its exit event and aggregations.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { GUEST_BIN, hartscope } from "../../linux-user/guest.js";

const bin = (name: string) => join(GUEST_BIN, name);

/** `  key   value` rows of printed aggregations, keyed "name key" ("c lwp-create"). */
function rows(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    const r = /^\s+(\S+)\s+(-?\d+)\s*$/.exec(line);
    if (r) m.set(r[1]!, Number(r[2]));
  }
  return m;
}

/** proc-events' own report: threads, handled, sent, ignored, handler address. */
function groundTruth(stdout: string) {
  const m = /threads (\d+) handled (\d+) sent (\d+) ignored (\d+) waited (\d+) handler ([0-9a-f]+)/.exec(
    stdout,
  );
  assert.ok(m, stdout);
  return {
    threads: Number(m[1]),
    handled: Number(m[2]),
    sent: Number(m[3]),
    ignored: Number(m[4]),
    waited: Number(m[5]),
    handler: m[6]!,
  };
}

const THREAD_EVENTS = `
proc:::start { @["start"] = count(); }
proc:::lwp-create { @["lwp-create"] = count(); }
proc:::lwp-start { @["lwp-start"] = count(); }
proc:::lwp-exit /tid != pid/ { @["lwp-exit-thread"] = count(); }
proc:::lwp-exit { @["lwp-exit"] = count(); }
proc:::exit { @["exit"] = count(); @reason = sum(arg0); @status = sum(arg1); printf("exit %d %d\\n", arg0, arg1); }
`;

test("lwp-create, lwp-start and lwp-exit count the threads threads.c creates (4 workers + 2)", () => {
  for (const n of [1, 4]) {
    const r = hartscope(["trace", "-q", "-n", THREAD_EVENTS, bin("threads"), String(n), "50"]);
    assert.equal(r.status, 0, r.stderr);
    const c = rows(r.stderr);
    const created = n + 2; // the workers, then the two ping-pong threads
    assert.equal(c.get("lwp-create"), created, r.stderr);
    assert.equal(c.get("lwp-exit-thread"), created, r.stderr);
    assert.equal(c.get("lwp-exit"), created + 1, r.stderr); // and main's, at exit_group
    assert.equal(c.get("lwp-start"), created + 1, r.stderr);
    assert.equal(c.get("start"), 1);
    assert.equal(c.get("exit"), 1);
    assert.match(r.stderr, /^exit 1 0$/m); // CLD_EXITED, status 0
  }
});

test("lwp-create's arg0 is the new thread's tid, and lwp-start fires first in that thread", () => {
  const r = hartscope([
    "trace",
    "-q",
    "-n",
    'proc:::lwp-create { printf("create %d by %d\\n", arg0, tid); } proc:::lwp-start { self->seen = 0; printf("start %d\\n", tid); }',
    "-n",
    'syscall:::entry /tid != pid && !self->seen/ { self->seen = 1; printf("first syscall %d\\n", tid); }',
    bin("proc-events"),
    "3",
    "1",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  const created = lines.filter((l) => l.startsWith("create ")).map((l) => Number(l.split(" ")[1]));
  assert.equal(created.length, 3, r.stderr);
  for (const tid of created) {
    const start = lines.indexOf(`start ${tid}`);
    const first = lines.indexOf(`first syscall ${tid}`);
    assert.ok(start > lines.indexOf(`create ${tid} by 1000`), r.stderr);
    assert.ok(start >= 0 && first > start, r.stderr);
  }
  assert.equal(lines.filter((l) => l === "start 1000").length, 1);
});

const SIGNAL_EVENTS = `
proc:::signal-send /arg2 == 10/ { @["send-usr1"] = count(); }
proc:::signal-send /arg2 == 12/ { @["send-usr2"] = count(); }
proc:::signal-send /arg0 != tid/ { @["send-elsewhere"] = count(); }
proc:::signal-discard /arg2 == 12/ { @["discard-usr2"] = count(); }
proc:::signal-clear /arg0 == 10/ { @["clear-usr1"] = count(); }
proc:::signal-handle /arg0 == 10/ { @["handle-usr1"] = count(); @h[arg2] = count(); }
proc:::signal-handle /uregs[R_PC] != arg2/ { @["pc-not-handler"] = count(); }
proc:::signal-handle { @t[tid] = count(); }
`;

test("signal-send, signal-discard, signal-clear and signal-handle equal proc-events' own counts, per thread", () => {
  for (const [threads, each] of [
    [1, 3],
    [4, 5],
  ] as const) {
    const r = hartscope([
      "trace",
      "-q",
      "-n",
      SIGNAL_EVENTS,
      bin("proc-events"),
      String(threads),
      String(each),
    ]);
    assert.equal(r.status, 0, r.stderr);
    const truth = groundTruth(r.stdout);
    const c = rows(r.stderr);
    assert.equal(c.get("handle-usr1"), truth.handled, r.stderr);
    assert.equal(truth.waited, 1);
    assert.equal(c.get("clear-usr1"), truth.waited, r.stderr); // sigwait took it
    assert.equal(c.get("send-usr1"), truth.handled + truth.waited);
    assert.equal(c.get("send-usr2"), truth.ignored);
    assert.equal(c.get("discard-usr2"), truth.ignored);
    assert.equal(c.get("send-usr1")! + c.get("send-usr2")!, truth.sent);
    assert.equal(c.has("send-elsewhere"), false); // raise() signals the calling thread
    assert.equal(c.has("pc-not-handler"), false); // the handler is about to run
    // arg2 is the handler's address, as the program prints it
    assert.equal(c.get(String(Number.parseInt(truth.handler, 16))), truth.handled, r.stderr);
    // every worker handled its own `each` signals
    const perThread = [...c].filter(([k]) => /^10\d\d$/.test(k));
    assert.equal(perThread.length, threads, r.stderr);
    for (const [, v] of perThread) assert.equal(v, each);
  }
});

test("%a names the handler; the trace is byte-identical with the block compiler on and off", () => {
  const script =
    'proc::: { printf("%s tid %d %d %d %d\\n", probename, tid, arg0, arg1, arg2); } proc:::signal-handle { printf("%a\\n", arg2); }';
  const runs = ["on", "off"].map((jit) =>
    hartscope(["trace", "-q", "--jit", jit, "-n", script, bin("proc-events"), "3", "4"]),
  );
  for (const r of runs) assert.equal(r.status, 0, r.stderr);
  assert.equal(runs[0]!.stderr, runs[1]!.stderr);
  assert.match(runs[0]!.stderr, /^on_usr1$/m);
  assert.equal(runs[0]!.stdout, runs[1]!.stdout);
});

test("a crash: fault (FLTBOUNDS at the address), SIGSEGV sent, exit CLD_KILLED 11, aggregations printed", () => {
  const r = hartscope([
    "trace",
    "-q",
    "-n",
    'proc:::fault { printf("fault %d %x\\n", arg0, arg1); } proc:::signal-send /arg2 == 11/ { printf("segv to %d\\n", arg0); }',
    "-n",
    'proc:::exit { printf("exit %d %d\\n", arg0, arg1); } proc:::lwp-exit { @["lwp-exit"] = count(); }',
    "-n",
    'proc:::signal-handle { @["handled"] = count(); } END { printf("end\\n"); }',
    bin("proc-events"),
    "2",
    "3",
    "crash",
  ]);
  assert.equal(r.status, 128 + 11, r.stderr);
  const truth = groundTruth(r.stdout);
  assert.match(r.stderr, /^fault 6 10$/m); // FLTBOUNDS, the address the program stores to
  assert.match(r.stderr, /^segv to 1000$/m);
  assert.match(r.stderr, /^exit 2 11$/m);
  assert.match(r.stderr, /^end$/m);
  const c = rows(r.stderr);
  assert.equal(c.get("handled"), truth.handled);
  assert.equal(c.get("lwp-exit"), truth.threads + 1);
  assert.ok(r.stderr.indexOf("exit 2 11") < r.stderr.indexOf("end"), r.stderr);
});

test("sigsegv's fault: an unhandled store to 0xdead0000 is fault FLTBOUNDS at that address", () => {
  const r = hartscope([
    "trace",
    "-q",
    "-n",
    'proc:::fault { printf("fault %d %x\\n", arg0, arg1); }',
    bin("sigsegv"),
  ]);
  assert.equal(r.status, 128 + 11, r.stderr);
  assert.match(r.stderr, /^fault 6 dead0000$/m);
});

test("-l lists the proc probes", () => {
  const r = hartscope(["trace", "-l", "-n", "proc:::", bin("hello")]);
  assert.equal(r.status, 0, r.stderr);
  const names = [...r.stdout.matchAll(/^\s*\d+\s+proc\s+(\S+)$/gm)].map((m) => m[1]);
  for (const n of ["start", "exit", "lwp-create", "lwp-start", "lwp-exit", "signal-send", "signal-handle"])
    assert.ok(names.includes(n), r.stdout);
});
