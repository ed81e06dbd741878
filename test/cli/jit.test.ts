// Choosing the engine from the command line: `--jit off|on|wasm` and `--jit-hot N` for run, trace
// and system, HARTSCOPE_JIT with the same values, the machine options they become, the compile
// statistics --stats prints, and bad values answered by one line naming the option and the value
// (`js`, the JavaScript engine's value, among them: that engine was removed).

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { machineJit } from "../../src/cli/jit-option.js";
import { parseRunArgs } from "../../src/cli/main.js";
import { parseSystemArgs } from "../../src/cli/system.js";
import { parseTraceArgs } from "../../src/cli/trace.js";
import { JIT_DEFAULTS } from "../../src/hart/jit/hart-jit.js";
import { GUEST_BIN, hartscope } from "../linux-user/guest.js";

const KERNEL = fileURLToPath(new URL("../../../guest/kernels/bin/hello", import.meta.url));
const SHA = join(GUEST_BIN, "sha256");

test("--jit off|on|wasm and HARTSCOPE_JIT become the machine's jit option", () => {
  const jit = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    machineJit(parseRunArgs([...args, "prog"], env));
  assert.deepEqual(jit([]), {}, "on by default");
  assert.equal(jit(["--jit", "off"]), false);
  assert.deepEqual(jit(["--jit", "on"]), {});
  assert.deepEqual(jit(["--jit=wasm"]), {}, "wasm is on");
  assert.equal(jit([], { HARTSCOPE_JIT: "off" }), false);
  assert.deepEqual(jit([], { HARTSCOPE_JIT: "wasm" }), {});
  assert.deepEqual(jit([], { HARTSCOPE_JIT: "" }), {}, "empty is unset");
  // the command line wins over the environment, and the last --jit over earlier ones
  assert.deepEqual(jit(["--jit", "on"], { HARTSCOPE_JIT: "wasm" }), {});
  assert.deepEqual(jit(["--jit", "wasm"], { HARTSCOPE_JIT: "off" }), {});
  assert.equal(jit(["--jit", "wasm", "--jit", "off"]), false);
  // --jit-hot counts from the first instruction, and lowers the warm threshold with it (their
  // default ratio)
  const ratio = JIT_DEFAULTS.warm / JIT_DEFAULTS.hot;
  assert.deepEqual(jit(["--jit-hot", "8", "--jit", "wasm"]), {
    interpretFirst: 0,
    hot: 8,
    warm: Math.floor(8 * ratio),
  });
  assert.deepEqual(jit(["--jit-hot=1"]), { interpretFirst: 0, hot: 1, warm: 1 });
  assert.equal(jit(["--jit-hot", "3", "--jit", "off"]), false, "off ignores the threshold");
});

test("system and trace take the same --jit and --jit-hot", () => {
  const sys = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    machineJit(parseSystemArgs(["--kernel", "k", ...args], env));
  assert.deepEqual(sys([]), {});
  assert.equal(sys(["--jit", "off"]), false);
  assert.deepEqual(sys(["--jit", "wasm", "--jit-hot", "40"]), { interpretFirst: 0, hot: 40, warm: 10 });
  assert.deepEqual(sys([], { HARTSCOPE_JIT: "on" }), {});
  assert.equal(sys([], { HARTSCOPE_JIT: "off" }), false);
  assert.throws(
    () => sys([], { HARTSCOPE_JIT: "fast" }),
    /HARTSCOPE_JIT must be off, on or wasm \(got 'fast'\)/,
  );
  const t = parseTraceArgs(["-n", "BEGIN {}", "--jit", "on", "--jit-hot=2", "prog"], (a) =>
    parseRunArgs(a, {}),
  );
  assert.deepEqual(machineJit(t.run), { interpretFirst: 0, hot: 2, warm: 1 });
});

test("bad values: one line naming the option and the value, status 1", () => {
  const cases: [string[], Record<string, string>, string][] = [
    [["run", "--jit", "fast", SHA], {}, "--jit must be off, on or wasm (got 'fast')"],
    [["run", "--jit=ON", SHA], {}, "--jit must be off, on or wasm (got 'ON')"],
    [["run", SHA], { HARTSCOPE_JIT: "1" }, "HARTSCOPE_JIT must be off, on or wasm (got '1')"],
    [["run", "--jit"], {}, "--jit needs a value"],
    [
      ["run", "--jit", "js", SHA],
      {},
      "--jit must be off, on or wasm (got 'js': the JavaScript engine was removed)",
    ],
    [
      ["run", SHA],
      { HARTSCOPE_JIT: "js" },
      "HARTSCOPE_JIT must be off, on or wasm (got 'js': the JavaScript engine was removed)",
    ],
    [
      ["system", "--kernel", KERNEL, "--jit", "js"],
      {},
      "--jit must be off, on or wasm (got 'js': the JavaScript engine was removed)",
    ],
    [
      ["run", "--jit-hot", "0", SHA],
      {},
      "--jit-hot must be a positive integer (executions before a block is compiled; got '0')",
    ],
    [
      ["run", "--jit-hot=-3", SHA],
      {},
      "--jit-hot must be a positive integer (executions before a block is compiled; got '-3')",
    ],
    [
      ["run", "--jit-hot", "1e3", SHA],
      {},
      "--jit-hot must be a positive integer (executions before a block is compiled; got '1e3')",
    ],
    [["trace", "-n", "BEGIN {}", "--jit", "jit", SHA], {}, "--jit must be off, on or wasm (got 'jit')"],
    [["system", "--kernel", KERNEL, "--jit", "v8"], {}, "--jit must be off, on or wasm (got 'v8')"],
    [
      ["system", "--kernel", KERNEL, "--jit-hot", "x"],
      {},
      "--jit-hot must be a positive integer (executions before a block is compiled; got 'x')",
    ],
  ];
  for (const [args, env, message] of cases) {
    const r = hartscope(args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } });
    assert.deepEqual(r, { status: 1, stdout: "", stderr: `hartscope: ${message}\n` }, args.join(" "));
  }
});

test("--help names the values and the threshold", () => {
  const h = hartscope(["--help"]);
  assert.equal(h.status, 0);
  assert.ok(h.stdout.includes("--jit off|on|wasm"));
  assert.doesNotMatch(h.stdout, /JavaScript|\bjs\b/);
  assert.ok(
    h.stdout.includes(
      "--jit-hot N       executions of a block start before it is compiled, counted from the first",
    ),
  );
  assert.match(
    h.stdout,
    new RegExp(
      `\\(default ${JIT_DEFAULTS.hot}, counted after the first ${JIT_DEFAULTS.interpretFirst} instructions,`,
    ),
  );
  assert.ok(h.stdout.includes("HARTSCOPE_JIT"));
});

/** `run --stats` (the guest's environment empty: HARTSCOPE_JIT is not the guest's): the guest's stdout, instructions retired, and the jit line's figures if any. */
function stats(args: string[], env: Record<string, string> = {}) {
  const r = hartscope(["run", "--stats", "--clear-env", ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  const retired = /^hartscope: retired (\d+) instructions in \d+\.\d{3} s \(\d+\.\d MIPS\)$/.exec(lines[0]!);
  assert.ok(retired, r.stderr);
  const jit =
    /^hartscope: jit (wasm): (\d+) regions, (\d+) instructions compiled, (\d+) of (\d+) instructions retired in compiled code \((\d+\.\d)%\)/.exec(
      lines[1] ?? "",
    );
  assert.equal(lines.length, jit ? 2 : 1, r.stderr);
  return {
    stdout: r.stdout,
    retired: Number(retired[1]),
    engine: jit?.[1],
    regions: Number(jit?.[2] ?? 0),
    compiledInsns: Number(jit?.[3] ?? 0),
    inCompiled: Number(jit?.[4] ?? 0),
    ofRetired: Number(jit?.[5] ?? 0),
  };
}

test("compiled and interpreted runs give the same output and instruction count; --stats says how much ran compiled", () => {
  const off = stats(["--jit", "off", SHA, "64"]);
  assert.equal(off.engine, undefined, "no jit line when the interpreter runs alone");
  for (const engine of ["on", "wasm"] as const) {
    for (const [how, args, env] of [
      ["--jit", ["--jit", engine], {}],
      ["HARTSCOPE_JIT", [], { HARTSCOPE_JIT: engine }],
    ] as const) {
      const s = stats([...args, "--jit-hot", "20", SHA, "64"], env);
      const what = `${how} ${engine}`;
      assert.equal(s.stdout, off.stdout, what);
      assert.equal(s.retired, off.retired, `${what}: the same instructions retire`);
      assert.equal(s.engine, "wasm", what);
      assert.equal(s.ofRetired, s.retired, what);
      assert.ok(s.regions > 0 && s.compiledInsns > 0, `${what}: regions were compiled`);
      assert.ok(s.inCompiled > 0.9 * s.retired, `${what}: ${s.inCompiled} of ${s.retired} ran compiled`);
    }
  }
  // the threshold matters: a threshold no block reaches compiles nothing
  const never = stats(["--jit", "on", "--jit-hot", String(2 ** 31 - 1), SHA, "64"]);
  assert.deepEqual([never.regions, never.inCompiled, never.retired], [0, 0, off.retired]);
});

test("by default a hart's first instructions run in the interpreter alone: a short program compiles nothing", () => {
  const hello = join(GUEST_BIN, "hello");
  const short = stats(["--jit", "on", hello]);
  assert.ok(short.retired < JIT_DEFAULTS.interpretFirst, `hello: ${short.retired} instructions`);
  assert.deepEqual([short.engine, short.regions, short.inCompiled], ["wasm", 0, 0]);
  assert.equal(short.stdout, stats(["--jit", "off", hello]).stdout);
  // a long one compiles what is hot after them, and --jit-hot counts from the first instruction
  const long = stats(["--jit", "on", SHA, "64"]);
  const counted = stats(["--jit", "on", "--jit-hot", String(JIT_DEFAULTS.hot), SHA, "64"]);
  assert.equal(long.retired, counted.retired);
  assert.ok(
    long.regions > 0 && long.inCompiled > 0.9 * long.retired,
    `${long.inCompiled} of ${long.retired}`,
  );
  assert.ok(long.inCompiled < counted.inCompiled, `${long.inCompiled} against ${counted.inCompiled}`);
});

test("the interpreter-first stretch is counted for a process's memory, not for each of its threads", () => {
  // 4 threads of about 470k instructions each: counted per thread, each would run 262144 of them
  // interpreted (18% ran compiled)
  const threads = join(GUEST_BIN, "threads");
  const on = stats(["--jit", "on", threads, "4", "2000"]);
  assert.equal(on.stdout, stats(["--jit", "off", threads, "4", "2000"]).stdout);
  assert.ok(on.retired > 4 * JIT_DEFAULTS.interpretFirst, `${on.retired} instructions`);
  assert.ok(on.inCompiled > 0.6 * on.retired, `${on.inCompiled} of ${on.retired} ran compiled`);
});

test("system --stats prints the jit line, and compiled and interpreted boots are the same", () => {
  const outs = ["off", "on", "wasm"].map((jit) =>
    hartscope([
      "system",
      "--bios",
      "none",
      "--kernel",
      KERNEL,
      "--jit",
      jit,
      "--jit-hot",
      "2",
      "--stats",
      "--serial",
      "file:/dev/null",
    ]),
  );
  for (const r of outs) assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(outs[0]!.stderr, /jit/);
  const retired = outs.map((r) => /retired (\d+) instructions/.exec(r.stderr)?.[1]);
  assert.equal(retired[1], retired[0]);
  assert.equal(retired[2], retired[0]);
  assert.match(
    outs[1]!.stderr,
    /\nhartscope: jit wasm: \d+ regions, \d+ instructions compiled, \d+ of \d+ instructions retired in compiled code/,
  );
  assert.match(outs[2]!.stderr, /\nhartscope: jit wasm: /);
});
