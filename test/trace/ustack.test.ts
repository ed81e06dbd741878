// ustack() and ustackdepth from the shadow call stack, against ground truth: guest/src/calls.c has
// each of its functions record its own return address (__builtin_return_address(0)) while it runs,
// and leaf() prints them — the return addresses an exact stack shows below leaf — for recursion,
// calls through a function pointer, a tail call, a longjmp out of a deep recursion and a signal
// handler (whose stack, as dtrace shows it, continues with the trampoline and the interrupted pc),
// on the main thread and on three more threads, in a static program and in a dynamic PIE.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseElf } from "../../src/elf/elf.js";
import { callSites, SiteKind } from "../../src/trace/call-sites.js";
import { elfResolver } from "../../src/trace/elf-symbols.js";
import { resolveAddress } from "../../src/trace/runtime/symbols.js";
import { GUEST_BIN, hartscope } from "../linux-user/guest.js";

const PROG = join(GUEST_BIN, "calls");
const elf = parseElf(new Uint8Array(readFileSync(PROG)), PROG);
const resolver = elfResolver(elf, 0, "calls");
const name = (a: number) => resolveAddress(BigInt(a), resolver);

/** "T<thread> S<seq>" -> what follows, from lines "T1 S2: ..." (stdout) */
function trails(stdout: string): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const line of stdout.split("\n")) {
    const r = /^(T\d+ S\d+):((?: [0-9a-f]+)*)$/.exec(line);
    if (r)
      m.set(
        r[1]!,
        r[2]!
          .trim()
          .split(" ")
          .map((h) => Number.parseInt(h, 16)),
      );
  }
  return m;
}

/** "T<thread> S<seq>" -> the frames printed after it by printf + ustack() (quiet mode) */
function stacks(trace: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let key: string | undefined;
  for (const line of trace.split("\n")) {
    if (/^T\d+ S\d+$/.test(line)) {
      key = line;
      m.set(key, []);
    } else if (key !== undefined && /^ {14}\S+$/.test(line)) m.get(key)!.push(line.trim());
    else key = undefined;
  }
  return m;
}

const SYSROOT = "/usr/riscv64-linux-gnu";
const skip = existsSync(join(SYSROOT, "lib", "libc.so.6")) ? false : `no riscv64 sysroot at ${SYSROOT}`;

const SCRIPT = 'fbt::leaf:entry { printf("T%d S%d", arg0, arg1); ustack(); }';

test("call sites: jal/jalr/c.jalr writing ra or t0 are calls, jalr x0 / c.jr through them returns", () => {
  const sites = callSites(elf);
  const calls = sites.filter((s) => s.kind === SiteKind.Call).length;
  const rets = sites.filter((s) => s.kind === SiteKind.Return).length;
  // objdump's count of the same instructions in the executable sections
  assert.ok(calls > 1000 && rets > 500, `${calls} calls, ${rets} returns`);
  const tailer = elf.symbols.find((s) => s.name === "tailer")!;
  // tailer's `j tail_target` is neither
  assert.equal(sites.filter((s) => s.va >= tailer.value && s.va < tailer.value + tailer.size).length, 0);
});

/**
 * Runs `prog` (calls or calls-dynamic) under ustack() at leaf and checks each stack against the
 * program's own record: leaf, then its callers' return addresses, then the start-up code below
 * main or the thread start routine (`bottom`), which no function of ours records.
 */
function checkAgainstTruth(
  prog: string,
  runArgs: string[],
  bottom: { main: RegExp[]; thread: RegExp[] },
): void {
  const path = join(GUEST_BIN, prog);
  const self = parseElf(new Uint8Array(readFileSync(path)), path);
  const script = 'fbt::leaf:entry { printf("T%d S%d\\n%x", arg0, arg1, uregs[R_PC]); ustack(); }';
  const r = hartscope(["trace", "-q", ...runArgs, "-n", script, path, "3", "10"]);
  assert.equal(r.status, 0, r.stderr);
  // the load bias of a PIE: where leaf is against its symbol
  const pc = /^T0 S0\n([0-9a-f]+)$/m.exec(r.stderr);
  assert.ok(pc, r.stderr.slice(0, 400));
  const bias = Number.parseInt(pc[1]!, 16) - self.symbols.find((x) => x.name === "leaf")!.value;
  const own = elfResolver(self, bias, prog);
  /** what a frame must be: the program's own function, or (a return into libc) any libc frame */
  const expect = (a: number): string | RegExp =>
    own(BigInt(a))?.symbol !== undefined ? resolveAddress(BigInt(a), own) : /^libc\.so\.6`/;
  const truth = trails(r.stdout);
  const got = stacks(r.stderr.replace(/^[0-9a-f]+\n/gm, ""));
  assert.equal(truth.size, 6 + 3 * 4, r.stdout);
  assert.deepEqual([...got.keys()].sort(), [...truth.keys()].sort());
  for (const [key, ras] of truth) {
    const frames = got.get(key)!;
    const where = `${key}: ${frames.join(" ")}`;
    assert.equal(frames[0], `${prog}\`leaf`, where);
    const tail = key.startsWith("T0 ") ? bottom.main : bottom.thread;
    const below = frames.slice(frames.length - tail.length);
    for (const [i, re] of tail.entries()) assert.match(below[i]!, re, where);
    const middle = frames.slice(1, frames.length - tail.length);
    let want = ras.map(expect);
    if (key === "T0 S4") {
      // in the signal handler: leaf's caller is the handler, whose own return address is the
      // signal trampoline (no symbol); below it the interrupted pc (inside pthread_kill) and its
      // callers raise and main, which no function of ours records
      want = [
        want[0]!,
        `0x${ras[1]!.toString(16)}`,
        /`(__pthread_kill_implementation|0x)/,
        /`raise\+0x/,
        new RegExp(`^${prog}\`main\\+0x`),
        ...want.slice(2),
      ];
    }
    assert.equal(middle.length, want.length, where);
    for (const [i, w] of want.entries()) {
      if (typeof w === "string") assert.equal(middle[i], w, where);
      else assert.match(middle[i]!, w, where);
    }
  }
}

test("ustack() at leaf is the program's own record of its callers, on every thread and chain", () => {
  checkAgainstTruth("calls", [], {
    main: [/^calls`__libc_start_main\+0x/, /^calls`_start\+0x/],
    thread: [/^calls`__thread_start\+0x/],
  });
});

test("... and in a dynamic PIE, through libc.so.6's calls and returns", { skip }, () => {
  checkAgainstTruth("calls-dynamic", ["--sysroot", SYSROOT], {
    main: [/^libc\.so\.6`__libc_start_main\+0x/, /^calls-dynamic`_start\+0x/],
    thread: [/^libc\.so\.6`/],
  });
});

test("the stacks are byte-identical with the block compiler on and off; ustackdepth counts them", () => {
  const script = `${SCRIPT} fbt::leaf:entry { printf(" %d\\n", ustackdepth); @[ustack(4)] = count(); @d[ustackdepth] = count(); }`;
  const on = hartscope(["trace", "-q", "--jit", "on", "-n", script, PROG, "2", "6"]);
  const off = hartscope(["trace", "-q", "--jit", "off", "-n", script, PROG, "2", "6"]);
  assert.equal(on.status, 0, on.stderr);
  assert.equal(on.stderr, off.stderr);
  const got = stacks(on.stderr);
  for (const m of on.stderr.matchAll(/^(T\d+ S\d+)\n((?: {14}\S+\n)+) (\d+)$/gm))
    assert.equal(Number(m[3]), got.get(m[1]!)!.length, m[1]);
});

test("@[ustack(N)] = count() prints each stack as its key, dtrace's layout", () => {
  // depth 1: rec(1) -> rec(0) -> leaf on every chain; the 2-frame stacks group the calls
  const r = hartscope(["trace", "-q", "-n", "fbt::leaf:entry { @[ustack(2)] = count(); }", PROG, "0", "1"]);
  assert.equal(r.status, 0, r.stderr);
  const truth = trails(r.stdout);
  const counts = new Map<number, number>();
  for (const ras of truth.values()) counts.set(ras[0]!, (counts.get(ras[0]!) ?? 0) + 1);
  // dtrace: the blank line at exit, then per entry the stack (a newline, indented frames) and
  // " %16d"; by count, then by the stack's addresses
  const sorted = [...counts].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const expected = `\n${sorted.map(([a, n]) => `\n              calls\`leaf\n              ${name(a)}\n ${String(n).padStart(16)}\n`).join("")}`;
  assert.equal(r.stderr, expected);
});

test("--json: ustack() is an array of frames, as are stack keys", () => {
  const r = hartscope([
    "trace",
    "--json",
    "-n",
    "fbt::leaf:entry /arg1 == 0/ { ustack(3); @[ustack(2)] = count(); }",
    PROG,
    "0",
    "1",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
  const truth = trails(r.stdout).get("T0 S0")!;
  const event = lines.find((l) => l.type === "event");
  assert.deepEqual(event.records, [
    { action: "ustack", type: "stack", value: ["calls`leaf", name(truth[0]!), name(truth[1]!)] },
  ]);
  const agg = lines.find((l) => l.type === "aggregation");
  assert.deepEqual(agg.keys, ["stack"]);
  assert.deepEqual(agg.entries, [{ keys: [["calls`leaf", name(truth[0]!)]], value: 1 }]);
});

test("-x ustackframes sets ustack()'s default depth, -x stackindent the frames' indent", () => {
  const r = hartscope([
    "trace",
    "-q",
    "-x",
    "ustackframes=2",
    "-x",
    "stackindent=4",
    "-n",
    SCRIPT,
    PROG,
    "0",
    "3",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const truth = trails(r.stdout).get("T0 S0")!;
  assert.ok(r.stderr.startsWith(`T0 S0\n    calls\`leaf\n    ${name(truth[0]!)}\nT0 S1\n`), r.stderr);
});
