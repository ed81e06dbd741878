// Differential test: every guest program (cases.ts) under qemu-riscv64 and under
// `hartscope run`, in a fresh working directory each; stdout, stderr and the exit status must
// be equal byte for byte (fault cases: everything but stderr).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tempDir } from "../temp-dir.js";
import { tool } from "../tools.js";
import { CASES, type GuestCase } from "./cases.js";
import {
  describeDifference,
  differentialSkip,
  GUEST_BIN,
  type RunResult,
  type RunSpec,
  runHartscope,
  runQemu,
} from "./run-guest.js";

const PROCESS_TIMEOUT_MS = 90_000;

/** The same small environment for both: nothing of the host leaks into the comparison. */
function environment(c: GuestCase): NodeJS.ProcessEnv {
  return { PATH: "/usr/bin:/bin", LANG: "C", HOME: "/nonexistent", ...c.env };
}

function ending(r: RunResult): string {
  if (r.timedOut) return "timed out";
  return r.signal ? `killed by ${r.signal} (status ${r.status})` : `exit status ${r.status}`;
}

async function runBoth(c: GuestCase): Promise<{ qemu: RunResult; hs: RunResult }> {
  const base: Omit<RunSpec, "cwd"> = {
    prog: GUEST_BIN + c.prog,
    args: c.args,
    qemuArgs: c.qemuArgs,
    stdin: c.stdin,
    env: environment(c),
    sysroot: c.dynamic ? tool("sysroot") : undefined,
    timeoutMs: PROCESS_TIMEOUT_MS,
  };
  // Each run gets its own empty directory: programs create files in the current one.
  const dirs = [tempDir("hs-diff-q-"), tempDir("hs-diff-h-")];
  const [qemu, hs] = await Promise.all([
    runQemu({ ...base, cwd: dirs[0] }),
    runHartscope({ ...base, cwd: dirs[1] }),
  ]);
  return { qemu, hs };
}

/** Outside CI only (tools.ts): under CI a missing qemu fails each case with its name. */
const skip = differentialSkip();

describe("guest programs: hartscope run vs qemu-riscv64", { concurrency: 2 }, () => {
  for (const c of CASES) {
    it(c.name, { skip, timeout: 2 * PROCESS_TIMEOUT_MS }, async () => {
      const { qemu: q, hs } = await runBoth(c);
      assert.ok(!q.timedOut, `qemu-riscv64 timed out on ${c.name}`);
      assert.ok(!hs.timedOut, `hartscope timed out after ${PROCESS_TIMEOUT_MS} ms on ${c.name}`);
      const problems: string[] = [];
      if (q.status !== hs.status) {
        problems.push(`exit: qemu ${ending(q)}, hartscope ${ending(hs)}`);
      }
      let [qOut, hsOut] = [q.stdout, hs.stdout];
      if (c.qemuWrong !== undefined) {
        const { line, expect, why } = c.qemuWrong;
        const found = hsOut
          .toString("utf8")
          .split("\n")
          .find((l) => l.startsWith(line));
        assert.equal(found, expect, `${c.name}: ${why}`);
        const drop = (b: Buffer) =>
          Buffer.from(
            b
              .toString("utf8")
              .split("\n")
              .filter((l) => !l.startsWith(line))
              .join("\n"),
          );
        [qOut, hsOut] = [drop(qOut), drop(hsOut)];
      }
      if (!qOut.equals(hsOut)) problems.push(describeDifference("stdout", qOut, hsOut));
      if (!c.fault && !q.stderr.equals(hs.stderr)) {
        problems.push(describeDifference("stderr", q.stderr, hs.stderr));
      }
      if (c.fault) {
        // The reference really died of a signal: the case tests what it says it tests.
        assert.ok(
          q.signal !== null,
          `${c.name}: qemu-riscv64 was expected to die of a signal (${ending(q)})`,
        );
      }
      if (problems.length > 0 && hs.stderr.length > 0 && (c.fault || q.status !== hs.status)) {
        problems.push(`hartscope stderr:\n${hs.stderr.toString("utf8").slice(0, 2000)}`);
      }
      assert.equal(problems.length, 0, `${c.name}:\n${problems.join("\n")}`);
    });
  }
});
