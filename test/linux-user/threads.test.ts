// Threads on the deterministic scheduler: pthreads (clone, futex, TLS, join via CLONE_CHILD_CLEARTID),
// condition variables with timeouts on virtual time, pipes between threads that block, identical
// interleavings for identical quanta, and deadlocks reported instead of hanging.

import assert from "node:assert/strict";
import { test } from "node:test";
import { buildC, hartscope, needCC, needQemu, qemu } from "./guest.js";

const PTHREADS_C = String.raw`
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N 4
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long total;
static int queue[16], head, tail, done;
static __thread long tls_value;
static pid_t tids[N];

static void *worker(void *arg) {
  long id = (long)arg;
  tls_value = id * 10;
  tids[id] = gettid();
  for (int i = 0; i < 5000; i++) {
    pthread_mutex_lock(&m);
    total += 1;
    pthread_mutex_unlock(&m);
    if (i % 1000 == 0) sched_yield();
  }
  return (void *)(tls_value + id);
}

static void *consumer(void *arg) {
  long sum = 0;
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&m);
    while (head == tail && !done) pthread_cond_wait(&cv, &m);
    if (head == tail && done) {
      pthread_mutex_unlock(&m);
      break;
    }
    sum += queue[head++ % 16];
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&m);
  }
  return (void *)sum;
}

static int pipefd[2];
static void *writer(void *arg) {
  static char buf[200000];
  (void)arg;
  for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (char)(i * 7);
  size_t off = 0;
  while (off < sizeof buf) off += write(pipefd[1], buf + off, sizeof buf - off);
  close(pipefd[1]);
  return 0;
}

int main(void) {
  pthread_t t[N];
  for (long i = 0; i < N; i++) pthread_create(&t[i], 0, worker, (void *)i);
  long ret = 0;
  for (int i = 0; i < N; i++) {
    void *r;
    pthread_join(t[i], &r);
    ret += (long)r;
  }
  int distinct = 1;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < i; j++) distinct &= tids[i] != tids[j] && tids[i] != getpid();
  printf("total %ld tls %ld distinct tids %d\n", total, ret, distinct);

  pthread_t c;
  pthread_create(&c, 0, consumer, 0);
  for (int i = 1; i <= 1000; i++) {
    pthread_mutex_lock(&m);
    while (tail - head == 16) pthread_cond_wait(&cv, &m);
    queue[tail++ % 16] = i;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&m);
  }
  pthread_mutex_lock(&m);
  done = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&m);
  void *s;
  pthread_join(c, &s);
  printf("consumed %ld\n", (long)s);

  struct timespec ts, now;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 2;
  pthread_mutex_lock(&m);
  int rc = pthread_cond_timedwait(&cv, &m, &ts);
  pthread_mutex_unlock(&m);
  clock_gettime(CLOCK_REALTIME, &now);
  printf("timedwait %s after the deadline %d\n", rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc),
         now.tv_sec > ts.tv_sec || (now.tv_sec == ts.tv_sec && now.tv_nsec >= ts.tv_nsec));

  pipe(pipefd);
  pthread_t w;
  pthread_create(&w, 0, writer, 0);
  unsigned long sum = 0, n = 0;
  char buf[4096];
  ssize_t k;
  while ((k = read(pipefd[0], buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < k; i++) sum = sum * 31 + (unsigned char)buf[i];
    n += k;
  }
  pthread_join(w, 0);
  printf("pipe %lu bytes, hash %lx\n", n, sum);
  return 0;
}
`;

test("pthreads: mutexes, condition variables, TLS, join, timed waits, pipes between threads", {
  skip: needCC,
}, async (t) => {
  const prog = buildC("pthreads", PTHREADS_C, ["-static", "-O2", "-pthread"]);
  const r = hartscope(["run", prog]);
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "total 20000 tls 66 distinct tids 1");
  assert.equal(lines[1], "consumed 500500");
  assert.equal(lines[2], "timedwait ETIMEDOUT after the deadline 1");
  assert.match(lines[3]!, /^pipe 200000 bytes, hash [0-9a-f]+$/);
  await t.test("same as qemu-riscv64", { skip: needQemu }, () => {
    assert.equal(qemu([prog]).stdout, r.stdout);
  });
  // Small quanta interleave much more; the answers stay the same.
  assert.equal(hartscope(["run", "--quantum", "100", prog]).stdout, r.stdout);
});

const RACE_C = String.raw`
#include <pthread.h>
#include <stdio.h>
static volatile long counter;
static void *bump(void *arg) {
  (void)arg;
  for (int i = 0; i < 100000; i++) counter = counter + 1; /* a data race, on purpose */
  return 0;
}
int main(void) {
  pthread_t a, b;
  pthread_create(&a, 0, bump, 0);
  pthread_create(&b, 0, bump, 0);
  pthread_join(a, 0);
  pthread_join(b, 0);
  printf("%ld\n", counter);
  return 0;
}
`;

test("a data race comes out the same every time for the same quantum", { skip: needCC }, () => {
  const prog = buildC("race", RACE_C, ["-static", "-O2", "-pthread"]);
  for (const q of ["97", "1000", "10000"]) {
    const a = hartscope(["run", "--quantum", q, prog]);
    const b = hartscope(["run", "--quantum", q, prog]);
    assert.equal(a.status, 0);
    assert.equal(a.stdout, b.stdout, `quantum ${q}`);
    assert.ok(Number(a.stdout) <= 200000 && Number(a.stdout) >= 100000);
  }
  assert.notEqual(
    hartscope(["run", "--quantum", "97", prog]).stdout,
    "200000\n",
    "with a small quantum the race loses updates",
  );
});

const DEADLOCK_C = String.raw`
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static void *other(void *arg) {
  (void)arg;
  pthread_mutex_lock(&b);
  usleep(1000);
  pthread_mutex_lock(&a);
  return 0;
}
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 1) { /* one thread locking a normal mutex twice */
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&a);
  }
  pthread_t t;
  pthread_mutex_lock(&a);
  pthread_create(&t, 0, other, 0);
  usleep(1000);
  pthread_mutex_lock(&b);
  printf("unreachable\n");
  return 0;
}
`;

test("deadlocks end the run with every thread's wait named", { skip: needCC }, () => {
  const prog = buildC("deadlock", DEADLOCK_C, ["-static", "-O2", "-pthread"]);
  const two = hartscope(["run", prog], { timeout: 20_000 });
  assert.equal(two.status, 1);
  assert.match(
    two.stderr,
    /^hartscope: deadlock: all 2 threads are blocked forever \(thread 1000: futex wait on 0x[0-9a-f]+; thread 1001: futex wait on 0x[0-9a-f]+\)\n$/,
  );
  const one = hartscope(["run", prog, "self"], { timeout: 20_000 });
  assert.equal(one.status, 1);
  assert.match(
    one.stderr,
    /^hartscope: deadlock: the only thread is blocked forever \(thread 1000: futex wait on 0x[0-9a-f]+\)\n$/,
  );
});

const CLONE3_C = String.raw`
#define _GNU_SOURCE
#include <linux/futex.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int child_ran;
static volatile int child_tid_seen;

/* Runs on the new thread's own stack; touches no TLS (tp is the parent's). */
static void child(void) {
  child_tid_seen = (int)syscall(SYS_gettid);
  child_ran = 1;
}

/* clone3, then in the child: call fn and exit the thread (the C frame is not usable there). */
static long clone3_run(struct clone_args *args, void (*fn)(void)) {
  register long a0 __asm__("a0") = (long)args;
  register long a1 __asm__("a1") = sizeof *args;
  register long a2 __asm__("a2") = (long)fn;
  register long a7 __asm__("a7") = SYS_clone3;
  __asm__ volatile("ecall\n"
                   "bnez a0, 1f\n"
                   "jalr a2\n"
                   "li a0, 0\n"
                   "li a7, 93\n" /* exit: this thread only */
                   "ecall\n"
                   "1:\n"
                   : "+r"(a0)
                   : "r"(a1), "r"(a2), "r"(a7)
                   : "memory", "ra");
  return a0;
}

int main(void) {
  static volatile pid_t ptid, ctid;
  size_t size = 64 * 1024;
  char *stack = malloc(size);
  struct clone_args args = {0};
  args.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
               CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
  args.parent_tid = (uintptr_t)&ptid;
  args.child_tid = (uintptr_t)&ctid;
  args.stack = (uintptr_t)stack;
  args.stack_size = size;
  long tid = clone3_run(&args, child);
  if (tid < 0) {
    printf("clone3 failed %ld\n", tid);
    return 1;
  }
  /* CLONE_CHILD_CLEARTID: the kernel zeroes ctid and wakes its futex when the thread is gone. */
  while (ctid != 0) syscall(SYS_futex, &ctid, FUTEX_WAIT, ctid, 0, 0, 0);
  printf("clone3: ran %d, parent_tid set %d, tid seen by child %d\n", child_ran, ptid == tid, child_tid_seen == tid);
  pid_t f = fork();
  printf("fork: %d\n", (int)f);
  return 0;
}
`;

test("clone3 with SETTID/CLEARTID; then fork, whose orphan runs on after its parent exits", {
  skip: needCC,
}, () => {
  const prog = buildC("clone3", CLONE3_C);
  const r = hartscope(["run", prog]);
  assert.equal(r.status, 0);
  // ids are given in order: the clone3 thread took 1001, the child process is 1002; stdout is a
  // pipe, so the first line is still in stdio's buffer when fork copies it
  const first = "clone3: ran 1, parent_tid set 1, tid seen by child 1\n";
  assert.equal(r.stdout, `${first}fork: 1002\n${first}fork: 0\n`);
  assert.equal(r.stderr, "");
});

const MAIN_EXIT_C = String.raw`
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static void *late(void *arg) {
  usleep(10000);
  printf("the other thread finishes after main left (%s)\n", (char *)arg);
  fflush(stdout);
  if (arg && *(char *)arg == 'x') exit(9);
  return 0;
}
int main(int argc, char **argv) {
  pthread_t t;
  pthread_create(&t, 0, late, argc > 1 ? argv[1] : "");
  pthread_exit(0);
}
`;

test("the main thread may leave first; the process ends with the last thread", { skip: needCC }, () => {
  const prog = buildC("main-exit", MAIN_EXIT_C, ["-static", "-O2", "-pthread"]);
  const a = hartscope(["run", prog]);
  assert.equal(a.stdout, "the other thread finishes after main left ()\n");
  assert.equal(a.status, 0);
  const b = hartscope(["run", prog, "x"]);
  assert.equal(b.stdout, "the other thread finishes after main left (x)\n");
  assert.equal(b.status, 9);
});

const POLL_C = String.raw`
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>
static int p[2];
static void *later(void *arg) {
  (void)arg;
  usleep(20000);
  write(p[1], "x", 1);
  return 0;
}
int main(void) {
  pipe(p);
  struct pollfd fd = {p[0], POLLIN, 0};
  printf("poll, nothing there, 50 ms: %d revents %d\n", poll(&fd, 1, 50), fd.revents);
  pthread_t t;
  pthread_create(&t, 0, later, 0);
  printf("poll until the thread writes: %d revents %d\n", poll(&fd, 1, 5000), fd.revents);
  fd_set r;
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  struct timeval tv = {1, 0};
  printf("select with data: %d isset %d\n", select(p[0] + 1, &r, 0, 0, &tv), FD_ISSET(p[0], &r));
  char c;
  read(p[0], &c, 1);
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  tv.tv_sec = 0;
  tv.tv_usec = 30000;
  printf("select timeout: %d isset %d\n", select(p[0] + 1, &r, 0, 0, &tv), FD_ISSET(p[0], &r));
  pthread_join(t, 0);
  close(p[1]);
  fd.revents = 0;
  printf("poll after the writer closed: %d hup %d\n", poll(&fd, 1, 0), (fd.revents & POLLHUP) != 0);
  return 0;
}
`;

test("poll and select: readiness, waiting for another thread, timeouts on virtual time", {
  skip: needCC,
}, async (t) => {
  const prog = buildC("poll", POLL_C, ["-static", "-O2", "-pthread"]);
  const r = hartscope(["run", prog]);
  assert.equal(r.stderr, "");
  assert.equal(
    r.stdout,
    [
      "poll, nothing there, 50 ms: 0 revents 0",
      "poll until the thread writes: 1 revents 1",
      "select with data: 1 isset 1",
      "select timeout: 0 isset 0",
      "poll after the writer closed: 1 hup 1",
      "",
    ].join("\n"),
  );
  await t.test("same as qemu-riscv64", { skip: needQemu }, () => {
    assert.equal(qemu([prog]).stdout, r.stdout);
  });
});

const SIGWAIT_C = String.raw`
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
static pthread_t main_thread;
static void *sender(void *arg) {
  (void)arg;
  usleep(5000);
  pthread_kill(main_thread, SIGUSR1);
  return 0;
}
int main(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, 0);
  main_thread = pthread_self();
  pthread_t t;
  pthread_create(&t, 0, sender, 0);
  siginfo_t info;
  int sig = sigwaitinfo(&set, &info);
  printf("sigwaitinfo: %d code %d\n", sig, info.si_code);
  struct timespec ts = {0, 2000000};
  printf("sigtimedwait with nothing pending: %d\n", sigtimedwait(&set, &info, &ts));
  pthread_join(t, 0);
  return 0;
}
`;

test("sigwaitinfo takes a signal another thread sends; sigtimedwait times out", {
  skip: needCC,
}, async (t) => {
  const prog = buildC("sigwait", SIGWAIT_C, ["-static", "-O2", "-pthread"]);
  const r = hartscope(["run", prog]);
  assert.equal(r.stderr, "");
  // si_code: the kernel says SI_TKILL; glibc's sigtimedwait reports that as SI_USER (0).
  assert.equal(r.stdout, "sigwaitinfo: 10 code 0\nsigtimedwait with nothing pending: -1\n");
  await t.test("same as qemu-riscv64", { skip: needQemu }, () => {
    assert.equal(qemu([prog]).stdout, r.stdout);
  });
});

const RESTART_C = String.raw`
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static int p[2];
static pthread_t reader_thread;
static volatile int handled;
static void on_usr1(int s) { (void)s; handled++; }
static void *poke(void *arg) {
  usleep(2000);
  pthread_kill(reader_thread, SIGUSR1); /* while the reader waits on the empty pipe */
  usleep(2000);
  if (arg) write(p[1], "data", 4);
  return 0;
}
static void attempt(int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = flags;
  sigaction(SIGUSR1, &sa, 0);
  pthread_t t;
  pthread_create(&t, 0, poke, flags ? (void *)1 : 0);
  char buf[8] = {0};
  ssize_t n = read(p[0], buf, sizeof buf - 1);
  printf("%s: read %zd %s, handler ran %d\n", flags ? "SA_RESTART" : "no SA_RESTART", n,
         n < 0 ? strerror(errno) : buf, handled);
  pthread_join(t, 0);
}
int main(void) {
  pipe(p);
  reader_thread = pthread_self();
  attempt(0);
  attempt(SA_RESTART);
  return 0;
}
`;

test("a signal interrupts a blocking read: EINTR, or a restart with SA_RESTART", {
  skip: needCC,
}, async (t) => {
  const prog = buildC("restart", RESTART_C, ["-static", "-O2", "-pthread"]);
  const r = hartscope(["run", prog]);
  assert.equal(r.stderr, "");
  assert.equal(
    r.stdout,
    "no SA_RESTART: read -1 Interrupted system call, handler ran 1\nSA_RESTART: read 4 data, handler ran 2\n",
  );
  await t.test("same as qemu-riscv64", { skip: needQemu }, () => {
    assert.equal(qemu([prog]).stdout, r.stdout);
  });
});

const LONE_C = String.raw`
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long spin;
static long late;
static int p[2];

static long now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *sleeper(void *arg) {
  (void)arg;
  long deadline = now() + 1000000;
  struct timespec d = {0, 1000000};
  nanosleep(&d, 0);
  late = now() - deadline;
  return 0;
}

static void *reader(void *arg) {
  char c;
  (void)arg;
  return (void *)(long)read(p[0], &c, 1);
}

static void work(void) {
  /* ~20M instructions without a syscall */
  for (unsigned long i = 0; i < 5000000; i++) spin += i;
}

int main(void) {
  pthread_t t;
  void *got;
  pthread_create(&t, 0, sleeper, 0);
  work(); /* the sleeper's timeout passes meanwhile */
  pthread_join(t, 0);
  printf("woke %s\n", late >= 0 && late < 2 * 10000 ? "within two quanta of its deadline" : "late");
  pipe(p);
  pthread_create(&t, 0, reader, 0);
  work(); /* the reader waits all along */
  write(p[1], "x", 1);
  pthread_join(t, &got);
  printf("the reader read %ld\n", (long)got);
  return 0;
}
`;

test("a thread whose others all wait runs long slices, cut at their deadlines", { skip: needCC }, () => {
  const prog = buildC("lone", LONE_C, ["-static", "-O2", "-pthread"]);
  const r = hartscope(["run", "--stats", prog]);
  assert.equal(r.stdout, "woke within two quanta of its deadline\nthe reader read 1\n");
  // ~40M instructions, 10000 a quantum: with the reader waiting, a slice of one quantum each
  // would leave compiled code 2000 times
  const entries = Number(/([0-9]+) entries/.exec(r.stderr)?.[1]);
  assert.ok(entries < 1000, `${entries} entries from the run loop`);
});
