// AF_UNIX socket pairs (guest/src/sys-unix.c) under qemu-riscv64 and under `hartscope run`:
// stdout, stderr and status equal byte for byte, with the threads and processes that talk
// through them switched at several quanta. Each run binds its own path (SYS_UNIX_TAG): the runs
// go side by side in the repository root.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { skipWithout, UNDER_CI } from "../tools.js";
import {
  assertSameOutput,
  GUEST_BIN,
  hartscopeBuilt,
  type RunSpec,
  runHartscope,
  runQemu,
} from "./run-guest.js";

const spec: RunSpec = {
  prog: `${GUEST_BIN}sys-unix`,
  env: { PATH: "/usr/bin:/bin", LANG: "C" },
  timeoutMs: 90_000,
};

const skip =
  skipWithout("qemu") || (!UNDER_CI && !hartscopeBuilt() && "hartscope is not built (npx tsc -p .)");

describe("AF_UNIX socket pairs: hartscope run vs qemu-riscv64", { concurrency: 2 }, () => {
  let reference: Promise<Awaited<ReturnType<typeof runQemu>>> | undefined;
  const qemu = () => {
    reference ??= runQemu({ ...spec, env: { ...spec.env, SYS_UNIX_TAG: "qemu" } });
    return reference;
  };

  for (const quantum of [undefined, "64", "100000"]) {
    it(`sys-unix${quantum ? ` --quantum ${quantum}` : ""}`, { skip, timeout: 180_000 }, async () => {
      const opts = quantum === undefined ? [] : ["--quantum", quantum];
      const [q, hs] = await Promise.all([
        qemu(),
        runHartscope({ ...spec, env: { ...spec.env, SYS_UNIX_TAG: `hs${quantum ?? ""}` } }, opts),
      ]);
      assert.equal(q.status, 0, `qemu-riscv64: ${q.stderr}`);
      assert.match(q.stdout.toString(), /^sum: 500500$/m, "the reference run reached the threads part");
      assert.equal(hs.status, q.status, `exit status; hartscope stderr: ${hs.stderr}`);
      assertSameOutput(q, hs);
    });
  }
});
