// Small tables and helpers: syscall names against the kernel header of the cross toolchain,
// the mapping list, the seeded generator, guest time, the signal frame against glibc and qemu.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { disassemble } from "../../src/isa/disasm.js";
import { GuestClock, VIRTUAL_EPOCH_S } from "../../src/linux-user/clock.js";
import {
  MC_FCSR,
  MC_FPREGS,
  RT_SIGFRAME_SIZE,
  SIGINFO_SIZE,
  SIGRETURN_CODE,
  signalName,
  UC_MCONTEXT,
  UC_OFFSET,
  UC_SIGMASK,
  UC_STACK,
} from "../../src/linux-user/signals.js";
import { allSyscalls, syscallName, syscallNumber } from "../../src/linux-user/syscall-names.js";
import { implementedSyscalls } from "../../src/linux-user/syscalls/index.js";
import { VmaList } from "../../src/linux-user/vma.js";
import { Prng } from "../../src/machine/prng.js";
import { skipWithout, tool } from "../tools.js";
import { buildC, hartscope, needCC } from "./guest.js";

test("syscall names match the asm-generic header riscv64 uses", { skip: skipWithout("sysroot") }, () => {
  const text = readFileSync(join(tool("sysroot"), "include/asm-generic/unistd.h"), "utf8");
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

// The signal frame as the guest's own libc lays it out (glibc's ucontext_t is the kernel's struct
// ucontext, sc_fpregs being the 528-byte union of the Q variant), and where hartscope puts a
// handler's siginfo and ucontext below the top of a 16-byte aligned alternate stack. Not compared
// with qemu-riscv64 7.2: its frame is 832 bytes (its ucontext keeps only the D variant of the FP state).
const FRAME_LAYOUT_C = String.raw`
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static char altstack[65536] __attribute__((aligned(16)));
static long si_below_top, uc_after_si;

static void handler(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  si_below_top = (altstack + sizeof altstack) - (char *)si;
  uc_after_si = (char *)uc - (char *)si;
}

int main(void) {
  printf("sizeof siginfo_t %zu ucontext_t %zu\n", sizeof(siginfo_t), sizeof(ucontext_t));
  printf("uc_stack %zu uc_sigmask %zu uc_mcontext %zu\n", offsetof(ucontext_t, uc_stack),
         offsetof(ucontext_t, uc_sigmask), offsetof(ucontext_t, uc_mcontext));
  printf("mcontext fpregs %zu fcsr %zu\n", offsetof(mcontext_t, __fpregs),
         offsetof(mcontext_t, __fpregs.__d.__fcsr));
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGUSR1, &sa, 0);
  raise(SIGUSR1);
  printf("frame: siginfo %ld below the stack top, ucontext %ld after it\n", si_below_top, uc_after_si);
  return 0;
}
`;

test("the signal frame's layout is glibc's and the kernel's", { skip: needCC }, () => {
  const prog = buildC("frame-layout", FRAME_LAYOUT_C);
  const r = hartscope(["run", prog]);
  assert.equal(r.stderr, "");
  const num = (re: RegExp) => Number(re.exec(r.stdout)?.[1]);
  const siginfo = num(/siginfo_t (\d+)/);
  assert.equal(SIGINFO_SIZE, siginfo);
  assert.equal(RT_SIGFRAME_SIZE, siginfo + num(/ucontext_t (\d+)/));
  assert.equal(UC_STACK, num(/uc_stack (\d+)/));
  assert.equal(UC_SIGMASK, num(/uc_sigmask (\d+)/));
  assert.equal(UC_MCONTEXT, num(/uc_mcontext (\d+)/));
  assert.equal(MC_FPREGS, num(/fpregs (\d+)/));
  assert.equal(MC_FCSR, num(/fcsr (\d+)/));
  assert.equal(num(/siginfo (\d+) below/), RT_SIGFRAME_SIZE, "hartscope builds the frame it describes");
  assert.equal(num(/ucontext (\d+) after/), UC_OFFSET);
});

test("the signal-return trampoline is li a7, rt_sigreturn; ecall", () => {
  const words = new Uint32Array(SIGRETURN_CODE.buffer.slice(0));
  assert.equal(disassemble(words[0]!, 0), `li\ta7,${syscallNumber("rt_sigreturn")}`);
  assert.equal(disassemble(words[1]!, 0), "ecall");
  assert.equal(SIGRETURN_CODE.length, 8);
});

test("signal names and numbers are the asm-generic ones riscv64 uses", {
  skip: skipWithout("sysroot"),
}, () => {
  const text = readFileSync(join(tool("sysroot"), "include/asm-generic/signal.h"), "utf8");
  // The first name for each number (SIGIOT, SIGPOLL and SIGLOST are later aliases).
  const first = new Map<number, string>();
  for (const m of text.matchAll(/^#define (SIG[A-Z0-9]+)\s+(\d+)\b/gm)) {
    const n = Number(m[2]);
    if (n >= 1 && n < 32 && !first.has(n)) first.set(n, m[1]!);
  }
  assert.equal(first.size, 31);
  for (const [n, name] of first) assert.equal(signalName(n), name, `signal ${n}`);
  const rtmin = Number(/^#define SIGRTMIN\s+(\d+)/m.exec(text)?.[1]);
  assert.equal(signalName(rtmin + 2), "SIGRT2");
});
