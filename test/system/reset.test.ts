// The machine's reset: the test finisher's 0x7777 (M-mode, no firmware) and SBI's system_reset
// reboot restart the machine with the images loaded again (RAM elsewhere keeps its contents, as on
// QEMU), every hart back at its start.

import assert from "node:assert/strict";
import { test } from "node:test";
import { hartscope } from "../linux-user/guest.js";
import { boot, kernel, needQemuSystem, qemuVirt } from "./kernels.js";

const RESET = "boot 1: data intact\nboot 2: data intact\n";

for (const harts of [1, 4]) {
  test(`the finisher's reset restarts the machine: .data loaded again (${harts} harts)`, () => {
    const r = boot("reset", { harts });
    assert.deepEqual(r.outcome, { status: 0 });
    assert.equal(r.text, RESET);
    assert.equal(r.sys.resets, 1);
  });
}

test("reset prints what it prints on qemu-system-riscv64 -bios none", { skip: needQemuSystem }, () => {
  const h = hartscope(["system", "--bios", "none", "--kernel", kernel("reset")]);
  assert.deepEqual(h, { status: 0, stdout: RESET, stderr: "" });
  const q = qemuVirt("reset", ["-bios", "none"]);
  assert.equal(q.stdout, RESET);
  assert.equal(q.status, 0);
});

test("SBI system_reset (cold reboot) restarts the kernel with only the boot hart started", () => {
  const r = boot("sbi-v2", { sbi: true, harts: 4 });
  assert.deepEqual(r.outcome, { status: 0 });
  assert.equal(r.sys.resets, 1);
  assert.match(r.text, /rebooting\r\n== boot 2 ==\r\nhart = 0\r\nanother hart's status = 1\r\n$/);
});
