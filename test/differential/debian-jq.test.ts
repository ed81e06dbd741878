// An interpreter's own test suite: jq 1.6, built from Debian's source package
// (guest/debian/build.sh jq), runs the cases of its tests/jq.test (`jq -L tests/modules
// --run-tests FILE`, as its tests/jqtest does) under qemu-riscv64 and under hartscope. stdout,
// stderr and the exit status must be equal byte for byte, and jq must report every case passed
// under qemu (the count asserted is the number of cases given).
//
// jq 1.6 compiles its builtin library for every case, about 180 million instructions each, so the
// whole suite (340 cases) takes minutes under hartscope: by default every 20th case runs (17);
// HARTSCOPE_JQ_STRIDE=1 runs all of them, HARTSCOPE_JQ_STRIDE=N every N-th.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../temp-dir.js";
import {
  debianSource,
  everyNth,
  jqTestFile,
  parseJqSummary,
  parseJqTests,
  requireBin,
  skipReason,
} from "./debian-programs.js";
import { assertSameOutput, type RunResult, runHartscope, runQemu } from "./run-guest.js";

const STRIDE = Number(process.env.HARTSCOPE_JQ_STRIDE ?? 20);
/** about 7 s a case when the 2-core machine is shared, 2.5 s when not: room for 30 s each */
const TIMEOUT_PER_CASE_MS = 30_000;
const skip = skipReason(["jq"]);

describe("jq 1.6's own test suite: qemu-riscv64 vs hartscope", { skip }, () => {
  it(`runs every ${STRIDE === 1 ? "" : `${STRIDE}th `}case of tests/jq.test with the same output, all passed`, async () => {
    assert.ok(
      Number.isInteger(STRIDE) && STRIDE >= 1,
      `HARTSCOPE_JQ_STRIDE=${process.env.HARTSCOPE_JQ_STRIDE}`,
    );
    const jq = requireBin("jq");
    const src = debianSource("jq");
    const all = parseJqTests(readFileSync(join(src, "tests", "jq.test"), "utf8"));
    // jq 1.6's suite: a parse that finds far fewer cases would make the test prove little
    assert.ok(all.length >= 300, `tests/jq.test: only ${all.length} cases found`);
    const cases = everyNth(all, STRIDE);
    const dir = tempDir("hs-jq-");
    const file = join(dir, "selected.test");
    writeFileSync(file, jqTestFile(cases));
    const spec = {
      prog: jq,
      args: ["-L", join(src, "tests", "modules"), "--run-tests", file],
      cwd: dir,
      env: { PATH: "/usr/bin:/bin", LANG: "C", HOME: dir },
      timeoutMs: Math.max(10, cases.length) * TIMEOUT_PER_CASE_MS,
    };
    const [hs, qemu]: RunResult[] = await Promise.all([runHartscope(spec, ["--root", "/"]), runQemu(spec)]);
    const summary = parseJqSummary(qemu.stdout.toString());
    assert.deepEqual(
      summary,
      { passed: cases.length, total: cases.length, malformed: 0 },
      `jq under qemu: ${qemu.stdout.toString().split("\n").slice(-3).join(" | ")}`,
    );
    assert.equal(qemu.status, 0);
    assert.equal(hs.timedOut, false, "hartscope timed out");
    assert.equal(
      hs.status,
      qemu.status,
      `exit status (hartscope stderr: ${hs.stderr.toString().slice(0, 500)})`,
    );
    assertSameOutput(qemu, hs);
  });
});
