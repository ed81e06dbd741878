/* Signals, all raised synchronously so the output is deterministic: raise/kill with siginfo,
 * blocking and pending, a handler interrupted by its own signal (deferred), SA_RESETHAND,
 * sigaltstack, SIGSEGV (unmapped: SEGV_MAPERR, read-only: SEGV_ACCERR) left with siglongjmp,
 * SIGILL and SIGTRAP (ebreak) resumed by moving the pc in the ucontext, a register changed
 * through the ucontext, FP registers and frm restored by sigreturn, SIGPIPE ignored / handled. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int got_signo, got_code, got_count, addr_ok, pid_ok;
static volatile void *expected_addr;
static sigjmp_buf jump;

static void on_info(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  got_signo = sig;
  got_code = si->si_code;
  got_count++;
  pid_ok = si->si_pid == getpid();
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) perror("sigaction");
}

static void basic(void) {
  install(SIGUSR1, on_info, 0);
  raise(SIGUSR1);
  printf("raise SIGUSR1: signo %d code %d (SI_TKILL %d) count %d\n", got_signo, got_code, SI_TKILL, got_count);
  install(SIGUSR2, on_info, 0);
  kill(getpid(), SIGUSR2);
  printf("kill SIGUSR2: signo %d code %d (SI_USER %d) si_pid is ours: %s\n", got_signo, got_code, SI_USER,
         pid_ok ? "yes" : "no");

  sigset_t set, pending;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  got_count = 0;
  raise(SIGUSR1);
  sigpending(&pending);
  printf("blocked: delivered %d, pending %s\n", got_count, sigismember(&pending, SIGUSR1) ? "yes" : "no");
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  printf("unblocked: delivered %d\n", got_count);
}

static char order[16];
static int order_len;
static void nested(int sig, siginfo_t *si, void *uc) {
  (void)si, (void)uc;
  order[order_len++] = '(';
  if (order_len == 1) raise(sig); /* blocked while we run: delivered after we return */
  order[order_len++] = ')';
}

static void deferral_and_reset(void) {
  install(SIGUSR1, nested, 0);
  raise(SIGUSR1);
  printf("signal raised inside its handler runs after it: %.*s\n", order_len, order);
  install(SIGUSR2, on_info, SA_RESETHAND);
  raise(SIGUSR2);
  struct sigaction now;
  sigaction(SIGUSR2, NULL, &now);
  printf("SA_RESETHAND: disposition now default: %s\n", now.sa_handler == SIG_DFL ? "yes" : "no");
}

static char *altstack;
static volatile int on_alt;
static void check_stack(int sig, siginfo_t *si, void *uc) {
  (void)sig, (void)si, (void)uc;
  char local;
  on_alt = &local >= altstack && &local < altstack + SIGSTKSZ * 4;
}

static void alternate_stack(void) {
  altstack = malloc(SIGSTKSZ * 4);
  stack_t ss = {.ss_sp = altstack, .ss_size = SIGSTKSZ * 4, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  install(SIGUSR1, check_stack, SA_ONSTACK);
  raise(SIGUSR1);
  printf("SA_ONSTACK handler ran on the alternate stack: %s\n", on_alt ? "yes" : "no");
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, NULL);
}

static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  got_signo = sig;
  got_code = si->si_code;
  addr_ok = si->si_addr == expected_addr;
  siglongjmp(jump, 1);
}

static void segv(void) {
  install(SIGSEGV, on_segv, 0);
  expected_addr = (void *)0x10;
  if (sigsetjmp(jump, 1) == 0) {
    volatile int *volatile bad = (volatile int *)0x10;
    *bad = 1;
    printf("no fault?\n");
  }
  printf("SIGSEGV unmapped: signo %d code %d (SEGV_MAPERR %d) si_addr right: %s\n", got_signo, got_code, SEGV_MAPERR,
         addr_ok ? "yes" : "no");
  char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expected_addr = ro + 100;
  if (sigsetjmp(jump, 1) == 0) {
    ro[100] = 1;
    printf("no fault?\n");
  }
  printf("SIGSEGV read-only: signo %d code %d (SEGV_ACCERR %d) si_addr right: %s\n", got_signo, got_code,
         SEGV_ACCERR, addr_ok ? "yes" : "no");
  /* the signal mask saved by sigsetjmp(.., 1) was restored: SIGSEGV is deliverable again */
  expected_addr = (void *)0x20;
  if (sigsetjmp(jump, 1) == 0) {
    volatile int *volatile bad = (volatile int *)0x20;
    *bad = 1;
  }
  printf("second SIGSEGV delivered: %s\n", addr_ok ? "yes" : "no");
  munmap(ro, 4096);
}

/* Resume after a faulting instruction by advancing the saved pc; also change a0 and clobber
 * FP state, which sigreturn must restore. REG_PC is gregs[0], a0 is gregs[10]. */
static void skip_insn(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  got_signo = sig;
  got_code = si->si_code;
  addr_ok = si->si_addr == (void *)uc->uc_mcontext.__gregs[REG_PC];
  uc->uc_mcontext.__gregs[REG_PC] += 4;
  uc->uc_mcontext.__gregs[10] = 1234;
  double junk = 99.0;
  __asm__ volatile("fmv.d fa0, %0\n fsrmi 1" : : "f"(junk) : "fa0");
}

static void resume(void) {
  install(SIGILL, skip_insn, 0);
  install(SIGTRAP, skip_insn, 0);
  long a0;
  double fa0 = 0;
  long frm;
  __asm__ volatile(
      "li a0, 1\n"
      "li t0, 0x4008000000000000\n"
      "fmv.d.x fa0, t0\n"
      "fsrmi 3\n"
      ".option push\n .option norvc\n"
      ".4byte 0x0000000b\n" /* custom-0 opcode: illegal here */
      ".option pop\n"
      "mv %0, a0\n"
      "fmv.d %1, fa0\n"
      "frrm %2\n"
      "fsrmi 0\n"
      : "=r"(a0), "=f"(fa0), "=r"(frm)
      :
      : "a0", "t0", "fa0", "memory");
  printf("SIGILL: signo %d code %d (ILL_ILLOPC %d) si_addr is the pc: %s; resumed with a0 %ld, fa0 %g, frm %ld\n",
         got_signo, got_code, ILL_ILLOPC, addr_ok ? "yes" : "no", a0, fa0, frm);
  __asm__ volatile(
      "li a0, 2\n"
      ".option push\n .option norvc\n"
      "ebreak\n"
      ".option pop\n"
      "mv %0, a0\n"
      : "=r"(a0)
      :
      : "a0", "memory");
  printf("SIGTRAP from ebreak: signo %d code %d (TRAP_BRKPT %d); resumed with a0 %ld\n", got_signo, got_code,
         TRAP_BRKPT, a0);
}

static void pipes(void) {
  int p[2];
  pipe(p);
  close(p[0]);
  signal(SIGPIPE, SIG_IGN);
  errno = 0;
  ssize_t n = write(p[1], "x", 1);
  printf("SIGPIPE ignored: write %zd errno %s\n", n, errno == EPIPE ? "EPIPE" : strerror(errno));
  install(SIGPIPE, on_info, 0);
  got_signo = 0;
  n = write(p[1], "x", 1);
  printf("SIGPIPE handled: signo %d, write %zd errno %s\n", got_signo, n, errno == EPIPE ? "EPIPE" : strerror(errno));
  close(p[1]);
}

int main(void) {
  basic();
  deferral_and_reset();
  alternate_stack();
  segv();
  resume();
  pipes();
  return 0;
}
