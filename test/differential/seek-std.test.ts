// lseek on descriptors 0-2 as on the file behind them, against qemu-riscv64 (which seeks the
// host's descriptor): stdin from a regular file already read 2 bytes into, from /dev/null, and
// from a pipe; stdout and stderr are pipes (ESPIPE).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../temp-dir.js";
import { tool } from "../tools.js";
import { differentialSkip, GUEST_BIN, HARTSCOPE_JS } from "./run-guest.js";

const skip = differentialSkip();
const PROG = `${GUEST_BIN}sys-seek`;

/** Both runs with stdin from `stdin()` (a fresh descriptor each), stdout and stderr piped. */
function both(stdin: () => number | "pipe", input?: string): { qemu: string; hs: string } {
  const one = (cmd: string, args: string[]): string => {
    const fd = stdin();
    try {
      const r = spawnSync(cmd, args, {
        stdio: [fd, "pipe", "pipe"],
        input,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
      return r.stdout;
    } finally {
      if (typeof fd === "number") closeSync(fd);
    }
  };
  return { qemu: one(tool("qemu"), [PROG]), hs: one(process.execPath, [HARTSCOPE_JS, "run", PROG]) };
}

test("stdin from a regular file seeks it from the offset the shell left", { skip }, () => {
  const dir = tempDir("hs-seek-");
  const file = join(dir, "in.txt");
  writeFileSync(file, "abcdefghijklmnop");
  const { qemu, hs } = both(() => {
    const fd = openSync(file, "r");
    readSync(fd, Buffer.alloc(2), 0, 2, null); // the offset is the open file's, shared
    return fd;
  });
  assert.equal(hs, qemu);
  assert.match(hs, /^lseek\(0, 0, SEEK_CUR\) = 2\n/);
  assert.match(hs, /read\(0, 10\) = 2 "op"\n/);
  assert.match(hs, /lseek\(1, 0, SEEK_CUR\) = -1 Illegal seek\n/);
});

test("stdin from /dev/null: every lseek gives 0", { skip }, () => {
  const { qemu, hs } = both(() => openSync("/dev/null", "r"));
  assert.equal(hs, qemu);
  assert.match(hs, /lseek\(0, -2, SEEK_END\) = 0\n/);
});

test("stdin from a pipe: ESPIPE, reads go on", { skip }, () => {
  const { qemu, hs } = both(() => "pipe", "xyz123");
  assert.equal(hs, qemu);
  assert.match(hs, /^lseek\(0, 0, SEEK_CUR\) = -1 Illegal seek\n/);
  assert.match(hs, /read\(0, 3\) = 3 "123"\n/);
});

/** `sh -c SCRIPT` with $RUN the way to run a riscv64 program (qemu-riscv64, or hartscope run). */
function shell(run: string, script: string): string {
  const r = spawnSync("sh", ["-c", script], {
    env: { ...process.env, RUN: run, PROG },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `${run}: ${r.stderr}`);
  return r.stdout;
}

const RUNNERS = (): [string, string] => [tool("qemu"), `${process.execPath} ${HARTSCOPE_JS} run`];

test("stdin's offset is the shell's: (prog; cat) < file cats from where the guest left it", { skip }, () => {
  const dir = tempDir("hs-seek-");
  const file = join(dir, "in.txt");
  writeFileSync(file, "abcdefghijklmnop");
  const script = `($RUN "$PROG" share; cat) < '${file}'`;
  const [qemu, hs] = RUNNERS().map((run) => shell(run, script));
  assert.equal(hs, qemu);
  // a forked child's seek and read move the parent's offset, a dup's seek too, and cat starts at 6
  assert.match(hs, /parent after child: lseek\(0, 0, SEEK_CUR\) = 10\n/);
  assert.match(hs, /fd 0 after dup's seek: lseek\(0, 0, SEEK_CUR\) = 4\n/);
  // /dev/stdin opens the file anew: from its start, with an offset of its own
  assert.match(hs, /open\(\/dev\/stdin\) read 3 = 3 "abc", its offset 3, fd 0's 4\n/);
  assert.match(hs, /lseek\(0, 6, SEEK_SET\) = 6\nghijklmnop$/);
});

test("stdout's offset is the shell's: (prog; echo X) > file writes after the guest's seek", { skip }, () => {
  const dir = tempDir("hs-seek-");
  const file = join(dir, "out.txt");
  const script = `($RUN "$PROG" out; echo X) > '${file}'; cat '${file}'`;
  const [qemu, hs] = RUNNERS().map((run) => shell(run, script));
  assert.equal(hs, qemu);
  assert.equal(hs, "012abX\n789");
});
