// Time in the full system: virtual by default (SYSTEM_NS_PER_INSTRUCTION per instruction, and
// skipping ahead while every hart waits in WFI), or the host's clock with --clock realtime. A 1 s
// delay kernel waits in WFI or busy-waits on the `time` CSR.

import assert from "node:assert/strict";
import { test } from "node:test";
import { SYSTEM_NS_PER_INSTRUCTION } from "../../src/system/system.js";
import { hartscope } from "../linux-user/guest.js";
import { boot, kernel } from "./kernels.js";

const SECOND = 1e9;

test("virtual time: a 1 s wait in WFI is skipped over, taking next to no wall time", () => {
  const t0 = performance.now();
  const r = boot("delay", { sbi: true });
  const wall = performance.now() - t0;
  assert.deepEqual(r.outcome, { status: 0 });
  assert.equal(r.text, "waited in WFI at least 1 s\r\n");
  assert.ok(r.sys.machine.now() >= SECOND, `virtual ${r.sys.machine.now()}`);
  assert.ok(r.sys.retired < 1000, `retired ${r.sys.retired}`);
  assert.ok(wall < 500, `wall ${wall} ms`);
});

test("virtual time: a 1 s busy-wait on the time CSR retires 1 s of instructions, the same count each run", () => {
  const a = boot("delay-busy", { sbi: true });
  assert.deepEqual(a.outcome, { status: 0 });
  assert.equal(a.text, "busy-waited at least 1 s\r\n");
  const perSecond = SECOND / SYSTEM_NS_PER_INSTRUCTION;
  assert.ok(a.sys.retired >= perSecond && a.sys.retired < perSecond * 1.01, `retired ${a.sys.retired}`);
  assert.equal(boot("delay-busy", { sbi: true }).sys.retired, a.sys.retired);
});

test("--clock realtime: the same waits take about 1 s of wall time", () => {
  for (const name of ["delay", "delay-busy"]) {
    const t0 = performance.now();
    const r = boot(name, { sbi: true, clock: "realtime" });
    const wall = performance.now() - t0;
    assert.deepEqual(r.outcome, { status: 0 }, name);
    assert.match(r.text, /at least 1 s\r\n$/);
    assert.ok(wall >= 990 && wall < 10_000, `${name}: ${wall} ms`);
  }
  const cli = hartscope(["system", "--kernel", kernel("delay"), "--clock", "realtime", "--stats"]);
  assert.equal(cli.status, 0);
  assert.match(cli.stderr, /s of real time\n/);
  const bad = hartscope(["system", "--kernel", kernel("delay"), "--clock", "wall"]);
  assert.match(bad.stderr, /^hartscope: --clock must be virtual or realtime \(got 'wall'\)\n$/);
});
