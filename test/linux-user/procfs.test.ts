// /proc as programs read it: guest/bin/proc-files reads its own /proc files, its parent's from a
// forked child, /proc/cpuinfo and /proc/meminfo. Under hartscope every line is what hartscope
// defines; against qemu-riscv64 (which shows the host's /proc for some files) only the lines that
// must be equal under any Linux are compared.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { AddressSpace } from "../../src/linux-user/address-space.js";
import { GUEST_BIN, hartscope, needQemu, qemu } from "./guest.js";

const PROG = join(GUEST_BIN, "proc-files");
const ENV = { PATH: "/usr/bin:/bin", PROC_FILES_VAR: "yes" };

/** Lines that are the same under qemu-riscv64 (its own /proc emulation or the host's). */
const PORTABLE = [
  /^check exe /,
  /^check \/proc\/self /,
  /^check maps (code|stack):/,
  /^check cmdline:/,
  /^check environ /,
  /^check fd pipe /,
  /^check fd file /,
];

test("/proc under hartscope: every process's files, cpuinfo and meminfo", async (t) => {
  const r = hartscope(["run", PROG, "a", "b c"], { env: ENV });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const checks = lines.filter((l) => l.startsWith("check"));
  assert.deepEqual(checks, [
    "check exe basename proc-files, absolute 1",
    "check exe opens 1, reads ELF 1",
    "check /proc/self is pid 1",
    "check maps code: r-xp proc-files",
    "check maps stack: rw-p [stack]",
    "check maps heap: rw-p [heap]",
    "check stat of self: parsed 6, pid 1, comm proc-files, ppid ok, pgrp 1, sid 1, fields 44+",
    "check status of self: Name proc-files, Pid 1, Tgid 1, PPid ok, Threads 1",
    "check cmdline: [proc-files] [a] [b c]",
    "check environ has PROC_FILES_VAR=yes 1",
    "check fd pipe pipe:[N]",
    "check fd file is exe 1",
    // 0-2, the pipe's two ends, the exe, the directory being listed
    "check fd dir entries 6, has pipe 1",
    "check stat of parent: parsed 6, pid 1, comm proc-files, ppid -, pgrp 1, sid 1, fields 44+",
    "check status of parent: Name proc-files, Pid 1, Tgid 1, PPid -, Threads 1",
    "check child: parent's exe is mine 1",
    "check stat of self: parsed 6, pid 1, comm proc-files, ppid ok, pgrp 1, sid 1, fields 44+",
  ]);

  await t.test("cpuinfo is RISC-V's, as Linux prints it", () => {
    const cpu = lines.filter((l) => l.startsWith("machine cpuinfo ")).map((l) => l.slice(16));
    assert.deepEqual(cpu.slice(0, 4), [
      "processor\t: 0",
      "hart\t\t: 0",
      "isa\t\t: rv64imafdc_zicsr_zifencei_zba_zbb",
      "mmu\t\t: sv39",
    ]);
  });

  await t.test("meminfo's MemTotal is the run's memory cap", () => {
    const m = /^machine meminfo MemTotal:\s+(\d+) kB$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(Number(m[1]), Math.floor(new AddressSpace().capBytes / 1024));
  });
});

test("/proc: the lines every Linux agrees on are as under qemu-riscv64", { skip: needQemu }, () => {
  const portable = (s: string) =>
    s
      .split("\n")
      .filter((l) => PORTABLE.some((p) => p.test(l)))
      .join("\n");
  const ours = hartscope(["run", PROG, "x", "y z"], { env: ENV });
  const theirs = qemu([PROG, "x", "y z"], { env: ENV });
  assert.equal(theirs.status, 0);
  assert.equal(portable(ours.stdout), portable(theirs.stdout));
  assert.ok(portable(ours.stdout).split("\n").length >= PORTABLE.length + 1);
});
