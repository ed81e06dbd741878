// A pipe's last writer or last reader going away, seen by a drained edge-triggered epoll item
// (guest/src/sys-hangup.c): Linux reports EPOLLHUP (read end) or EPOLLERR (write end) once, which
// is what Go's os/exec waits for after reading a child's output to EAGAIN. Compared with
// qemu-riscv64 at several quanta.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assertSameOutput,
  differentialSkip,
  GUEST_BIN,
  type RunSpec,
  runHartscope,
  runQemu,
} from "./run-guest.js";

const spec: RunSpec = {
  prog: `${GUEST_BIN}sys-hangup`,
  env: { PATH: "/usr/bin:/bin", LANG: "C" },
  timeoutMs: 60_000,
};

const skip = differentialSkip();

describe("pipe hang-up through edge-triggered epoll: hartscope run vs qemu-riscv64", { skip }, () => {
  let reference: ReturnType<typeof runQemu> | undefined;
  for (const quantum of [undefined, "97", "100000"]) {
    const opts = quantum === undefined ? [] : ["--quantum", quantum];
    it(`sys-hangup${quantum ? ` --quantum ${quantum}` : ""}`, { timeout: 120_000 }, async () => {
      reference ??= runQemu(spec);
      const [q, hs] = await Promise.all([reference, runHartscope(spec, opts)]);
      assert.equal(q.status, 0, `qemu-riscv64: ${q.stderr}`);
      assert.match(q.stdout.toString(), /writer gone: 1 \[fd \d+: HUP\]\n/);
      assert.match(q.stdout.toString(), /reader gone: 1 \[fd \d+: ERR\]\n/);
      assert.equal(hs.status, q.status, `exit status; hartscope stderr: ${hs.stderr}`);
      assertSameOutput(q, hs);
    });
  }
});
