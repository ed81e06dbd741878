// ustack() and ustackdepth from the shadow call stack, against ground truth: guest/src/calls.c has
// each of its functions record its own return address (__builtin_return_address(0)) while it runs,
// and leaf() prints them — the return addresses an exact stack shows below leaf — for recursion,
// calls through a function pointer, a tail call, a longjmp out of a deep recursion and a signal
// handler, on the main thread and on three more threads.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
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

test("ustack() at leaf is the program's own record of its callers, on every thread and chain", () => {
  const r = hartscope(["trace", "-q", "-n", SCRIPT, PROG, "3", "10"]);
  assert.equal(r.status, 0, r.stderr);
  const truth = trails(r.stdout);
  const got = stacks(r.stderr);
  assert.equal(truth.size, 6 + 3 * 4, r.stdout);
  assert.deepEqual([...got.keys()].sort(), [...truth.keys()].sort());
  for (const [key, ras] of truth) {
    const frames = got.get(key)!;
    assert.equal(frames[0], "calls`leaf", key);
    const thread = key.startsWith("T0 ") ? "main" : "worker";
    // the C start-up code below main / the thread start below worker: no function of ours records them
    const bottom =
      thread === "main"
        ? [/^calls`__libc_start_main\+0x/, /^calls`_start\+0x/]
        : [/^calls`__thread_start\+0x/];
    const tail = frames.slice(frames.length - bottom.length);
    for (const [i, re] of bottom.entries()) assert.match(tail[i]!, re, `${key}: ${frames.join(" ")}`);
    const middle = frames.slice(1, frames.length - bottom.length);
    const outside = ras.findIndex((a) => resolver(BigInt(a))?.symbol === undefined);
    if (outside < 0) {
      assert.deepEqual(middle, ras.map(name), key);
      continue;
    }
    // in the signal handler: leaf's caller is the handler, whose own return address is the signal
    // trampoline; below it the shadow stack has the interrupted thread's callers, whose innermost
    // frames (inside raise) no function of ours records
    assert.equal(key, "T0 S4");
    assert.equal(middle[0], name(ras[0]!));
    assert.match(middle[0]!, /^calls`on_signal\+0x/);
    const below = ras.slice(outside + 1).map(name);
    assert.deepEqual(middle.slice(middle.length - below.length), below, `${middle.join(" ")}`);
    assert.match(middle[1]!, /^calls`raise\+0x/);
  }
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
