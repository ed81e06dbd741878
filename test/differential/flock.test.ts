// flock(2) between open file descriptions (guest/src/sys-flock.c): conflicts, dups, shared locks,
// conversion, release on the last close, a fork's child blocking until its parent unlocks. Each
// run works on a file in its own directory, compared with qemu-riscv64 (the host kernel's flock).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tempDir } from "../temp-dir.js";
import {
  assertSameOutput,
  differentialSkip,
  GUEST_BIN,
  type RunSpec,
  runHartscope,
  runQemu,
} from "./run-guest.js";

const skip = differentialSkip();

function spec(): RunSpec {
  const cwd = tempDir("hs-flock-");
  return { prog: `${GUEST_BIN}sys-flock`, cwd, env: { PATH: "/usr/bin:/bin", LANG: "C" }, timeoutMs: 60_000 };
}

describe("flock between open file descriptions: hartscope run vs qemu-riscv64", { skip }, () => {
  let reference: ReturnType<typeof runQemu> | undefined;
  for (const quantum of [undefined, "67", "100000"]) {
    const opts = quantum === undefined ? [] : ["--quantum", quantum];
    it(`sys-flock${quantum ? ` --quantum ${quantum}` : ""}`, { timeout: 120_000 }, async () => {
      reference ??= runQemu(spec());
      const [q, hs] = await Promise.all([reference, runHartscope(spec(), opts)]);
      assert.equal(q.status, 0, `qemu-riscv64: ${q.stderr}`);
      assert.match(q.stdout.toString(), /^b exclusive, non-blocking: -1 EAGAIN$/m);
      assert.equal(hs.status, q.status, `exit status; hartscope stderr: ${hs.stderr}`);
      assertSameOutput(q, hs);
    });
  }
});
