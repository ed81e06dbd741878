// Go programs (guest/go, cross-built with Debian's Go by guest/go/build.sh into the cache outside
// the repository) under qemu-riscv64 and under hartscope: stdout, stderr and the exit status equal
// byte for byte, at several seeds and quanta (the Go scheduler draws from AT_RANDOM, so each seed
// interleaves its goroutines differently), with the JIT on and off. A trace shows that the tracer
// sees the Go runtime's threads and child processes.
//
// gorun: goroutines over GOMAXPROCS 4 threads, files, a pipe, timers. gochild: os/exec, pipes to
// children, exit statuses, signals. qemu-riscv64 hands execve to the host kernel, which cannot run
// a riscv64 program by itself, so under qemu gochild runs its children through qemu-riscv64
// (GOCHILD_LAUNCHER); under hartscope they are plain execve's inside the root.
//
// gonet: Go's net package over AF_UNIX (a stream server with a goroutine per client, half-close,
// read deadlines, abstract names, datagrams).
//
// gohttp: net/http over AF_UNIX — concurrent requests on keep-alive connections, a POST, a 404, a
// chunked stream, a request cancelled by its deadline, a graceful shutdown.
//
// gofiles: io.Copy between files and sockets (copy_file_range, sendfile, splice and their
// fallbacks), links, symlinks, chmod, truncate, chtimes, walks, flock, a pipe's read deadline.
//
// gostress: asynchronous preemption (SIGURG and a rewritten signal context), GC with finalizers,
// memory handed back with madvise and reused, 3000 goroutines, deep stacks.
//
// gofault: the ways a Go program ends badly (a panic, a nil dereference turned into a panic by the
// runtime's SIGSEGV handler, a deadlock, a fatal error, a recovered fault, an unhandled SIGTERM,
// os.Exit from a goroutine). Their tracebacks are compared with two things masked: goroutine
// numbers (how many the runtime has started depends on when its GC ran) and the hex arguments
// of traceback frames (pointers: qemu-riscv64 places Go's heap at the runtime's hint 0xc000000000,
// hartscope's Sv39 address space ends at 2^38, as Linux's does on an Sv39 machine, so the mmap
// hint is not honoured there). hartscope names the signal that killed a program on stderr
// ("hartscope: terminated by SIGTERM"), which qemu-riscv64 does not: that line is dropped.
//
// The programs are rebuilt before the runs when `go` is there (Go's build cache, kept in the same
// cache directory, makes that a second); without it, outside CI, the cached binaries are used or
// the tests skip. Under CI a missing go or qemu-riscv64 fails.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { tempDir } from "../temp-dir.js";
import { skipWithout, tool, UNDER_CI } from "../tools.js";
import {
  assertSameOutput,
  HARTSCOPE_JS,
  hartscopeBuilt,
  parseStats,
  REPO_ROOT,
  type RunResult,
  type RunSpec,
  run,
  runHartscope,
  runQemu,
} from "./run-guest.js";

const CACHE = join(process.env.HARTSCOPE_CACHE ?? join(homedir(), ".cache", "hartscope"), "go", "bin");
const PROGRAMS = ["gorun", "gochild", "gofault", "gonet", "gostress", "gofiles", "gohttp"] as const;
type Program = (typeof PROGRAMS)[number];
const TIMEOUT_MS = 240_000;
const ENV = { PATH: "/usr/bin:/bin", LANG: "C" };

function goFound(): boolean {
  return spawnSync("go", ["version"], { stdio: "ignore" }).status === 0;
}

function why(): string | false {
  const tools = skipWithout("qemu");
  if (tools) return tools;
  if (!hartscopeBuilt()) return "hartscope is not built (npx tsc -p .)";
  if (UNDER_CI || goFound()) return false;
  const missing = PROGRAMS.filter((p) => !existsSync(join(CACHE, p)));
  return missing.length > 0
    ? `go not found (Debian package golang-go) and no ${join(CACHE, missing[0]!)}`
    : false;
}
const skip = why();

/** Builds the Go guests with guest/go/build.sh; an error naming what failed when it cannot. */
function build(): void {
  if (!goFound()) {
    if (UNDER_CI) throw new Error("go not found (Debian package golang-go); CI=true requires it");
    return; // outside CI: the cached binaries (why() checked they are there)
  }
  const r = spawnSync("sh", [join(REPO_ROOT, "guest", "go", "build.sh"), ...PROGRAMS], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`guest/go/build.sh failed (status ${r.status}):\n${r.stderr}`);
}

let base = "";
let runs = 0;

/** A fresh working directory (which is also hartscope's root) holding the program as ./NAME. */
function workDir(prog: Program): string {
  const d = join(base, `run-${runs++}`);
  spawnSync("mkdir", ["-p", d]);
  copyFileSync(join(CACHE, prog), join(d, prog));
  return d;
}

function specFor(prog: Program, launcher?: string): RunSpec {
  return {
    prog: `./${prog}`,
    cwd: workDir(prog),
    env: launcher === undefined ? ENV : { ...ENV, GOCHILD_LAUNCHER: launcher },
    timeoutMs: prog === "gostress" ? 2 * TIMEOUT_MS : TIMEOUT_MS,
  };
}

/** qemu-riscv64's path: gochild's children are started through it. */
function qemuPath(): string {
  const q = tool("qemu");
  if (q.includes("/")) return q;
  return spawnSync("sh", ["-c", 'command -v "$1"', "sh", q], { encoding: "utf8" }).stdout.trim() || q;
}

/** qemu-riscv64's run of `prog args`, once per test file. */
const references = new Map<string, Promise<RunResult>>();
function reference(prog: Program, args: string[] = []): Promise<RunResult> {
  const key = [prog, ...args].join(" ");
  let r = references.get(key);
  if (r === undefined) {
    r = runQemu({ ...specFor(prog, prog === "gochild" ? qemuPath() : undefined), args });
    references.set(key, r);
  }
  return r;
}

function hartscopeOptions(seed: number, quantum: number | undefined, jit: "on" | "off"): string[] {
  return [
    "--seed",
    String(seed),
    ...(quantum === undefined ? [] : ["--quantum", String(quantum)]),
    "--jit",
    jit,
  ];
}

/** Goroutine numbers and traceback frames' hex arguments masked (see the head of this file). */
function maskTraceback(text: string): string {
  return text
    .replace(/^goroutine \d+ \[/gm, "goroutine N [")
    .replace(
      /^([\w./*()-]+)\((?:0x[0-9a-f]+\??|\.\.\.|\{[^}]*\})(?:, (?:0x[0-9a-f]+\??|\.\.\.|\{[^}]*\}))*\)$/gm,
      "$1(ARGS)",
    );
}

const FAULTS: { name: string; status: number }[] = [
  { name: "panic", status: 2 },
  { name: "nil", status: 2 },
  { name: "divide", status: 2 },
  { name: "deadlock", status: 2 },
  { name: "fatal", status: 2 },
  { name: "recover", status: 0 },
  { name: "sigterm", status: 128 + 15 },
  { name: "exit", status: 42 },
];

async function compare(prog: Program, options: string[], args: string[] = []): Promise<void> {
  const [q, hs] = await Promise.all([
    reference(prog, args),
    runHartscope({ ...specFor(prog), args }, options),
  ]);
  if (prog === "gofault") {
    const status = FAULTS.find((f) => f.name === args[0])!.status;
    assert.equal(q.status, status, `qemu-riscv64 gofault ${args[0]}: ${q.stderr}`);
    assert.equal(hs.status, status, `hartscope gofault ${args[0]}: ${hs.stderr}`);
    const hsErr = hs.stderr.toString("latin1").replace(/^hartscope: terminated by SIG\w+\n/m, "");
    assertSameOutput(
      { ...q, stderr: Buffer.from(maskTraceback(q.stderr.toString("latin1")), "latin1") },
      { ...hs, stderr: Buffer.from(maskTraceback(hsErr), "latin1") },
    );
    return;
  }
  assert.equal(q.status, 0, `qemu-riscv64 ${prog}: ${q.stderr}`);
  assert.ok(!hs.timedOut, `hartscope ${prog} ${options.join(" ")} timed out; stdout so far:\n${hs.stdout}`);
  assert.equal(hs.status, q.status, `exit status; hartscope stderr: ${hs.stderr.toString().slice(0, 1000)}`);
  assertSameOutput(q, hs);
}

/** Runs `hartscope trace -q -o FILE -n SCRIPT ./prog`; returns its result and the trace's text. */
async function trace(prog: Program, script: string): Promise<{ result: RunResult; text: string }> {
  const spec = specFor(prog);
  const out = join(spec.cwd!, "..", `trace-${runs}.txt`);
  const result = await run(
    process.execPath,
    [HARTSCOPE_JS, "trace", "-q", "-o", out, "-n", script, spec.prog],
    spec,
  );
  return { result, text: existsSync(out) ? readFileSync(out, "utf8") : "" };
}

/** The lines `KEY VALUE` of a printed aggregation, as a map from key to value. */
function aggregation(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    const f = /^\s*(\S+)\s+(\d+)\s*$/.exec(line);
    if (f) m.set(f[1]!, Number(f[2]));
  }
  return m;
}

describe("Go programs: hartscope run vs qemu-riscv64", { skip, concurrency: 2 }, () => {
  before(() => {
    base = tempDir("hs-go-");
    build();
  });

  for (const jit of ["on", "off"] as const) {
    for (const [seed, quantum] of [
      [0, undefined],
      [7, 997],
      [12345, 50_000],
    ] as const) {
      const options = hartscopeOptions(seed, quantum, jit);
      it(`gorun (goroutines, files, timers) ${options.join(" ")}`, { timeout: TIMEOUT_MS }, () =>
        compare("gorun", options),
      );
    }
  }

  /** program, what it covers, and the (seed, quantum, jit) runs compared with qemu */
  const runs: readonly (readonly [
    Program,
    string,
    readonly (readonly [number, number | undefined, "on" | "off"])[],
  ])[] = [
    [
      "gochild",
      "os/exec, pipes, signals",
      [
        [0, undefined, "on"],
        [3, 333, "on"],
        [99, 20_000, "off"],
      ],
    ],
    [
      "gonet",
      "AF_UNIX streams, deadlines, datagrams",
      [
        [0, undefined, "on"],
        [9, 301, "off"],
      ],
    ],
    [
      "gofiles",
      "copies, links, modes, flock, deadlines",
      [
        [0, undefined, "on"],
        [11, 4099, "off"],
      ],
    ],
  ];
  for (const [prog, what, configs] of runs)
    for (const [seed, quantum, jit] of configs) {
      const options = hartscopeOptions(seed, quantum, jit);
      it(`${prog} (${what}) ${options.join(" ")}`, { timeout: TIMEOUT_MS }, () => compare(prog, options));
    }

  it("gohttp (net/http over AF_UNIX) --seed 13 --jit on", { timeout: TIMEOUT_MS }, () =>
    compare("gohttp", hartscopeOptions(13, undefined, "on")),
  );

  it(
    "gostress (preemption, GC, madvise, 3000 goroutines, deep stacks) --seed 0 --jit on",
    {
      timeout: 2 * TIMEOUT_MS,
    },
    () => compare("gostress", hartscopeOptions(0, undefined, "on")),
  );
  it("gostress preemption returned --seed 2 --quantum 3001 --jit off", { timeout: 2 * TIMEOUT_MS }, () =>
    compare("gostress", hartscopeOptions(2, 3001, "off"), ["preemption", "returned"]),
  );

  for (const f of FAULTS) {
    const options = hartscopeOptions(5, undefined, "on");
    it(
      `gofault ${f.name} ends with status ${f.status}, printing what the runtime prints`,
      {
        timeout: TIMEOUT_MS,
      },
      () => compare("gofault", options, [f.name]),
    );
  }

  it("the same seed repeats a Go run exactly: the same instruction count, JIT on or off", {
    timeout: 2 * TIMEOUT_MS,
  }, async () => {
    const runs = await Promise.all(
      (["on", "on", "off"] as const).map((jit) =>
        runHartscope(specFor("gorun"), [...hartscopeOptions(7, undefined, jit), "--stats"]),
      ),
    );
    const counts = runs.map((r) => {
      assert.equal(r.status, 0, `hartscope: ${r.stderr}`);
      const stats = parseStats(r.stderr.toString());
      assert.ok(stats, `no --stats line in ${r.stderr}`);
      return stats.instructions;
    });
    assert.equal(counts[1], counts[0], "two runs with --seed 7");
    assert.equal(counts[2], counts[0], "--jit off and on");
    assert.ok(runs[1]!.stdout.equals(runs[0]!.stdout) && runs[2]!.stdout.equals(runs[0]!.stdout));
  });

  it("the tracer sees the Go runtime's threads: lwp-create, epoll_pwait, the workers on several threads", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { result, text } = await trace(
      "gorun",
      'proc:::lwp-create { @n["lwp-create"] = count(); } ' +
        'syscall::epoll_pwait:entry { @n["epoll_pwait"] = count(); } ' +
        'syscall::clone:entry { @n["clone"] = count(); } ' +
        'fbt::main.collatzSteps:entry { @n["collatzSteps"] = count(); @t[tid] = count(); }',
    );
    assert.equal(result.status, 0, `hartscope trace: ${result.stderr}`);
    assert.ok(result.stdout.equals((await reference("gorun")).stdout), "gorun's stdout under trace");
    const agg = aggregation(text);
    const threadCounts = [...agg].filter(([k]) => /^\d+$/.test(k)).map(([, v]) => v);
    // every call of the 48 jobs × 4000 numbers is seen, spread over more than one thread
    assert.equal(agg.get("collatzSteps"), 48 * 4000, text);
    assert.equal(
      threadCounts.reduce((a, b) => a + b, 0),
      48 * 4000,
      text,
    );
    assert.ok(threadCounts.length >= 2, `the workers ran on ${threadCounts.length} thread(s):\n${text}`);
    // GOMAXPROCS 4: the runtime starts threads with clone(CLONE_THREAD|...) and waits in its netpoller
    assert.ok((agg.get("lwp-create") ?? 0) >= 3, text);
    assert.equal(agg.get("lwp-create"), agg.get("clone"), text);
    assert.ok((agg.get("epoll_pwait") ?? 0) >= 1, text);
  });

  it("the tracer sees gochild's children: create, exec-success and exit per process", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { result, text } = await trace(
      "gochild",
      'proc:::create { @n["create"] = count(); } proc:::exec-success { @n["exec-success"] = count(); } ' +
        'proc:::exit { @n["exit"] = count(); }',
    );
    assert.equal(result.status, 0, `hartscope trace: ${result.stderr}`);
    const agg = aggregation(text);
    // five children (upper, exit 3, env, wait-signal, sleep), each forked then exec'd; six exits
    assert.equal(agg.get("create"), 5, text);
    assert.equal(agg.get("exec-success"), 5, text);
    assert.equal(agg.get("exit"), 6, text);
  });
});
