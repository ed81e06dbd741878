// The JIT is a machine's option, set from the command line: `run --jit on|off`, defaulting to
// HARTSCOPE_JIT, which only the CLI reads.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parseRunArgs } from "../../src/cli/main.js";
import { hartscope } from "../linux-user/guest.js";
import { compiledRegions, GUEST_BIN, runGuest } from "./guest-run.js";

test("run --jit on|off, defaulting to HARTSCOPE_JIT", () => {
  assert.equal(parseRunArgs(["prog"], {}).jit, true);
  assert.equal(parseRunArgs(["prog"], { HARTSCOPE_JIT: "off" }).jit, false);
  assert.equal(parseRunArgs(["--jit", "on", "prog"], { HARTSCOPE_JIT: "off" }).jit, true);
  assert.equal(parseRunArgs(["--jit=off", "prog"], {}).jit, false);
  assert.throws(
    () => parseRunArgs(["--jit", "fast", "prog"], {}),
    /--jit must be off, on or wasm \(got 'fast'\)/,
  );
  assert.throws(() => parseRunArgs(["--jit"], {}), /--jit needs a value/);
});

test("hartscope run --jit off and on give the same output", () => {
  const hello = join(GUEST_BIN, "hello");
  const off = hartscope(["run", "--jit", "off", hello, "x"]);
  const on = hartscope(["run", "--jit", "on", hello, "x"]);
  assert.equal(off.status, 0);
  assert.equal(off.stdout, "Hello from RISC-V!\nargv[1] = x\n", off.stderr);
  assert.equal(on.stdout, off.stdout);
});

test("two machines in one process each keep their own JIT setting", () => {
  const interpreted = runGuest("sha256", ["64"], { jit: false });
  const compiled = runGuest("sha256", ["64"], { jit: { interpretFirst: 0, hot: 5, warm: 2 } });
  assert.equal(compiledRegions(interpreted.main), 0);
  assert.equal(interpreted.main.jit, undefined);
  assert.ok(compiledRegions(compiled.main) > 0);
  assert.equal(compiled.stdout, interpreted.stdout);
});
