// The scheduler's slices: a run's only thread runs many quanta in one slice (scheduler.ts,
// LONE_SLICE_QUANTA), which must change nothing but speed — the instruction limit still stops the
// run at the first quantum boundary past it, with each engine, and a program's count is the same
// at any quantum.

import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseElf } from "../../src/elf/elf.js";
import { LinuxProcess } from "../../src/linux-user/process.js";
import { runProcess } from "../../src/linux-user/scheduler.js";
import { GUEST_BIN } from "./guest.js";

function run(prog: string, args: string[], quantum: number, jit: boolean, maxInstructions?: number) {
  const nul = openSync("/dev/null", "r+");
  try {
    const p = new LinuxProcess({
      root: "/",
      sysroot: "/usr/riscv64-linux-gnu",
      quantum,
      wallClock: false,
      seed: 0,
      strict: false,
      warn: () => {},
      memoryBytes: 1 << 28,
      stdio: [nul, nul, nul],
      maxInstructions,
      jit: jit ? { interpretFirst: 0, hot: 10 } : false,
    });
    p.exec(parseElf(readFileSync(join(GUEST_BIN, prog)), prog), prog, [prog, ...args], []);
    const status = runProcess(p);
    return { status, retired: p.clock.retired };
  } finally {
    closeSync(nul);
  }
}

for (const jit of [false, true]) {
  test(`a lone thread stops at the quantum boundary past the instruction limit (jit ${jit ? "on" : "off"})`, () => {
    // sha256 of 4 MiB runs for hundreds of millions of instructions: the limit ends it
    const { status, retired } = run("sha256", ["4096"], 1000, jit, 123_456);
    assert.equal(status.hostCode, 2, "ended by the limit");
    assert.equal(retired, 124_000, "the first 1000-instruction boundary at or past 123,456");
    assert.match(status.message ?? "", /stopped after 124000 instructions \(limit 123456\)/);
  });
}

test("a lone thread's instruction count does not depend on the quantum or the engine", () => {
  const counts = new Set<number>();
  for (const quantum of [64, 1000, 10_000, 1_000_000])
    for (const jit of [false, true]) {
      const { status, retired } = run("sort", ["3000"], quantum, jit);
      assert.equal(status.code, 0, `sort exits 0 (quantum ${quantum}, jit ${jit})`);
      counts.add(retired);
    }
  assert.equal(counts.size, 1, `one count: ${[...counts].join(", ")}`);
});
