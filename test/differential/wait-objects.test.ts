// eventfd, epoll, signalfd and timerfd (guest/src/sys-wait.c) under qemu-riscv64 and under `hartscope run`:
// stdout, stderr and status equal byte for byte, with the threads that wake each other switched
// at several quanta. What qemu 7.2 gets wrong (no epoll_pwait2; any signalfd4 mask size) is
// checked against the man pages.

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
  prog: `${GUEST_BIN}sys-wait`,
  env: { PATH: "/usr/bin:/bin", LANG: "C" },
  timeoutMs: 90_000,
};

const skip = differentialSkip();

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
      assertSameOutput(q, hs);
    });
  }

  it("where qemu 7.2 is wrong: epoll_pwait2 (ENOSYS there) as epoll_wait(2) says, signalfd4's mask size as signalfd(2)", {
    skip,
  }, async () => {
    const [q, hs] = await Promise.all([qemu(), runHartscope({ ...spec, args: ["beyond-qemu"] })]);
    assert.equal(hs.status, 0, `hartscope: ${hs.stderr}`);
    const lines = hs.stdout.toString().split("\n");
    const beyond = (l: string) => l.startsWith("pwait2") || l.startsWith("signalfd bad mask size");
    const pw = lines.filter(beyond);
    // nothing is ready: a timeout returns 0; a tv_nsec out of range is EINVAL
    // signalfd(2): a sizemask other than sizeof(sigset_t) is EINVAL
    assert.deepEqual(pw, [
      "pwait2 20 ms: 0",
      "pwait2 bad timespec: -1 EINVAL",
      "pwait2 zero: 0",
      "signalfd bad mask size: -1 EINVAL",
    ]);
    const rest = lines.filter((l) => !beyond(l)).join("\n");
    assert.equal(rest, q.stdout.toString());
  });
});
