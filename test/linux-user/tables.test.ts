// Small tables and helpers: syscall names against the kernel header of the cross toolchain,
// the mapping list, the seeded generator, guest time.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { GuestClock, VIRTUAL_EPOCH_S } from "../../src/linux-user/clock.js";
import { Prng } from "../../src/linux-user/prng.js";
import { RT_SIGFRAME_SIZE, SIGRETURN_CODE, signalName } from "../../src/linux-user/signals.js";
import { allSyscalls, syscallName, syscallNumber } from "../../src/linux-user/syscall-names.js";
import { implementedSyscalls } from "../../src/linux-user/syscalls/index.js";
import { VmaList } from "../../src/linux-user/vma.js";

const HEADER = "/usr/riscv64-linux-gnu/include/asm-generic/unistd.h";

test("syscall names match the asm-generic header riscv64 uses", {
  skip: !existsSync(HEADER) && "no header",
}, () => {
  const text = readFileSync(HEADER, "utf8");
  // 64-bit names of the __NR3264_ entries
  const rename: Record<string, string> = { fstatat: "newfstatat" };
  const seen = new Map<number, string>();
  for (const m of text.matchAll(/#define __NR(3264)?_(\w+)\s+(\d+)\b/g)) {
    const name = m[1] ? (rename[m[2]!] ?? m[2]!) : m[2]!;
    if (name === "syscalls" || name === "arch_specific_syscall") continue;
    const nr = Number(m[3]);
    if (name === "renameat") continue; // not wired on riscv64 (no __ARCH_WANT_RENAMEAT)
    if (nr >= 403 && nr <= 423) continue; // 32-bit time64 variants (__BITS_PER_LONG == 32 only)
    if (name === "sync_file_range2") continue; // the __ARCH_WANT_SYNC_FILE_RANGE2 spelling of 84
    seen.set(nr, name);
  }
  assert.ok(seen.size > 300);
  for (const [nr, name] of seen) assert.equal(syscallName(nr), name, `syscall ${nr}`);
  assert.equal(syscallName(38), undefined);
  assert.equal(syscallName(259), "riscv_flush_icache");
  assert.equal(syscallName(1000), undefined);
  assert.equal(syscallNumber("clone3"), 435);
  const numbers = allSyscalls().map(([nr]) => nr);
  assert.deepEqual(
    numbers,
    [...numbers].sort((a, b) => a - b),
  );
});

test("every implemented syscall has a riscv64 name", () => {
  const impl = implementedSyscalls();
  assert.ok(impl.length > 140);
  for (const nr of impl) assert.ok(syscallName(nr), `number ${nr}`);
  for (const name of ["openat", "mmap", "futex", "clone", "clone3", "rt_sigreturn", "statx", "getrandom"]) {
    assert.ok(impl.includes(syscallNumber(name)!), name);
  }
});

test("VmaList splits and merges ranges like the kernel's VMA list", () => {
  const v = new VmaList();
  v.add(0x1000, 0x5000, 3, "a");
  v.protect(0x2000, 0x3000, 1);
  assert.deepEqual(
    v.list.map((x) => [x.start, x.end, x.prot]),
    [
      [0x1000, 0x2000, 3],
      [0x2000, 0x3000, 1],
      [0x3000, 0x5000, 3],
    ],
  );
  v.remove(0x1800, 0x4000);
  assert.deepEqual(
    v.list.map((x) => [x.start, x.end]),
    [
      [0x1000, 0x1800],
      [0x4000, 0x5000],
    ],
  );
  assert.equal(v.list[1]!.offset, 0x3000, "file offset follows the split");
  assert.ok(v.covers(0x4000, 0x5000));
  assert.ok(!v.covers(0x1000, 0x5000));
  assert.equal(
    v.render().split("\n")[0],
    "00001000-00001800 rw-p 00000000 00:00 0                                  a",
  );
});

test("seeded random bytes are reproducible and depend on the seed", () => {
  assert.deepEqual(new Prng(7).bytes(32), new Prng(7).bytes(32));
  assert.notDeepEqual(new Prng(7).bytes(32), new Prng(8).bytes(32));
  const b = new Prng(0).bytes(4096);
  const ones = b.reduce((n, x) => n + x.toString(2).replace(/0/g, "").length, 0);
  assert.ok(Math.abs(ones / (4096 * 8) - 0.5) < 0.02, "roughly balanced bits");
});

test("virtual time: 1 ns per instruction from 2024-01-01, and idle time skips ahead", () => {
  const c = new GuestClock(false);
  assert.equal(c.realtimeNs(), BigInt(VIRTUAL_EPOCH_S) * 1_000_000_000n);
  const m0 = c.monotonicNs();
  c.retired += 1500;
  assert.equal(c.monotonicNs() - m0, 1500);
  c.idleUntil(m0 + 1e9);
  assert.equal(c.monotonicNs(), m0 + 1e9);
  assert.equal(c.read(2, 0), 1500n, "process CPU time is instructions");
  assert.equal(c.read(99, 0), undefined);
});

test("signal frame constants", () => {
  assert.equal(RT_SIGFRAME_SIZE, 128 + 176 + 256 + 528);
  assert.equal(RT_SIGFRAME_SIZE % 16, 0);
  assert.deepEqual([...new Uint32Array(SIGRETURN_CODE.buffer)], [0x08b00893, 0x73]);
  assert.equal(signalName(11), "SIGSEGV");
  assert.equal(signalName(34), "SIGRT2");
});
