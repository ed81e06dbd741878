// Signals: faults become the signal Linux sends, handlers get a proper rt_sigframe (siginfo,
// ucontext whose registers they can edit) and return through the sigreturn trampoline; masks,
// pending signals, the alternate stack, sigsuspend. Unhandled signals end the run with
// 128 + signal and one line naming the signal, pc, instruction and address.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseElf } from "../../src/elf/elf.js";
import { buildC, hartscope, needCC, needQemu, qemu } from "./guest.js";

const HANDLERS_C = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int hits, last_sig, last_code;
static volatile uintptr_t last_addr;
static volatile int order[8], norder;

/* Skip the faulting instruction by editing the saved pc: 2 or 4 bytes (C extension). */
static void skip(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  const unsigned char *pc = (const unsigned char *)uc->uc_mcontext.__gregs[REG_PC];
  hits++;
  last_sig = sig;
  last_code = si->si_code;
  last_addr = (uintptr_t)si->si_addr;
  uc->uc_mcontext.__gregs[REG_PC] += (pc[0] & 3) == 3 ? 4 : 2;
}

static void note(int sig, siginfo_t *si, void *ctx) {
  (void)ctx;
  order[norder++] = sig;
  last_code = si->si_code;
  last_addr = (uintptr_t)si->si_pid;
}

static char *altstack;
static volatile int on_alt;
static void check_stack(int sig) {
  char here;
  (void)sig;
  on_alt = &here > altstack && &here < altstack + 65536;
}

static volatile int once;
static void reset(int sig) { (void)sig; once++; }

static void handle(int sig, void (*f)(int, siginfo_t *, void *), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = f;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, 0);
}

int main(void) {
  handle(SIGSEGV, skip, 0);
  handle(SIGILL, skip, 0);
  handle(SIGTRAP, skip, 0);

  *(volatile int *)16 = 1;
  printf("null write: sig %d code %d addr %#lx hits %d\n", last_sig, last_code, (unsigned long)last_addr, hits);

  char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *(volatile char *)(ro + 8) = 1;
  printf("read-only write: sig %d code %d offset %ld\n", last_sig, last_code, (long)(last_addr - (uintptr_t)ro));
  mprotect(ro, 4096, PROT_NONE);
  volatile char c = ro[100];
  (void)c;
  printf("PROT_NONE read: sig %d code %d offset %ld\n", last_sig, last_code, (long)(last_addr - (uintptr_t)ro));

  __asm__ volatile(".4byte 0xc0001073"); /* csrw cycle, zero: illegal at user level */
  printf("illegal: sig %d code %d\n", last_sig, last_code);
  __asm__ volatile(".4byte 0x00100073"); /* ebreak */
  printf("ebreak: sig %d code %d hits %d\n", last_sig, last_code, hits);

  handle(SIGUSR1, note, 0);
  handle(SIGUSR2, note, 0);
  raise(SIGUSR1);
  printf("raise: order %d code %d from self %d\n", order[0], last_code, last_addr == (uintptr_t)getpid());

  sigset_t set, old, pend;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, &old);
  raise(SIGUSR2);
  raise(SIGUSR1);
  sigpending(&pend);
  printf("blocked: delivered %d pending usr1 %d usr2 %d\n", norder - 1, sigismember(&pend, SIGUSR1),
         sigismember(&pend, SIGUSR2));
  sigprocmask(SIG_SETMASK, &old, 0);
  printf("unblocked: order %d %d %d (second frame nests on the first)\n", order[0], order[1], order[2]);

  /* sigsuspend: SIGUSR1 pending but blocked; suspend with an empty mask delivers it, then the mask
     is back. */
  sigprocmask(SIG_BLOCK, &set, 0);
  raise(SIGUSR1);
  sigset_t empty;
  sigemptyset(&empty);
  int r = sigsuspend(&empty);
  int e = errno;
  sigset_t now;
  sigprocmask(SIG_BLOCK, 0, &now);
  printf("sigsuspend: %d %s delivered %d still blocked %d\n", r, e == EINTR ? "EINTR" : "?", order[3],
         sigismember(&now, SIGUSR1));
  sigprocmask(SIG_SETMASK, &old, 0);

  altstack = malloc(65536);
  stack_t ss = {.ss_sp = altstack, .ss_size = 65536, .ss_flags = 0};
  sigaltstack(&ss, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = check_stack;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGWINCH, &sa, 0);
  raise(SIGWINCH);
  printf("altstack: handler ran on it %d\n", on_alt);

  sa.sa_handler = reset;
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGURG, &sa, 0);
  raise(SIGURG);
  raise(SIGURG); /* default action of SIGURG: ignore */
  printf("resethand: handler ran %d time(s)\n", once);
  return 0;
}
`;

test("handlers: faults, traps, raise, masks, sigsuspend, altstack, SA_RESETHAND", {
  skip: needCC,
}, async (t) => {
  const prog = buildC("handlers", HANDLERS_C);
  const r = hartscope(["run", prog]);
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.equal(
    r.stdout,
    [
      "null write: sig 11 code 1 addr 0x10 hits 1",
      "read-only write: sig 11 code 2 offset 8",
      "PROT_NONE read: sig 11 code 2 offset 100",
      "illegal: sig 4 code 1",
      "ebreak: sig 5 code 1 hits 5",
      "raise: order 10 code -6 from self 1",
      "blocked: delivered 0 pending usr1 1 usr2 1",
      "unblocked: order 10 12 10 (second frame nests on the first)",
      "sigsuspend: -1 EINTR delivered 10 still blocked 1",
      "altstack: handler ran on it 1",
      "resethand: handler ran 1 time(s)",
      "",
    ].join("\n"),
  );
  await t.test("same as qemu-riscv64", { skip: needQemu }, () => {
    assert.equal(qemu([prog]).stdout, r.stdout);
  });
});

/** A program whose function `crash` is one instruction that faults; its address is looked up. */
function fatal(name: string, body: string): { prog: string; pc: string } {
  const prog = buildC(
    name,
    `#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
__attribute__((naked, noinline)) void crash(void) { __asm__ volatile(${JSON.stringify(body)}); }
int main(void) { crash(); return 0; }
`,
  );
  const elf = parseElf(readFileSync(prog), prog);
  const sym = elf.symbols.find((s) => s.name === "crash")!;
  return { prog, pc: `0x${sym.value.toString(16)}` };
}

// `pc` is the address of the faulting instruction; the loads and stores follow a 2-byte c.li/c.lui.
const fatalCases: [string, string, number, (pc: string) => string][] = [
  [
    "segv-write",
    "li a5, 0\n sd a0, 0(a5)",
    139,
    (pc) => `SIGSEGV at pc ${pc} (sd a0,0(a5)): invalid write to 0x0`,
  ],
  [
    "segv-read",
    "li a5, 4096\n ld a0, 8(a5)",
    139,
    (pc) => `SIGSEGV at pc ${pc} (ld a0,8(a5)): invalid read from 0x1008`,
  ],
  ["sigill", ".4byte 0xc0001073", 132, (pc) => `SIGILL at pc ${pc} (unimp): illegal instruction`],
  ["sigtrap", ".4byte 0x00100073", 133, (pc) => `SIGTRAP at pc ${pc} (ebreak): breakpoint`],
  ["segv-fetch", "li a5, 0\n jr a5", 139, () => "SIGSEGV at pc 0x0: invalid instruction fetch from 0x0"],
];

for (const [name, asm, status, message] of fatalCases) {
  test(`unhandled ${name}: exit ${status} and the fault described`, { skip: needCC }, async (t) => {
    const { prog, pc } = fatal(name, asm);
    const r = hartscope(["run", prog]);
    const afterLi = `0x${(Number(pc) + 2).toString(16)}`;
    const expected = message(name === "segv-read" || name === "segv-write" ? afterLi : pc);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `hartscope: ${expected}\n`);
    assert.equal(r.status, status);
    await t.test("qemu-riscv64 ends the same way", { skip: needQemu }, () => {
      assert.equal(qemu([prog]).status, status, "qemu's status seen through a shell");
    });
  });
}

const KILLS_C = String.raw`
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  printf("before\n");
  fflush(stdout);
  if (!strcmp(argv[1], "abort")) abort();
  if (!strcmp(argv[1], "term")) kill(getpid(), SIGTERM);
  if (!strcmp(argv[1], "pipe")) {
    int p[2];
    pipe(p);
    close(p[0]);
    write(p[1], "x", 1);
  }
  if (!strcmp(argv[1], "ignored")) {
    signal(SIGTERM, SIG_IGN);
    kill(getpid(), SIGTERM);
  }
  printf("after\n");
  return 3;
}
`;

const killCases: [string, number, string, string][] = [
  ["abort", 134, "before\n", "hartscope: terminated by SIGABRT\n"],
  ["term", 143, "before\n", "hartscope: terminated by SIGTERM\n"],
  ["pipe", 141, "before\n", ""],
  ["ignored", 3, "before\nafter\n", ""],
];

for (const [arg, status, stdout, stderr] of killCases) {
  test(`signal sent by the program itself: ${arg}`, { skip: needCC }, async (t) => {
    const prog = buildC("kills", KILLS_C);
    const r = hartscope(["run", prog, arg]);
    assert.equal(r.stdout, stdout);
    assert.equal(r.stderr, stderr);
    assert.equal(r.status, status);
    await t.test("qemu-riscv64 ends the same way", { skip: needQemu }, () => {
      assert.equal(qemu([prog, arg]).status, status);
    });
  });
}

const FRAME_C = String.raw`
#define _GNU_SOURCE
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static unsigned long seen_t0, seen_f0, seen_fcsr;

static void handler(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  (void)sig;
  (void)si;
  uc->uc_mcontext.__gregs[REG_PC] += 4; /* past the 4-byte ebreak */
  seen_t0 = uc->uc_mcontext.__gregs[5];
  memcpy(&seen_f0, &uc->uc_mcontext.__fpregs.__d.__f[0], 8);
  seen_fcsr = uc->uc_mcontext.__fpregs.__d.__fcsr;
  fesetround(FE_TOWARDZERO);
  __asm__ volatile("li t0, 0\n fmv.d.x ft0, zero" ::: "t0", "ft0");
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGTRAP, &sa, 0);
  fesetround(FE_UPWARD);
  unsigned long t0, f0;
  __asm__ volatile("li t0, 12345\n"
                   "fmv.d.x ft0, t0\n"
                   "li t0, 777\n"
                   ".4byte 0x00100073\n" /* ebreak */
                   "mv %0, t0\n"
                   "fmv.x.d %1, ft0\n"
                   : "=r"(t0), "=r"(f0)
                   :
                   : "t0", "ft0");
  printf("frame saw t0 %lu f0 %lu frm %lu\n", seen_t0, seen_f0, seen_fcsr >> 5);
  printf("after the handler t0 %lu f0 %lu rounding upward %d\n", t0, f0, fegetround() == FE_UPWARD);
  return 0;
}
`;

test("the signal frame saves and restores integer, FP registers and fcsr (ucontext layout)", {
  skip: needCC,
}, async (t) => {
  const prog = buildC("frame", FRAME_C, ["-static", "-O2", "-lm"]);
  const r = hartscope(["run", prog]);
  assert.equal(r.stderr, "");
  assert.equal(
    r.stdout,
    "frame saw t0 777 f0 12345 frm 3\nafter the handler t0 777 f0 12345 rounding upward 1\n",
  );
  await t.test("same as qemu-riscv64", { skip: needQemu }, () => {
    assert.equal(qemu([prog]).stdout, r.stdout);
  });
});

const STOPPED_WITH_ALARM_C = `
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
static void on_alrm(int s) {}
int main(void) {
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGALRM, on_alrm);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    raise(SIGSTOP);
    return 0;
  }
  int st;
  waitpid(pid, &st, WUNTRACED);
  printf("child stopped by %d\\n", WSTOPSIG(st));
  fflush(stdout);
  waitpid(pid, &st, 0); /* nobody will continue it */
  return 0;
}
`;

test("a run whose processes are all stopped or waiting for them ends with a deadlock report, periodic alarms or not", {
  skip: needCC,
}, () => {
  const prog = buildC("stopped-with-alarm", STOPPED_WITH_ALARM_C);
  const r = hartscope(["run", "--root", "/", prog], { timeout: 30_000 });
  assert.equal(r.stdout, "child stopped by 19\n");
  assert.equal(
    r.stderr,
    "hartscope: deadlock: all 2 threads are blocked forever (process 1000 thread 1000: wait for child 1001; process 1001 thread 1001: stopped by SIGSTOP)\n",
  );
  assert.equal(r.status, 1);
});
