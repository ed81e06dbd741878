// The kernel's copies stop at the first page the program cannot access (sys-partial): a read()
// into a buffer whose next page is read-only or PROT_NONE returns the bytes before it, and moves
// the offset by that much; pread, readv, write, pwrite, writev, getdents64 (whole records) alike;
// a pipe copies a buffer whole or not at all (EFAULT, nothing taken). The reference is Linux
// itself: the same C source built for the host with its `cc` and run there. qemu-riscv64 checks
// the whole buffer first (lock_user) and gives EFAULT for every partial buffer, so against qemu
// only the lines where no partial copy happens are compared.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { platform } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../temp-dir.js";
import { skipWithout } from "../tools.js";
import { GUEST_BIN, hartscopeBuilt, REPO_ROOT, runHartscope, runQemu } from "./run-guest.js";

const PROG = `${GUEST_BIN}sys-partial`;
const SOURCE = `${REPO_ROOT}guest/src/sys-partial.c`;
const built = hartscopeBuilt() ? false : "hartscope is not built (npx tsc -p .)";
const hostCc =
  platform() === "linux" && spawnSync("cc", ["--version"], { stdio: "ignore" }).status === 0
    ? false
    : "no host C compiler (cc) on Linux to build the reference";

/** sys-partial's output under `run` (it works in a fresh directory of its own). */
async function outputOf(run: (dir: string) => Promise<{ status: number; stdout: Buffer; stderr: Buffer }>) {
  const dir = tempDir("hs-partial-");
  const r = await run(dir);
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout.toString();
}

const hartscope = () =>
  outputOf((dir) => runHartscope({ prog: PROG, cwd: dir, env: { LANG: "C" }, timeoutMs: 60_000 }));

test("partial user copies give Linux's short counts (sys-partial against the host's kernel)", {
  skip: built || hostCc,
}, async () => {
  const bin = join(tempDir("hs-partial-cc-"), "sys-partial");
  const cc = spawnSync("cc", ["-O2", "-o", bin, SOURCE], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  const linux = await outputOf(async (dir) => {
    const r = spawnSync(bin, [dir], { env: { LANG: "C" } });
    return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
  });
  const hs = await hartscope();
  assert.equal(hs, linux);
  // the lines the brief named, so a change in both at once does not pass unseen
  assert.match(
    hs,
    /read\(file, 100 writable \+ PROT_READ, 300\) = 100\n {2}bytes copied: abc..tuv, offset after: 100\n/,
  );
  assert.match(hs, /read\(file, PROT_NONE, 10\) = -1 EFAULT\n {2}offset after: 0\n/);
  assert.match(
    hs,
    /read\(pipe holding 300, 100 writable \+ PROT_NONE, 300\) = -1 EFAULT\nread\(pipe, 400-byte buffer\) after it = 300\n/,
  );
  assert.match(hs, /write\(file, 100 readable \+ PROT_NONE, 300\) = 100\n/);
  assert.match(hs, /getdents64\(dir, 100 writable \+ PROT_READ, 4096\) = 96\n {2}entries seen in all: 12\n/);
});

test("where nothing is copied in part, hartscope and qemu-riscv64 agree (sys-partial)", {
  skip: built || skipWithout("qemu"),
}, async () => {
  const [q, hs] = await Promise.all([
    outputOf((dir) => runQemu({ prog: PROG, cwd: dir, env: { LANG: "C" }, timeoutMs: 60_000 })),
    hartscope(),
  ]);
  const whole = (out: string) =>
    out
      .split("\n")
      .filter((l) =>
        /^(readv\(file, \{30|read\(file, PROT|read\(pipe|write\(pipe|getdents64\(dir, 10 )/.test(l),
      );
  assert.equal(whole(q).length, 11);
  assert.deepEqual(whole(hs), whole(q));
  // and qemu does differ where Linux copies part (read into 100 writable bytes: EFAULT under qemu)
  assert.match(q, /read\(file, 100 writable \+ PROT_READ, 300\) = -1 EFAULT\n/);
});
