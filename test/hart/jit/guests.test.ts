// Real guest programs (guest/bin) run in this process twice: interpreted only, and with the block
// compiler on (thresholds lowered so that much of each program runs compiled, and regions merge).
// Output, exit status and the number of instructions retired must be the same.

import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseElf } from "../../../src/elf/elf.js";
import type { JitOptions } from "../../../src/hart/jit/hart-jit.js";
import { LinuxProcess } from "../../../src/linux-user/process.js";
import { runProcess } from "../../../src/linux-user/scheduler.js";
import { tempDir } from "../../temp-dir.js";

const GUEST_BIN = fileURLToPath(new URL("../../../../guest/bin/", import.meta.url));

const EAGER: Partial<JitOptions> = { interpretFirst: 0, hot: 10, warm: 3, growAt: 100, growPerInsn: 1 };

interface Run {
  stdout: string;
  stderr: string;
  exit: string;
  retired: number;
  compiled: number;
}

function run(prog: string, args: string[], stdin: string, jit: Partial<JitOptions> | false): Run {
  const dir = tempDir("hs-jit-");
  writeFileSync(join(dir, "in"), stdin);
  const fds = [
    openSync(join(dir, "in"), "r"),
    openSync(join(dir, "out"), "w"),
    openSync(join(dir, "err"), "w"),
  ];
  const path = join(GUEST_BIN, prog);
  const p = new LinuxProcess({
    root: "/",
    quantum: 10_000,
    wallClock: false,
    seed: 7,
    strict: false,
    warn: () => {},
    stdio: fds as [number, number, number],
    jit,
  });
  p.exec(parseElf(readFileSync(path), path), path, [prog, ...args], ["HS_TEST=1"]);
  const main = p.threads[0]!.hart;
  const status = runProcess(p);
  for (const fd of fds) closeSync(fd);
  return {
    stdout: readFileSync(join(dir, "out"), "utf8"),
    stderr: readFileSync(join(dir, "err"), "utf8"),
    exit: JSON.stringify(status),
    retired: p.clock.retired,
    compiled: main.jit?.cache.compiled ?? 0,
  };
}

const CASES: [prog: string, args: string[], stdin?: string][] = [
  ["isa-int", []],
  ["isa-int-pie", []],
  ["isa-atomic", []],
  ["isa-fp", []],
  ["isa-csr", []],
  ["rvc-align", []],
  ["selfmod", []],
  ["selfmod-pie", []],
  ["threads", ["4", "500"]],
  ["signals", []],
  ["hello", ["a", "b"]],
  ["wc", [], "the quick brown fox\n".repeat(3000)],
  ["sha256", ["64"]],
  ["sort", ["20000"]],
  ["interp", ["20000"]],
  ["nbody", ["3000", "20"]],
  ["hashtab", ["4000"]],
  ["lz", ["128"]],
];

for (const [prog, args, stdin] of CASES) {
  test(`${[prog, ...args].join(" ")}: compiled and interpreted runs agree`, () => {
    const ref = run(prog, args, stdin ?? "", false);
    const jit = run(prog, args, stdin ?? "", EAGER);
    assert.ok(jit.compiled > 0, "something was compiled");
    assert.equal(jit.stdout, ref.stdout, "stdout");
    assert.equal(jit.stderr, ref.stderr, "stderr");
    assert.equal(jit.exit, ref.exit, "exit");
    assert.equal(jit.retired, ref.retired, "instructions retired");
  });
}
