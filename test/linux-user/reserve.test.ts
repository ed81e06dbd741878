// guest/bin/sys-reserve (guest/src/sys-reserve.c): a 64 GiB PROT_NONE reservation with three
// pages made writable, and 10,000 one-page mappings, as qemu-riscv64 runs them and in a fraction
// of a second; and what a process sees past a small memory cap.

import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseElf } from "../../src/elf/elf.js";
import { LinuxProcess } from "../../src/linux-user/process.js";
import { runProcess } from "../../src/linux-user/scheduler.js";
import { tempDir } from "../temp-dir.js";
import { GUEST_BIN, hartscope, needQemu, qemu } from "./guest.js";

const PROG = join(GUEST_BIN, "sys-reserve");

/** Run sys-reserve in this process with a pool (and so a cap) of `memoryBytes`; stdout, warnings, ms. */
function runInProcess(
  args: string[],
  memoryBytes?: number,
): { stdout: string; warnings: string[]; ms: number } {
  const dir = tempDir("hartscope-reserve-");
  const out = join(dir, "stdout");
  const fd = openSync(out, "w");
  const warnings: string[] = [];
  const p = new LinuxProcess({
    root: dir,
    quantum: 10_000,
    wallClock: false,
    seed: 0,
    strict: false,
    warn: (line) => warnings.push(line),
    memoryBytes,
    stdio: [fd, fd, fd],
  });
  const t0 = performance.now();
  p.exec(parseElf(readFileSync(PROG), "sys-reserve"), PROG, ["sys-reserve", ...args], []);
  const status = runProcess(p);
  const ms = performance.now() - t0;
  assert.equal(status.code, 0, status.message);
  closeSync(fd);
  return { stdout: readFileSync(out, "utf8"), warnings, ms };
}

test("a 64 GiB reservation and 10,000 small mappings run as under qemu-riscv64", { skip: needQemu }, () => {
  const q = qemu([PROG]);
  const h = hartscope(["run", PROG]);
  assert.equal(h.stderr, "");
  assert.equal(h.status, q.status);
  assert.equal(h.stdout, q.stdout);
  assert.match(h.stdout, /reserve 64 GiB PROT_NONE: ok\n/);
  assert.match(h.stdout, /10000 munmaps: 0 failed\n$/);
});

test("the 64 GiB reservation takes well under a second", () => {
  const r = runInProcess(["reserve"]);
  assert.match(r.stdout, /a page in the freed range can be mapped there: yes, reads zero: yes\n$/);
  assert.ok(r.ms < 1000, `took ${r.ms.toFixed(0)} ms`);
});

test("10,000 one-page mmaps and munmaps take a few seconds at most", () => {
  const r = runInProcess(["small"]);
  assert.match(r.stdout, /each writable page holds its own byte: yes, read-only pages read zero: yes\n/);
  assert.match(r.stdout, /10000 munmaps: 0 failed\n$/);
  assert.ok(r.ms < 3000, `took ${r.ms.toFixed(0)} ms`);
});

test("past the memory cap mmap, mprotect, brk and mremap are refused with ENOMEM, named once", () => {
  const r = runInProcess(["cap"], 64 << 20);
  assert.equal(
    r.stdout,
    [
      "mmap 1 GiB read-write: ENOMEM",
      "again, read-only: ENOMEM",
      "reserve 16 GiB PROT_NONE: ok",
      "mprotect 1 GiB of it read-write: ENOMEM",
      "mprotect 1 MiB of it read-write: ok",
      "those pages work: 3",
      "brk up by 1 GiB: refused",
      "a small mapping still fits: ok",
      "mremap it to 1 GiB: ENOMEM",
      "munmap the reservation: 0",
      "",
    ].join("\n"),
  );
  assert.deepEqual(r.warnings, ["hartscope: out of guest memory (cap 64 MiB): mmap returns ENOMEM"]);
});
