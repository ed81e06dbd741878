// Differential test of processes: programs that fork, exec, pipe, wait and signal their children,
// under qemu-riscv64 and under `hartscope run --root /`; stdout, stderr and the exit status must be
// equal byte for byte.
//
// qemu-riscv64 hands a guest's execve to the host kernel, which cannot run a riscv64 ELF without
// binfmt_misc (not set up here, nor in CI). So for qemu the programs exec'd live in a directory of
// small host scripts, each `exec qemu-riscv64 guest/bin/NAME "$@"`; for hartscope the directory is
// guest/bin itself. The guest program takes that directory as its argument and never prints the
// exec'd program's argv[0] (the host's #! handling replaces it).

import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../temp-dir.js";
import { skipWithout, tool, UNDER_CI } from "../tools.js";
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

/** The programs proc-exec runs, as qemu-riscv64 wrappers. */
const EXECUTED = ["hello", "wc", "exit42", "proc-exec"];

function qemuBinDir(): string {
  const dir = tempDir("hs-proc-bin-");
  for (const name of EXECUTED) {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\nexec '${tool("qemu")}' '${GUEST_BIN}${name}' "$@"\n`);
    chmodSync(path, 0o755);
  }
  return dir;
}

interface Case {
  name: string;
  prog: string;
  /** arguments; BINDIR is replaced by the directory of exec'd programs */
  args: string[];
}

const CASES: Case[] = [
  {
    name: "proc-fork (statuses, COW, WNOHANG, waitid, SIGCHLD, groups, fork tree, threads)",
    prog: "proc-fork",
    args: ["5"],
  },
  {
    name: "proc-exec (pipeline, vfork+exec, cloexec, signals across exec, exec from a thread, errors)",
    prog: "proc-exec",
    args: ["BINDIR"],
  },
];

function ending(r: RunResult): string {
  if (r.timedOut) return "timed out";
  return r.signal ? `killed by ${r.signal} (status ${r.status})` : `exit status ${r.status}`;
}

describe("processes: qemu-riscv64 vs hartscope", { skip }, () => {
  const bins = skip ? "" : qemuBinDir();
  for (const c of CASES) {
    it(c.name, async () => {
      const dirs = [tempDir("hs-proc-q-"), tempDir("hs-proc-h-")];
      const env = { PATH: "/usr/bin:/bin", LANG: "C", HOME: "/nonexistent" };
      const subst = (dir: string) => c.args.map((a) => (a === "BINDIR" ? dir : a));
      const [qemu, hs] = await Promise.all([
        runQemu({ prog: GUEST_BIN + c.prog, args: subst(bins), env, cwd: dirs[0], timeoutMs: TIMEOUT_MS }),
        runHartscope(
          {
            prog: GUEST_BIN + c.prog,
            args: subst(GUEST_BIN.replace(/\/$/, "")),
            env,
            cwd: dirs[1],
            timeoutMs: TIMEOUT_MS,
          },
          ["--root", "/"],
        ),
      ]);
      assert.equal(
        ending(hs),
        ending(qemu),
        `how it ended (hartscope stderr: ${hs.stderr.toString().slice(0, 500)})`,
      );
      assertSameOutput(qemu, hs);
    });
  }
});
