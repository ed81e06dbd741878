// Differential test of job control and memory shared across fork: proc-jobs (SIGSTOP/SIGTSTP/
// SIGCONT/SIGKILL on a child of three threads, waitpid WUNTRACED/WCONTINUED, waitid WSTOPPED/
// WCONTINUED/WNOWAIT, SIGCHLD's CLD_STOPPED/CLD_CONTINUED, kill(-pgrp, SIGCONT), an orphaned
// stopped group's SIGHUP+SIGCONT, what SIGCONT and the stop signals discard) and proc-shared
// (MAP_SHARED anonymous and /dev/zero memory, munmap/mprotect per process, process-shared
// semaphores, mutexes, condition variables and raw futexes) under qemu-riscv64 and hartscope at
// several quanta and both engines; stdout, stderr and the exit status must be equal byte for byte.
// What qemu-riscv64 does differently from Linux is checked by test/linux-user/processes.test.ts.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tempDir } from "../temp-dir.js";
import { skipWithout, UNDER_CI } from "../tools.js";
import {
  assertSameOutput,
  GUEST_BIN,
  hartscopeBuilt,
  type RunResult,
  runHartscope,
  runQemu,
} from "./run-guest.js";

const TIMEOUT_MS = 120_000;
const missing = skipWithout("qemu");
const skip = missing || (!hartscopeBuilt() && !UNDER_CI ? "hartscope is not built (npx tsc -p .)" : false);

/** hartscope's schedules: quanta from the smallest allowed to long slices, and the interpreter alone. */
const SCHEDULES: readonly (readonly string[])[] = [
  [],
  ["--quantum", "64"],
  ["--quantum", "997", "--seed", "7", "--jit", "off"],
  ["--quantum", "100000", "--seed", "3"],
];

function ending(r: RunResult): string {
  if (r.timedOut) return "timed out";
  return r.signal ? `killed by ${r.signal} (status ${r.status})` : `exit status ${r.status}`;
}

describe("job control and shared memory across fork: qemu-riscv64 vs hartscope", { skip }, () => {
  for (const prog of ["proc-jobs", "proc-shared"]) {
    it(`${prog} at ${SCHEDULES.length} schedules`, async () => {
      const dir = tempDir("hs-proc-jobs-");
      const env = { PATH: "/usr/bin:/bin", LANG: "C", HOME: "/nonexistent" };
      const spec = { prog: GUEST_BIN + prog, env, cwd: dir, timeoutMs: TIMEOUT_MS };
      const qemu = await runQemu(spec);
      assert.equal(ending(qemu), "exit status 0", `qemu-riscv64: ${qemu.stderr.toString().slice(0, 500)}`);
      for (const schedule of SCHEDULES) {
        const hs = await runHartscope(spec, [...schedule, "--root", "/"]);
        const what = `hartscope ${schedule.join(" ") || "(defaults)"}`;
        assert.equal(ending(hs), ending(qemu), `${what}: ${hs.stderr.toString().slice(0, 500)}`);
        assertSameOutput(qemu, hs);
      }
    });
  }
});
