// eventfd, epoll and timerfd (guest/src/sys-wait.c) under qemu-riscv64 and under `hartscope run`:
// stdout, stderr and status equal byte for byte, with the threads that wake each other switched
// at several quanta. epoll_pwait2, which qemu 7.2 lacks, is checked against epoll_wait(2).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { skipWithout, UNDER_CI } from "../tools.js";
import {
  describeDifference,
  GUEST_BIN,
  hartscopeBuilt,
  type RunSpec,
  runHartscope,
  runQemu,
} from "./run-guest.js";

const spec: RunSpec = {
  prog: `${GUEST_BIN}sys-wait`,
  env: { PATH: "/usr/bin:/bin", LANG: "C" },
  timeoutMs: 90_000,
};

const skip =
  skipWithout("qemu") || (!UNDER_CI && !hartscopeBuilt() && "hartscope is not built (npx tsc -p .)");

describe("eventfd, epoll, timerfd: hartscope run vs qemu-riscv64", { concurrency: 2 }, () => {
  let reference: Promise<Awaited<ReturnType<typeof runQemu>>> | undefined;
  const qemu = () => {
    reference ??= runQemu(spec);
    return reference;
  };

  for (const quantum of [undefined, "64", "100000"]) {
    const opts = quantum === undefined ? [] : ["--quantum", quantum];
    it(`sys-wait${quantum ? ` --quantum ${quantum}` : ""}`, { skip, timeout: 180_000 }, async () => {
      const [q, hs] = await Promise.all([qemu(), runHartscope(spec, opts)]);
      assert.equal(q.status, 0, `qemu-riscv64: ${q.stderr}`);
      assert.equal(hs.status, q.status, `exit status; hartscope stderr: ${hs.stderr}`);
      assert.ok(hs.stdout.equals(q.stdout), describeDifference("stdout", q.stdout, hs.stdout));
      assert.ok(hs.stderr.equals(q.stderr), describeDifference("stderr", q.stderr, hs.stderr));
    });
  }

  it("epoll_pwait2 (qemu 7.2 returns ENOSYS): timeouts and a bad timespec as epoll_wait(2) says", {
    skip,
  }, async () => {
    const [q, hs] = await Promise.all([qemu(), runHartscope({ ...spec, args: ["pwait2"] })]);
    assert.equal(hs.status, 0, `hartscope: ${hs.stderr}`);
    const lines = hs.stdout.toString().split("\n");
    const pw = lines.filter((l) => l.startsWith("pwait2"));
    // nothing is ready: a timeout returns 0; a tv_nsec out of range is EINVAL
    assert.deepEqual(pw, ["pwait2 20 ms: 0", "pwait2 bad timespec: -1 EINVAL", "pwait2 zero: 0"]);
    const rest = lines.filter((l) => !l.startsWith("pwait2")).join("\n");
    assert.equal(rest, q.stdout.toString());
  });
});
